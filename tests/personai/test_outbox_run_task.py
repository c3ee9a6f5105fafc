"""run_task(): runs the handler once, records success, retries with backoff, then fails."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from personai import outbox
from personai.outbox import OutboxTask, enqueue, outbox_stats, relay, retry_failed, run_task


class Recorder:
    """A test handler: records payloads, raises ``fail_with`` when set."""

    def __init__(self):
        self.calls: list[dict] = []
        self.fail_with: Exception | None = None

    def __call__(self, payload: dict) -> None:
        self.calls.append(payload)
        if self.fail_with is not None:
            raise self.fail_with


@pytest.fixture
def recorder():
    handler = Recorder()
    outbox.outbox_handler("tests.record")(handler)
    yield handler
    outbox.unregister_handler("tests.record")


@pytest.fixture
def outbox_settings(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_BACKOFF_SECONDS = 10
    return settings


def claim_one() -> tuple:
    sent = []
    relay(send=lambda task_id, attempt: sent.append((task_id, attempt)))
    assert len(sent) == 1
    return sent[0]


def make_due(task: OutboxTask) -> None:
    OutboxTask.objects.filter(pk=task.pk).update(run_after=timezone.now() - timedelta(seconds=1))


@pytest.mark.django_db
def test_a_successful_handler_marks_the_task_done(recorder):
    task = enqueue("tests.record", {"session": 7})
    task_id, attempt = claim_one()

    run_task(task_id, attempt=attempt)

    task.refresh_from_db()
    assert recorder.calls == [{"session": 7}]
    assert task.status == OutboxTask.Status.DONE
    assert task.completed_at is not None and task.completed_at <= timezone.now()


@pytest.mark.django_db
def test_a_done_task_delivered_twice_runs_its_handler_once(recorder):
    enqueue("tests.record", {})
    task_id, attempt = claim_one()

    run_task(task_id, attempt=attempt)
    run_task(task_id, attempt=attempt)
    run_task(task_id)

    assert len(recorder.calls) == 1


@pytest.mark.django_db
def test_a_message_from_an_older_claim_is_ignored(recorder):
    task = enqueue("tests.record", {})
    task_id, attempt = claim_one()
    OutboxTask.objects.filter(pk=task.pk).update(attempts=attempt + 1)  # re-claimed meanwhile

    run_task(task_id, attempt=attempt)

    assert recorder.calls == []
    assert OutboxTask.objects.get(pk=task.pk).status == OutboxTask.Status.IN_PROGRESS


@pytest.mark.django_db
def test_a_task_that_is_not_claimed_is_not_run(recorder):
    task = enqueue("tests.record", {})

    run_task(task.pk)
    run_task("00000000-0000-0000-0000-000000000000")

    assert recorder.calls == []


@pytest.mark.django_db
def test_a_failing_handler_is_retried_with_backoff_then_marked_failed(recorder, outbox_settings):
    recorder.fail_with = ConnectionError("LLM timed out " + "x" * 5000)
    task = enqueue("tests.record", {})

    delays = []
    for attempt in (1, 2):
        task_id, claimed_attempt = claim_one()
        assert claimed_attempt == attempt
        run_task(task_id, attempt=claimed_attempt)
        task.refresh_from_db()
        assert task.status == OutboxTask.Status.PENDING
        assert task.last_error.startswith("ConnectionError: LLM timed out")
        assert len(task.last_error) == outbox.MAX_ERROR_CHARS
        delays.append((task.run_after - task.updated_at).total_seconds())  # both set at failure
        assert relay(send=lambda *args: pytest.fail("a retry is not due yet")) == 0
        make_due(task)

    task_id, attempt = claim_one()
    run_task(task_id, attempt=attempt)

    task.refresh_from_db()
    assert delays == [10, 20]
    assert (task.status, task.attempts, task.completed_at) == (OutboxTask.Status.FAILED, 3, None)
    assert len(recorder.calls) == 3
    assert relay(send=lambda *args: pytest.fail("a failed task is not retried")) == 0


def test_backoff_doubles_and_is_capped_at_an_hour(settings):
    settings.OUTBOX_BACKOFF_SECONDS = 10
    assert [outbox.backoff_seconds(n) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert outbox.backoff_seconds(30) == 3600


@pytest.mark.django_db
def test_a_task_whose_handler_disappeared_is_recorded_as_failing(recorder):
    enqueue("tests.record", {})
    task_id, attempt = claim_one()
    outbox.unregister_handler("tests.record")

    run_task(task_id, attempt=attempt)

    task = OutboxTask.objects.get(pk=task_id)
    assert task.status == OutboxTask.Status.PENDING
    assert task.last_error.startswith("LookupError: No outbox handler")


@pytest.mark.django_db
def test_retry_failed_puts_failed_tasks_back_with_fresh_attempts(recorder, outbox_settings):
    failed = enqueue("tests.record", {"n": 1})
    done = enqueue("tests.record", {"n": 2})
    OutboxTask.objects.filter(pk=failed.pk).update(status=OutboxTask.Status.FAILED, attempts=3)
    OutboxTask.objects.filter(pk=done.pk).update(status=OutboxTask.Status.DONE, attempts=1)

    assert retry_failed([failed.pk, done.pk]) == 1

    failed.refresh_from_db()
    done.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboxTask.Status.PENDING, 0)
    assert done.status == OutboxTask.Status.DONE


@pytest.mark.django_db
def test_retry_failed_leaves_a_task_whose_key_has_a_newer_active_task(recorder):
    old = enqueue("tests.record", {}, dedupe_key="score:1")
    OutboxTask.objects.filter(pk=old.pk).update(status=OutboxTask.Status.FAILED)
    newer = enqueue("tests.record", {}, dedupe_key="score:1")

    assert retry_failed([old.pk]) == 0

    assert OutboxTask.objects.get(pk=old.pk).status == OutboxTask.Status.FAILED
    assert OutboxTask.objects.get(pk=newer.pk).status == OutboxTask.Status.PENDING


@pytest.mark.django_db
def test_outbox_stats_counts_by_status_and_reports_the_relay_lag():
    assert outbox_stats().counts == {"pending": 0, "in_progress": 0, "done": 0, "failed": 0}
    assert outbox_stats().oldest_pending_age_seconds is None

    enqueue("personai.noop", {}, run_after=timezone.now() - timedelta(seconds=90))
    enqueue("personai.noop", {}, run_after=timezone.now() + timedelta(hours=1))
    failed = enqueue("personai.noop", {})
    OutboxTask.objects.filter(pk=failed.pk).update(status=OutboxTask.Status.FAILED)

    stats = outbox_stats()
    assert stats.counts == {"pending": 2, "in_progress": 0, "done": 0, "failed": 1}
    assert 90 <= stats.oldest_pending_age_seconds < 100
