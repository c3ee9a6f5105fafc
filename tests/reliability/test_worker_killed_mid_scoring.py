"""kill -9 of a real Celery worker mid-scoring: after a worker is back, every run is done, once.

The workers run with a short lease (``OUTBOX_LEASE_SECONDS=3``) so the test stays short; the
defaults (30 s lease, 5 s beat) give the same picture in about ten times the time, which
tests/personai/test_outbox_lease.py checks against the one-minute goal. To measure with them,
run with ``RELIABILITY_LEASE_SECONDS=30 RELIABILITY_BEAT_SECONDS=5``.
"""

from __future__ import annotations

import os
import sys
import time

import pytest
from django.db.models import Count

from assessments import services
from assessments.models import AnalysisRun, QuestionnaireEventLog, TraitScore
from personai import outbox
from personai.celery import app
from personai.outbox import OutboxTask
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, self_session
from tests.factories import UserFactory
from tests.worker import running_worker, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SLOW_SCORING = "tests.reliability.slow_scoring"
LEASE_SECONDS = float(os.environ.get("RELIABILITY_LEASE_SECONDS") or 3)
BEAT_SECONDS = float(os.environ.get("RELIABILITY_BEAT_SECONDS") or 1)
WORKER_ENV = {"OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS), "OUTBOX_HEARTBEAT_SECONDS": str(LEASE_SECONDS / 3)}
RUNS = 4
# Lease + one beat + scoring four runs, with room for a busy two-core machine.
RECOVERY_LIMIT_SECONDS = LEASE_SECONDS + BEAT_SECONDS + 16


def beat() -> None:
    """What celery beat sends every OUTBOX_RELAY_INTERVAL seconds."""
    app.send_task(outbox.RELAY_TASK_NAME, ignore_result=True, expires=BEAT_SECONDS * 2)


def test_runs_submitted_before_a_worker_is_killed_are_all_scored_once_soon_after_one_is_back():
    version = import_api_instrument()
    sessions = [self_session(UserFactory(), version, VALID_ANSWERS) for _ in range(RUNS)]

    with running_worker({**WORKER_ENV, "TEST_SCORING_DELAY_SECONDS": "120"}, include=[SLOW_SCORING]) as first:
        for session in sessions:
            services.session_submit(session=session)  # commits, then nudges the relay
        wait_until(
            lambda: AnalysisRun.objects.filter(status=AnalysisRun.Status.RUNNING).exists(),
            message="no run started scoring",
        )
        first.kill()  # SIGKILL to the worker and its pool, in the middle of scoring

    assert AnalysisRun.objects.filter(status=AnalysisRun.Status.DONE).count() == 0
    assert AnalysisRun.objects.filter(status=AnalysisRun.Status.RUNNING).count() == 1

    def all_done() -> bool:
        beat()
        return AnalysisRun.objects.filter(status=AnalysisRun.Status.DONE).count() == RUNS

    with running_worker(WORKER_ENV):
        back = time.monotonic()
        wait_until(
            all_done,
            timeout=RECOVERY_LIMIT_SECONDS,
            interval=BEAT_SECONDS,
            message=f"not every run was done within {RECOVERY_LIMIT_SECONDS}s of a worker being back",
        )
        recovered = time.monotonic() - back
    sys.stderr.write(f"\nall {RUNS} runs done {recovered:.1f}s after a worker was back\n")

    # Exactly once: one run per session, scored once (one "scored" event, one set of scores).
    runs = AnalysisRun.objects.filter(session__in=sessions)
    assert runs.count() == RUNS
    assert {run.session_id for run in runs} == {session.pk for session in sessions}
    scored = QuestionnaireEventLog.objects.filter(event=QuestionnaireEventLog.Event.SCORED)
    assert sorted(scored.values("session").annotate(n=Count("id")).values_list("n", flat=True)) == [1] * RUNS
    per_run = TraitScore.objects.values("run").annotate(n=Count("id")).values_list("n", flat=True)
    assert len(set(per_run)) == 1 and len(per_run) == RUNS
    # Only the run that was killed was started a second time.
    assert sorted(runs.values_list("attempts", flat=True)) == [1] * (RUNS - 1) + [2]
    tasks = OutboxTask.objects.filter(task_type=services.SCORE_TASK)
    assert set(tasks.values_list("status", flat=True)) == {OutboxTask.Status.DONE}
    assert sorted(tasks.values_list("attempts", flat=True)) == [1] * (RUNS - 1) + [2]
