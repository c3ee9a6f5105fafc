"""POST /api/v1/sessions/{id}/rescore/ and GET …/runs/: re-scoring adds a run and keeps the old ones."""

import pytest

from assessments import services
from assessments.models import AnalysisRun
from tests.assessments.factories import import_api_instrument, scored_session, self_session
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_rescoring_keeps_the_old_run_and_the_latest_is_used_by_default(api_client, user):
    session = scored_session(user, import_api_instrument())
    first = session.runs.get()
    api_client.force_login(user)

    response = api_client.post(f"/api/v1/sessions/{session.pk}/rescore/")

    assert response.status_code == 202
    second_id = response.json()["id"]
    assert second_id != str(first.pk)
    assert response.json()["status"] == "pending"
    services.run_score(run_id=second_id)

    runs = api_client.get(f"/api/v1/sessions/{session.pk}/runs/").json()
    assert runs["count"] == 2
    assert [run["id"] for run in runs["results"]] == [second_id, str(first.pk)]
    assert all(run["status"] == "done" for run in runs["results"])
    latest = api_client.get(f"/api/v1/sessions/{session.pk}/scores/").json()
    older = api_client.get(f"/api/v1/sessions/{session.pk}/scores/", {"run": str(first.pk)}).json()
    assert latest["run"]["id"] == second_id
    assert older["run"]["id"] == str(first.pk)
    assert latest["dimensions"] == older["dimensions"]
    assert AnalysisRun.objects.filter(session=session).count() == 2


def test_staff_may_rescore_anyones_session(api_client, user):
    session = scored_session(user, import_api_instrument())
    api_client.force_login(UserFactory(is_staff=True))

    response = api_client.post(f"/api/v1/sessions/{session.pk}/rescore/")

    assert response.status_code == 202
    assert session.runs.count() == 2


def test_a_session_in_progress_cannot_be_rescored(api_client, user):
    session = self_session(user, import_api_instrument())
    api_client.force_login(user)

    response = api_client.post(f"/api/v1/sessions/{session.pk}/rescore/")

    assert response.status_code == 409
    assert response.json() == {"detail": "Submit the questionnaire before scoring it."}
    assert not AnalysisRun.objects.exists()


def test_runs_of_an_unsubmitted_session_are_an_empty_list(api_client, user):
    session = self_session(user, import_api_instrument())
    api_client.force_login(user)

    response = api_client.get(f"/api/v1/sessions/{session.pk}/runs/")

    assert response.status_code == 200
    assert response.json()["results"] == []
