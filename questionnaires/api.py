"""JSON API for the questionnaire library: the catalogue and one questionnaire as respondents see it.

Both endpoints are public (`AllowAny`): published instruments are public information, and a client
needs them before anyone signs in. Unpublished versions are shown to staff only.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from questionnaires import selectors

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

    class QuerySerializer(serializers.Serializer):
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
