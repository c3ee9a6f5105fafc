"""Another user's sessions, surveys and subjects are 404 on every endpoint, never 403."""

import pytest

from assessments import services
from assessments.models import AnalysisRun, Survey
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, scored_session, survey_response

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_user):
    """Another user's scored session, survey (past its threshold) and subject."""
    version = import_api_instrument()
    session = scored_session(other_user, version)
    survey = services.survey_create(owner=other_user, version=version)
    for responder in ("r1", "r2", "r3"):
        survey_response(survey, VALID_ANSWERS, responder=responder)
    return {"session": session.pk, "survey": survey.pk, "subject": session.subject_id}


ENDPOINTS = [
    ("get", "/api/v1/sessions/{session}/", None),
    ("put", "/api/v1/sessions/{session}/responses/", {"answers": {"q7": 1}}),
    ("post", "/api/v1/sessions/{session}/submit/", None),
    ("get", "/api/v1/sessions/{session}/scores/", None),
    ("get", "/api/v1/sessions/{session}/runs/", None),
    ("post", "/api/v1/sessions/{session}/rescore/", None),
    ("get", "/api/v1/sessions/{session}/components/", None),
    ("get", "/api/v1/sessions/{session}/export.csv", None),
    ("get", "/api/v1/surveys/{survey}/", None),
    ("post", "/api/v1/surveys/{survey}/close/", None),
    ("post", "/api/v1/surveys/{survey}/reopen/", None),
    ("get", "/api/v1/surveys/{survey}/results/", None),
    ("get", "/api/v1/surveys/{survey}/export.csv", None),
    ("get", "/api/v1/subjects/{subject}/averages/", None),
]


@pytest.mark.parametrize(("method", "url", "body"), ENDPOINTS)
def test_another_users_object_is_a_404(api_client, user, theirs, method, url, body):
    api_client.force_login(user)

    response = getattr(api_client, method)(url.format(**theirs), body, format="json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_nothing_of_theirs_changed(api_client, user, theirs):
    api_client.force_login(user)
    for method, url, body in ENDPOINTS:
        getattr(api_client, method)(url.format(**theirs), body, format="json")

    assert AnalysisRun.objects.filter(session_id=theirs["session"]).count() == 1
    assert Survey.objects.get(pk=theirs["survey"]).is_active is True


def test_lists_leave_out_other_users_objects(api_client, user, theirs):
    api_client.force_login(user)

    assert api_client.get("/api/v1/sessions/").json()["count"] == 0
    assert api_client.get("/api/v1/surveys/").json()["count"] == 0
    assert api_client.get("/api/v1/subjects/").json()["count"] == 0


def test_anonymous_survey_answers_about_me_are_not_listed_as_sessions(api_client, user):
    survey = services.survey_create(owner=user, version=import_api_instrument())
    response = survey_response(survey, VALID_ANSWERS, responder="r1")
    api_client.force_login(user)

    assert api_client.get("/api/v1/sessions/").json()["count"] == 0
    assert api_client.get(f"/api/v1/sessions/{response.pk}/").status_code == 404
