"""enqueue(): the row is written in the caller's transaction, validated, deduplicated."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from personai import outbox
from personai.outbox import OutboxTask, enqueue


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_row_and_sends_no_nudge():
    with (
        mock.patch.object(outbox, "_nudge_relay") as nudge,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue("personai.noop", {"n": 1})
        raise RuntimeError("the request failed")

    assert not OutboxTask.objects.exists()
    nudge.assert_not_called()


@pytest.mark.django_db(transaction=True)
def test_a_committed_transaction_keeps_the_row_and_nudges_the_relay_once():
    with mock.patch.object(outbox, "_nudge_relay") as nudge:
        with transaction.atomic():
            first = enqueue("personai.noop", {"n": 1})
            enqueue("personai.noop", {"n": 2})
            nudge.assert_not_called()  # not before the commit
        nudge.assert_called_once_with()

    row = OutboxTask.objects.get(pk=first.pk)
    assert (row.status, row.attempts, row.payload) == (OutboxTask.Status.PENDING, 0, {"n": 1})
    assert OutboxTask.objects.count() == 2


@pytest.mark.django_db
def test_it_refuses_an_unknown_task_type():
    with pytest.raises(ValueError, match="No outbox handler"):
        enqueue("no.such.task", {})
    assert not OutboxTask.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [{"when": timezone.now()}, {"x": float("nan")}, ["not", "a", "dict"]])
def test_it_refuses_a_payload_that_is_not_a_json_object(payload):
    with pytest.raises(ValueError, match="payload"):
        enqueue("personai.noop", payload)
    assert not OutboxTask.objects.exists()


@pytest.mark.django_db
def test_it_stores_run_after_for_later_work():
    later = timezone.now() + timedelta(hours=1)
    task = enqueue("personai.noop", {}, run_after=later)
    assert OutboxTask.objects.get(pk=task.pk).run_after == later


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_does_not_fail_the_commit(caplog):
    from personai.celery import app

    outage = OperationalError("Redis is down")
    with mock.patch.object(app, "send_task", side_effect=outage) as send, transaction.atomic():
        task = enqueue("personai.noop", {})

    send.assert_called_once()
    assert OutboxTask.objects.filter(pk=task.pk, status=OutboxTask.Status.PENDING).exists()
    assert "beat will pick the task up" in caplog.text


@pytest.mark.django_db
def test_a_dedupe_key_returns_the_active_task_instead_of_adding_one():
    first = enqueue("personai.noop", {"session": 1}, dedupe_key="score:1")
    second = enqueue("personai.noop", {"session": 1}, dedupe_key="score:1")
    other = enqueue("personai.noop", {"session": 2}, dedupe_key="score:2")

    assert second.pk == first.pk
    assert other.pk != first.pk
    assert OutboxTask.objects.count() == 2


@pytest.mark.django_db
def test_a_dedupe_key_counts_a_running_task_as_active_but_not_a_finished_one():
    first = enqueue("personai.noop", {}, dedupe_key="score:1")
    OutboxTask.objects.filter(pk=first.pk).update(status=OutboxTask.Status.IN_PROGRESS)
    assert enqueue("personai.noop", {}, dedupe_key="score:1").pk == first.pk

    OutboxTask.objects.filter(pk=first.pk).update(status=OutboxTask.Status.DONE)
    fresh = enqueue("personai.noop", {}, dedupe_key="score:1")

    assert fresh.pk != first.pk
    assert OutboxTask.objects.get(pk=fresh.pk).status == OutboxTask.Status.PENDING


@pytest.mark.django_db
def test_the_database_refuses_an_unknown_status():
    from django.db import IntegrityError

    task = enqueue("personai.noop", {})
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxTask.objects.filter(pk=task.pk).update(status="lost")


def test_a_task_type_cannot_get_two_different_handlers():
    with pytest.raises(ValueError, match="already has a handler"):
        outbox.outbox_handler("personai.noop")(lambda payload: None)
