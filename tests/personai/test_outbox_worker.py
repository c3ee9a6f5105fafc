"""End to end with a real Celery worker: outbox rows get done, and survive killed workers.

The worker imports this module (``include=[__name__]``) to get the ``tests.outbox.slow``
handler, which is registered when the module is imported.
"""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest
from django.core.cache import cache
from django.db import transaction

from personai.outbox import OutboxTask, enqueue, outbox_handler, relay
from personai.tasks import ping_cache_key
from tests.worker import running_worker, wait_until


def slow_runs_key(token: str) -> str:
    return f"outbox:slow:{token}:runs"


@outbox_handler("tests.outbox.slow")
def slow(payload: dict) -> None:
    """Counts its runs in the cache; the first run sleeps, so a test can kill it mid-task."""
    key = slow_runs_key(payload["token"])
    cache.add(key, 0, 3600)
    if cache.incr(key) == 1:
        time.sleep(payload["first_run_seconds"])


def status_of(task: OutboxTask) -> str:
    return OutboxTask.objects.values_list("status", flat=True).get(pk=task.pk)


def enqueue_committed(task_type: str, payload: dict) -> OutboxTask:
    with transaction.atomic():
        return enqueue(task_type, payload)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_an_enqueued_task():
    token = uuid.uuid4().hex
    with running_worker():
        task = enqueue_committed("personai.ping", {"token": token})
        relay()  # the commit already nudged the worker's relay; this one may find nothing

        wait_until(
            lambda: status_of(task) == OutboxTask.Status.DONE and cache.get(ping_cache_key(token)),
            timeout=30,
            message="the worker did not complete the outbox task",
        )

    task.refresh_from_db()
    assert task.completed_at is not None and task.attempts == 1
    written_by = cache.get(ping_cache_key(token))
    assert not written_by.endswith(f":{os.getpid()}")  # the worker wrote it, not this process


SHORT_LEASE = {"OUTBOX_LEASE_SECONDS": "2", "OUTBOX_HEARTBEAT_SECONDS": "0.5"}


def relayed_until_done(task: OutboxTask):
    """A predicate for wait_until that relays like beat does, until the task is done."""

    def check() -> bool:
        relay()
        return status_of(task) == OutboxTask.Status.DONE

    return check


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_whose_pool_process_is_killed_mid_run_is_run_again_once_its_lease_ends(settings):
    settings.OUTBOX_LEASE_SECONDS = 2
    token = uuid.uuid4().hex
    with running_worker(SHORT_LEASE, include=[__name__]) as worker:
        task = enqueue_committed("tests.outbox.slow", {"token": token, "first_run_seconds": 60})
        relay()
        wait_until(lambda: cache.get(slow_runs_key(token)) == 1, message="the task never started")
        [pool_pid] = worker.pool_pids()

        os.kill(pool_pid, signal.SIGKILL)

        wait_until(relayed_until_done(task), interval=0.5, message="the task was not run again")

    task.refresh_from_db()
    assert cache.get(slow_runs_key(token)) == 2  # Celery's redelivery of the same claim was ignored
    assert task.attempts == 2


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_whose_whole_worker_is_killed_is_reclaimed_by_the_relay(settings):
    token = uuid.uuid4().hex
    with running_worker(include=[__name__]) as first:
        task = enqueue_committed("tests.outbox.slow", {"token": token, "first_run_seconds": 60})
        relay()
        wait_until(lambda: cache.get(slow_runs_key(token)) == 1, message="the task never started")

        first.kill()  # SIGKILL to the main process and its pool: its message stays unacked

    assert status_of(task) == OutboxTask.Status.IN_PROGRESS
    settings.OUTBOX_LEASE_SECONDS = 0  # instead of waiting for the lease to run out
    with running_worker(include=[__name__]):
        assert relay() == 1
        wait_until(lambda: status_of(task) == OutboxTask.Status.DONE, message="the task was not reclaimed")

    task.refresh_from_db()
    assert cache.get(slow_runs_key(token)) == 2
    assert task.attempts == 2
