"""CSV export endpoints: one session, a survey's aggregates, a questionnaire version (staff).

The rows and columns are written by assessments/exports.py (sessions) and
assessments/survey_exports.py (a survey: aggregates only); these views load, check and stream.
"""

from __future__ import annotations

from uuid import UUID

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.verification import VerifiedEmailWhenMandatory
from assessments import exports, selectors, survey_exports
from assessments.api.common import EXPORTS, NOT_FOUND, _error, _session_for_user, _survey_for_user
from assessments.models import AssessmentSession
from personai.validation import StrictQuerySerializer
from questionnaires import selectors as questionnaire_selectors
from questionnaires.models import QuestionnaireVersion

# --------------------------------------------------------------------------- CSV exports


class CsvRenderer(BaseRenderer):
    """Lets clients ask for text/csv; the export views stream their own response."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes | str) else b""


CSV_DESCRIPTION = (
    "One row per session: session_id, subject, respondent_kind, status, started_at, submitted_at, "
    "score_version, one column per item key (in questionnaire order; multi-choice keys joined with `|`), "
    "one per dimension slug (raw score of the latest finished run), then `<slug>_normalized`. Cells that "
    "a spreadsheet would run as a formula (starting with = + - @) are prefixed with a single quote."
)


def _csv_responses(forbidden: str | None = None) -> dict:
    responses = {
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file (UTF-8)."),
        (404, "application/json"): NOT_FOUND,
    }
    if forbidden:
        responses[(403, "application/json")] = _error(forbidden)
    return responses


class CsvExportApi(APIView):
    renderer_classes = [JSONRenderer, CsvRenderer]

    def handle_exception(self, exc):
        # Errors are JSON even when the client asked for text/csv.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    @staticmethod
    def csv_response(version: QuestionnaireVersion, sessions, filename: str) -> StreamingHttpResponse:
        response = StreamingHttpResponse(
            exports.stream_sessions_csv(version, sessions), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class SessionExportApi(CsvExportApi):
    permission_classes = [IsAuthenticated, VerifiedEmailWhenMandatory]

    @extend_schema(
        operation_id="sessions_export_csv",
        summary="One session as CSV",
        description=CSV_DESCRIPTION,
        responses=_csv_responses(),
        tags=[EXPORTS],
    )
    def get(self, request: Request, session_id: UUID):
        session = _session_for_user(request.user, session_id)
        sessions = AssessmentSession.objects.filter(pk=session.pk)
        return self.csv_response(session.questionnaire_version, sessions, f"session-{session.pk}.csv")


SURVEY_CSV_DESCRIPTION = (
    "Aggregates only, as responders are promised: no row, id or timestamp of any one responder. "
    "Columns: kind (`item` or `dimension`), key, label, type, n, mean, sd, mean_normalized "
    "(dimensions), distribution (`key=count` joined with `|`: counts per option, per value, or per "
    "score band). Statistics over fewer answers than the survey's `min_responses_to_show` stay empty; "
    "free-text answers are counted, never exported. The whole export is a 403 until that many "
    "people responded."
)


class SurveyExportApi(CsvExportApi):
    permission_classes = [IsAuthenticated, VerifiedEmailWhenMandatory]

    @extend_schema(
        operation_id="surveys_export_csv",
        summary="A survey's aggregated answers as CSV",
        description=SURVEY_CSV_DESCRIPTION,
        responses=_csv_responses("Fewer responses than the survey's privacy threshold."),
        tags=[EXPORTS],
    )
    def get(self, request: Request, survey_id: UUID):
        survey = _survey_for_user(request.user, survey_id, staff_sees_all=True)
        min_n = survey_exports.threshold(survey)
        independent = selectors.survey_independent_count(survey)
        if independent < min_n:
            not_counted = " (likely duplicates not counted)" if survey.duplicate_count else ""
            raise PermissionDenied(
                f"This survey has {independent} response(s){not_counted}. To protect responders' "
                f"anonymity, its answers can be exported once at least {min_n} people responded."
            )
        response = StreamingHttpResponse(
            exports.stream_rows(survey_exports.survey_aggregate_rows(survey)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}.csv"'
        return response


class QuestionnaireExportApi(CsvExportApi):
    permission_classes = [IsAdminUser]

    class QuerySerializer(StrictQuerySerializer):
        version = serializers.IntegerField(
            required=False,
            min_value=1,
            help_text="Version number; default: the active version.",
            error_messages={"invalid": "version must be a whole number, e.g. ?version=2."},
        )

        class Meta:
            ref_name = "QuestionnaireExportQuery"

    @extend_schema(
        operation_id="questionnaires_export_csv",
        summary="Every session of a questionnaire version as CSV (staff)",
        description=f"{CSV_DESCRIPTION} Anonymous survey answers are never included (only as aggregates, "
        "in the survey's own export).",
        parameters=[QuerySerializer],
        responses=_csv_responses("Staff only."),
        tags=[EXPORTS],
    )
    def get(self, request: Request, slug: str):
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        number = query.validated_data.get("version")
        if number is None:
            version = questionnaire_selectors.version_active(questionnaire_slug=slug)
        else:
            version = questionnaire_selectors.version_get(questionnaire_slug=slug, number=number)
        if version is None:
            raise NotFound(f'There is no questionnaire "{slug}"' + (f" version {number}." if number else "."))
        sessions = selectors.sessions_for_version(version)
        return self.csv_response(version, sessions, f"{slug}-v{version.version}.csv")
