"""POST /api/v1/sessions/{id}/submit/: 202 with the run; incomplete is 400; submitting twice is one run."""

import pytest

from assessments.models import AnalysisRun, AssessmentSession
from personai.outbox import OutboxTask
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, self_session

pytestmark = pytest.mark.django_db


def submit(client, session):
    return client.post(f"/api/v1/sessions/{session.pk}/submit/")


def test_it_queues_scoring_and_answers_202_with_the_run(api_client, user):
    session = self_session(user, import_api_instrument(), VALID_ANSWERS)
    api_client.force_login(user)

    response = submit(api_client, session)

    assert response.status_code == 202
    run = AnalysisRun.objects.get(session=session)
    data = response.json()
    assert data["id"] == str(run.pk)
    assert data["status"] == "pending"
    assert data["score_version"] == ""
    assert data["created_at"]
    session.refresh_from_db()
    assert session.status == AssessmentSession.Status.SUBMITTED
    assert OutboxTask.objects.get(task_type="assessments.score_run").payload == {"run_id": str(run.pk)}


def test_a_second_submit_returns_the_same_run(api_client, user):
    session = self_session(user, import_api_instrument(), VALID_ANSWERS)
    api_client.force_login(user)

    first = submit(api_client, session)
    second = submit(api_client, session)

    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert AnalysisRun.objects.filter(session=session).count() == 1


def test_missing_required_answers_are_a_400_listing_the_items(api_client, user):
    session = self_session(user, import_api_instrument(), {"q1": False, "q2": "3", "q6": "hi"})
    api_client.force_login(user)

    response = submit(api_client, session)

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Please answer every required question before submitting."
    # q5 is hidden by the "no" to q1, so it is not missing.
    assert body["missing"] == ["q3", "q4", "q7"]
    assert set(body["errors"]) == {"q3", "q4", "q7"}
    session.refresh_from_db()
    assert session.status == AssessmentSession.Status.IN_PROGRESS
    assert not AnalysisRun.objects.exists()


def test_an_abandoned_session_cannot_be_submitted(api_client, user):
    session = self_session(user, import_api_instrument(), VALID_ANSWERS)
    AssessmentSession.objects.filter(pk=session.pk).update(status=AssessmentSession.Status.ABANDONED)
    api_client.force_login(user)

    response = submit(api_client, session)

    assert response.status_code == 409
    assert response.json() == {"detail": "This session can no longer be submitted."}
