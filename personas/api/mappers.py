"""API: mapper configs (versioned rule sets), their lifecycle, and dry runs.

Signed-in users see active versions; staff see every version and create, activate and deprecate
them. A dry run evaluates a version against a subject's mindscape (staff, or a user for their own
subject) or against traits given inline, and explains which rules fired and why.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.urls import path
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from personai.pagination import BoundedLimitOffsetPagination
from personai.validation import StrictQuerySerializer
from personas import rules
from personas.api.common import BAD_REQUEST, MAPPERS, NOT_FOUND, Conflict, error_response, subject_or_404
from personas.models import MapperConfig
from personas.selectors import mappers as selectors
from personas.selectors.mindscapes import mindscape_for_subject
from personas.services import mappers as services

FORBIDDEN = error_response("Staff only.")
CONFLICT = error_response("The lifecycle change conflicts with the current state.")
MAX_INLINE_TRAITS_CHARS = 200_000

EXAMPLE_CONFIGURATION = {
    "metadata": {"name": "Productivity pattern optimiser", "author": "staff@example.com"},
    "rules": [
        {
            "id": "morning-person-deep-work",
            "conditions": {
                "all": [
                    {
                        "type": "trait_check",
                        "trait": "work.chronotype",
                        "operator": "equals",
                        "value": "morning",
                    }
                ]
            },
            "actions": [
                {
                    "type": "suggestion",
                    "category": "working_style",
                    "template": "Schedule deep work in the morning",
                    "priority": "high",
                }
            ],
        }
    ],
}


# --------------------------------------------------------------------------- serializers


class FeedbackStatsSerializer(serializers.Serializer):
    mean_rating = serializers.FloatField(
        allow_null=True, help_text="Mean of the 1–5 ratings; null without any."
    )
    rating_count = serializers.IntegerField()
    feedback_count = serializers.IntegerField()
    helpful_count = serializers.IntegerField()
    not_helpful_count = serializers.IntegerField()

    class Meta:
        ref_name = "MapperFeedbackStats"


class MapperSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    config_id = serializers.CharField()
    version = serializers.IntegerField()
    status = serializers.ChoiceField(choices=MapperConfig.Status.choices)
    name = serializers.SerializerMethodField()
    rule_count = serializers.SerializerMethodField()
    persona_ttl_hours = serializers.IntegerField()
    usage_count = serializers.IntegerField()
    mean_rating = serializers.SerializerMethodField()
    rating_count = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "MapperSummary"

    def get_name(self, mapper: MapperConfig) -> str:
        metadata = mapper.configuration.get("metadata") if isinstance(mapper.configuration, dict) else None
        return str(metadata.get("name", "")) if isinstance(metadata, dict) else ""

    def get_rule_count(self, mapper: MapperConfig) -> int:
        rules_list = mapper.configuration.get("rules") if isinstance(mapper.configuration, dict) else None
        return len(rules_list) if isinstance(rules_list, list) else 0

    def get_mean_rating(self, mapper: MapperConfig) -> float | None:
        mean = getattr(mapper, "mean_rating", None)
        return round(mean, 2) if mean is not None else None

    def get_rating_count(self, mapper: MapperConfig) -> int:
        return getattr(mapper, "rating_count", 0) or 0


class MapperDetailSerializer(MapperSummarySerializer):
    configuration = serializers.JSONField()
    metadata = serializers.JSONField()
    feedback = FeedbackStatsSerializer(source="feedback_stats")

    class Meta:
        ref_name = "MapperDetail"

    def get_mean_rating(self, mapper: MapperConfig) -> float | None:
        return mapper.feedback_stats["mean_rating"]

    def get_rating_count(self, mapper: MapperConfig) -> int:
        return mapper.feedback_stats["rating_count"]


class MapperListQuerySerializer(StrictQuerySerializer):
    config_id = serializers.CharField(
        required=False, max_length=255, help_text="Only versions of this mapper."
    )
    status = serializers.ChoiceField(
        required=False, choices=MapperConfig.Status.choices, help_text="Only versions in this status."
    )

    class Meta:
        ref_name = "MapperListQuery"


class MapperCreateSerializer(serializers.Serializer):
    config_id = serializers.CharField(
        max_length=255, help_text="Which mapper this is a version of, e.g. persona-guidance."
    )
    configuration = serializers.JSONField(
        help_text="metadata and rules; checked against the mapper schema, errors by JSON path."
    )
    persona_ttl_hours = serializers.IntegerField(
        required=False,
        default=24,
        min_value=1,
        max_value=services.MAX_TTL_HOURS,
        help_text="How long a persona generated with this version stays current.",
    )

    class Meta:
        ref_name = "MapperCreate"


class DryRunInputSerializer(serializers.Serializer):
    subject_id = serializers.UUIDField(required=False, help_text="Evaluate against this subject's mindscape.")
    traits = serializers.JSONField(required=False, help_text="Or: a traits tree given inline.")

    class Meta:
        ref_name = "MapperDryRunInput"

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        has_subject, has_traits = "subject_id" in attrs, "traits" in attrs
        if has_subject == has_traits:
            raise ValidationError(
                {"subject_id": ["Give either subject_id or traits (an object), not both and not neither."]}
            )
        if has_traits:
            if not isinstance(attrs["traits"], dict):
                raise ValidationError({"traits": ["Must be a JSON object (a traits tree)."]})
            if len(str(attrs["traits"])) > MAX_INLINE_TRAITS_CHARS:
                raise ValidationError({"traits": [f"At most {MAX_INLINE_TRAITS_CHARS} characters."]})
        return attrs


class RuleActionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=rules.ACTION_TYPES)
    category = serializers.ChoiceField(choices=rules.CATEGORIES)
    text = serializers.CharField()
    priority = serializers.ChoiceField(choices=rules.PRIORITIES)

    class Meta:
        ref_name = "MapperRuleAction"


class RuleOutcomeSerializer(serializers.Serializer):
    rule_id = serializers.CharField()
    fired = serializers.BooleanField()
    priority = serializers.ChoiceField(choices=rules.PRIORITIES)
    description = serializers.CharField()
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="One line per condition checked."
    )
    actions = RuleActionSerializer(many=True, help_text="Rendered actions; empty when the rule did not fire.")

    class Meta:
        ref_name = "MapperRuleOutcome"


class EvaluationSerializer(serializers.Serializer):
    rule_count = serializers.IntegerField()
    fired_count = serializers.IntegerField()
    fired_rule_ids = serializers.ListField(child=serializers.CharField())
    outcomes = RuleOutcomeSerializer(
        many=True, help_text="Every rule, high priority first, then config order."
    )

    class Meta:
        ref_name = "MapperEvaluation"


class DryRunSerializer(serializers.Serializer):
    mapper = MapperSummarySerializer()
    source = serializers.ChoiceField(choices=["subject", "traits"])
    subject_id = serializers.UUIDField(allow_null=True)
    mindscape_version = serializers.IntegerField(allow_null=True)
    evaluation = EvaluationSerializer()
    guidance = serializers.DictField(
        child=RuleActionSerializer(many=True), help_text="The fired rules' actions by category."
    )

    class Meta:
        ref_name = "MapperDryRun"


# --------------------------------------------------------------------------- helpers


def _mapper_or_404(user, mapper_id: UUID) -> MapperConfig:
    try:
        return selectors.mapper_for_user(user, mapper_id)
    except MapperConfig.DoesNotExist:
        raise NotFound("There is no such mapper version.") from None


def _staff_only(request: Request, what: str) -> None:
    if not request.user.is_staff:
        raise PermissionDenied(f"Only staff can {what}.")


STAFF_ONLY_METADATA = ("activated_by",)


def _detail(mapper: MapperConfig, user) -> dict:
    mapper.feedback_stats = selectors.mapper_feedback_stats(mapper).as_dict()
    data = MapperDetailSerializer(mapper).data
    if not user.is_staff:
        data["metadata"] = {k: v for k, v in (data["metadata"] or {}).items() if k not in STAFF_ONLY_METADATA}
    return data


def _service_error(exc: services.MapperError) -> Exception:
    if isinstance(exc, services.MapperConfigInvalid):
        return ValidationError({"detail": exc.message, "errors": exc.errors})
    return Conflict(exc.message)


# --------------------------------------------------------------------------- endpoints


class MapperListCreateApi(APIView):
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        operation_id="mappers_list",
        summary="Mapper versions",
        description="Active versions; staff also see drafts and deprecated ones. Newest version first per config_id.",
        parameters=[MapperListQuerySerializer],
        responses={200: MapperSummarySerializer(many=True)},
        tags=[MAPPERS],
    )
    def get(self, request: Request) -> Response:
        query = MapperListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        queryset = selectors.mapper_list(
            request.user,
            config_id=query.validated_data.get("config_id"),
            status=query.validated_data.get("status"),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(MapperSummarySerializer(page, many=True).data)

    @extend_schema(
        operation_id="mappers_create",
        summary="Create a mapper version (staff)",
        description=(
            "Stores the configuration as the next version of `config_id`, as a draft. An invalid configuration "
            'is a 400 with `errors.configuration` keyed by JSON path (e.g. "rules.2.conditions.all.0.operator"); '
            "nothing is written."
        ),
        request=MapperCreateSerializer,
        responses={201: MapperDetailSerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
        examples=[
            OpenApiExample(
                "A one-rule mapper",
                value={
                    "config_id": "productivity",
                    "configuration": EXAMPLE_CONFIGURATION,
                    "persona_ttl_hours": 24,
                },
                request_only=True,
            )
        ],
        tags=[MAPPERS],
    )
    def post(self, request: Request) -> Response:
        _staff_only(request, "create mapper versions")
        serializer = MapperCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            mapper = services.mapper_create(
                config_id=data["config_id"],
                configuration=data["configuration"],
                persona_ttl_hours=data["persona_ttl_hours"],
                created_by=request.user,
            )
        except services.MapperError as exc:
            raise _service_error(exc) from None
        return Response(_detail(mapper, request.user), status=status.HTTP_201_CREATED)


class MapperDetailApi(APIView):
    @extend_schema(
        operation_id="mappers_retrieve",
        summary="One mapper version",
        description="With its configuration, usage_count, and the feedback on personas built with it.",
        responses={200: MapperDetailSerializer, 404: NOT_FOUND},
        tags=[MAPPERS],
    )
    def get(self, request: Request, mapper_id: UUID) -> Response:
        return Response(_detail(_mapper_or_404(request.user, mapper_id), request.user))


class MapperActivateApi(APIView):
    @extend_schema(
        operation_id="mappers_activate",
        summary="Activate a mapper version (staff)",
        description=(
            "Deprecates the active version of the same config_id and activates this one, in one transaction. "
            "Activating a deprecated version rolls back to it; an active one is left as it is."
        ),
        request=None,
        responses={
            200: MapperDetailSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
        },
        tags=[MAPPERS],
    )
    def post(self, request: Request, mapper_id: UUID) -> Response:
        _staff_only(request, "activate mapper versions")
        mapper = _mapper_or_404(request.user, mapper_id)
        try:
            mapper = services.mapper_activate(mapper=mapper, activated_by=request.user)
        except services.MapperError as exc:
            raise _service_error(exc) from None
        return Response(_detail(mapper, request.user))


class MapperDeprecateApi(APIView):
    @extend_schema(
        operation_id="mappers_deprecate",
        summary="Deprecate a mapper version (staff)",
        description="Deprecating the active version leaves its config_id without an active mapper.",
        request=None,
        responses={200: MapperDetailSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=[MAPPERS],
    )
    def post(self, request: Request, mapper_id: UUID) -> Response:
        _staff_only(request, "deprecate mapper versions")
        mapper = services.mapper_deprecate(mapper=_mapper_or_404(request.user, mapper_id))
        return Response(_detail(mapper, request.user))


class MapperDryRunApi(APIView):
    @extend_schema(
        operation_id="mappers_dry_run",
        summary="Dry-run a mapper version",
        description=(
            "Evaluates the version's rules against a subject's mindscape (`subject_id`: staff, or your own "
            "subject; another user's is a 404) or against a `traits` tree given inline, and explains every "
            "rule: whether it fired, why (one line per check), and its rendered actions. Nothing is written."
        ),
        request=DryRunInputSerializer,
        responses={200: DryRunSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
        examples=[
            OpenApiExample(
                "Inline traits",
                value={
                    "traits": {"big_five": {"openness": {"score": 72.5}}, "work": {"chronotype": "morning"}}
                },
                request_only=True,
            )
        ],
        tags=[MAPPERS],
    )
    def post(self, request: Request, mapper_id: UUID) -> Response:
        mapper = _mapper_or_404(request.user, mapper_id)
        serializer = DryRunInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subject_id = mindscape_version = None
        if "subject_id" in data:
            subject = subject_or_404(request.user, data["subject_id"])
            mindscape = mindscape_for_subject(subject)
            if mindscape is None or not mindscape.traits:
                raise ValidationError(
                    {
                        "detail": "This subject has no scored results yet, so there is nothing to evaluate: "
                        "complete and submit a questionnaire first (or pass traits inline).",
                        "errors": {"subject_id": ["The subject has no mindscape yet."]},
                    }
                )
            traits, subject_id, mindscape_version = mindscape.traits, subject.pk, mindscape.version
        else:
            traits = data["traits"]
        evaluation = rules.evaluate(mapper.configuration, traits)
        result = {
            "mapper": mapper,
            "source": "subject" if subject_id else "traits",
            "subject_id": subject_id,
            "mindscape_version": mindscape_version,
            "evaluation": evaluation.as_dict(),
            "guidance": evaluation.actions_by_category(),
        }
        return Response(DryRunSerializer(result).data)


urlpatterns = [
    path("mappers/", MapperListCreateApi.as_view(), name="mapper-list"),
    path("mappers/<uuid:mapper_id>/", MapperDetailApi.as_view(), name="mapper-detail"),
    path("mappers/<uuid:mapper_id>/activate/", MapperActivateApi.as_view(), name="mapper-activate"),
    path("mappers/<uuid:mapper_id>/deprecate/", MapperDeprecateApi.as_view(), name="mapper-deprecate"),
    path("mappers/<uuid:mapper_id>/dry-run/", MapperDryRunApi.as_view(), name="mapper-dry-run"),
]
