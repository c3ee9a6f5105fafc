"""`Authorization: Api-Key <key>` works for every endpoint family of the assessments API."""

import pytest

from assessments import services
from assessments.models import Survey
from tests.assessments.factories import (
    VALID_ANSWERS,
    api_key_header,
    import_api_instrument,
    scored_session,
    survey_response,
)

pytestmark = pytest.mark.django_db


def test_sessions_can_be_taken_start_to_finish_with_an_api_key(api_client, user):
    import_api_instrument()
    headers = api_key_header(user)

    created = api_client.post("/api/v1/sessions/", {"questionnaire": "api-check"}, format="json", **headers)
    session_id = created.json()["id"]
    saved = api_client.put(
        f"/api/v1/sessions/{session_id}/responses/", {"answers": VALID_ANSWERS}, format="json", **headers
    )
    submitted = api_client.post(f"/api/v1/sessions/{session_id}/submit/", **headers)
    services.run_score(run_id=submitted.json()["id"])

    assert created.status_code == 201
    assert saved.status_code == 200
    assert submitted.status_code == 202
    for suffix in ("", "scores/", "runs/", "components/", "export.csv"):
        assert api_client.get(f"/api/v1/sessions/{session_id}/{suffix}", **headers).status_code == 200
    assert api_client.post(f"/api/v1/sessions/{session_id}/rescore/", **headers).status_code == 202
    assert api_client.get("/api/v1/sessions/", **headers).json()["count"] == 1


def test_surveys_work_with_an_api_key(api_client, user):
    import_api_instrument()
    headers = api_key_header(user)

    created = api_client.post(
        "/api/v1/surveys/",
        {"questionnaire": "api-check", "min_responses_to_show": 3},
        format="json",
        **headers,
    )
    survey_id = created.json()["id"]
    for responder in ("r1", "r2", "r3"):
        survey_response(Survey.objects.get(pk=survey_id), VALID_ANSWERS, responder=responder)

    assert created.status_code == 201
    assert api_client.get("/api/v1/surveys/", **headers).status_code == 200
    assert api_client.get(f"/api/v1/surveys/{survey_id}/", **headers).status_code == 200
    assert api_client.get(f"/api/v1/surveys/{survey_id}/results/", **headers).status_code == 200
    assert api_client.get(f"/api/v1/surveys/{survey_id}/export.csv", **headers).status_code == 200
    assert api_client.post(f"/api/v1/surveys/{survey_id}/close/", **headers).status_code == 200
    assert api_client.post(f"/api/v1/surveys/{survey_id}/reopen/", **headers).status_code == 200


def test_subjects_work_with_an_api_key(api_client, user):
    session = scored_session(user, import_api_instrument())
    headers = api_key_header(user)

    assert api_client.get("/api/v1/subjects/", **headers).json()["count"] == 1
    response = api_client.get(f"/api/v1/subjects/{session.subject_id}/averages/", **headers)
    assert response.status_code == 200
    assert response.json()["averages"]


def test_the_staff_export_works_with_a_staff_api_key(api_client, user):
    scored_session(user, import_api_instrument())
    user.is_staff = True
    user.save()

    response = api_client.get("/api/v1/questionnaires/api-check/export.csv", **api_key_header(user))

    assert response.status_code == 200


def test_a_wrong_api_key_is_a_401(api_client, db):
    response = api_client.get("/api/v1/sessions/", HTTP_AUTHORIZATION="Api-Key pk_nope_nope")

    assert response.status_code == 401
