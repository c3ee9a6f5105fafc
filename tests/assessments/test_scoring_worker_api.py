"""Scoring through a real Celery worker: submit over the API, poll the scores until done."""

import time

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import scoring, selectors, services
from assessments.models import AnalysisRun
from personai import outbox
from personai.outbox import OutboxTask
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, self_session
from tests.worker import running_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

POLL_SECONDS = 30


def poll_scores(client: APIClient, session_id) -> dict:
    """GET the scores until the run is done (or failed), at most POLL_SECONDS."""
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        response = client.get(f"/api/v1/sessions/{session_id}/scores/")
        assert response.status_code == 200
        body = response.json()
        if body["run"]["status"] in ("done", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def engine_scores(version, answers) -> scoring.ScoreResult:
    version = selectors.version_with_items(version.pk)
    parsed = {key: entry.answer for key, entry in services.parse_answers(version, answers).items()}
    return scoring.score(selectors.engine_instrument(version), parsed, as_of=timezone.now())


def flatten(dimensions: list[dict]) -> dict[str, dict]:
    found = {}
    for dimension in dimensions:
        found[dimension["dimension"]] = dimension
        found.update(flatten(dimension["facets"]))
    return found


def test_a_submitted_session_is_scored_by_the_worker_as_the_engine_scores_it(user):
    version = import_api_instrument()
    session = self_session(user, version, VALID_ANSWERS)
    client = APIClient()
    client.force_login(user)

    with running_worker():
        submitted = client.post(f"/api/v1/sessions/{session.pk}/submit/")
        assert submitted.status_code == 202
        outbox.relay()  # besides the nudge sent when the submit committed
        body = poll_scores(client, session.pk)

    assert body["run"]["id"] == submitted.json()["id"]
    assert body["run"]["status"] == "done", body
    expected = engine_scores(version, VALID_ANSWERS)
    shown = flatten(body["dimensions"])
    assert set(shown) == {score.dimension for score in expected.dimensions}
    for score in expected.dimensions:
        assert shown[score.dimension]["raw"] == pytest.approx(score.raw)
        assert shown[score.dimension]["normalized"] == pytest.approx(score.normalized)
        assert shown[score.dimension]["band"] == (score.band or "")
    assert body["run"]["score_version"] == expected.score_version
    assert OutboxTask.objects.get(task_type=services.SCORE_TASK).status == OutboxTask.Status.DONE


def test_submissions_survive_a_stopped_worker(user):
    version = import_api_instrument()
    session = self_session(user, version, VALID_ANSWERS)
    client = APIClient()
    client.force_login(user)

    submitted = client.post(f"/api/v1/sessions/{session.pk}/submit/")
    time.sleep(1)  # no worker: nothing happens
    waiting = client.get(f"/api/v1/sessions/{session.pk}/scores/").json()

    assert submitted.status_code == 202
    assert waiting["run"]["status"] == "pending"
    assert waiting["dimensions"] == []
    assert OutboxTask.objects.get(task_type=services.SCORE_TASK).status == OutboxTask.Status.PENDING

    with running_worker():
        outbox.relay()
        body = poll_scores(client, session.pk)

    assert body["run"]["status"] == "done", body
    assert AnalysisRun.objects.get(session=session).status == AnalysisRun.Status.DONE
    assert flatten(body["dimensions"])["extraversion"]["raw"] == 8
