"""Assessment sessions: start, answer, submit, scores, run history, audit trail, re-score."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.verification import VerifiedEmailWhenMandatory
from assessments import selectors, services
from assessments import serializers as out
from assessments.api.common import (
    NOT_FOUND,
    SESSIONS,
    Conflict,
    _available_locale,
    _error,
    _incomplete,
    _invalid,
    _published_version,
    _run_for_session,
    _session_for_rescore,
    _session_for_user,
)
from assessments.models import AnalysisRun, AssessmentSession, TraitScore
from personai.pagination import BoundedLimitOffsetPagination
from personai.validation import StrictQuerySerializer

# --------------------------------------------------------------------------- rendering helpers


def _session_detail(session: AssessmentSession) -> dict:
    plan = selectors.session_plan(session)
    version = plan.version
    answers = selectors.session_answers(session, plan)
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


# --------------------------------------------------------------------------- sessions


class SessionListCreateApi(APIView):
    pagination_class = BoundedLimitOffsetPagination

    class FilterSerializer(StrictQuerySerializer):
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
        locale = _available_locale(version, data.get("locale"))
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
        # A session this process has read before, that the user may answer: no read before the
        # body is checked, and usually a single statement (it checks the owner rule again).
        plan = selectors.remembered_session_plan(request.user, session_id)
        session = None if plan is not None else _session_for_user(request.user, session_id)
        serializer = out.ResponsesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answers = serializer.validated_data["answers"]
        if session is None:
            progress = services.responses_autosave_remembered(
                user=request.user, session_id=session_id, plan=plan, answers=answers
            )
            if progress is not None:
                return Response(out.ProgressSerializer(progress).data)
            session = _session_for_user(request.user, session_id)
        try:
            progress = services.responses_update_progress(session=session, answers=answers)
        except services.AnswerValidationError as exc:
            raise _invalid(exc.message, exc.errors) from exc
        except services.SessionClosed as exc:
            raise Conflict(exc.message) from exc
        return Response(out.ProgressSerializer(progress).data)


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
            raise _incomplete(exc) from exc
        except (services.SessionClosed, services.SurveyClosed) as exc:
            raise Conflict(exc.message) from exc
        return Response(out.RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


RUN_PARAMETER = OpenApiParameter(
    "run", OpenApiTypes.UUID, description="A run of this session (see /runs/); default: the latest."
)


class RunQuerySerializer(StrictQuerySerializer):
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
    permission_classes = [IsAuthenticated, VerifiedEmailWhenMandatory]

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
    pagination_class = BoundedLimitOffsetPagination

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
    permission_classes = [IsAuthenticated, VerifiedEmailWhenMandatory]

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
