"""JSON API of assessments, included under /api/v1/ (namespace "api").

Sessions (answer, submit, scores, run history, audit trail, re-score), surveys about me (share
links, close/reopen, aggregated results), subjects and their averages, and CSV exports.

Every object is loaded through one helper per kind that answers 404 for other users' objects,
never 403. Views check the request's shape with an input serializer, call one service and
render with an output serializer (assessments/serializers.py). Errors keep the house shape
{"detail": ..., "errors": ...} (personai/api.py).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import IsAdminUser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import exports, selectors, services
from assessments import serializers as out
from assessments.models import AnalysisRun, AssessmentSession, SubjectProfile, Survey, TraitScore
from questionnaires import selectors as questionnaire_selectors
from questionnaires.models import Questionnaire, QuestionnaireVersion

SESSIONS = "assessments"
SURVEYS = "surveys"
SUBJECTS = "subjects"
EXPORTS = "exports"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


def _invalid(detail: str, errors: Any) -> ValidationError:
    return ValidationError({"detail": detail, "errors": errors})


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(out.ErrorSerializer, description=description)


NOT_FOUND = _error("Not found, or not yours.")


# --------------------------------------------------------------------------- loading, one helper per kind


def _session_for_user(user, session_id: UUID) -> AssessmentSession:
    try:
        return selectors.session_for_user(user, session_id)
    except AssessmentSession.DoesNotExist:
        raise NotFound("There is no such session.") from None


def _session_for_rescore(user, session_id: UUID) -> AssessmentSession:
    """The user's session; staff may re-score anyone's."""
    if not user.is_staff:
        return _session_for_user(user, session_id)
    session = AssessmentSession.objects.filter(pk=session_id).first()
    if session is None:
        raise NotFound("There is no such session.")
    return session


def _run_for_session(session: AssessmentSession, run_id: UUID | None) -> AnalysisRun:
    """`?run=<id>` of this session, else its latest run."""
    if run_id is not None:
        try:
            return selectors.run_for_session(session, run_id)
        except AnalysisRun.DoesNotExist:
            raise NotFound("This session has no such run.") from None
    run = selectors.latest_run(session)
    if run is None:
        raise NotFound("This session has no scores yet: submit it first.")
    return run


def _survey_for_user(user, survey_id: UUID, *, staff_sees_all: bool = False) -> Survey:
    try:
        return selectors.survey_for_user(user, survey_id, staff_sees_all=staff_sees_all)
    except Survey.DoesNotExist:
        raise NotFound("There is no such survey.") from None


def _subject_for_user(user, subject_id: UUID) -> SubjectProfile:
    subject = selectors.subjects_for_user(user).filter(pk=subject_id).first()
    if subject is None:
        raise NotFound("There is no such subject.")
    return subject


def _published_version(slug: str, number: int | None) -> QuestionnaireVersion:
    """The questionnaire's active version, or version `number`; a 400 naming the field otherwise."""
    if number is None:
        version = questionnaire_selectors.version_active(questionnaire_slug=slug)
    else:
        version = questionnaire_selectors.version_get(questionnaire_slug=slug, number=number)
    if version is None:
        if number is not None and questionnaire_selectors.version_active(questionnaire_slug=slug):
            raise ValidationError({"version": [f'Questionnaire "{slug}" has no version {number}.']})
        raise ValidationError({"questionnaire": [f'There is no published questionnaire "{slug}".']})
    if not version.is_published:
        raise ValidationError({"version": [f'Version {version.version} of "{slug}" is not published.']})
    if version.questionnaire.status != Questionnaire.Status.ACTIVE:
        raise ValidationError(
            {"questionnaire": [f'Questionnaire "{slug}" is archived and takes no new answers.']}
        )
    return version


# --------------------------------------------------------------------------- rendering helpers


def _session_detail(session: AssessmentSession) -> dict:
    version = selectors.version_with_items(session.questionnaire_version_id)
    answers = selectors.session_answers(session)
    items = list(version.items.all())
    order = {item.key: position for position, item in enumerate(items)}
    types = {item.key: item.bank_item.question_type for item in items}
    session.progress = selectors.session_progress(version, answers)
    session.answers = [
        {"item": key, "value": selectors.answer_wire_value(types[key], answer)}
        for key, answer in sorted(answers.items(), key=lambda pair: order.get(pair[0], len(order)))
        if key in types
    ]
    session.latest_run = selectors.latest_run(session)
    return out.SessionDetailSerializer(session).data


def _session_progress(session: AssessmentSession) -> dict:
    version = selectors.version_with_items(session.questionnaire_version_id)
    progress = selectors.session_progress(version, selectors.session_answers(session))
    return out.ProgressSerializer(progress).data


def _score_tree(scores: list[TraitScore]) -> list[dict]:
    """Domains in order, each with its facets nested (`run_scores` order is kept within a level)."""
    nodes = {
        score.dimension_id: {
            "dimension": score.dimension.slug,
            "name": score.dimension.name,
            "parent": score.dimension.parent.slug if score.dimension.parent_id else None,
            "raw": score.raw_score,
            "normalized": score.normalized_score,
            "item_mean": score.item_mean,
            "band": score.band,
            "band_label": score.band_label,
            "item_count": score.item_count,
            "facets": [],
        }
        for score in scores
    }
    roots = []
    for score in scores:
        parent = nodes.get(score.dimension.parent_id)
        (parent["facets"] if parent is not None else roots).append(nodes[score.dimension_id])
    return roots


def _scores(run: AnalysisRun, *, show_error: bool) -> dict:
    run.error = run.error if show_error else None
    data: dict[str, Any] = {"run": run, "dimensions": [], "composites": [], "skipped": [], "unanswered": []}
    if run.status == AnalysisRun.Status.DONE:
        data["dimensions"] = _score_tree(selectors.run_scores(run))
        data["composites"] = [
            {
                "slug": composite.composite.slug,
                "value": composite.value,
                "primary": composite.primary_dimension.slug if composite.primary_dimension_id else None,
            }
            for composite in selectors.run_composites(run)
        ]
        data["skipped"] = list((run.result or {}).get("skipped", []))
        data["unanswered"] = list((run.result or {}).get("unanswered", []))
    return out.ScoresSerializer(data).data


def _survey(request: Request, survey: Survey) -> dict:
    now = timezone.now()
    # The responders' landing page (assessments/urls.py), as an absolute URL to send around.
    survey.share_url = request.build_absolute_uri(
        reverse("assessments:survey_landing", args=[survey.share_token])
    )
    survey.is_open = (
        survey.is_active
        and (survey.closes_at is None or survey.closes_at > now)
        and (survey.max_responses is None or survey.response_count < survey.max_responses)
    )
    return out.SurveySerializer(survey).data


# --------------------------------------------------------------------------- sessions


class SessionListCreateApi(APIView):
    pagination_class = LimitOffsetPagination

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=AssessmentSession.Status.choices, required=False)

        class Meta:
            ref_name = "AssessmentSessionFilter"

    @extend_schema(
        operation_id="sessions_list",
        summary="My assessment sessions",
        description="Sessions you answered, and sessions about subjects you are or manage (newest first). "
        "Anonymous survey answers about you appear only aggregated, under the survey's results.",
        parameters=[FilterSerializer],
        responses={200: out.SessionSerializer(many=True), 400: _error("Unknown status.")},
        tags=[SESSIONS],
    )
    def get(self, request: Request) -> Response:
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        sessions = selectors.sessions_for_user(request.user)
        if "status" in query.validated_data:
            sessions = sessions.filter(status=query.validated_data["status"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(sessions, request, view=self)
        return paginator.get_paginated_response(out.SessionSerializer(page, many=True).data)

    @extend_schema(
        operation_id="sessions_create",
        summary="Start a self-assessment",
        description="Starts a session of the questionnaire (its active version, or `version`) about you.",
        request=out.SessionCreateSerializer,
        responses={
            201: out.SessionDetailSerializer,
            400: _error("Unknown questionnaire, version not published, or unknown locale."),
        },
        tags=[SESSIONS],
    )
    def post(self, request: Request) -> Response:
        serializer = out.SessionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version = _published_version(data["questionnaire"], data.get("version"))
        locale = data.get("locale") or version.questionnaire.default_locale
        locales = questionnaire_selectors.available_locales(selectors.version_with_items(version.pk))
        if locale not in locales:
            raise ValidationError(
                {
                    "locale": [
                        f'This questionnaire is not available in "{locale}". '
                        f"Choose one of: {', '.join(locales)}."
                    ]
                }
            )
        subject = services.subject_get_or_create_for_user(user=request.user)
        try:
            session = services.session_start(
                subject=subject,
                version=version,
                respondent_kind=AssessmentSession.RespondentKind.SELF,
                respondent_user=request.user,
                locale=locale,
            )
        except services.AssessmentError as exc:
            raise ValidationError({"version": [exc.message]}) from exc
        return Response(_session_detail(session), status=status.HTTP_201_CREATED)


class SessionDetailApi(APIView):
    @extend_schema(
        operation_id="sessions_retrieve",
        summary="One session",
        description="Status, progress, your answers (in each item type's wire format) and the latest run.",
        responses={200: out.SessionDetailSerializer, 404: NOT_FOUND},
        tags=[SESSIONS],
    )
    def get(self, request: Request, session_id: UUID) -> Response:
        return Response(_session_detail(_session_for_user(request.user, session_id)))


class SessionResponsesApi(APIView):
    @extend_schema(
        operation_id="sessions_responses_update",
        summary="Save answers",
        description=(
            "Upserts the given answers; `null` clears one. Every answer is checked against its item "
            "first (type, range, step, options); if any is invalid, nothing is saved and `errors` "
            "holds one message per item key. Returns the progress."
        ),
        request=out.ResponsesSerializer,
        responses={
            200: out.ProgressSerializer,
            400: _error("Invalid answers (per item in `errors`); nothing was saved."),
            404: NOT_FOUND,
            409: _error("The session was submitted; answers can no longer change."),
        },
        tags=[SESSIONS],
    )
    def put(self, request: Request, session_id: UUID) -> Response:
        session = _session_for_user(request.user, session_id)
        serializer = out.ResponsesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.responses_update(session=session, answers=serializer.validated_data["answers"])
        except services.AnswerValidationError as exc:
            raise _invalid(exc.message, exc.errors) from exc
        except services.SessionClosed as exc:
            raise Conflict(exc.message) from exc
        return Response(_session_progress(session))


class SessionSubmitApi(APIView):
    @extend_schema(
        operation_id="sessions_submit",
        summary="Submit for scoring",
        description=(
            "Closes the session and queues scoring; poll the scores endpoint until the run is done. "
            "Submitting again returns the same run."
        ),
        request=None,
        responses={
            202: out.RunSerializer,
            400: OpenApiResponse(out.IncompleteSerializer, description="Required items unanswered."),
            404: NOT_FOUND,
            409: _error("The session can no longer be submitted."),
        },
        tags=[SESSIONS],
    )
    def post(self, request: Request, session_id: UUID) -> Response:
        session = _session_for_user(request.user, session_id)
        try:
            run = services.session_submit(session=session)
        except services.IncompleteSession as exc:
            raise ValidationError(
                {
                    "detail": exc.message,
                    "missing": exc.missing,
                    "errors": dict.fromkeys(exc.missing, "Please answer this question."),
                }
            ) from exc
        except services.SessionClosed as exc:
            raise Conflict(exc.message) from exc
        return Response(out.RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


RUN_PARAMETER = OpenApiParameter(
    "run", OpenApiTypes.UUID, description="A run of this session (see /runs/); default: the latest."
)


class RunQuerySerializer(serializers.Serializer):
    run = serializers.UUIDField(
        required=False, error_messages={"invalid": "run must be the id of a run (a UUID)."}
    )

    class Meta:
        ref_name = "AssessmentRunQuery"


def _run_query(request: Request) -> UUID | None:
    query = RunQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data.get("run")


class SessionScoresApi(APIView):
    @extend_schema(
        operation_id="sessions_scores",
        summary="Scores of a session",
        description=(
            "Per-dimension scores (domains with their facets nested), composites, and the items skipped "
            "or left unanswered. While the run is pending or running the answer is 200 with the run's "
            "status and empty lists: poll until `run.status` is `done` (or `failed`)."
        ),
        parameters=[RUN_PARAMETER],
        responses={200: out.ScoresSerializer, 400: _error("Bad run id."), 404: NOT_FOUND},
        tags=[SESSIONS],
    )
    def get(self, request: Request, session_id: UUID) -> Response:
        session = _session_for_user(request.user, session_id)
        run = _run_for_session(session, _run_query(request))
        return Response(_scores(run, show_error=request.user.is_staff))


class SessionRunsApi(APIView):
    pagination_class = LimitOffsetPagination

    @extend_schema(
        operation_id="sessions_runs",
        summary="Scoring runs of a session",
        description="Every run, newest first; re-scoring adds a run and keeps the earlier ones.",
        responses={200: out.RunSerializer(many=True), 404: NOT_FOUND},
        tags=[SESSIONS],
    )
    def get(self, request: Request, session_id: UUID) -> Response:
        session = _session_for_user(request.user, session_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.runs_for_session(session), request, view=self)
        return paginator.get_paginated_response(out.RunSerializer(page, many=True).data)


class SessionRescoreApi(APIView):
    @extend_schema(
        operation_id="sessions_rescore",
        summary="Score again",
        description="Queues a new run with the current rules (owner or staff). Earlier runs stay.",
        request=None,
        responses={202: out.RunSerializer, 404: NOT_FOUND, 409: _error("The session is not submitted yet.")},
        tags=[SESSIONS],
    )
    def post(self, request: Request, session_id: UUID) -> Response:
        session = _session_for_rescore(request.user, session_id)
        try:
            run = services.run_rescore(session=session)
        except services.AssessmentError as exc:
            raise Conflict(exc.message) from exc
        return Response(out.RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class SessionComponentsApi(APIView):
    @extend_schema(
        operation_id="sessions_components",
        summary="Audit trail of a score",
        description="Each answer's contribution to each dimension: item, option, rule, input, contribution.",
        parameters=[RUN_PARAMETER],
        responses={200: out.ComponentsSerializer, 400: _error("Bad run id."), 404: NOT_FOUND},
        tags=[SESSIONS],
    )
    def get(self, request: Request, session_id: UUID) -> Response:
        session = _session_for_user(request.user, session_id)
        run = _run_for_session(session, _run_query(request))
        components = [
            {
                "item": component.item.key,
                "option": component.option.key if component.option_id else None,
                "dimension": component.dimension.slug,
                "rule": component.rule_type,
                "mapping_id": component.mapping_id,
                "input": component.input_value,
                "contribution": component.contribution,
            }
            for component in selectors.run_components(run)
        ]
        return Response(out.ComponentsSerializer({"run": run, "components": components}).data)


# --------------------------------------------------------------------------- surveys


class SurveyListCreateApi(APIView):
    pagination_class = LimitOffsetPagination

    @extend_schema(
        operation_id="surveys_list",
        summary="My surveys",
        responses={200: out.SurveySerializer(many=True)},
        tags=[SURVEYS],
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.surveys_for_owner(request.user), request, view=self)
        return paginator.get_paginated_response([_survey(request, survey) for survey in page])

    @extend_schema(
        operation_id="surveys_create",
        summary="Create a survey about me",
        description="A share link that lets people answer the questionnaire about you, anonymously.",
        request=out.SurveyCreateSerializer,
        responses={201: out.SurveySerializer, 400: _error("Invalid fields.")},
        tags=[SURVEYS],
    )
    def post(self, request: Request) -> Response:
        serializer = out.SurveyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["closes_at"] is not None and data["closes_at"] <= timezone.now():
            raise ValidationError({"closes_at": ["The closing date must be in the future."]})
        version = _published_version(data["questionnaire"], data.get("version"))
        try:
            survey = services.survey_create(
                owner=request.user,
                version=version,
                title=data["title"],
                closes_at=data["closes_at"],
                max_responses=data["max_responses"],
                min_responses_to_show=data["min_responses_to_show"],
            )
        except services.AssessmentError as exc:
            raise ValidationError({"detail": exc.message}) from exc
        survey = _survey_for_user(request.user, survey.pk)
        return Response(_survey(request, survey), status=status.HTTP_201_CREATED)


class SurveyDetailApi(APIView):
    @extend_schema(
        operation_id="surveys_retrieve",
        summary="One of my surveys",
        responses={200: out.SurveySerializer, 404: NOT_FOUND},
        tags=[SURVEYS],
    )
    def get(self, request: Request, survey_id: UUID) -> Response:
        return Response(_survey(request, _survey_for_user(request.user, survey_id)))


class SurveyCloseApi(APIView):
    is_active = False

    @extend_schema(
        operation_id="surveys_close",
        summary="Close a survey",
        description="The share link stops taking answers; results and exports stay available.",
        request=None,
        responses={200: out.SurveySerializer, 404: NOT_FOUND},
        tags=[SURVEYS],
    )
    def post(self, request: Request, survey_id: UUID) -> Response:
        survey = _survey_for_user(request.user, survey_id)
        survey = services.survey_set_active(survey=survey, is_active=self.is_active)
        return Response(_survey(request, survey))


class SurveyReopenApi(SurveyCloseApi):
    is_active = True

    @extend_schema(
        operation_id="surveys_reopen",
        summary="Reopen a survey",
        description="The share link takes answers again (until `closes_at` or `max_responses`, if set).",
        request=None,
        responses={200: out.SurveySerializer, 404: NOT_FOUND},
        tags=[SURVEYS],
    )
    def post(self, request: Request, survey_id: UUID) -> Response:
        return super().post(request, survey_id)


class SurveyResultsApi(APIView):
    @extend_schema(
        operation_id="surveys_results",
        summary="Aggregated results of a survey",
        description=(
            "Others' mean per dimension beside your own latest self-assessment. Others' means stay "
            "hidden (`others: null`) until `threshold` responses were scored, so nobody's answers can "
            "be told apart."
        ),
        responses={200: out.SurveyResultsSerializer, 404: NOT_FOUND},
        tags=[SURVEYS],
    )
    def get(self, request: Request, survey_id: UUID) -> Response:
        survey = _survey_for_user(request.user, survey_id)
        aggregate = selectors.survey_aggregate(survey)
        dimensions = [
            {
                "dimension": row.dimension.slug,
                "name": row.dimension.name,
                "parent": row.dimension.parent.slug if row.dimension.parent_id else None,
                "others": (
                    {
                        "n": row.others_n,
                        "mean_raw": row.others_mean_raw,
                        "mean_normalized": row.others_mean_normalized,
                    }
                    if aggregate.shown
                    else None
                ),
                "self": (
                    {"raw": row.self_raw, "normalized": row.self_normalized}
                    if row.self_raw is not None
                    else None
                ),
            }
            for row in aggregate.dimensions
        ]
        data = {
            "responses": aggregate.responses,
            "threshold": aggregate.threshold,
            "shown": aggregate.shown,
            "dimensions": dimensions,
        }
        return Response(out.SurveyResultsSerializer(data).data)


# --------------------------------------------------------------------------- subjects


class SubjectListApi(APIView):
    pagination_class = LimitOffsetPagination

    @extend_schema(
        operation_id="subjects_list",
        summary="My subjects",
        description="Your own profile, and the agents and cohorts you manage.",
        responses={200: out.SubjectSerializer(many=True)},
        tags=[SUBJECTS],
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.subjects_for_user(request.user), request, view=self)
        for subject in page:
            subject.is_me = subject.user_id == request.user.pk
        return paginator.get_paginated_response(out.SubjectSerializer(page, many=True).data)


class SubjectAveragesApi(APIView):
    @extend_schema(
        operation_id="subjects_averages",
        summary="Average scores of a subject",
        description=(
            "Per questionnaire version, respondent kind and dimension: the mean of each scored session's "
            "latest run. Averages of anonymous survey answers appear only once enough people responded."
        ),
        responses={200: out.SubjectAveragesSerializer, 404: NOT_FOUND},
        tags=[SUBJECTS],
    )
    def get(self, request: Request, subject_id: UUID) -> Response:
        subject = _subject_for_user(request.user, subject_id)
        subject.is_me = subject.user_id == request.user.pk
        averages = [
            {
                "questionnaire": row.questionnaire_version.questionnaire.slug,
                "version": row.questionnaire_version.version,
                "respondent_kind": row.respondent_kind,
                "dimension": row.dimension.slug,
                "name": row.dimension.name,
                "parent": row.dimension.parent.slug if row.dimension.parent_id else None,
                "session_count": row.session_count,
                "mean_raw": row.mean_raw,
                "mean_normalized": row.mean_normalized,
                "sd_raw": row.sd_raw,
            }
            for row in selectors.subject_averages_visible(subject)
        ]
        return Response(out.SubjectAveragesSerializer({"subject": subject, "averages": averages}).data)


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


class SurveyExportApi(CsvExportApi):
    @extend_schema(
        operation_id="surveys_export_csv",
        summary="A survey's responses as CSV",
        description=(
            f"{CSV_DESCRIPTION} Contains the submitted responses (owner or staff), without responder "
            "ids or fingerprints, and only once the survey reached its privacy threshold "
            "(`min_responses_to_show`)."
        ),
        responses=_csv_responses("Fewer responses than the survey's privacy threshold."),
        tags=[EXPORTS],
    )
    def get(self, request: Request, survey_id: UUID):
        survey = _survey_for_user(request.user, survey_id, staff_sees_all=True)
        if survey.response_count < survey.min_responses_to_show:
            raise PermissionDenied(
                f"This survey has {survey.response_count} response(s). To protect responders' anonymity, "
                f"its answers can be exported once at least {survey.min_responses_to_show} people responded."
            )
        sessions = selectors.survey_sessions_answered(survey)
        return self.csv_response(survey.questionnaire_version, sessions, f"survey-{survey.pk}.csv")


class QuestionnaireExportApi(CsvExportApi):
    permission_classes = [IsAdminUser]

    class QuerySerializer(serializers.Serializer):
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
        description=CSV_DESCRIPTION,
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
