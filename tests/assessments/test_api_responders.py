"""Anonymous responders over the API: the share link, a responder token to resume, 404 for any
session the token does not match, 410 once the survey is closed, and no CSRF to trip over."""

from datetime import timedelta
from uuid import UUID

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import services
from assessments.models import AnalysisRun, AssessmentSession, Response, Survey
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, survey_response

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(db):
    return import_api_instrument()


@pytest.fixture
def survey(user, version) -> Survey:
    user.username = "sam"
    user.save()
    return services.survey_create(owner=user, version=version, title="Sam after the project")


def info(client, survey):
    return client.get(f"/api/v1/s/{survey.share_token}/")


def start(client, survey, body=None, **extra):
    return client.post(f"/api/v1/s/{survey.share_token}/responses/", body or {}, format="json", **extra)


def put(client, survey, session_id, answers, token, **extra):
    return client.put(
        f"/api/v1/s/{survey.share_token}/responses/{session_id}/",
        {"answers": answers},
        format="json",
        HTTP_X_RESPONDER_TOKEN=token,
        **extra,
    )


def submit(client, survey, session_id, token, **extra):
    return client.post(
        f"/api/v1/s/{survey.share_token}/responses/{session_id}/submit/",
        HTTP_X_RESPONDER_TOKEN=token,
        **extra,
    )


def started(client, survey, **extra) -> tuple[str, str]:
    """(session id, responder token) of a new responder."""
    body = start(client, survey, **extra).json()
    return body["session"], body["responder_token"]


# --------------------------------------------------------------------------- the survey behind the link


def test_the_share_link_tells_what_the_survey_is_and_whom_it_is_about(api_client, survey, version):
    response = info(api_client, survey)

    assert response.status_code == 200
    assert response.json() == {
        "title": "Sam after the project",
        "about": "sam",
        "questionnaire": {"slug": "api-check", "version": 1, "title": "API check"},
        "item_count": 7,
        "min_responses_to_show": 3,
        "is_open": True,
        "invitation_only": False,
        "questionnaire_url": f"http://testserver/api/v1/s/{survey.share_token}/questionnaire/",
    }


def test_the_questionnaire_link_serves_the_surveys_version_without_an_account(api_client, survey):
    link = info(api_client, survey).json()["questionnaire_url"]

    response = api_client.get(link)

    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert [item["key"] for item in response.json()["items"]] == list(VALID_ANSWERS)


def test_an_unknown_share_link_is_a_404_everywhere(api_client, survey):
    session_id, token = started(api_client, survey)
    base = "/api/v1/s/not-a-token/responses/"

    responses = [
        api_client.get("/api/v1/s/not-a-token/"),
        api_client.post(base, {}, format="json"),
        api_client.put(f"{base}{session_id}/", {"answers": {}}, format="json", HTTP_X_RESPONDER_TOKEN=token),
        api_client.post(f"{base}{session_id}/submit/", HTTP_X_RESPONDER_TOKEN=token),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert all(r.json()["detail"] == "There is no such survey." for r in responses)


# --------------------------------------------------------------------------- starting and resuming


def test_starting_without_a_token_creates_a_session_and_hands_out_a_new_token(api_client, survey):
    response = start(api_client, survey, HTTP_USER_AGENT="Client/1.0", REMOTE_ADDR="198.51.100.4")

    body = response.json()
    session = AssessmentSession.objects.get(survey=survey)
    assert response.status_code == 201
    assert body["session"] == str(session.pk)
    assert body["status"] == "in_progress"
    assert body["locale"] == "en"
    assert body["progress"] == {
        "answered": 0,
        "visible": 6,
        "required_missing": ["q1", "q2", "q3", "q4", "q7"],
        "total": 5,
    }
    assert len(body["responder_token"]) >= 32
    assert session.responder_id == body["responder_token"]
    assert session.respondent_kind == "anonymous"
    assert session.respondent_user is None
    assert session.subject == survey.subject
    assert len(session.responder_fingerprint) == 64


def test_two_starts_without_a_token_are_two_responders(api_client, survey):
    first = start(api_client, survey, REMOTE_ADDR="198.51.100.4").json()
    second = start(api_client, survey, REMOTE_ADDR="198.51.100.5").json()

    assert first["session"] != second["session"]
    assert first["responder_token"] != second["responder_token"]
    assert AssessmentSession.objects.filter(survey=survey).count() == 2


def test_resuming_with_the_same_token_returns_the_same_session(api_client, survey):
    session_id, token = started(api_client, survey)
    put(api_client, survey, session_id, {"q1": True, "q2": "4"}, token)

    response = start(api_client, survey, {"responder_token": token})

    assert response.status_code == 200
    assert response.json()["session"] == session_id
    assert response.json()["responder_token"] == token
    assert response.json()["progress"]["answered"] == 2
    assert response.json()["answers"] == [{"item": "q1", "value": True}, {"item": "q2", "value": "4"}]
    assert AssessmentSession.objects.filter(survey=survey).count() == 1


def test_a_malformed_token_is_a_400(api_client, survey):
    response = start(api_client, survey, {"responder_token": "short"})

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "responder_token": ["responder_token must be the token this API gave you."]
    }
    assert not AssessmentSession.objects.filter(survey=survey).exists()


def test_the_session_takes_an_available_locale_and_refuses_others(api_client, survey):
    german = start(api_client, survey, {"locale": "de"}, REMOTE_ADDR="198.51.100.4")
    klingon = start(api_client, survey, {"locale": "tlh"}, REMOTE_ADDR="198.51.100.5")

    assert german.status_code == 201
    assert AssessmentSession.objects.get(pk=german.json()["session"]).locale == "de"
    assert klingon.status_code == 400
    assert klingon.json()["errors"]["locale"] == [
        'This questionnaire is not available in "tlh". Choose one of: en, de.'
    ]
    assert AssessmentSession.objects.filter(survey=survey).count() == 1


def test_starting_again_after_submitting_with_the_same_token_is_a_409(api_client, survey):
    session_id, token = started(api_client, survey)
    put(api_client, survey, session_id, VALID_ANSWERS, token)
    submit(api_client, survey, session_id, token)

    response = start(api_client, survey, {"responder_token": token})

    assert response.status_code == 409
    assert response.json() == {"detail": "You have already answered this survey. Thank you!"}


def test_a_new_token_from_the_same_ip_and_user_agent_answers_and_is_flagged(api_client, survey):
    same = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Client/1.0"}
    session_id, token = started(api_client, survey, **same)
    put(api_client, survey, session_id, VALID_ANSWERS, token)
    submit(api_client, survey, session_id, token, **same)

    again = start(api_client, survey, **same)
    put(api_client, survey, again.json()["session"], VALID_ANSWERS, again.json()["responder_token"])
    submit(api_client, survey, again.json()["session"], again.json()["responder_token"], **same)
    elsewhere = start(api_client, survey, REMOTE_ADDR="203.0.113.8", HTTP_USER_AGENT="Client/1.0")

    assert again.status_code == 201
    assert elsewhere.status_code == 201
    flags = dict(AssessmentSession.objects.filter(survey=survey).values_list("pk", "likely_duplicate"))
    assert flags == {
        UUID(session_id): False,
        UUID(again.json()["session"]): True,
        UUID(elsewhere.json()["session"]): False,
    }


def test_a_wrong_token_cannot_save_or_submit_and_nothing_is_written(api_client, survey):
    session_id, token = started(api_client, survey, REMOTE_ADDR="198.51.100.4")
    _other_session, other_token = started(api_client, survey, REMOTE_ADDR="198.51.100.5")

    responses = [
        put(api_client, survey, session_id, VALID_ANSWERS, other_token),
        put(api_client, survey, session_id, VALID_ANSWERS, token + "x"),
        put(api_client, survey, session_id, VALID_ANSWERS, ""),
        submit(api_client, survey, session_id, other_token),
        api_client.post(f"/api/v1/s/{survey.share_token}/responses/{session_id}/submit/"),  # no header
    ]

    assert [r.status_code for r in responses] == [404] * 5
    assert all(r.json() == {"detail": "There is no such session."} for r in responses)
    assert not Response.objects.exists()
    assert AssessmentSession.objects.get(pk=session_id).status == "in_progress"
    assert not AnalysisRun.objects.exists()


def test_a_session_of_another_survey_is_a_404_under_this_link(api_client, survey, user, version):
    other_survey = services.survey_create(owner=user, version=version)
    other_session, other_token = started(api_client, other_survey)

    saved = put(api_client, survey, other_session, VALID_ANSWERS, other_token)
    submitted = submit(api_client, survey, other_session, other_token)

    assert saved.status_code == 404
    assert submitted.status_code == 404
    assert saved.json() == submitted.json() == {"detail": "There is no such session."}
    assert not Response.objects.exists()
    assert not AnalysisRun.objects.exists()


def test_a_self_assessment_cannot_be_reached_through_a_survey_link(api_client, survey, user, version):
    own = services.session_start(
        subject=survey.subject, version=version, respondent_kind="self", respondent_user=user
    )

    response = put(api_client, survey, own.pk, VALID_ANSWERS, "")

    assert response.status_code == 404
    assert not Response.objects.exists()


# --------------------------------------------------------------------------- answers


def test_answers_are_saved_and_the_progress_returned(api_client, survey):
    session_id, token = started(api_client, survey)

    response = put(api_client, survey, session_id, VALID_ANSWERS, token)

    assert response.status_code == 200
    assert response.json() == {"answered": 7, "visible": 7, "required_missing": [], "total": 7}
    assert Response.objects.filter(session_id=session_id).count() == 7


def test_invalid_answers_are_a_400_per_item_and_nothing_is_written(api_client, survey):
    session_id, token = started(api_client, survey)

    response = put(api_client, survey, session_id, {"q1": "maybe", "q2": "4", "q7": 11, "nope": 1}, token)

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Some answers are invalid."
    assert set(body["errors"]) == {"q1", "q7", "nope"}
    assert body["errors"]["q1"] == "Answer yes or no."
    assert not Response.objects.exists()


def test_a_malformed_body_is_a_400(api_client, survey):
    session_id, token = started(api_client, survey)

    response = api_client.put(
        f"/api/v1/s/{survey.share_token}/responses/{session_id}/",
        {"answers": ["q1"]},
        format="json",
        HTTP_X_RESPONDER_TOKEN=token,
    )

    assert response.status_code == 400
    assert "answers" in response.json()["errors"]


def test_answers_cannot_change_after_submitting(api_client, survey):
    session_id, token = started(api_client, survey)
    put(api_client, survey, session_id, VALID_ANSWERS, token)
    submit(api_client, survey, session_id, token)

    response = put(api_client, survey, session_id, {"q2": "1"}, token)

    assert response.status_code == 409
    assert Response.objects.get(session_id=session_id, item__key="q2").selected_option.key == "4"


# --------------------------------------------------------------------------- closed surveys


def _close_inactive(survey: Survey) -> str:
    services.survey_set_active(survey=survey, is_active=False)
    return "This survey is closed and no longer accepts answers."


def _close_expired(survey: Survey) -> str:
    closed = timezone.now() - timedelta(days=1)
    Survey.objects.filter(pk=survey.pk).update(closes_at=closed)
    return f"This survey closed on {closed.date().isoformat()}."


def _close_full(survey: Survey) -> str:
    Survey.objects.filter(pk=survey.pk).update(max_responses=1)
    survey_response(survey, VALID_ANSWERS, responder="first-responder", score=False)
    return "This survey has reached its maximum number of responses."


@pytest.mark.parametrize(
    "close", [_close_inactive, _close_expired, _close_full], ids=["inactive", "expired", "full"]
)
def test_a_closed_survey_is_a_410_on_every_step(api_client, survey, close):
    session_id, token = started(api_client, survey, REMOTE_ADDR="198.51.100.4")
    reason = close(survey)

    responses = {
        "info": info(api_client, survey),
        "start": start(api_client, survey, REMOTE_ADDR="198.51.100.5"),
        "resume": start(api_client, survey, {"responder_token": token}),
        "put": put(api_client, survey, session_id, VALID_ANSWERS, token),
        "submit": submit(api_client, survey, session_id, token),
    }

    assert {step: r.status_code for step, r in responses.items()} == dict.fromkeys(responses, 410)
    assert all(r.json() == {"detail": reason} for r in responses.values())
    assert not Response.objects.filter(session_id=session_id).exists()
    assert AssessmentSession.objects.get(pk=session_id).status == "in_progress"
    assert AssessmentSession.objects.filter(survey=survey).count() == (2 if close is _close_full else 1)


def test_a_reopened_survey_takes_answers_again(api_client, survey):
    session_id, token = started(api_client, survey)
    services.survey_set_active(survey=survey, is_active=False)
    assert put(api_client, survey, session_id, VALID_ANSWERS, token).status_code == 410

    services.survey_set_active(survey=survey, is_active=True)

    assert put(api_client, survey, session_id, VALID_ANSWERS, token).status_code == 200


# --------------------------------------------------------------------------- no account, no CSRF


@pytest.fixture
def csrf_client() -> APIClient:
    """A client that enforces CSRF checks, as a browser's requests are."""
    return APIClient(enforce_csrf_checks=True)


def test_a_signed_in_browser_session_without_a_csrf_token_does_not_break_the_endpoints(
    csrf_client, survey, other_user
):
    csrf_client.force_login(other_user)
    # The control: a session-authenticated write without a CSRF token is refused elsewhere.
    assert (
        csrf_client.post("/api/v1/surveys/", {"questionnaire": "api-check"}, format="json").status_code == 403
    )

    got = info(csrf_client, survey)
    begun = start(csrf_client, survey)
    session_id, token = begun.json()["session"], begun.json()["responder_token"]
    saved = put(csrf_client, survey, session_id, VALID_ANSWERS, token)
    submitted = submit(csrf_client, survey, session_id, token)

    assert [got.status_code, begun.status_code, saved.status_code, submitted.status_code] == [
        200,
        201,
        200,
        202,
    ]
    session = AssessmentSession.objects.get(pk=session_id)
    assert session.respondent_user is None  # the signed-in user is not recorded: responders are anonymous
    assert session.status == "submitted"


def test_a_stale_session_cookie_does_not_break_the_endpoints(csrf_client, survey):
    csrf_client.cookies["sessionid"] = "expired-or-forged"

    begun = start(csrf_client, survey)
    session_id, token = begun.json()["session"], begun.json()["responder_token"]
    saved = put(csrf_client, survey, session_id, VALID_ANSWERS, token)

    assert info(csrf_client, survey).status_code == 200
    assert begun.status_code == 201
    assert saved.status_code == 200


def test_a_revoked_or_bogus_api_key_is_ignored_rather_than_refused(api_client, survey):
    response = start(api_client, survey, HTTP_AUTHORIZATION="Api-Key not-a-real-key")

    assert response.status_code == 201
    assert AssessmentSession.objects.get(pk=response.json()["session"]).respondent_user is None
