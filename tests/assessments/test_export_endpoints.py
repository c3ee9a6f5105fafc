"""CSV export endpoints: who may export what, the privacy threshold, streaming and errors as JSON."""

import csv
import io

import pytest

from assessments import services
from tests.assessments.factories import (
    VALID_ANSWERS,
    import_api_instrument,
    scored_session,
    self_session,
    survey_response,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_the_owner_exports_one_session(api_client, user):
    version = import_api_instrument()
    session = scored_session(user, version)
    self_session(user, version)  # not in this export
    api_client.force_login(user)

    response = api_client.get(f"/api/v1/sessions/{session.pk}/export.csv")

    assert response["Content-Disposition"] == f'attachment; filename="session-{session.pk}.csv"'
    (row,) = rows(response)
    assert row["session_id"] == str(session.pk)
    assert row["q4"] == "party|read"


def test_asking_for_text_csv_explicitly_works(api_client, user):
    session = scored_session(user, import_api_instrument())
    api_client.force_login(user)

    response = api_client.get(f"/api/v1/sessions/{session.pk}/export.csv", HTTP_ACCEPT="text/csv")

    assert len(rows(response)) == 1


def test_errors_are_json_even_when_csv_was_asked_for(api_client, user, other_user):
    session = scored_session(other_user, import_api_instrument())
    api_client.force_login(user)

    response = api_client.get(f"/api/v1/sessions/{session.pk}/export.csv", HTTP_ACCEPT="text/csv")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "There is no such session."}


def test_a_survey_below_its_threshold_is_a_403_explaining_why(api_client, user):
    survey = services.survey_create(owner=user, version=import_api_instrument(), min_responses_to_show=3)
    survey_response(survey, VALID_ANSWERS, responder="r1")
    api_client.force_login(user)

    response = api_client.get(f"/api/v1/surveys/{survey.pk}/export.csv")

    assert response.status_code == 403
    assert response.json() == {
        "detail": "This survey has 1 response(s). To protect responders' anonymity, its answers can be "
        "exported once at least 3 people responded."
    }


def test_staff_may_export_anyones_survey_as_aggregates(api_client, user):
    survey = services.survey_create(owner=user, version=import_api_instrument())
    for responder in ("r1", "r2", "r3"):
        survey_response(survey, VALID_ANSWERS, responder=responder)
    api_client.force_login(UserFactory(is_staff=True))

    exported = rows(api_client.get(f"/api/v1/surveys/{survey.pk}/export.csv"))

    assert "session_id" not in exported[0]
    assert {row["kind"] for row in exported} == {"item", "dimension"}


def test_staff_export_every_session_of_a_questionnaire_version(api_client):
    version = import_api_instrument()
    for _ in range(3):
        scored_session(UserFactory(), version)
    self_session(UserFactory(), version)
    api_client.force_login(UserFactory(is_staff=True))

    active = api_client.get("/api/v1/questionnaires/api-check/export.csv")
    pinned = api_client.get("/api/v1/questionnaires/api-check/export.csv", {"version": 1})

    assert active["Content-Disposition"] == 'attachment; filename="api-check-v1.csv"'
    assert len(rows(active)) == len(rows(pinned)) == 4


def test_the_questionnaire_export_is_staff_only(api_client, user):
    import_api_instrument()
    scored_session(user, import_api_instrument())
    api_client.force_login(user)

    response = api_client.get("/api/v1/questionnaires/api-check/export.csv")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"


def test_an_unknown_questionnaire_or_version_is_a_404(api_client):
    import_api_instrument()
    api_client.force_login(UserFactory(is_staff=True))

    assert api_client.get("/api/v1/questionnaires/nope/export.csv").status_code == 404
    assert api_client.get("/api/v1/questionnaires/api-check/export.csv", {"version": 7}).status_code == 404
    assert api_client.get("/api/v1/questionnaires/api-check/export.csv", {"version": "x"}).status_code == 400
