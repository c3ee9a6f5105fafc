"""JSON API for the questionnaire library.

The catalogue and one questionnaire as respondents see it are public (`AllowAny`): published
instruments are public information, and a client needs them before anyone signs in. Unpublished
versions are shown to staff only.

Staff also move whole versions in and out as `personai.questionnaire/1` documents
(docs/questionnaire-format.md): `GET questionnaires/<slug>/document/` is exactly what
`export_questionnaire` writes, and `POST questionnaires/import/` is `import_questionnaire`.
Because `import` is a route of its own, no questionnaire imported through the API may be slugged
"import" (its detail URL would be the import endpoint).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from personai.validation import StrictQuerySerializer
from questionnaires import importing, selectors

PUBLIC = (
    "Public: published instruments are public information, so no authentication is needed "
    "(an API key or session is accepted)."
)
LANG_PARAMETER = OpenApiParameter(
    "lang",
    str,
    description="Locale of the texts, e.g. `de`. Unknown locales fall back to the questionnaire's default.",
)


class QuestionnaireAnalysisModelRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class QuestionnaireSectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField(allow_blank=True)


class QuestionnaireOptionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="The number range rules use.")


class QuestionnaireBranchRuleSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["show", "skip"])
    logic = serializers.JSONField(help_text="JSON Logic over answers to earlier items, by item key.")


class QuestionnaireItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    section = serializers.CharField(allow_blank=True)
    type = serializers.ChoiceField(choices=["boolean", "scalar", "single_choice", "multi_choice", "text"])
    text = serializers.CharField()
    help_text = serializers.CharField(allow_blank=True)
    required = serializers.BooleanField()
    config = serializers.JSONField(
        help_text="scalar: min, max, step, min_label, max_label; see the file format."
    )
    options = QuestionnaireOptionSerializer(many=True)
    branch = QuestionnaireBranchRuleSerializer(many=True)


class QuestionnaireDimensionSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField(allow_null=True, help_text="Slug of the domain, for a facet.")


class QuestionnaireAnalysisModelSerializer(QuestionnaireAnalysisModelRefSerializer):
    dimensions = QuestionnaireDimensionSerializer(many=True)


class QuestionnaireDetailSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    locale = serializers.CharField(help_text="Locale the texts are in.")
    available_locales = serializers.ListField(child=serializers.CharField())
    version = serializers.IntegerField()
    is_active = serializers.BooleanField()
    published_at = serializers.DateTimeField(allow_null=True)
    instructions = serializers.CharField(allow_blank=True)
    sections = QuestionnaireSectionSerializer(many=True)
    items = QuestionnaireItemSerializer(many=True)
    analysis_model = QuestionnaireAnalysisModelSerializer()


class QuestionnaireSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    default_locale = serializers.CharField()
    active_version = serializers.IntegerField(help_text="Number of the version new sessions use.")
    item_count = serializers.IntegerField()
    analysis_model = QuestionnaireAnalysisModelRefSerializer()


class QuestionnaireListApi(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = QuestionnaireSummarySerializer

    def get_queryset(self):
        return selectors.questionnaire_list_published()

    @extend_schema(
        operation_id="questionnaires_list",
        summary="Published questionnaires",
        description=PUBLIC,
        parameters=[LANG_PARAMETER],
        tags=["questionnaires"],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        locale = request.query_params.get("lang") or None
        data = [selectors.questionnaire_summary(q, locale=locale) for q in page]
        return self.get_paginated_response(self.serializer_class(data, many=True).data)


class QuestionnaireDetailApi(APIView):
    permission_classes = [AllowAny]

    class QuerySerializer(StrictQuerySerializer):
        version = serializers.IntegerField(
            required=False,
            min_value=1,
            help_text="Version number; default: the active version. Unpublished versions: staff only.",
            error_messages={
                "invalid": "version must be a whole number, e.g. ?version=2.",
                "min_value": "version must be 1 or more.",
                "max_string_length": "version is too long.",
            },
        )
        lang = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=35,
            help_text="Locale of the texts, e.g. de (falls back to the default).",
        )

    OutputSerializer = QuestionnaireDetailSerializer

    @extend_schema(
        operation_id="questionnaires_retrieve",
        summary="One questionnaire as respondents see it",
        description=(
            f"{PUBLIC} Returns the active version, or `?version=N`. Items come in display order with "
            "their options and branch rules (`show`: display only when the logic is true; `skip`: "
            "skip when true), so clients can apply the skip logic themselves."
        ),
        parameters=[QuerySerializer],
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(description="Invalid query parameter, e.g. ?version=abc."),
            404: OpenApiResponse(description="No such questionnaire or version."),
        },
        tags=["questionnaires"],
    )
    def get(self, request: Request, slug: str) -> Response:
        query = self.QuerySerializer(data=request.query_params)
        if not query.is_valid():
            first = next(iter(query.errors.values()))[0]
            raise ValidationError({"detail": str(first), "errors": query.errors})
        number = query.validated_data.get("version")
        version = selectors.version_for_display(
            slug=slug, number=number, include_unpublished=request.user.is_staff
        )
        if version is None:
            if number is None:
                raise NotFound(f'There is no published questionnaire "{slug}".')
            raise NotFound(f'Questionnaire "{slug}" has no version {number}.')
        data = selectors.version_display(version, locale=query.validated_data.get("lang"))
        return Response(self.OutputSerializer(data).data)


# --------------------------------------------------------------------------- documents (staff)

STAFF_ONLY = (
    "Staff only: anonymous callers get 401, other users 403. Authenticate with an API key or a staff session."
)
RESERVED_SLUGS = frozenset({"import"})  # path segments of questionnaires/ that are not slugs


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    """Validated query parameters, or a 400 naming the first problem (as the detail endpoint does)."""
    query = serializer_class(data=request.query_params)
    if not query.is_valid():
        first = next(iter(query.errors.values()))[0]
        raise ValidationError({"detail": str(first), "errors": query.errors})
    return query.validated_data


class QuestionnaireErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence a person can act on.")

    class Meta:
        ref_name = "QuestionnaireError"


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(QuestionnaireErrorSerializer, description=description)


NOT_AUTHENTICATED = _error("Not authenticated.")
NOT_STAFF = _error("Authenticated, but not staff.")


class QuestionnaireDocumentApi(APIView):
    permission_classes = [IsAdminUser]

    class QuerySerializer(StrictQuerySerializer):
        version = serializers.IntegerField(
            required=False,
            min_value=1,
            help_text="Version number; default: the active version. Drafts can be exported too.",
            error_messages={
                "invalid": "version must be a whole number, e.g. ?version=2.",
                "min_value": "version must be 1 or more.",
                "max_string_length": "version is too long.",
            },
        )
        download = serializers.BooleanField(
            required=False,
            default=False,
            help_text="1 or true: answer with Content-Disposition attachment; filename=<slug>-v<N>.json.",
            error_messages={"invalid": "download must be true or false, e.g. ?download=1."},
        )

    @extend_schema(
        operation_id="questionnaires_document_retrieve",
        summary="One questionnaire version as a personai.questionnaire/1 document (staff)",
        description=(
            f"{STAFF_ONLY} The body is byte for byte the file `manage.py export_questionnaire` writes "
            "(keys sorted, two-space indent, UTF-8), so it can be stored, edited and imported again "
            "with `POST /api/v1/questionnaires/import/`. Format: docs/questionnaire-format.md."
        ),
        parameters=[QuerySerializer],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The document (personai.questionnaire/1)."),
            400: _error("Invalid query parameter, e.g. ?version=abc."),
            401: NOT_AUTHENTICATED,
            403: NOT_STAFF,
            404: _error("No such questionnaire or version."),
        },
        tags=["questionnaires"],
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        query = _query(self.QuerySerializer, request)
        number = query.get("version")
        if number is None:
            version = selectors.version_active(questionnaire_slug=slug)
            if version is None:
                raise NotFound(
                    f'Questionnaire "{slug}" has no active version; ask for a draft with ?version=N.'
                )
        else:
            version = selectors.version_get(questionnaire_slug=slug, number=number)
            if version is None:
                raise NotFound(f'Questionnaire "{slug}" has no version {number}.')
        # A plain HttpResponse, not a rendered Response: the body is exactly export_json's text.
        response = HttpResponse(importing.export_json(version), content_type="application/json")
        if query["download"]:
            response["Content-Disposition"] = content_disposition_header(
                as_attachment=True, filename=f"{version.questionnaire.slug}-v{version.version}.json"
            )
        return response


class QuestionnaireImportApi(APIView):
    permission_classes = [IsAdminUser]

    class QuerySerializer(StrictQuerySerializer):
        draft = serializers.BooleanField(
            required=False,
            default=False,
            help_text="true: import an unpublished draft. Default: publish the version (it becomes active).",
            error_messages={"invalid": "draft must be true or false, e.g. ?draft=true."},
        )

    class OutputSerializer(serializers.Serializer):
        questionnaire = serializers.CharField(help_text="Slug of the questionnaire.")
        version = serializers.IntegerField(help_text="Number of the imported version.")
        created = serializers.BooleanField(
            help_text="false: the identical version was already there; no new version was written."
        )
        updated = serializers.BooleanField(
            help_text="The analysis model or the questionnaire's details (title, translations…) were updated."
        )
        published = serializers.BooleanField(help_text="Whether the version is published.")

        class Meta:
            ref_name = "QuestionnaireImportResult"

    class InvalidSerializer(serializers.Serializer):
        detail = serializers.CharField()
        errors = serializers.ListField(
            child=serializers.CharField(),
            required=False,
            help_text='Every problem, as "<JSON path>: <message>", in document order.',
        )

        class Meta:
            ref_name = "QuestionnaireImportInvalid"

    @extend_schema(
        operation_id="questionnaires_import",
        summary="Import a questionnaire version from a personai.questionnaire/1 document (staff)",
        description=(
            f"{STAFF_ONLY} The body is the document itself (docs/questionnaire-format.md), as "
            "`GET /api/v1/questionnaires/{slug}/document/` returns it. The whole document is checked "
            "first, and nothing is written if anything is wrong: the 400 lists every problem with "
            "its JSON path. The new version is published and becomes active unless `?draft=true`. "
            "Importing a version that already exists with identical content changes nothing "
            '(200, `created` false). The slug "import" is reserved.'
        ),
        parameters=[QuerySerializer],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            201: OpenApiResponse(OutputSerializer, description="The version was created."),
            200: OpenApiResponse(OutputSerializer, description="The identical version was already there."),
            400: OpenApiResponse(
                InvalidSerializer,
                description="Not a valid document (or not JSON, or a bad query parameter); nothing written.",
                examples=[
                    OpenApiExample(
                        "Unknown dimension",
                        value={
                            "detail": "The questionnaire file has 1 error.",
                            "errors": ['$.version.items[3].mappings[0].dimension: unknown dimension "n9"'],
                        },
                    )
                ],
            ),
            401: NOT_AUTHENTICATED,
            403: NOT_STAFF,
        },
        tags=["questionnaires"],
    )
    def post(self, request: Request) -> Response:
        query = self.QuerySerializer(data=request.query_params)
        if not query.is_valid():
            # This endpoint's `errors` is a list of "where: what" lines (InvalidSerializer).
            return _invalid(
                [f"?{name}: {message}" for name, messages in query.errors.items() for message in messages],
                detail="A query parameter is invalid; nothing was imported.",
            )
        publish = not query.validated_data["draft"]
        document = request.data
        if not isinstance(document, dict):
            return _invalid(
                [f"$: must be an object (the questionnaire document), not {_json_kind(document)}"],
                detail="The request body must be a JSON object: the questionnaire document.",
            )
        reserved = _reserved_slug_error(document)
        if reserved:
            return _invalid([reserved])
        try:
            result = importing.import_document(document, publish=publish)
        except importing.ImportValidationError as exc:
            return _invalid(exc.errors)
        version = result.version
        data = {
            "questionnaire": version.questionnaire.slug,
            "version": version.version,
            "created": result.created,
            "updated": result.updated,
            "published": version.published_at is not None,
        }
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(self.OutputSerializer(data).data, status=code)


def _invalid(errors: list[str], *, detail: str | None = None) -> Response:
    count = len(errors)
    detail = detail or f"The questionnaire file has {count} error{'' if count == 1 else 's'}."
    return Response({"detail": detail, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def _reserved_slug_error(document: dict) -> str | None:
    questionnaire = document.get("questionnaire")
    slug = questionnaire.get("slug") if isinstance(questionnaire, dict) else None
    if isinstance(slug, str) and slug in RESERVED_SLUGS:
        return (
            f'$.questionnaire.slug: "{slug}" is reserved (questionnaires/{slug}/ is the import '
            "endpoint); choose another slug"
        )
    return None


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null" if value is None else type(value).__name__
