"""The report of a scored session, included under /api/v1/ (namespace "api").

A finished run as Markdown (for people, and as persona material) or as canonical JSON,
rendered once per (run, format, locale) by `services.report_get_or_create` and then served
from the stored `AnalysisReport`. Loading, errors and schema follow assessments/api/common.py.
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.verification import VerifiedEmailWhenMandatory
from assessments import reports, selectors, services
from assessments.api.common import (
    NOT_FOUND,
    SESSIONS,
    Conflict,
    _error,
    _run_for_session,
    _session_for_user,
)
from assessments.models import AnalysisReport, AnalysisRun, AssessmentSession
from personai.validation import StrictQuerySerializer

CONTENT_TYPES = {
    AnalysisReport.Format.MARKDOWN: "text/markdown; charset=utf-8",
    AnalysisReport.Format.JSON: "application/json",
}
EXTENSIONS = {AnalysisReport.Format.MARKDOWN: "md", AnalysisReport.Format.JSON: "json"}


def _session_for_reader(user, session_id: UUID) -> AssessmentSession:
    """The user's session; staff may read anyone's except anonymous survey answers, which are
    only ever shown in aggregate (privacy)."""
    if not user.is_staff:
        return _session_for_user(user, session_id)
    session = (
        AssessmentSession.objects.select_related("questionnaire_version__questionnaire")
        .filter(pk=session_id, survey__isnull=True)
        .first()
    )
    if session is None:
        raise NotFound("There is no such session.")
    return session


def _report_run(session: AssessmentSession, run_id: UUID | None) -> AnalysisRun:
    """`?run=<id>` of this session, else its newest finished run (the one the results page
    shows while a re-score is under way), else its newest run (not ready yet: 409)."""
    if run_id is not None:
        return _run_for_session(session, run_id)
    runs = selectors.runs_for_session(session)
    run = runs.filter(status=AnalysisRun.Status.DONE).first() or runs.first()
    if run is None:
        raise Conflict("This session has no scores yet: submit it first.")
    return run


class SessionReportApi(APIView):
    permission_classes = [IsAuthenticated, VerifiedEmailWhenMandatory]

    class QuerySerializer(StrictQuerySerializer):
        format = serializers.ChoiceField(
            choices=[(format.value, format.label) for format in reports.FORMATS],
            default=AnalysisReport.Format.MARKDOWN,
            help_text="markdown (default) or json.",
            error_messages={"invalid_choice": '"{input}" is not a report format: use markdown or json.'},
        )
        lang = serializers.CharField(
            required=False,
            max_length=10,
            help_text="Locale of the texts, e.g. de; default: the session's. Texts without a translation "
            "come in the questionnaire's own language (the Content-Language header says which).",
        )
        run = serializers.UUIDField(
            required=False,
            help_text="A run of this session (see /runs/); default: the newest finished one.",
            error_messages={"invalid": "run must be the id of a run (a UUID)."},
        )

        class Meta:
            ref_name = "SessionReportQuery"

    def perform_content_negotiation(self, request: Request, force: bool = False):
        # `?format=` names the report, not a renderer (DRF's URL_FORMAT_OVERRIDE would answer
        # 404 to "markdown"), and the Accept header does not matter: errors are always JSON,
        # the report is a plain response with its own content type.
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    @extend_schema(
        operation_id="sessions_report",
        summary="Report of a session",
        description=(
            "The scores of a finished run as a report: Markdown for people (a heading per domain "
            "with its band, score and narrative, facets, composites) or canonical JSON (the same "
            "content with raw, normalized and item-mean scores). Rendered once per run, format and "
            "locale, then served as stored: a finished run never changes, and re-scoring makes a "
            "new run with reports of its own. 409 while the run is not finished (poll /scores/)."
        ),
        parameters=[QuerySerializer],
        responses={
            (200, "text/markdown"): OpenApiResponse(OpenApiTypes.STR, description="The Markdown report."),
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="The JSON report."),
            (400, "application/json"): _error("Unknown format, bad locale or bad run id."),
            (404, "application/json"): NOT_FOUND,
            (409, "application/json"): _error("The session is not scored yet (or the run failed)."),
        },
        tags=[SESSIONS],
    )
    def get(self, request: Request, session_id: UUID) -> HttpResponse:
        session = _session_for_reader(request.user, session_id)
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        run = _report_run(session, data.get("run"))
        try:
            report = services.report_get_or_create(
                run=run, format=data["format"], locale=data.get("lang") or session.locale
            )
        except services.AssessmentError as exc:
            raise Conflict(exc.message) from exc
        response = HttpResponse(report.content, content_type=CONTENT_TYPES[report.format])
        slug = session.questionnaire_version.questionnaire.slug
        response["Content-Language"] = report.locale
        response["Content-Disposition"] = (
            f'inline; filename="{slug}-report-{report.locale}.{EXTENSIONS[report.format]}"'
        )
        return response
