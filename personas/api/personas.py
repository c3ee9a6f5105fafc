"""API: personas (history, generate, current, detail, retry) and feedback on a persona.

A user sees the personas of their own subjects (and of subjects they manage); staff see all;
anything else is a 404. Generation is asynchronous: POST answers 202 with the persona in status
``generating`` and a Location to poll.
"""

from __future__ import annotations

from uuid import UUID

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from personai.pagination import BoundedLimitOffsetPagination
from personai.validation import StrictCharField
from personas.api.common import (
    BAD_REQUEST,
    FEEDBACK,
    NOT_FOUND,
    PERSONAS,
    Conflict,
    error_response,
    subject_or_404,
)
from personas.models import Feedback, MapperConfig, Persona
from personas.selectors import mappers as mapper_selectors
from personas.selectors import personas as persona_selectors
from personas.services import personas as persona_services

# --------------------------------------------------------------------------- serializers


class PersonaSerializer(serializers.ModelSerializer):
    subject = serializers.UUIDField(source="subject_id", read_only=True)
    is_expired = serializers.BooleanField(read_only=True)
    illustration_url = serializers.SerializerMethodField()

    class Meta:
        model = Persona
        ref_name = "Persona"
        fields = [
            "id",
            "subject",
            "status",
            "name",
            "description",
            "illustration_url",
            "mapper_config_id",
            "mapper_version",
            "error",
            "created_at",
            "updated_at",
            "expires_at",
            "is_expired",
        ]
        read_only_fields = fields

    def get_illustration_url(self, persona: Persona) -> str | None:
        if not persona.illustration_svg or not persona.illustration_url:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(persona.illustration_url) if request else persona.illustration_url


class NarrativeUsageSerializer(serializers.Serializer):
    narrative_id = serializers.UUIDField()
    text = serializers.CharField()
    usage_type = serializers.CharField()
    relevance_score = serializers.FloatField(allow_null=True)
    usage_context = serializers.JSONField()


class RuleFiredSerializer(serializers.Serializer):
    rule_id = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    priority = serializers.CharField()


class PersonaDetailSerializer(PersonaSerializer):
    voice_sample = serializers.SerializerMethodField()
    narratives = serializers.SerializerMethodField()
    rules_fired = serializers.SerializerMethodField()

    class Meta(PersonaSerializer.Meta):
        ref_name = "PersonaDetail"
        fields = [
            *PersonaSerializer.Meta.fields,
            "voice_sample",
            "core",
            "overlay",
            "persona_prompt",
            "metadata",
            "narratives",
            "rules_fired",
        ]
        read_only_fields = fields

    def get_voice_sample(self, persona: Persona) -> str:
        return (persona.metadata or {}).get("voice_sample", "")

    @extend_schema_field(NarrativeUsageSerializer(many=True))
    def get_narratives(self, persona: Persona) -> list[dict]:
        return [
            {
                "narrative_id": usage.narrative_id,
                "text": usage.narrative.text,
                "usage_type": usage.usage_type,
                "relevance_score": usage.relevance_score,
                "usage_context": usage.usage_context,
            }
            for usage in persona_selectors.persona_usages(persona)
        ]

    @extend_schema_field(RuleFiredSerializer(many=True))
    def get_rules_fired(self, persona: Persona) -> list[dict]:
        return [
            {
                "rule_id": rule.get("rule_id", ""),
                "reasons": rule.get("reasons", []),
                "priority": rule.get("priority", ""),
            }
            for rule in (persona.metadata or {}).get("rules", [])
        ]


class PersonaCreateSerializer(serializers.Serializer):
    mapper_config_id = StrictCharField(
        required=False,
        max_length=255,
        help_text="Which mapper's active version to use (default: the built-in persona-guidance mapper).",
    )

    class Meta:
        ref_name = "PersonaCreate"


class FeedbackInputSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    helpful = serializers.BooleanField(required=False, allow_null=True)
    comment = StrictCharField(
        required=False, allow_blank=True, max_length=persona_services.MAX_COMMENT_CHARS, trim_whitespace=True
    )
    context = serializers.JSONField(required=False, help_text="Task context (a JSON object).")
    rule_id = StrictCharField(
        required=False, allow_blank=True, max_length=255, help_text="The rule whose suggestion this rates."
    )

    class Meta:
        ref_name = "PersonaFeedbackInput"

    def validate_context(self, value):
        if not isinstance(value, dict):
            raise ValidationError("Must be a JSON object.")
        return value


class FeedbackSerializer(serializers.ModelSerializer):
    persona = serializers.UUIDField(source="persona_id", read_only=True)

    class Meta:
        model = Feedback
        ref_name = "PersonaFeedback"
        fields = [
            "id",
            "persona",
            "rating",
            "helpful",
            "comment",
            "context",
            "rule_id",
            "mapper_version",
            "created_at",
        ]
        read_only_fields = fields


# --------------------------------------------------------------------------- helpers


def _persona_or_404(user, persona_id: UUID) -> Persona:
    try:
        return persona_selectors.persona_for_user(user, persona_id)
    except Persona.DoesNotExist:
        raise NotFound("There is no such persona.") from None


def _detail(request: Request, persona: Persona) -> dict:
    return PersonaDetailSerializer(persona, context={"request": request}).data


# --------------------------------------------------------------------------- views


class SubjectPersonaListCreateApi(APIView):
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        operation_id="subject_personas_list",
        summary="A subject's personas",
        description="Every persona of the subject, newest first (the first is the current one).",
        responses={200: PersonaSerializer(many=True), 404: NOT_FOUND},
        tags=[PERSONAS],
    )
    def get(self, request: Request, subject_id: UUID) -> Response:
        subject = subject_or_404(request.user, subject_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            persona_selectors.personas_for_subject(subject), request, view=self
        )
        return paginator.get_paginated_response(
            PersonaSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(
        operation_id="subject_personas_generate",
        summary="Generate a persona",
        description="Starts generating a persona of the subject from its mindscape, the active mapper's "
        "rules, its narratives and survey aggregates. Answers 202 with the persona in status `generating` "
        "(or the one already generating) and a `Location` to poll.",
        request=PersonaCreateSerializer,
        responses={
            202: PersonaDetailSerializer,
            400: BAD_REQUEST,
            404: NOT_FOUND,
            409: error_response("The subject has no scored questionnaire yet."),
        },
        tags=[PERSONAS],
    )
    def post(self, request: Request, subject_id: UUID) -> Response:
        subject = subject_or_404(request.user, subject_id)
        serializer = PersonaCreateSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        mapper: MapperConfig | None = None
        config_id = serializer.validated_data.get("mapper_config_id")
        if config_id:
            mapper = mapper_selectors.mapper_active(config_id)
            if mapper is None:
                raise ValidationError(
                    {"mapper_config_id": [f"No active mapper configuration “{config_id}”."]}
                )
        try:
            persona = persona_services.persona_request(
                subject=subject, requested_by=request.user, mapper=mapper
            )
        except persona_services.NoScores as exc:
            raise Conflict(exc.message) from None
        location = request.build_absolute_uri(f"/api/v1/personas/{persona.pk}/")
        return Response(
            _detail(request, persona), status=status.HTTP_202_ACCEPTED, headers={"Location": location}
        )


class SubjectCurrentPersonaApi(APIView):
    @extend_schema(
        operation_id="subject_persona_current",
        summary="A subject's current persona",
        description="The subject's latest persona (whatever its status); 404 when it has none.",
        responses={200: PersonaDetailSerializer, 404: NOT_FOUND},
        tags=[PERSONAS],
    )
    def get(self, request: Request, subject_id: UUID) -> Response:
        subject = subject_or_404(request.user, subject_id)
        persona = persona_selectors.persona_current(subject)
        if persona is None:
            raise NotFound("This subject has no persona yet.")
        return Response(_detail(request, persona))


class PersonaDetailApi(APIView):
    @extend_schema(
        operation_id="personas_retrieve",
        summary="A persona",
        description="Core and overlay facts, the persona prompt, the prose, the illustration's URL, status "
        "(with the error when failed), expiry, generation metadata, and which narratives and rules shaped it.",
        responses={200: PersonaDetailSerializer, 404: NOT_FOUND},
        tags=[PERSONAS],
    )
    def get(self, request: Request, persona_id: UUID) -> Response:
        return Response(_detail(request, _persona_or_404(request.user, persona_id)))


class PersonaRetryApi(APIView):
    @extend_schema(
        operation_id="personas_retry",
        summary="Retry a failed persona",
        request=None,
        responses={
            202: PersonaDetailSerializer,
            404: NOT_FOUND,
            409: error_response("The persona has not failed (it is generating or ready)."),
        },
        tags=[PERSONAS],
    )
    def post(self, request: Request, persona_id: UUID) -> Response:
        persona = _persona_or_404(request.user, persona_id)
        try:
            persona = persona_services.persona_retry(persona=persona)
        except persona_services.NotRetryable as exc:
            raise Conflict(exc.message) from None
        location = request.build_absolute_uri(f"/api/v1/personas/{persona.pk}/")
        return Response(
            _detail(request, persona), status=status.HTTP_202_ACCEPTED, headers={"Location": location}
        )


class PersonaFeedbackApi(APIView):
    @extend_schema(
        operation_id="personas_feedback_create",
        summary="Rate a persona",
        description="A 1–5 rating, whether it helped, a comment (at most 2,000 characters), task context and "
        "optionally the rule whose suggestion is rated. At least one of rating, helpful or comment. The "
        "persona's mapper version is recorded with it.",
        request=FeedbackInputSerializer,
        responses={201: FeedbackSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
        tags=[FEEDBACK],
    )
    def post(self, request: Request, persona_id: UUID) -> Response:
        persona = _persona_or_404(request.user, persona_id)
        serializer = FeedbackInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            feedback = persona_services.feedback_create(
                persona=persona, created_by=request.user, **serializer.validated_data
            )
        except persona_services.InvalidFeedback as exc:
            raise ValidationError(exc.errors) from None
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path(
        "subjects/<uuid:subject_id>/personas/", SubjectPersonaListCreateApi.as_view(), name="subject-personas"
    ),
    path("subjects/<uuid:subject_id>/persona/", SubjectCurrentPersonaApi.as_view(), name="subject-persona"),
    path("personas/<uuid:persona_id>/", PersonaDetailApi.as_view(), name="persona-detail"),
    path("personas/<uuid:persona_id>/retry/", PersonaRetryApi.as_view(), name="persona-retry"),
    path("personas/<uuid:persona_id>/feedback/", PersonaFeedbackApi.as_view(), name="persona-feedback"),
]
