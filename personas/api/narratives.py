"""API: narratives (CRUD), semantic search, and trait–narrative links."""

from __future__ import annotations

from uuid import UUID

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from personai import llm
from personai.pagination import BoundedLimitOffsetPagination
from personai.validation import StrictCharField, StrictQuerySerializer
from personas.api.common import BAD_REQUEST, NARRATIVES, NOT_FOUND, Conflict, error_response, subject_or_404
from personas.models import Narrative, TraitNarrativeLink
from personas.selectors import narratives as selectors
from personas.services import narratives as services

LIMITS = (
    f"Limits: `raw_text` and `curated_text` at most {services.MAX_TEXT_CHARS:,} characters each "
    f"(`raw_text` not blank); at most {services.MAX_TAGS} `tags`, each 1–{services.MAX_TAG_CHARS} "
    "characters of a–z, 0–9, space, `-` and `_` (stored lower-case, duplicates dropped); "
    "`trait_path` a dot path such as `big_five.openness.score`, required for curations. "
    "A breach is a 400 naming the field, and nothing is written."
)
EMBEDDING = (
    "The embedding is computed after the commit, through the outbox: `embedding_status` is "
    "`pending` until then (or while the embedding model is unavailable; it is retried with "
    "backoff), `searchable` once the narrative has a vector of the configured model."
)
UNAVAILABLE = error_response("The embedding model is unavailable right now; try again later.")
CONFLICT = error_response("This narrative already has a link of this type to this trait path.")


class EmbeddingUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The embedding model is unavailable right now; try again in a moment."
    default_code = "embedding_unavailable"


# --------------------------------------------------------------------------- serializers


class TraitLinkSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    narrative = serializers.UUIDField(source="narrative_id")
    trait_path = serializers.CharField()
    link_type = serializers.ChoiceField(choices=TraitNarrativeLink.LinkType.choices)
    confidence = serializers.FloatField(allow_null=True)
    status = serializers.ChoiceField(
        choices=TraitNarrativeLink.Status.choices,
        help_text="`suggested` links were proposed from the embedding and wait for the owner.",
    )
    metadata = serializers.JSONField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "TraitNarrativeLink"


class NarrativeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    subject = serializers.UUIDField(source="subject_id")
    narrative_type = serializers.ChoiceField(choices=Narrative.NarrativeType.choices)
    raw_text = serializers.CharField()
    curated_text = serializers.CharField()
    text = serializers.CharField(help_text="The text that counts (and is embedded): curated, else raw.")
    tags = serializers.ListField(child=serializers.CharField())
    context = serializers.JSONField()
    trait_path = serializers.CharField()
    curation_action = serializers.JSONField(allow_null=True)
    source = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    created_by = serializers.UUIDField(source="created_by_id", allow_null=True)
    embedding_status = serializers.SerializerMethodField()
    embedding_model = serializers.CharField(help_text="The model of the stored vector; empty while pending.")
    embedded_at = serializers.DateTimeField(allow_null=True)
    links = TraitLinkSerializer(many=True, source="links.all")

    class Meta:
        ref_name = "Narrative"

    @extend_schema_field(serializers.ChoiceField(choices=["searchable", "pending"]))
    def get_embedding_status(self, narrative: Narrative) -> str:
        is_searchable = getattr(narrative, "is_searchable", None)  # annotated by the selectors
        if is_searchable is None:
            model = self.context.get("model") or services.configured_embedding_model()
            is_searchable = narrative.embedding is not None and narrative.embedding_model == model
        return "searchable" if is_searchable else "pending"


class NarrativeInputSerializer(serializers.Serializer):
    narrative_type = serializers.ChoiceField(choices=Narrative.NarrativeType.choices)
    raw_text = StrictCharField(max_length=services.MAX_TEXT_CHARS)
    curated_text = StrictCharField(max_length=services.MAX_TEXT_CHARS, required=False, allow_blank=True)
    tags = serializers.ListField(
        child=StrictCharField(max_length=services.MAX_TAG_CHARS, allow_blank=True),
        max_length=services.MAX_TAGS,
        required=False,
    )
    context = serializers.DictField(required=False)
    trait_path = StrictCharField(max_length=services.MAX_TRAIT_PATH_CHARS, required=False, allow_blank=True)
    curation_action = serializers.DictField(required=False, allow_null=True)
    source = StrictCharField(max_length=services.MAX_SOURCE_CHARS, required=False, allow_blank=True)

    class Meta:
        ref_name = "NarrativeInput"


class SearchParamsSerializer(StrictQuerySerializer):
    q = serializers.CharField(
        max_length=selectors.MAX_QUERY_CHARS,
        help_text=f"What to look for, 1–{selectors.MAX_QUERY_CHARS} characters (after trimming).",
    )
    k = serializers.IntegerField(
        min_value=1, max_value=selectors.MAX_K, default=selectors.DEFAULT_K, help_text="How many hits."
    )
    type = serializers.ChoiceField(
        choices=Narrative.NarrativeType.choices, required=False, help_text="Only narratives of this type."
    )
    tag = serializers.CharField(
        max_length=services.MAX_TAG_CHARS, required=False, help_text="Only narratives with this tag."
    )

    class Meta:
        ref_name = "NarrativeSearchParams"


class NarrativeListQuerySerializer(StrictQuerySerializer):
    type = serializers.ChoiceField(
        choices=Narrative.NarrativeType.choices, required=False, help_text="Only narratives of this type."
    )
    tag = serializers.CharField(
        max_length=services.MAX_TAG_CHARS, required=False, help_text="Only narratives with this tag."
    )

    class Meta:
        ref_name = "NarrativeListQuery"


class TraitLinkListQuerySerializer(StrictQuerySerializer):
    status = serializers.ChoiceField(
        choices=TraitNarrativeLink.Status.choices, required=False, help_text="Only links in this status."
    )

    class Meta:
        ref_name = "TraitLinkListQuery"


class NarrativeHitSerializer(serializers.Serializer):
    narrative = NarrativeSerializer()
    distance = serializers.FloatField(help_text="Cosine distance: 0 is the same direction.")
    score = serializers.FloatField(help_text="1 − distance: higher is closer.")


class NarrativeSearchSerializer(serializers.Serializer):
    query = serializers.CharField()
    model = serializers.CharField(help_text="The embedding model of the query (and of every hit).")
    k = serializers.IntegerField()
    not_searchable = serializers.IntegerField(
        help_text="The subject's narratives without a vector of this model yet (pending), left out."
    )
    hits = NarrativeHitSerializer(many=True)


class TraitLinkInputSerializer(serializers.Serializer):
    trait_path = StrictCharField(max_length=services.MAX_TRAIT_PATH_CHARS)
    link_type = serializers.ChoiceField(choices=TraitNarrativeLink.LinkType.choices)
    confidence = serializers.FloatField(min_value=0, max_value=1, required=False, allow_null=True)
    metadata = serializers.DictField(required=False)


class TraitLinkUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TraitNarrativeLink.Status.choices, required=False)
    confidence = serializers.FloatField(min_value=0, max_value=1, required=False, allow_null=True)
    metadata = serializers.DictField(required=False)


# --------------------------------------------------------------------------- helpers


def _narrative_or_404(user, narrative_id: UUID) -> Narrative:
    try:
        return selectors.narrative_for_user(user, narrative_id)
    except Narrative.DoesNotExist:
        raise NotFound("There is no such narrative.") from None


def _link_or_404(user, link_id: UUID) -> TraitNarrativeLink:
    try:
        return selectors.trait_link_for_user(user, link_id)
    except TraitNarrativeLink.DoesNotExist:
        raise NotFound("There is no such trait link.") from None


def _render(narrative: Narrative, model: str | None = None) -> dict:
    return NarrativeSerializer(narrative, context={"model": model}).data


def _validated(serializer_class, data, *, partial: bool = False) -> dict:
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --------------------------------------------------------------------------- narratives


class NarrativeListCreateApi(APIView):
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        operation_id="narratives_list",
        summary="A subject's narratives",
        description="Newest first. " + EMBEDDING,
        parameters=[NarrativeListQuerySerializer],
        responses={200: NarrativeSerializer(many=True), 400: BAD_REQUEST, 404: NOT_FOUND},
        tags=[NARRATIVES],
    )
    def get(self, request: Request, subject_id: UUID) -> Response:
        subject = subject_or_404(request.user, subject_id)
        params = _validated(NarrativeListQuerySerializer, request.query_params)
        narrative_type = params.get("type")
        tag = params.get("tag", "").strip().lower() or None
        queryset = selectors.narratives_filtered(subject, narrative_type=narrative_type, tag=tag)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        model = services.configured_embedding_model()
        return paginator.get_paginated_response([_render(narrative, model) for narrative in page])

    @extend_schema(
        operation_id="narratives_create",
        summary="Write a narrative about a subject",
        description=f"{LIMITS} {EMBEDDING}",
        request=NarrativeInputSerializer,
        responses={201: NarrativeSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
        tags=[NARRATIVES],
    )
    def post(self, request: Request, subject_id: UUID) -> Response:
        subject = subject_or_404(request.user, subject_id)
        data = _validated(NarrativeInputSerializer, request.data)
        try:
            narrative = services.narrative_create(subject=subject, created_by=request.user, **data)
        except services.NarrativeInvalid as exc:
            raise ValidationError(exc.errors) from exc
        narrative = selectors.narrative_for_user(request.user, narrative.pk)
        return Response(_render(narrative), status=status.HTTP_201_CREATED)


class NarrativeDetailApi(APIView):
    @extend_schema(
        operation_id="narratives_retrieve",
        summary="One narrative",
        description=EMBEDDING,
        responses={200: NarrativeSerializer, 404: NOT_FOUND},
        tags=[NARRATIVES],
    )
    def get(self, request: Request, narrative_id: UUID) -> Response:
        return Response(_render(_narrative_or_404(request.user, narrative_id)))

    @extend_schema(
        operation_id="narratives_partial_update",
        summary="Change a narrative",
        description=(
            f"Send only the fields to change. {LIMITS} Changing the text that counts (curated, else raw) "
            "clears the embedding and its suggested links and computes a new embedding."
        ),
        request=NarrativeInputSerializer(partial=True),
        responses={200: NarrativeSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
        tags=[NARRATIVES],
    )
    def patch(self, request: Request, narrative_id: UUID) -> Response:
        narrative = _narrative_or_404(request.user, narrative_id)
        data = _validated(NarrativeInputSerializer, request.data, partial=True)
        try:
            services.narrative_update(narrative=narrative, **data)
        except services.NarrativeInvalid as exc:
            raise ValidationError(exc.errors) from exc
        return Response(_render(_narrative_or_404(request.user, narrative_id)))

    @extend_schema(
        operation_id="narratives_destroy",
        summary="Delete a narrative",
        description="Its trait links go with it.",
        responses={204: None, 404: NOT_FOUND},
        tags=[NARRATIVES],
    )
    def delete(self, request: Request, narrative_id: UUID) -> Response:
        services.narrative_delete(narrative=_narrative_or_404(request.user, narrative_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class NarrativeSearchApi(APIView):
    @extend_schema(
        operation_id="narratives_search",
        summary="Search a subject's narratives by meaning",
        description=(
            "Embeds `q` with the configured embedding model and returns the `k` narratives of the "
            "subject closest to it by cosine distance (HNSW index), optionally only of one `type` or "
            "with one `tag` — a full `k` even with filters, when that many match. Only narratives "
            "embedded by the same model are compared; `not_searchable` counts the others (pending). "
            "An empty or over-long `q`, or `k` outside 1–50, is a 400; an unavailable embedding "
            "model a 503."
        ),
        parameters=[SearchParamsSerializer],
        responses={200: NarrativeSearchSerializer, 400: BAD_REQUEST, 404: NOT_FOUND, 503: UNAVAILABLE},
        tags=[NARRATIVES],
    )
    def get(self, request: Request, subject_id: UUID) -> Response:
        subject = subject_or_404(request.user, subject_id)
        params = _validated(SearchParamsSerializer, request.query_params)
        tag = params.get("tag", "").strip().lower() or None
        try:
            result = selectors.narrative_search(
                subject=subject,
                query=params["q"],
                k=params["k"],
                narrative_type=params.get("type"),
                tag=tag,
            )
        except llm.LLMError as exc:
            raise EmbeddingUnavailable(
                f"The embedding model is unavailable right now, so the search cannot run: {exc} "
                "Try again in a moment."
            ) from exc
        data = {
            "query": params["q"],
            "model": result.model,
            "k": params["k"],
            "not_searchable": result.not_searchable,
            "hits": [
                {
                    "narrative": _render(hit.narrative, result.model),
                    "distance": hit.distance,
                    "score": hit.score,
                }
                for hit in result.hits
            ],
        }
        return Response(data)


# --------------------------------------------------------------------------- trait links


class TraitLinkListCreateApi(APIView):
    @extend_schema(
        operation_id="narrative_links_list",
        summary="A narrative's trait links",
        description="Made by hand (accepted) or suggested from the embedding (suggested, accepted, rejected).",
        parameters=[TraitLinkListQuerySerializer],
        responses={200: TraitLinkSerializer(many=True), 400: BAD_REQUEST, 404: NOT_FOUND},
        tags=[NARRATIVES],
    )
    def get(self, request: Request, narrative_id: UUID) -> Response:
        narrative = _narrative_or_404(request.user, narrative_id)
        link_status = _validated(TraitLinkListQuerySerializer, request.query_params).get("status")
        links = selectors.links_for_narrative(narrative, status=link_status)
        return Response(TraitLinkSerializer(links, many=True).data)

    @extend_schema(
        operation_id="narrative_links_create",
        summary="Link a narrative to a trait",
        description=(
            "`trait_path` is a mindscape dot path; `confidence` 0–1. A link made by hand is "
            "`accepted`. One link per narrative, trait path and link type (else 409)."
        ),
        request=TraitLinkInputSerializer,
        responses={201: TraitLinkSerializer, 400: BAD_REQUEST, 404: NOT_FOUND, 409: CONFLICT},
        tags=[NARRATIVES],
    )
    def post(self, request: Request, narrative_id: UUID) -> Response:
        narrative = _narrative_or_404(request.user, narrative_id)
        data = _validated(TraitLinkInputSerializer, request.data)
        try:
            link = services.trait_link_create(narrative=narrative, created_by=request.user, **data)
        except services.TraitLinkInvalid as exc:
            raise ValidationError(exc.errors) from exc
        except services.TraitLinkExists as exc:
            raise Conflict(str(exc)) from exc
        return Response(TraitLinkSerializer(link).data, status=status.HTTP_201_CREATED)


class TraitLinkDetailApi(APIView):
    @extend_schema(
        operation_id="trait_links_retrieve",
        summary="One trait link",
        responses={200: TraitLinkSerializer, 404: NOT_FOUND},
        tags=[NARRATIVES],
    )
    def get(self, request: Request, link_id: UUID) -> Response:
        return Response(TraitLinkSerializer(_link_or_404(request.user, link_id)).data)

    @extend_schema(
        operation_id="trait_links_partial_update",
        summary="Accept or reject a suggested link",
        description="Set `status` to `accepted` or `rejected` (a rejected link is never suggested again); "
        "`confidence` (0–1) and `metadata` may change too.",
        request=TraitLinkUpdateSerializer,
        responses={200: TraitLinkSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
        tags=[NARRATIVES],
    )
    def patch(self, request: Request, link_id: UUID) -> Response:
        link = _link_or_404(request.user, link_id)
        data = _validated(TraitLinkUpdateSerializer, request.data, partial=True)
        try:
            link = services.trait_link_update(link=link, **data)
        except services.TraitLinkInvalid as exc:
            raise ValidationError(exc.errors) from exc
        return Response(TraitLinkSerializer(link).data)

    @extend_schema(
        operation_id="trait_links_destroy",
        summary="Delete a trait link",
        responses={204: None, 404: NOT_FOUND},
        tags=[NARRATIVES],
    )
    def delete(self, request: Request, link_id: UUID) -> Response:
        services.trait_link_delete(link=_link_or_404(request.user, link_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path(
        "subjects/<uuid:subject_id>/narratives/",
        NarrativeListCreateApi.as_view(),
        name="subject_narratives",
    ),
    path(
        "subjects/<uuid:subject_id>/narratives/search",
        NarrativeSearchApi.as_view(),
        name="subject_narratives_search",
    ),
    path("narratives/<uuid:narrative_id>/", NarrativeDetailApi.as_view(), name="narrative_detail"),
    path("narratives/<uuid:narrative_id>/links/", TraitLinkListCreateApi.as_view(), name="narrative_links"),
    path("trait-links/<uuid:link_id>/", TraitLinkDetailApi.as_view(), name="trait_link_detail"),
]
