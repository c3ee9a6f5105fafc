"""The claim lease: running tasks renew it, dead ones lose it, and each claim starts once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from personai import outbox
from personai.outbox import OutboxTask, enqueue, relay, run_task


class Recorder:
    def __init__(self):
        self.calls: list[dict] = []
        self.during: list = []
        self.pause = 0.0

    def __call__(self, payload: dict) -> None:
        self.calls.append(payload)
        deadline = time.monotonic() + self.pause
        while time.monotonic() < deadline:
            self.during.append(OutboxTask.objects.values_list("heartbeat_at", flat=True).get())
            time.sleep(0.1)


@pytest.fixture
def recorder():
    handler = Recorder()
    outbox.outbox_handler("tests.lease")(handler)
    yield handler
    outbox.unregister_handler("tests.lease")


class Sent(list):
    def __call__(self, task_id, attempt):
        self.append((task_id, attempt))


class RelayKilled(BaseException):
    """Stands in for SIGKILL: not an Exception, so nothing on the way out handles it."""


def claim_one() -> tuple:
    """Enqueue one task and relay it: (its id, the claim's attempt number)."""
    enqueue("tests.lease", {})
    sent = Sent()
    relay(send=sent)
    [(task_id, attempt)] = sent
    return task_id, attempt


def ago(seconds: float):
    return timezone.now() - timedelta(seconds=seconds)


@pytest.mark.django_db
def test_a_started_task_whose_heartbeat_stopped_is_handed_out_again(settings):
    settings.OUTBOX_LEASE_SECONDS = 30
    dead = enqueue("personai.noop", {})
    alive = enqueue("personai.noop", {})
    relay(send=Sent())
    OutboxTask.objects.filter(pk=dead.pk).update(heartbeat_at=ago(31))
    OutboxTask.objects.filter(pk=alive.pk).update(heartbeat_at=ago(5))
    sent = Sent()

    assert relay(send=sent) == 1

    assert sent == [(dead.pk, 2)]
    dead.refresh_from_db()
    assert (dead.status, dead.heartbeat_at) == (OutboxTask.Status.IN_PROGRESS, None)


@pytest.mark.django_db
def test_a_claim_waiting_in_the_queue_is_not_handed_out_again_when_the_lease_ends(settings):
    # A backlog must not be re-sent every lease: a claim that never started waits for the
    # (much longer) claim timeout.
    settings.OUTBOX_LEASE_SECONDS = 30
    settings.OUTBOX_CLAIM_TIMEOUT_SECONDS = 600
    queued = enqueue("personai.noop", {})
    relay(send=Sent())
    OutboxTask.objects.filter(pk=queued.pk).update(updated_at=ago(120))

    assert relay(send=Sent()) == 0

    OutboxTask.objects.filter(pk=queued.pk).update(updated_at=ago(601))
    assert relay(send=Sent()) == 1


@pytest.mark.django_db
def test_a_relay_killed_while_sending_leaves_its_rows_pending_and_its_message_runs_once(recorder):
    first, second = enqueue("tests.lease", {"n": 1}), enqueue("tests.lease", {"n": 2})
    orphans = Sent()

    def send_then_die(task_id, attempt):
        orphans(task_id, attempt)
        raise RelayKilled

    with pytest.raises(RelayKilled):
        relay(send=send_then_die)

    assert set(OutboxTask.objects.values_list("status", "attempts")) == {(OutboxTask.Status.PENDING, 0)}
    [orphan] = orphans
    run_task(orphan[0], attempt=orphan[1])  # delivered before anyone claimed the row again
    assert recorder.calls == []

    sent = Sent()
    assert relay(send=sent) == 2
    run_task(orphan[0], attempt=orphan[1])  # the orphan arrives first this time: it runs...
    for task_id, attempt in sent:
        run_task(task_id, attempt=attempt)  # ...and the real message for that claim does not

    assert sorted(call["n"] for call in recorder.calls) == [1, 2]
    assert set(OutboxTask.objects.values_list("status", flat=True)) == {OutboxTask.Status.DONE}
    assert {first.pk, second.pk} == {task_id for task_id, _ in sent}


@pytest.mark.django_db
def test_a_second_message_for_a_claim_that_is_running_is_ignored(recorder, settings):
    settings.OUTBOX_LEASE_SECONDS = 30
    task_id, attempt = claim_one()
    OutboxTask.objects.filter(pk=task_id).update(heartbeat_at=ago(3))  # someone runs it

    run_task(task_id, attempt=attempt)

    assert recorder.calls == []
    assert OutboxTask.objects.get(pk=task_id).status == OutboxTask.Status.IN_PROGRESS


@pytest.mark.django_db
def test_a_message_for_a_claim_whose_runner_stopped_beating_takes_it_over(recorder, settings):
    settings.OUTBOX_LEASE_SECONDS = 30
    task_id, attempt = claim_one()
    OutboxTask.objects.filter(pk=task_id).update(heartbeat_at=ago(31))

    run_task(task_id, attempt=attempt)

    assert len(recorder.calls) == 1
    task = OutboxTask.objects.get(pk=task_id)
    assert task.status == OutboxTask.Status.DONE
    assert task.attempts == attempt + 1  # a second run is a second attempt


@pytest.mark.django_db
def test_a_take_over_of_a_claim_that_used_its_last_attempt_fails_it(recorder, settings):
    # Celery re-queues the message of a killed pool process; a handler that kills its worker
    # every time must not be run forever through those redeliveries.
    settings.OUTBOX_LEASE_SECONDS = 30
    settings.OUTBOX_MAX_ATTEMPTS = 2
    task_id, _attempt = claim_one()
    # Its second (last) attempt started, and its pool process was killed.
    OutboxTask.objects.filter(pk=task_id).update(attempts=2, heartbeat_at=ago(31))

    run_task(task_id, attempt=2)

    task = OutboxTask.objects.get(pk=task_id)
    assert recorder.calls == []
    assert (task.status, task.attempts, task.heartbeat_at) == (OutboxTask.Status.FAILED, 2, None)
    assert "Claim timed out after 2 attempts" in task.last_error


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_renews_the_lease_while_the_handler_runs(recorder, settings):
    settings.OUTBOX_HEARTBEAT_SECONDS = 0.2
    recorder.pause = 1.5
    task_id, attempt = claim_one()

    run_task(task_id, attempt=attempt)

    beats = sorted({beat for beat in recorder.during if beat is not None})
    assert len(beats) >= 4, beats  # the start, then a renewal about every 0.2 s
    task = OutboxTask.objects.get(pk=task_id)
    assert task.status == OutboxTask.Status.DONE and task.heartbeat_at is None


@pytest.mark.django_db(transaction=True)
def test_a_worker_waits_for_the_relay_to_commit_its_claim(recorder):
    enqueue("tests.lease", {})
    workers: list[threading.Thread] = []
    blocked: list[bool] = []

    def send_and_deliver_at_once(task_id, attempt):
        def work():
            try:
                run_task(task_id, attempt=attempt)
            finally:
                connection.close()

        worker = threading.Thread(target=work)
        worker.start()
        worker.join(timeout=0.5)
        blocked.append(worker.is_alive())  # still waiting for the claim's row lock
        workers.append(worker)

    assert relay(send=send_and_deliver_at_once) == 1
    workers[0].join(timeout=10)

    assert blocked == [True]
    assert len(recorder.calls) == 1
    assert OutboxTask.objects.get().status == OutboxTask.Status.DONE


def test_the_default_lease_brings_killed_work_back_within_a_minute():
    # Re-claimed at most a lease after the last heartbeat, by the next beat relay.
    lease = django_settings.OUTBOX_LEASE_SECONDS
    assert lease + django_settings.OUTBOX_RELAY_INTERVAL <= 45
    heartbeat = django_settings.OUTBOX_HEARTBEAT_SECONDS
    assert heartbeat <= lease / 2
    # The broker hands a dead worker's message out again only after the hard time limit, so
    # it never runs a task twice at once.
    visibility = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert django_settings.CELERY_TASK_TIME_LIMIT < visibility <= 2 * django_settings.CELERY_TASK_TIME_LIMIT
