"""Two submits of one session at the same moment make one run, and both get its id."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from assessments.models import AnalysisRun
from personai.outbox import OutboxTask
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, self_session


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_create_exactly_one_run(user):
    session = self_session(user, import_api_instrument(), VALID_ANSWERS)
    barrier = threading.Barrier(2, timeout=10)
    results: list[tuple[int, dict]] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            client = APIClient()
            client.force_login(user)
            barrier.wait()
            response = client.post(f"/api/v1/sessions/{session.pk}/submit/")
            results.append((response.status_code, response.json()))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors, errors
    assert [status for status, _ in results] == [202, 202]
    assert results[0][1]["id"] == results[1][1]["id"]
    assert AnalysisRun.objects.filter(session=session).count() == 1
    assert OutboxTask.objects.filter(task_type="assessments.score_run").count() == 1
