"""API: the staff list of persona feedback, with filters, and its CSV download."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.http import StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAdminUser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from personai.pagination import BoundedLimitOffsetPagination
from personai.validation import StrictQuerySerializer
from personas import feedback_csv
from personas.api.common import BAD_REQUEST, FEEDBACK, error_response
from personas.selectors import mappers as selectors

FORBIDDEN = error_response("Staff only.")


@extend_schema_field(OpenApiTypes.STR)
class DateOrDateTimeField(serializers.Field):
    """A date (2026-12-01: the whole day) or an ISO 8601 date-time."""

    default_error_messages = {
        "invalid": "Use a date (2026-12-01) or an ISO 8601 date-time (2026-12-01T09:30:00Z)."
    }

    def to_internal_value(self, data: Any) -> date | datetime:
        text = str(data).strip()
        try:
            parsed = parse_datetime(text) if "T" in text or " " in text else parse_date(text)
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail("invalid")
        if isinstance(parsed, datetime) and timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return parsed

    def to_representation(self, value: Any) -> str:
        return value.isoformat()


class FeedbackQuerySerializer(StrictQuerySerializer):
    rating = serializers.IntegerField(
        required=False, min_value=1, max_value=5, help_text="Exactly this rating (1–5)."
    )
    helpful = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true or false."
    )
    mapper_version = serializers.IntegerField(
        required=False, min_value=1, help_text="Built with this version."
    )
    config_id = serializers.CharField(required=False, max_length=255, help_text="Built with this mapper.")
    since = DateOrDateTimeField(
        required=False, help_text="Created at or after (a date counts from its start)."
    )
    until = DateOrDateTimeField(required=False, help_text="Created at or before (a date counts to its end).")

    class Meta:
        ref_name = "FeedbackQuery"

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since is not None and until is not None and _start(since) > _end(until):
            raise ValidationError({"until": ["Must not be before since."]})
        return attrs

    def filters(self) -> selectors.FeedbackFilters:
        data = self.validated_data
        return selectors.FeedbackFilters(
            rating=data.get("rating"),
            helpful=data.get("helpful"),
            mapper_version=data.get("mapper_version"),
            config_id=data.get("config_id") or None,
            since=data.get("since"),
            until=data.get("until"),
        )


def _start(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else timezone.make_aware(datetime.combine(value, time.min))


def _end(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else timezone.make_aware(datetime.combine(value, time.max))


def parse_filters(params) -> selectors.FeedbackFilters:
    """Query parameters → filters; a bad or empty one is a 400 naming it (leave a filter out
    for "any")."""
    query = FeedbackQuerySerializer(data=params)
    query.is_valid(raise_exception=True)
    return query.filters()


class FeedbackSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    persona = serializers.UUIDField(source="persona_id", allow_null=True)
    subject = serializers.UUIDField(source="persona.subject_id", allow_null=True, default=None)
    config_id = serializers.CharField(source="persona.mapper_config_id", allow_null=True, default=None)
    mapper_version = serializers.IntegerField(allow_null=True)
    rule_id = serializers.CharField()
    rating = serializers.IntegerField(allow_null=True)
    helpful = serializers.BooleanField(allow_null=True)
    comment = serializers.CharField()
    context = serializers.JSONField()
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)

    class Meta:
        ref_name = "FeedbackRow"


FILTER_PARAMETERS = [FeedbackQuerySerializer]


class FeedbackListApi(APIView):
    permission_classes = [IsAdminUser]
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        operation_id="feedback_list",
        summary="Feedback on personas (staff)",
        description="Newest first; filter by rating, helpful, mapper version, config_id and date range.",
        parameters=FILTER_PARAMETERS,
        responses={200: FeedbackSerializer(many=True), 400: BAD_REQUEST, 403: FORBIDDEN},
        tags=[FEEDBACK],
    )
    def get(self, request: Request) -> Response:
        queryset = selectors.feedback_list(parse_filters(request.query_params))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(FeedbackSerializer(page, many=True).data)


class CsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes | str) else b""


class FeedbackExportApi(APIView):
    permission_classes = [IsAdminUser]
    renderer_classes = [JSONRenderer, CsvRenderer]

    def handle_exception(self, exc):
        # Errors are JSON even when the client asked for text/csv.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        operation_id="feedback_export_csv",
        summary="Feedback on personas as CSV (staff)",
        description=(
            f"The same filters as the list. Columns: {', '.join(feedback_csv.HEADER)}. Cells that a spreadsheet "
            "would run as a formula (starting with = + - @) are prefixed with a single quote."
        ),
        parameters=FILTER_PARAMETERS,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file (UTF-8)."),
            (400, "application/json"): BAD_REQUEST,
            (403, "application/json"): FORBIDDEN,
        },
        tags=[FEEDBACK],
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        queryset = selectors.feedback_list(parse_filters(request.query_params))
        response = StreamingHttpResponse(
            feedback_csv.stream_feedback_csv(queryset), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="persona-feedback-{stamp}.csv"'
        return response


urlpatterns = [
    path("feedback/", FeedbackListApi.as_view(), name="feedback-list"),
    path("feedback/export.csv", FeedbackExportApi.as_view(), name="feedback-export"),
]
