"""Anonymous survey responders over the JSON API, included under /api/v1/ (namespace "api").

The browser flow (assessments/views/surveys.py) step by step, for clients without an account:
the survey behind a share link, start or resume a session, save answers, submit. A responder is
known by a random responder token instead of the browser's signed cookie: the start endpoint
hands one out, and every later call sends it in the `X-Responder-Token` header. A session of
another survey, or one the token does not match, is a 404 like one that does not exist.

These endpoints take no account credentials at all (`authentication_classes = []`), so a
browser's stale session cookie cannot make them fail a CSRF check. Responders never see scores:
submitting answers 202 with a status only, and there is no results endpoint for them.
"""

from __future__ import annotations

import hmac
from uuid import UUID

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import cookies, selectors, services, throttle
from assessments import serializers as out
from assessments.api.common import Conflict, Gone, _available_locale, _error, _incomplete, _session_progress
from assessments.models import AssessmentSession, Survey
from personai.validation import StrictCharField, StrictQuerySerializer
from questionnaires import selectors as questionnaire_selectors
from questionnaires.api import QuestionnaireDetailSerializer

RESPONDERS = "survey responders"
ALREADY_ANSWERED = "You have already answered this survey. Thank you!"
TOKEN_HEADER = "X-Responder-Token"


# --------------------------------------------------------------------------- serializers


class ResponderSurveySerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True, help_text="The owner's title; may be empty.")
    about = serializers.CharField(help_text="Display name of the person the survey is about.")
    questionnaire = out.QuestionnaireRefField()
    item_count = serializers.IntegerField(
        help_text="Questions in the questionnaire (branch rules may hide some)."
    )
    min_responses_to_show = serializers.IntegerField(
        help_text="The owner sees only averages, and only once at least this many people answered."
    )
    is_open = serializers.BooleanField(help_text="Whether the survey takes answers (a closed one is a 410).")
    invitation_only = serializers.BooleanField(
        help_text="Whether answers start only from a personal invitation link (`invitation` on start)."
    )
    questionnaire_url = serializers.URLField(
        help_text="The questions, options and branch rules as responders read them: worded about "
        'the survey\'s subject ("Is the life of the party."), in the shape of the public questionnaire '
        "endpoint; add ?lang= for another locale."
    )

    class Meta:
        ref_name = "ResponderSurvey"


class ResponderStartSerializer(serializers.Serializer):
    responder_token = serializers.RegexField(
        r"^[A-Za-z0-9_-]{16,100}$",
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="The token an earlier start returned, to resume; omit it to start as a new responder.",
        error_messages={"invalid": "responder_token must be the token this API gave you."},
    )
    locale = StrictCharField(
        required=False, max_length=10, help_text="Locale of the texts, e.g. de; default: the questionnaire's."
    )
    invitation = serializers.RegexField(
        r"^[A-Za-z0-9_-]{16,100}$",
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="The token of a personal invitation link (the last part of `/s/<share>/i/<token>/`): "
        "a new session claims it, once. Required when the survey is `invitation_only`.",
        error_messages={"invalid": "invitation must be the token at the end of your personal link."},
    )

    class Meta:
        ref_name = "ResponderStart"


class ResponderSessionSerializer(serializers.Serializer):
    session = serializers.UUIDField(help_text="The session id, for the answer and submit endpoints.")
    responder_token = serializers.CharField(
        help_text=f"Keep it: send it as `{TOKEN_HEADER}` on every later call, and here to resume."
    )
    status = serializers.CharField(help_text="in_progress while answers can change.")
    locale = serializers.CharField(
        help_text="Locale of the session's texts (a resumed session keeps its own)."
    )
    progress = out.ProgressSerializer()
    answers = out.AnswerSerializer(
        many=True, help_text="Answers saved so far (a resumed session keeps them)."
    )

    class Meta:
        ref_name = "ResponderSession"


class ResponderSubmittedSerializer(serializers.Serializer):
    status = serializers.CharField(help_text='Always "submitted": responders are not shown any scores.')

    class Meta:
        ref_name = "ResponderSubmitted"


# --------------------------------------------------------------------------- loading, one helper per kind


def _survey(share_token: str) -> Survey:
    try:
        return selectors.survey_by_share_token(share_token)
    except Survey.DoesNotExist:
        raise NotFound("There is no such survey.") from None


def _responder_session(request: Request, survey: Survey, session_id: UUID) -> AssessmentSession:
    """The survey's session whose responder token is in the header; any mismatch is a 404."""
    token = request.headers.get(TOKEN_HEADER, "")
    session = AssessmentSession.objects.filter(
        pk=session_id, survey=survey, respondent_kind=AssessmentSession.RespondentKind.ANONYMOUS
    ).first()
    if (
        session is None
        or not token
        or not session.responder_id
        or not hmac.compare_digest(session.responder_id.encode(), token.encode())
    ):
        raise NotFound("There is no such session.")
    return session


def _assert_open(survey: Survey) -> None:
    try:
        services.survey_assert_open(survey)
    except services.SurveyClosed as exc:
        raise Gone(exc.message) from exc


def _assert_in_progress(session: AssessmentSession) -> None:
    if session.status != AssessmentSession.Status.IN_PROGRESS:
        raise Conflict("Your answers were already submitted; they can no longer change.")


def _answers(session: AssessmentSession) -> list[dict]:
    """Saved answers in questionnaire order, in the wire format the PUT endpoint takes."""
    plan = selectors.session_plan(session)
    version = plan.version
    answers = selectors.session_answers(session, plan)
    return [
        {
            "item": item.key,
            "value": selectors.answer_wire_value(item.bank_item.question_type, answers[item.key]),
        }
        for item in version.items.all()
        if item.key in answers
    ]


# --------------------------------------------------------------------------- schema helpers


TOKEN_PARAMETER = OpenApiParameter(
    TOKEN_HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description="The responder token the start endpoint returned.",
)
NO_SURVEY = _error("No survey has this share link.")
NO_SESSION = _error("No survey has this share link, or no session of it matches the responder token.")
CLOSED = _error("The survey is closed (by its owner, past its closing date, or full).")
PUBLIC = "Public: no account; authenticated by the share link and the responder token."


class ResponderApi(APIView):
    authentication_classes = []  # a token in a header, not a session: no CSRF to fail
    permission_classes = [AllowAny]


# --------------------------------------------------------------------------- endpoints


class ResponderSurveyApi(ResponderApi):
    @extend_schema(
        operation_id="responder_survey_retrieve",
        summary="The survey behind a share link",
        description=f"{PUBLIC} What it is, whom it is about, and where the questions are.",
        responses={200: ResponderSurveySerializer, 404: NO_SURVEY, 410: CLOSED},
        tags=[RESPONDERS],
    )
    def get(self, request: Request, share_token: str) -> Response:
        survey = _survey(share_token)
        _assert_open(survey)
        version = survey.questionnaire_version
        link = reverse("api:responder-questionnaire", args=[survey.share_token])
        data = {
            "title": survey.title,
            "about": survey.subject.display_name,
            "questionnaire_version": version,
            "item_count": version.items.count(),
            "min_responses_to_show": survey.min_responses_to_show,
            "is_open": True,
            "invitation_only": survey.invitation_only,
            "questionnaire_url": request.build_absolute_uri(link),
        }
        return Response(ResponderSurveySerializer(data).data)


class ResponderQuestionnaireApi(ResponderApi):
    class QuerySerializer(StrictQuerySerializer):
        lang = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=35,
            help_text="Locale of the texts, e.g. de (falls back to the questionnaire's default).",
        )

    @extend_schema(
        operation_id="responder_questionnaire_retrieve",
        summary="The questions as this survey's responders read them",
        description=(
            f"{PUBLIC} The survey's questionnaire version in the shape of the public questionnaire "
            "endpoint, worded for an observer: the questions, section titles and instructions speak "
            'of the person the survey is about ("Is the life of the party."), where the '
            "questionnaire has such texts."
        ),
        parameters=[QuerySerializer],
        responses={
            200: QuestionnaireDetailSerializer,
            400: _error("Invalid query parameter."),
            404: NO_SURVEY,
            410: CLOSED,
        },
        tags=[RESPONDERS],
    )
    def get(self, request: Request, share_token: str) -> Response:
        survey = _survey(share_token)
        _assert_open(survey)
        query = self.QuerySerializer(data=request.query_params)
        if not query.is_valid():
            first = next(iter(query.errors.values()))[0]
            raise ValidationError({"detail": str(first), "errors": query.errors})
        version = selectors.session_plan(survey).version
        data = questionnaire_selectors.version_display(
            version, locale=query.validated_data.get("lang"), about=survey.subject.display_name
        )
        return Response(QuestionnaireDetailSerializer(data).data)


class ResponderStartApi(ResponderApi):
    @extend_schema(
        operation_id="responder_responses_start",
        summary="Start answering, or resume",
        description=(
            f"{PUBLIC} Without `responder_token`, starts a new session and returns a new token (201). "
            "With the token of an unfinished session, returns that session (200). A responder whose "
            "token already submitted gets 409. A new token from the same network and client as an "
            "earlier answer is not refused: its answer is kept and marked as a likely duplicate for "
            "the owner. With `invitation`, the new session claims that single-use link: an unknown "
            "one is a 404, a used one 409, a revoked one 410; an `invitation_only` survey without "
            "one is a 403."
        ),
        request=ResponderStartSerializer,
        responses={
            200: OpenApiResponse(ResponderSessionSerializer, description="Resumed."),
            201: OpenApiResponse(ResponderSessionSerializer, description="Started."),
            400: _error("Malformed token, or a locale the questionnaire is not available in."),
            403: _error("The survey is by invitation only, and no invitation was given."),
            404: _error("No survey has this share link, or it has no such invitation."),
            409: _error("This responder already answered the survey, or the invitation was used."),
            410: _error("The survey is closed, or the invitation was revoked."),
        },
        tags=[RESPONDERS],
    )
    def post(self, request: Request, share_token: str) -> Response:
        survey = _survey(share_token)
        serializer = ResponderStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        token = data.get("responder_token") or cookies.new_responder_token()
        existing = selectors.survey_responder_session(survey, token)
        if existing is not None and existing.status != AssessmentSession.Status.IN_PROGRESS:
            raise Conflict(ALREADY_ANSWERED)  # as the landing page: answered before closed
        _assert_open(survey)
        version = survey.questionnaire_version
        locale = _available_locale(version, data.get("locale"))
        try:
            session = services.survey_session_for_responder(
                survey=survey,
                responder_id=token,
                fingerprint=cookies.responder_fingerprint(request, survey),
                locale=locale,
                invitation_token=data.get("invitation") or "",
            )
        except (services.AlreadyResponded, services.InvitationUsed) as exc:
            raise Conflict(exc.message) from exc
        except (services.SurveyClosed, services.InvitationRevoked) as exc:
            raise Gone(exc.message) from exc
        except services.InvitationRequired as exc:
            raise PermissionDenied(exc.message) from exc
        except services.InvitationNotFound as exc:
            raise NotFound(exc.message) from exc
        body = {
            "session": session.pk,
            "responder_token": token,
            "status": session.status,
            "locale": session.locale,
            "progress": _session_progress(session),
            "answers": _answers(session),
        }
        return Response(
            ResponderSessionSerializer(body).data,
            status=status.HTTP_200_OK if existing is not None else status.HTTP_201_CREATED,
        )


class ResponderResponsesApi(ResponderApi):
    @extend_schema(
        operation_id="responder_responses_update",
        summary="Save answers",
        description=(
            f"{PUBLIC} As the owner's `PUT /sessions/{{id}}/responses/`: upserts the given answers, "
            "`null` clears one; if any is invalid, nothing is saved and `errors` holds one message "
            "per item key. Returns the progress."
        ),
        parameters=[TOKEN_PARAMETER],
        request=out.ResponsesSerializer,
        responses={
            200: out.ProgressSerializer,
            400: _error("Invalid answers (per item in `errors`); nothing was saved."),
            404: NO_SESSION,
            409: _error("The answers were submitted; they can no longer change."),
            410: CLOSED,
        },
        tags=[RESPONDERS],
    )
    def put(self, request: Request, share_token: str, session_id: UUID) -> Response:
        survey = _survey(share_token)
        session = _responder_session(request, survey, session_id)
        _assert_in_progress(session)
        _assert_open(survey)
        serializer = out.ResponsesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            progress = services.responses_update_progress(
                session=session, answers=serializer.validated_data["answers"]
            )
        except services.AnswerValidationError as exc:
            raise ValidationError({"detail": exc.message, "errors": exc.errors}) from exc
        except services.SessionClosed as exc:
            raise Conflict(exc.message) from exc
        return Response(out.ProgressSerializer(progress).data)


class ResponderSubmitApi(ResponderApi):
    @extend_schema(
        operation_id="responder_responses_submit",
        summary="Submit the answers",
        description=(
            f"{PUBLIC} Hands the answers in, once: submitting again is a 202 too and changes nothing. "
            "The answer holds no scores; the survey's owner sees only averages, once enough people "
            "answered. Each network may submit a limited number of surveys per hour (429)."
        ),
        parameters=[TOKEN_PARAMETER],
        request=None,
        responses={
            202: ResponderSubmittedSerializer,
            400: OpenApiResponse(out.IncompleteSerializer, description="Required items unanswered."),
            404: NO_SESSION,
            409: _error("The session can no longer be submitted."),
            410: CLOSED,
            429: _error("Too many surveys were submitted from this network; see Retry-After."),
        },
        tags=[RESPONDERS],
    )
    def post(self, request: Request, share_token: str, session_id: UUID) -> Response:
        survey = _survey(share_token)
        session = _responder_session(request, survey, session_id)
        ip = cookies.client_ip(request)
        if session.status == AssessmentSession.Status.IN_PROGRESS:
            _assert_open(survey)  # early and cheap; enforced again under the survey's lock
            if throttle.survey_submissions_exhausted(ip):
                raise Throttled(
                    wait=throttle.WINDOW_SECONDS,
                    detail="Many surveys were answered from your network recently. Please try again later.",
                )
        try:
            submission = services.session_submit_once(session=session)
        except services.IncompleteSession as exc:
            raise _incomplete(exc) from exc
        except services.SessionClosed as exc:
            raise Conflict(exc.message) from exc
        except services.SurveyClosed as exc:
            raise Gone(exc.message) from exc
        if submission.accepted_now:
            # Counted once, after it was accepted: parallel repeats of one submit count nothing.
            throttle.survey_submission_count(ip)
        return Response(
            ResponderSubmittedSerializer({"status": AssessmentSession.Status.SUBMITTED}).data,
            status=status.HTTP_202_ACCEPTED,
        )
