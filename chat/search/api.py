"""API: one search across conversations, messages, artifacts and narratives; recent searches.

* ``GET /api/v1/search?q=&types=&limit=`` — hybrid search of what you may see, logged.
* ``GET /api/v1/search/recent/`` — your latest logged searches; ``DELETE`` clears them all.
* ``DELETE /api/v1/search/recent/{id}/`` — forget one (another user's: 404).
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chat.models import SearchQuery
from chat.search import selectors, services
from chat.search.selectors import MAX_LIMIT, MAX_QUERY_CHARS, TYPES
from personai.schema import NOT_FOUND, BadRequestSerializer
from personai.validation import StrictQuerySerializer

TAG = "search"
TYPES_PATTERN = rf"^\s*({'|'.join(TYPES)})\s*(,\s*({'|'.join(TYPES)})\s*)*$"

BAD_SEARCH = OpenApiResponse(
    BadRequestSerializer,
    description="The query is empty, longer than 500 characters or has only stop words; an unknown "
    "type; or a limit out of range. `detail` says why, `errors` by parameter. Nothing is logged.",
)


class SearchParamsSerializer(StrictQuerySerializer):
    q = serializers.CharField(
        max_length=MAX_QUERY_CHARS,
        trim_whitespace=False,  # the service trims and explains an empty query
        help_text=f'What to look for: words, "a phrase", or -word; 1–{MAX_QUERY_CHARS} characters.',
    )
    types = serializers.RegexField(
        TYPES_PATTERN,
        required=False,
        max_length=200,
        help_text=f"Comma-separated subset of {', '.join(TYPES)} (default: all).",
        error_messages={"invalid": f"Unknown type: use one or more of {', '.join(TYPES)}, comma-separated."},
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_LIMIT, default=selectors.DEFAULT_LIMIT, help_text="Hits per type."
    )

    class Meta:
        ref_name = "SearchParams"


class SearchHitSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=TYPES)
    id = serializers.UUIDField()
    title = serializers.CharField()
    detail = serializers.CharField(help_text="Where it is, e.g. who wrote a message in which conversation.")
    snippet_html = serializers.CharField(
        source="snippet", help_text="Escaped HTML; the matched words are wrapped in <mark>."
    )
    url = serializers.CharField(help_text="The page that shows it (empty when there is none).")
    score = serializers.FloatField(help_text="Reciprocal-rank-fusion score: the sum of 1/(60 + rank).")
    fts_rank = serializers.IntegerField(allow_null=True, help_text="Place in the full-text ranking.")
    vector_rank = serializers.IntegerField(allow_null=True, help_text="Place in the meaning ranking.")
    similarity = serializers.FloatField(allow_null=True, help_text="Cosine similarity to the query.")
    created_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "SearchHit"


class SearchGroupSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=TYPES)
    label = serializers.CharField()
    hits = SearchHitSerializer(many=True)

    class Meta:
        ref_name = "SearchGroup"


class SearchResultSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The logged search (see /search/recent/).")
    query = serializers.CharField()
    types = serializers.ListField(child=serializers.ChoiceField(choices=TYPES))
    model = serializers.CharField(
        help_text="Embedding model of the query; empty when only words were matched."
    )
    notes = serializers.ListField(child=serializers.CharField())
    total = serializers.IntegerField()
    groups = SearchGroupSerializer(many=True)

    class Meta:
        ref_name = "SearchResult"


class RecentSearchSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    query_text = serializers.CharField()
    search_time = serializers.DateTimeField()
    total = serializers.SerializerMethodField()

    class Meta:
        ref_name = "RecentSearch"

    def get_total(self, obj: SearchQuery) -> int:
        return int((obj.results or {}).get("total", 0))


def _bad_request(errors: dict[str, list[str]]) -> Response:
    name, messages = next(iter(errors.items()))
    return Response(
        {"detail": f"{name}: {messages[0]}", "errors": errors}, status=status.HTTP_400_BAD_REQUEST
    )


def render_results(logged: SearchQuery, results: selectors.SearchResults) -> dict:
    return SearchResultSerializer(
        {
            "id": logged.pk,
            "query": results.query,
            "types": results.types,
            "model": results.model,
            "notes": results.notes,
            "total": results.total,
            "groups": [
                {"type": kind, "label": label, "hits": hits} for kind, label, hits in results.grouped()
            ],
        }
    ).data


class SearchApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="search",
        summary="Search everything you may see",
        description=(
            "Your conversations (titles), messages, artifacts and the narratives of subjects you may "
            "see, ranked by PostgreSQL full text (in each row's language) and by meaning (embeddings "
            "of the same model), fused by reciprocal rank. Results are grouped by type, at most "
            "`limit` per type, with highlighted snippets. Every search is logged as a recent search."
        ),
        parameters=[SearchParamsSerializer],
        responses={200: SearchResultSerializer, 400: BAD_SEARCH},
    )
    def get(self, request: Request) -> Response:
        params = SearchParamsSerializer(data=request.query_params)
        if not params.is_valid():
            return _bad_request({name: [str(m) for m in msgs] for name, msgs in params.errors.items()})
        try:
            logged, results = services.search_run(
                user=request.user,
                query=params.validated_data["q"],
                types=params.validated_data.get("types"),
                limit=params.validated_data["limit"],
                language=getattr(request, "LANGUAGE_CODE", "en"),
            )
        except services.SearchInvalid as exc:
            return _bad_request(exc.errors)
        return Response(render_results(logged, results))


class RecentSearchListApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="search_recent_list",
        summary="Your recent searches",
        description=f"Your latest {selectors.RECENT_LIMIT} searches, newest first.",
        responses={200: RecentSearchSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(RecentSearchSerializer(selectors.recent_searches(request.user), many=True).data)

    @extend_schema(
        tags=[TAG],
        operation_id="search_recent_clear",
        summary="Forget all your searches",
        responses={204: None},
    )
    def delete(self, request: Request) -> Response:
        services.search_log_clear(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecentSearchDetailApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="search_recent_delete",
        summary="Forget one search",
        responses={204: None, 404: NOT_FOUND},
    )
    def delete(self, request: Request, search_id) -> Response:
        try:
            search = selectors.search_log_for_user(request.user, search_id)
        except SearchQuery.DoesNotExist:
            raise NotFound("There is no such search.") from None
        services.search_log_delete(search=search)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("search", SearchApi.as_view(), name="search"),
    path("search/recent/", RecentSearchListApi.as_view(), name="search_recent"),
    path("search/recent/<uuid:search_id>/", RecentSearchDetailApi.as_view(), name="search_recent_delete"),
]
