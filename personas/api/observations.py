"""API: observations of a subject (create one or many, list with filters) and the observation types."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.urls import path
from drf_spectacular.utils import OpenApiExample, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from personas import observation_types
from personas.api.common import BAD_REQUEST, NOT_FOUND, OBSERVATIONS, subject_or_404
from personas.selectors import observations as selectors
from personas.services import observations as services
from personas.services.observations import MAX_BULK


class ObservationInputSerializer(serializers.Serializer):
    observation_type = serializers.CharField(
        max_length=50, help_text="A registered type (see observation-types)."
    )
    content = serializers.JSONField(help_text="Validated by the type's JSON Schema.")
    metadata = serializers.JSONField(required=False, default=dict, help_text="Any JSON object (≤ 8 KB).")
    created_at = serializers.DateTimeField(
        required=False, help_text="When it happened (default: now); ISO 8601, not in the future."
    )

    class Meta:
        ref_name = "ObservationInput"

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise ValidationError({name: ["Unknown field."] for name in unknown})
        return attrs


class ObservationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    subject = serializers.UUIDField(source="subject_id")
    observation_type = serializers.CharField()
    content = serializers.JSONField()
    metadata = serializers.JSONField()
    created_at = serializers.DateTimeField()
    created_by = serializers.UUIDField(source="created_by_id", allow_null=True)

    class Meta:
        ref_name = "Observation"


class ObservationTypeSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    schema = serializers.JSONField(help_text="The JSON Schema (draft 2020-12) of `content`.")

    class Meta:
        ref_name = "ObservationType"


class ObservationCursorPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:  # DRF says 404 for a garbled cursor; it is bad input
            raise ValidationError({"cursor": [str(exc.detail)]}) from None


def _flatten(errors: Any, prefix: str) -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            flat.update(_flatten(value, f"{prefix}{key}."))
    elif isinstance(errors, list) and all(not isinstance(e, dict | list) for e in errors):
        flat[prefix.rstrip(".") or "non_field_errors"] = [str(e) for e in errors]
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            flat.update(_flatten(value, f"{prefix}{index}."))
    else:
        flat[prefix.rstrip(".")] = [str(errors)]
    return flat


def _parse_items(data: Any) -> tuple[list[services.NewObservation], bool]:
    """The request body (one object or a list of them) as new observations; 400 on bad shapes."""
    bulk = isinstance(data, list)
    raw_items = data if bulk else [data]
    if bulk and not raw_items:
        raise ValidationError({"non_field_errors": ["Send at least one observation."]})
    if bulk and len(raw_items) > MAX_BULK:
        raise ValidationError(
            {"non_field_errors": [f"At most {MAX_BULK} observations per request (got {len(raw_items)})."]}
        )
    items: list[services.NewObservation] = []
    errors: dict[str, list[str]] = {}
    for index, raw in enumerate(raw_items):
        prefix = f"{index}." if bulk else ""
        if not isinstance(raw, dict):
            errors[prefix.rstrip(".") or "non_field_errors"] = ["Each observation is a JSON object."]
            continue
        serializer = ObservationInputSerializer(data=raw)
        if not serializer.is_valid():
            errors.update(_flatten(serializer.errors, prefix))
            continue
        item = services.NewObservation(**serializer.validated_data)
        errors.update(services.observation_errors(item, prefix=prefix))  # report every item's problems
        items.append(item)
    if errors:
        raise ValidationError(errors)
    return items, bulk


class ObservationListCreateApi(APIView):
    pagination_class = ObservationCursorPagination

    class FilterSerializer(serializers.Serializer):
        type = serializers.CharField(required=False, max_length=50, help_text="Only this observation type.")
        since = serializers.DateTimeField(required=False, help_text="Recorded at or after (ISO 8601).")
        until = serializers.DateTimeField(required=False, help_text="Recorded before (ISO 8601).")

        class Meta:
            ref_name = "ObservationFilter"

        def validate_type(self, value: str) -> str:
            if observation_types.get_observation_type(value) is None:
                raise ValidationError(f"Unknown type; known: {', '.join(observation_types.type_names())}.")
            return value

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if "since" in attrs and "until" in attrs and attrs["since"] >= attrs["until"]:
                raise ValidationError({"until": ["Must be later than since."]})
            return attrs

    @extend_schema(
        operation_id="observations_list",
        summary="A subject's observations",
        description="Newest first, cursor-paginated (`next`/`previous` links; `page_size` up to 200). "
        "Filter by `type` and by the time range [`since`, `until`).",
        parameters=[FilterSerializer],
        responses={200: ObservationSerializer(many=True), 400: BAD_REQUEST, 404: NOT_FOUND},
        tags=[OBSERVATIONS],
    )
    def get(self, request: Request, subject_id: UUID) -> Response:
        subject = subject_or_404(request.user, subject_id)
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        observations = selectors.observations_filtered(
            subject,
            observation_type=query.validated_data.get("type"),
            since=query.validated_data.get("since"),
            until=query.validated_data.get("until"),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(observations, request, view=self)
        return paginator.get_paginated_response(ObservationSerializer(page, many=True).data)

    @extend_schema(
        operation_id="observations_create",
        summary="Record observations about a subject",
        description=(
            f"One observation (an object) or up to {MAX_BULK} (a list). `content` is validated by the "
            "type's JSON Schema; errors are keyed by JSON path (`content.duration_minutes`, and in a "
            "list prefixed by the index: `3.content.duration_minutes`). All or nothing: one invalid "
            "item and none is stored. A mindscape rebuild is queued."
        ),
        request=PolymorphicProxySerializer(
            component_name="ObservationCreate",
            serializers=[ObservationInputSerializer, ObservationInputSerializer(many=True)],
            resource_type_field_name=None,
            many=False,
        ),
        responses={
            201: PolymorphicProxySerializer(
                component_name="ObservationCreated",
                serializers=[ObservationSerializer, ObservationSerializer(many=True)],
                resource_type_field_name=None,
                many=False,
            ),
            400: BAD_REQUEST,
            404: NOT_FOUND,
        },
        examples=[
            OpenApiExample(
                "A work session",
                value={
                    "observation_type": "work_session",
                    "content": {
                        "started_at": "2026-03-02T09:30:00+01:00",
                        "duration_minutes": 95,
                        "focus_level": "deep",
                    },
                },
                request_only=True,
            )
        ],
        tags=[OBSERVATIONS],
    )
    def post(self, request: Request, subject_id: UUID) -> Response:
        subject = subject_or_404(request.user, subject_id)
        items, bulk = _parse_items(request.data)
        try:
            created = services.observations_create(
                subject=subject, items=items, created_by=request.user, bulk=bulk
            )
        except services.ObservationInvalid as exc:
            return Response({"detail": exc.detail, "errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        if bulk:
            return Response(ObservationSerializer(created, many=True).data, status=status.HTTP_201_CREATED)
        return Response(ObservationSerializer(created[0]).data, status=status.HTTP_201_CREATED)


class ObservationTypeListApi(APIView):
    @extend_schema(
        operation_id="observation_types_list",
        summary="Observation types and their JSON Schemas",
        responses={200: ObservationTypeSerializer(many=True)},
        tags=[OBSERVATIONS],
    )
    def get(self, request: Request) -> Response:
        return Response(ObservationTypeSerializer(observation_types.observation_types(), many=True).data)


urlpatterns = [
    path(
        "subjects/<uuid:subject_id>/observations/",
        ObservationListCreateApi.as_view(),
        name="subject-observations",
    ),
    path("observation-types/", ObservationTypeListApi.as_view(), name="observation-types"),
]
