"""relay(): claims due rows once, even with relays running side by side; never loses one."""

from __future__ import annotations

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from personai import outbox
from personai.outbox import OutboxTask, enqueue, relay


class Sent(list):
    """A send function that records (task_id, attempt) instead of publishing."""

    def __call__(self, task_id, attempt):
        self.append((task_id, attempt))


@pytest.mark.django_db
def test_it_claims_only_due_rows():
    due = enqueue("personai.noop", {})
    later = enqueue("personai.noop", {}, run_after=timezone.now() + timedelta(minutes=5))
    sent = Sent()

    assert relay(send=sent) == 1

    assert sent == [(due.pk, 1)]
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, due.attempts) == (OutboxTask.Status.IN_PROGRESS, 1)
    assert (later.status, later.attempts) == (OutboxTask.Status.PENDING, 0)
    assert relay(send=sent) == 0  # a claimed row is not handed out again


@pytest.mark.django_db
def test_it_claims_at_most_one_batch_oldest_first():
    now = timezone.now()
    tasks = [enqueue("personai.noop", {"i": i}, run_after=now - timedelta(seconds=10 - i)) for i in range(5)]
    sent = Sent()

    assert relay(batch_size=3, send=sent) == 3

    assert [task_id for task_id, _ in sent] == [task.pk for task in tasks[:3]]


@pytest.mark.django_db
def test_it_reclaims_a_row_whose_worker_vanished(settings):
    settings.OUTBOX_CLAIM_TIMEOUT_SECONDS = 600
    stale = enqueue("personai.noop", {})
    fresh = enqueue("personai.noop", {})
    relay(send=Sent())
    OutboxTask.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - timedelta(seconds=601))
    sent = Sent()

    assert relay(send=sent) == 1

    assert sent == [(stale.pk, 2)]
    assert OutboxTask.objects.get(pk=fresh.pk).attempts == 1


@pytest.mark.django_db
def test_a_vanished_claim_on_its_last_attempt_fails_instead_of_looping(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    task = enqueue("personai.noop", {})
    OutboxTask.objects.filter(pk=task.pk).update(
        status=OutboxTask.Status.IN_PROGRESS, attempts=2, updated_at=timezone.now() - timedelta(days=1)
    )
    sent = Sent()

    assert relay(send=sent) == 0

    task.refresh_from_db()
    assert sent == []
    assert task.status == OutboxTask.Status.FAILED
    assert "worker lost" in task.last_error


@pytest.mark.django_db
def test_a_broker_outage_puts_the_rows_back(caplog):
    tasks = [enqueue("personai.noop", {"i": i}) for i in range(3)]
    calls = []

    def flaky_send(task_id, attempt):
        calls.append(task_id)
        if len(calls) == 2:
            raise OperationalError("Redis is down")

    assert relay(send=flaky_send) == 1

    statuses = {t.pk: (t.status, t.attempts) for t in OutboxTask.objects.all()}
    assert statuses[calls[0]] == (OutboxTask.Status.IN_PROGRESS, 1)
    others = [t.pk for t in tasks if t.pk != calls[0]]
    assert all(statuses[pk] == (OutboxTask.Status.PENDING, 0) for pk in others)
    assert len(calls) == 2  # it stops trying once the broker is down
    assert "could not reach the broker" in caplog.text
    assert relay(send=Sent()) == 2


@pytest.mark.django_db(transaction=True)
def test_two_relays_running_at_once_dispatch_every_row_exactly_once():
    tasks = [enqueue("personai.noop", {"i": i}) for i in range(40)]
    barrier = threading.Barrier(2, timeout=15)
    first_claims: dict[str, list] = {}
    sent = Sent()
    lock = threading.Lock()
    errors = []

    def locked_send(task_id, attempt):
        with lock:
            sent.append((task_id, attempt))

    def wait_for_the_other_relay(task_ids):
        # Both relays hold their row locks here at the same time, on their first batch.
        name = threading.current_thread().name
        if name not in first_claims:
            first_claims[name] = list(task_ids)
            barrier.wait()

    def run():
        try:
            while relay(batch_size=7, send=locked_send):
                pass
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    with mock.patch.object(outbox, "_after_claim", wait_for_the_other_relay):
        threads = [threading.Thread(target=run, name=f"relay-{n}") for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    first, second = first_claims.values()
    assert first and second and not set(first) & set(second)
    assert sorted(str(task_id) for task_id, _ in sent) == sorted(str(task.pk) for task in tasks)
    assert {attempt for _, attempt in sent} == {1}
    assert OutboxTask.objects.filter(status=OutboxTask.Status.IN_PROGRESS, attempts=1).count() == 40
