"""Anonymous responders submitting over the API: once, without scores, within a per-IP limit."""

import pytest

from assessments import services, throttle
from assessments.models import AnalysisRun, AssessmentSession, Survey
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(user) -> Survey:
    return services.survey_create(owner=user, version=import_api_instrument())


def respond(client, survey, answers=VALID_ANSWERS, **extra) -> tuple[str, str]:
    """Start as a new responder and save `answers`; returns (session id, responder token)."""
    body = client.post(f"/api/v1/s/{survey.share_token}/responses/", {}, format="json", **extra).json()
    session_id, token = body["session"], body["responder_token"]
    saved = client.put(
        f"/api/v1/s/{survey.share_token}/responses/{session_id}/",
        {"answers": answers},
        format="json",
        HTTP_X_RESPONDER_TOKEN=token,
        **extra,
    )
    assert saved.status_code == 200, saved.json()
    return session_id, token


def submit(client, survey, session_id, token, **extra):
    return client.post(
        f"/api/v1/s/{survey.share_token}/responses/{session_id}/submit/",
        HTTP_X_RESPONDER_TOKEN=token,
        **extra,
    )


def test_submitting_hands_the_answers_in_without_any_scores(api_client, survey):
    session_id, token = respond(api_client, survey)

    response = submit(api_client, survey, session_id, token)

    assert response.status_code == 202
    assert response.json() == {"status": "submitted"}
    session = AssessmentSession.objects.get(pk=session_id)
    assert session.status == "submitted"
    assert session.submitted_at is not None
    assert AnalysisRun.objects.filter(session=session).count() == 1


def test_a_scored_response_still_shows_the_responder_nothing_but_submitted(api_client, survey):
    session_id, token = respond(api_client, survey)
    submit(api_client, survey, session_id, token)
    services.run_score(run_id=AnalysisRun.objects.get(session_id=session_id).pk)

    again = submit(api_client, survey, session_id, token)
    resume = api_client.post(
        f"/api/v1/s/{survey.share_token}/responses/", {"responder_token": token}, format="json"
    )
    results = api_client.get(f"/api/v1/s/{survey.share_token}/results/")
    owner_results = api_client.get(f"/api/v1/surveys/{survey.pk}/results/")

    assert AssessmentSession.objects.get(pk=session_id).status == "scored"
    assert again.status_code == 202
    assert again.json() == {"status": "submitted"}
    assert resume.status_code == 409
    assert resume.json() == {"detail": "You have already answered this survey. Thank you!"}
    assert results.status_code == 404
    assert owner_results.status_code in (401, 403)


def test_submitting_twice_creates_one_analysis_run(api_client, survey):
    session_id, token = respond(api_client, survey)

    first = submit(api_client, survey, session_id, token)
    second = submit(api_client, survey, session_id, token)

    assert first.status_code == second.status_code == 202
    assert first.json() == second.json() == {"status": "submitted"}
    assert AnalysisRun.objects.filter(session_id=session_id).count() == 1


def test_an_incomplete_session_is_a_400_naming_the_missing_items(api_client, survey):
    session_id, token = respond(api_client, survey, {"q1": False, "q2": "3"})

    response = submit(api_client, survey, session_id, token)

    assert response.status_code == 400
    body = response.json()
    assert body["missing"] == ["q3", "q4", "q7"]
    assert set(body["errors"]) == {"q3", "q4", "q7"}
    assert AssessmentSession.objects.get(pk=session_id).status == "in_progress"
    assert not AnalysisRun.objects.exists()


def test_a_survey_closed_after_the_first_submission_still_answers_a_repeat_with_202(api_client, survey):
    session_id, token = respond(api_client, survey)
    submit(api_client, survey, session_id, token)
    services.survey_set_active(survey=survey, is_active=False)

    response = submit(api_client, survey, session_id, token)

    assert response.status_code == 202
    assert AnalysisRun.objects.filter(session_id=session_id).count() == 1


def test_submissions_are_limited_per_ip_counting_only_first_successful_ones(api_client, survey, monkeypatch):
    monkeypatch.setattr(throttle, "SURVEY_SUBMISSIONS_PER_HOUR", 2)
    ip = {"REMOTE_ADDR": "192.0.2.9"}
    first, first_token = respond(api_client, survey, {"q1": True}, HTTP_USER_AGENT="A", **ip)
    assert submit(api_client, survey, first, first_token, **ip).status_code == 400  # incomplete: not counted
    api_client.put(
        f"/api/v1/s/{survey.share_token}/responses/{first}/",
        {"answers": VALID_ANSWERS},
        format="json",
        HTTP_X_RESPONDER_TOKEN=first_token,
    )
    assert submit(api_client, survey, first, first_token, **ip).status_code == 202  # counted: 1
    assert submit(api_client, survey, first, first_token, **ip).status_code == 202  # repeat: not counted
    second, second_token = respond(api_client, survey, HTTP_USER_AGENT="B", **ip)
    assert submit(api_client, survey, second, second_token, **ip).status_code == 202  # counted: 2
    third, third_token = respond(api_client, survey, HTTP_USER_AGENT="C", **ip)

    limited = submit(api_client, survey, third, third_token, **ip)
    repeat = submit(api_client, survey, first, first_token, **ip)
    elsewhere = submit(api_client, survey, third, third_token, REMOTE_ADDR="192.0.2.10")

    assert limited.status_code == 429
    assert limited["Retry-After"] == "3600"
    assert limited.json()["detail"].startswith("Many surveys were answered from your network recently.")
    assert repeat.status_code == 202  # an earlier submission is still acknowledged
    assert elsewhere.status_code == 202
    assert AssessmentSession.objects.filter(survey=survey, status="submitted").count() == 3


def test_the_limit_is_shared_with_the_browser_flow(api_client, client, survey, monkeypatch):
    monkeypatch.setattr(throttle, "SURVEY_SUBMISSIONS_PER_HOUR", 1)
    ip = {"REMOTE_ADDR": "192.0.2.11"}
    client.post(f"/s/{survey.share_token}/", HTTP_USER_AGENT="Browser", **ip)
    services.responses_save(session=AssessmentSession.objects.get(survey=survey), answers=VALID_ANSWERS)
    assert client.post(f"/s/{survey.share_token}/submit/", **ip).status_code == 302
    session_id, token = respond(api_client, survey, HTTP_USER_AGENT="App", **ip)

    response = submit(api_client, survey, session_id, token, **ip)

    assert response.status_code == 429
    assert AssessmentSession.objects.get(pk=session_id).status == "in_progress"
