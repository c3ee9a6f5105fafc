"""GET /api/v1/sessions/{id}/: status, progress, answers in wire format, latest run."""

import pytest

from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, scored_session, self_session

pytestmark = pytest.mark.django_db


def test_it_shows_answers_in_the_wire_format_of_each_item_type(api_client, user):
    version = import_api_instrument()
    session = self_session(user, version, {**VALID_ANSWERS, "q4": ["read", "party"], "q7": 7})
    api_client.force_login(user)

    response = api_client.get(f"/api/v1/sessions/{session.pk}/")

    assert response.status_code == 200
    data = response.json()
    assert data["answers"] == [
        {"item": "q1", "value": True},
        {"item": "q2", "value": "4"},
        {"item": "q3", "value": "2"},
        {"item": "q4", "value": ["party", "read"]},
        {"item": "q5", "value": True},
        {"item": "q6", "value": "Nothing much."},
        {"item": "q7", "value": 7},
    ]
    assert data["progress"] == {"answered": 7, "visible": 7, "required_missing": [], "total": 7}


def test_progress_follows_the_branch_rules(api_client, user):
    version = import_api_instrument()
    session = self_session(user, version, {"q1": False, "q2": "1"})
    api_client.force_login(user)

    progress = api_client.get(f"/api/v1/sessions/{session.pk}/").json()["progress"]

    # "No" to q1 hides q5.
    assert progress == {"answered": 2, "visible": 6, "required_missing": ["q3", "q4", "q7"], "total": 5}


def test_a_scored_session_shows_its_latest_run(api_client, user):
    version = import_api_instrument()
    session = scored_session(user, version)
    run = session.runs.get()
    api_client.force_login(user)

    data = api_client.get(f"/api/v1/sessions/{session.pk}/").json()

    assert data["status"] == "scored"
    assert data["submitted_at"] is not None
    assert data["scored_at"] is not None
    assert data["latest_run"]["id"] == str(run.pk)
    assert data["latest_run"]["status"] == "done"
    assert data["latest_run"]["score_version"] == run.score_version != ""


def test_an_unknown_session_is_a_404(api_client, user):
    api_client.force_login(user)

    response = api_client.get("/api/v1/sessions/00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 404
    assert response.json() == {"detail": "There is no such session."}
