"""kill -9 of a worker while its relay is handing out work: nothing waits for a claim timeout.

The relay sends inside its claim transaction, so a relay killed after sending some messages but
before committing leaves every row pending; the next relay hands them out at once, and the
messages the dead relay did send (for a claim that never committed) run nothing twice.
"""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.db.models import Count

from assessments import services
from assessments.models import AnalysisRun, QuestionnaireEventLog
from personai import outbox
from personai.celery import app
from personai.outbox import OutboxTask
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, self_session
from tests.factories import UserFactory
from tests.reliability.slow_relay import SENT_KEY
from tests.worker import running_worker, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

RUNS = 3
BEAT_SECONDS = 1
# The production lease and claim timeout: neither is needed to recover from this.
WORKER_ENV = {"OUTBOX_LEASE_SECONDS": "30", "OUTBOX_CLAIM_TIMEOUT_SECONDS": "600"}
RECOVERY_LIMIT_SECONDS = 15


def beat() -> None:
    app.send_task(outbox.RELAY_TASK_NAME, ignore_result=True, expires=BEAT_SECONDS * 2)


def test_a_relay_killed_while_dispatching_leaves_nothing_claimed_and_nothing_runs_twice():
    version = import_api_instrument()
    sessions = [self_session(UserFactory(), version, VALID_ANSWERS) for _ in range(RUNS)]

    slow = {**WORKER_ENV, "TEST_RELAY_SEND_DELAY_SECONDS": "60"}
    with running_worker(slow, include=["tests.reliability.slow_relay"]) as first:
        for session in sessions:
            services.session_submit(session=session)  # the commit nudges the relay
        wait_until(lambda: cache.get(SENT_KEY) == 1, message="the relay sent nothing")
        first.kill()  # one message sent, its claim not committed

    tasks = OutboxTask.objects.filter(task_type=services.SCORE_TASK)
    assert set(tasks.values_list("status", "attempts")) == {(OutboxTask.Status.PENDING, 0)}

    def all_done() -> bool:
        beat()
        return AnalysisRun.objects.filter(status=AnalysisRun.Status.DONE).count() == RUNS

    with running_worker(WORKER_ENV):
        back = time.monotonic()
        wait_until(all_done, timeout=RECOVERY_LIMIT_SECONDS, interval=BEAT_SECONDS, message="runs not done")
        recovered = time.monotonic() - back
    print(f"all {RUNS} runs done {recovered:.1f}s after a worker was back")

    scored = QuestionnaireEventLog.objects.filter(event=QuestionnaireEventLog.Event.SCORED)
    assert sorted(scored.values("session").annotate(n=Count("id")).values_list("n", flat=True)) == [1] * RUNS
    assert set(AnalysisRun.objects.values_list("attempts", flat=True)) == {1}
    assert set(tasks.values_list("status", "attempts")) == {(OutboxTask.Status.DONE, 1)}
