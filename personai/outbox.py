"""The transactional outbox: work that must happen after a commit, and must not be lost.

A caller writes an ``OutboxTask`` row with :func:`enqueue` in the same transaction as the data
that needs the work. After that transaction commits, the relay (:func:`relay`, run by the
``personai.relay_outbox`` Celery task on every commit and every few seconds from beat) claims
due rows with ``SELECT … FOR UPDATE SKIP LOCKED`` and hands each to Celery as
``personai.run_outbox_task``. The worker runs the row's handler through :func:`run_task`,
which marks the row done, schedules a retry with exponential backoff, or marks it failed.

What can go wrong, and what happens then:

* The request's transaction rolls back: the row was never written, nothing runs.
* Redis is down when the request commits: the nudge is logged and dropped; beat's relay
  picks the row up once Redis is back.
* Redis is down when the relay dispatches: the rows it could not send stay pending.
* The relay dies while dispatching: it sends *inside* its claim transaction, so a relay killed
  before committing leaves the rows pending and the next relay hands them out again at once.
  A message the dead relay did send finds its row pending (ignored) or starts the next claim
  of it (whose own message is then the ignored one).
* A claim starts at most once while its runner lives (``heartbeat_at`` is set when it starts):
  a second message for the same claim (such an orphan, a redelivery) is ignored.
* A worker or its pool process dies mid-task (``kill -9``, out of memory): while a handler
  runs, a heartbeat thread renews the row's ``heartbeat_at`` every ``OUTBOX_HEARTBEAT_SECONDS``. Once it is older
  than ``OUTBOX_LEASE_SECONDS`` the next relay (beat runs one every few seconds) re-claims the
  row, so the work is done again within about a lease of a worker being back. The dead
  worker's unacknowledged message comes back only after the broker's visibility timeout, for
  an older claim, and is ignored. A killed *pool process*'s message Celery re-queues at once:
  it is ignored while the lease holds, and takes the row over as its next attempt if it
  arrives after the lease ran out (either way a killed run counts as an attempt).
* A claimed row whose message never started (lost with the broker's data) is re-claimed once
  its claim is older than ``OUTBOX_CLAIM_TIMEOUT_SECONDS``.

So a task can run more than once, and every handler must be **idempotent**: running it twice
for the same payload must leave the same result as running it once (upsert, check-then-write
under a lock, or compare a version). Handlers also manage their own transactions; the outbox
never wraps a handler in one, so a slow LLM call does not hold a database transaction open.

Register handlers in your app's ``tasks.py`` (imported by the Celery worker and, on first
use, by :func:`enqueue` in the web process)::

    @outbox_handler("assessments.score_session")
    def score_session(payload: dict) -> None:
        assessments.services.session_score(session_id=payload["session_id"])
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)

RELAY_TASK_NAME = "personai.relay_outbox"
RUN_TASK_NAME = "personai.run_outbox_task"
MAX_BACKOFF_SECONDS = 3600
MAX_ERROR_CHARS = 2000
# How long the post-commit nudge may wait for the broker (connect, then publish).
NUDGE_TIMEOUT_SECONDS = 0.1

Handler = Callable[[dict[str, Any]], None]


# --------------------------------------------------------------------------- model


class OutboxTask(models.Model):
    """One unit of deferred work: a handler name (``task_type``) and its JSON payload."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task_type = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    run_after = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    # At most one pending or running task per non-empty key ("score session 42 once").
    dedupe_key = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # Bulk updates below set updated_at explicitly: the relay's stale-claim check reads it.
    updated_at = models.DateTimeField(auto_now=True)
    # Renewed by the worker while the handler runs; null while a claim waits in the queue.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "personai"
        verbose_name = "outbox task"
        indexes = [models.Index(fields=["status", "run_after"], name="idx_outbox_status_runafter")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "in_progress", "done", "failed"]),
                name="outbox_task_status_valid",
            ),
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~Q(dedupe_key="") & Q(status__in=["pending", "in_progress"]),
                name="outbox_task_active_dedupe_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_type} [{self.status}] {self.id}"


ACTIVE_STATUSES = (OutboxTask.Status.PENDING, OutboxTask.Status.IN_PROGRESS)


# --------------------------------------------------------------------------- handler registry

_handlers: dict[str, Handler] = {}
_discovered = False
_discover_lock = threading.Lock()


def outbox_handler(task_type: str) -> Callable[[Handler], Handler]:
    """Register ``func(payload: dict) -> None`` as the handler of ``task_type``.

    The handler must be idempotent (see the module docstring): the outbox delivers at least
    once. Raise to signal failure; the task is retried with backoff.
    """
    if not task_type or len(task_type) > OutboxTask._meta.get_field("task_type").max_length:
        raise ValueError(f"Outbox task type must be 1-100 characters: {task_type!r}")

    def register(func: Handler) -> Handler:
        existing = _handlers.get(task_type)
        if existing is not None and _qualified_name(existing) != _qualified_name(func):
            raise ValueError(
                f"Outbox task type {task_type!r} already has a handler: {_qualified_name(existing)}"
            )
        _handlers[task_type] = func
        return func

    return register


def unregister_handler(task_type: str) -> None:
    """Forget a handler (for tests that register their own)."""
    _handlers.pop(task_type, None)


def get_handler(task_type: str) -> Handler | None:
    _discover_handlers()
    return _handlers.get(task_type)


def _qualified_name(func: Handler) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


def _discover_handlers() -> None:
    # The Celery worker imports every app's tasks.py at start; the web process does not, so
    # import them here on first use (and never on import: models load before apps are ready).
    global _discovered
    if _discovered:
        return
    with _discover_lock:
        if not _discovered:
            autodiscover_modules("tasks")
            _discovered = True


# --------------------------------------------------------------------------- services


def enqueue(
    task_type: str,
    payload: dict[str, Any],
    *,
    run_after: datetime | None = None,
    dedupe_key: str = "",
) -> OutboxTask:
    """Write an outbox row in the caller's transaction; the relay is nudged after it commits.

    With a ``dedupe_key``, an already pending or running task with that key is returned
    instead of a new row. Note what that means: a change made while that task runs is not
    picked up by it, so use a key only where "one at a time" is really what you want.
    """
    if get_handler(task_type) is None:
        raise ValueError(f"No outbox handler is registered for task type {task_type!r}")
    if not isinstance(payload, dict):
        raise ValueError(f"Outbox payload must be a dict, got {type(payload).__name__}")
    try:
        # Round-trip so the row holds exactly what the handler will read back.
        payload = json.loads(json.dumps(payload, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Outbox payload is not JSON-serialisable: {exc}") from exc

    task = OutboxTask(
        task_type=task_type,
        payload=payload,
        run_after=run_after or timezone.now(),
        dedupe_key=dedupe_key,
    )
    if dedupe_key:
        existing = _insert_unless_active(task)
        if existing is not None:
            return existing
    else:
        task.save(force_insert=True)
    _nudge_relay_on_commit()
    return task


def _insert_unless_active(task: OutboxTask) -> OutboxTask | None:
    """Insert ``task`` unless its dedupe key has an active row; return that row if it has."""
    for _ in range(3):
        # ON CONFLICT DO NOTHING: no error and no savepoint. An insert racing another
        # transaction's insert of the same key waits for it, then finds its row below.
        OutboxTask.objects.bulk_create([task], ignore_conflicts=True)
        active = OutboxTask.objects.filter(dedupe_key=task.dedupe_key, status__in=ACTIVE_STATUSES).first()
        if active is not None:
            return None if active.pk == task.pk else active
        # The conflicting row finished between the insert and the select: insert again.
    raise RuntimeError(f"Could not enqueue an outbox task with dedupe key {task.dedupe_key!r}")


def _nudge_relay_on_commit() -> None:
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        # One nudge per transaction, however many rows it writes. run_on_commit is private
        # API, but Django drops a rolled-back savepoint's callbacks from it, which is exactly
        # the bookkeeping needed here.
        pending = getattr(connection, "run_on_commit", [])
        if any(entry[1] is _nudge_relay for entry in pending):
            return
    transaction.on_commit(_nudge_relay)


def _nudge_relay() -> None:
    """Ask a worker to relay now. Best effort: beat runs the relay every few seconds anyway.

    It runs after the request's commit, before the response, so it must be quick even when
    Redis is down or hangs: one short-lived connection with tight timeouts and no retries
    (Celery's pooled producer retries the connection for seconds despite ``retry=False``).
    """
    from personai.celery import app

    options = {
        **(app.conf.broker_transport_options or {}),
        "max_retries": 0,
        "socket_connect_timeout": NUDGE_TIMEOUT_SECONDS,
        "socket_timeout": NUDGE_TIMEOUT_SECONDS,
    }
    try:
        with app.connection_for_write(
            connect_timeout=NUDGE_TIMEOUT_SECONDS, transport_options=options
        ) as conn:
            app.send_task(RELAY_TASK_NAME, ignore_result=True, retry=False, connection=conn)
    except Exception as exc:  # noqa: BLE001 - a broker outage must never fail the request
        logger.warning("Could not nudge the outbox relay (%s); beat will pick the task up", exc)


def _dispatch(task_id: uuid.UUID, attempt: int) -> None:
    """Hand one claimed row to Celery. Tests and the benchmark pass their own ``send``."""
    from personai.celery import app

    app.send_task(RUN_TASK_NAME, args=[str(task_id)], kwargs={"attempt": attempt}, ignore_result=True)


def _after_claim(task_ids: list[uuid.UUID]) -> None:
    """Called inside the claim transaction while the rows are locked (a seam for tests)."""


def _due(now: datetime) -> Q:
    """Pending rows whose time has come, and claims whose worker is gone."""
    lease_ends = now - timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    queued_too_long = now - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    running = Q(status=OutboxTask.Status.IN_PROGRESS)
    return (
        Q(status=OutboxTask.Status.PENDING, run_after__lte=now)
        # Started, but its worker stopped renewing the lease (killed, frozen, cut off).
        | (running & Q(heartbeat_at__lt=lease_ends))
        # Claimed long ago and never started: the message was lost.
        | (running & Q(heartbeat_at__isnull=True, updated_at__lt=queued_too_long))
    )


def relay(batch_size: int | None = None, *, send: Callable[[uuid.UUID, int], None] | None = None) -> int:
    """Claim one batch of due rows and dispatch them to Celery; return how many were sent.

    Due rows are pending ones whose ``run_after`` has passed, started ones whose heartbeat is
    older than ``OUTBOX_LEASE_SECONDS`` and never-started claims older than
    ``OUTBOX_CLAIM_TIMEOUT_SECONDS``. Concurrent relays skip each other's locked rows, so
    each row is dispatched once per claim. Messages are sent while the rows are locked and
    the claim is committed after, so no crash leaves a committed claim without its message;
    a worker receiving one waits for the claim to commit (see :func:`run_task`). Call it
    outside a transaction.
    """
    batch_size = batch_size or settings.OUTBOX_BATCH_SIZE
    send = _dispatch if send is None else send
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            OutboxTask.objects.select_for_update(skip_locked=True)
            .filter(_due(now))
            .order_by("run_after")
            .values_list("id", "status", "attempts")[:batch_size]
        )
        if not rows:
            return 0
        _after_claim([row[0] for row in rows])
        # A stale claim that already used its last attempt most likely kills its worker
        # (out of memory, hard time limit): stop handing it out.
        exhausted = [
            task_id
            for task_id, status, attempts in rows
            if status == OutboxTask.Status.IN_PROGRESS and attempts >= settings.OUTBOX_MAX_ATTEMPTS
        ]
        if exhausted:
            _fail_lost(exhausted, now)
        skip = set(exhausted)
        claims = [(task_id, attempts + 1) for task_id, _status, attempts in rows if task_id not in skip]
        sent: list[uuid.UUID] = []
        for task_id, attempt in claims:
            try:
                send(task_id, attempt)
            except Exception:  # noqa: BLE001 - the broker is down; keep the rest for later
                logger.exception(
                    "Outbox relay could not reach the broker; %d task(s) left pending",
                    len(claims) - len(sent),
                )
                break
            sent.append(task_id)
        OutboxTask.objects.filter(pk__in=sent).update(
            status=OutboxTask.Status.IN_PROGRESS,
            attempts=F("attempts") + 1,
            heartbeat_at=None,
            updated_at=now,
        )
    return len(sent)


def _fail_lost(task_ids: list[uuid.UUID], now: datetime) -> None:
    """Fail started claims that used their last attempt and lost their worker (the relay finds
    them stale, or a re-queued message finds them): such a task most likely kills its worker
    (out of memory, hard time limit), so it is not handed out again."""
    OutboxTask.objects.filter(pk__in=task_ids).update(
        status=OutboxTask.Status.FAILED,
        last_error=f"Claim timed out after {settings.OUTBOX_MAX_ATTEMPTS} attempts (worker lost?)",
        heartbeat_at=None,
        updated_at=now,
    )
    logger.error("Outbox tasks failed after their worker was lost: %s", task_ids)


def relay_due(max_batches: int = 20) -> int:
    """Relay batch after batch until the due rows are drained (or ``max_batches`` is hit)."""
    total = 0
    batch_size = settings.OUTBOX_BATCH_SIZE
    for _ in range(max_batches):
        sent = relay(batch_size)
        total += sent
        if sent < batch_size:
            break
    return total


def run_task(task_id: uuid.UUID | str, *, attempt: int | None = None) -> None:
    """Run one claimed task's handler and record the outcome (called by the Celery worker).

    A row that is not in progress (already done, failed, or waiting for a retry) is left
    alone, as is one re-claimed since this message was sent (``attempt`` is the claim's
    attempt number) and one whose claim already started and still holds its lease: a claim
    starts at most once while its worker lives. Every outcome is written with a conditional
    update, so a duplicate delivery can neither complete a row twice nor overwrite a newer
    claim. While the handler runs, a heartbeat thread keeps the claim's lease (see the module
    docstring).
    """
    with transaction.atomic():
        # Waits for a relay still committing this claim (it sends before it commits).
        task = OutboxTask.objects.select_for_update().filter(pk=task_id).first()
        if task is None:
            logger.warning("Outbox task %s does not exist; nothing to run", task_id)
            return
        if task.status != OutboxTask.Status.IN_PROGRESS or (attempt is not None and task.attempts != attempt):
            logger.info(
                "Outbox task %s is %s (attempt %s, message for %s); skipping",
                task_id,
                task.status,
                task.attempts,
                attempt,
            )
            return
        now = timezone.now()
        if task.heartbeat_at is not None and task.heartbeat_at >= now - timedelta(
            seconds=settings.OUTBOX_LEASE_SECONDS
        ):
            # A second message for a claim that already started and is alive: an orphan of
            # a relay that died before committing, or a redelivery after the pool process
            # running it died (then the lease runs out and the relay hands the row out again).
            logger.info("Outbox task %s already started with this claim; skipping", task_id)
            return
        if task.heartbeat_at is not None:
            # The claim started and its runner stopped beating (a killed pool process whose
            # message Celery re-queued): this message takes the row over as a new attempt, as
            # the relay would have, so a task that keeps killing its worker still runs out
            # of attempts.
            if task.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                _fail_lost([task.pk], now)
                return
            task.attempts += 1
        OutboxTask.objects.filter(pk=task.pk).update(heartbeat_at=now, updated_at=now, attempts=task.attempts)
    claim = OutboxTask.objects.filter(
        pk=task.pk, status=OutboxTask.Status.IN_PROGRESS, attempts=task.attempts
    )
    try:
        handler = get_handler(task.task_type)
        if handler is None:
            raise LookupError(f"No outbox handler is registered for task type {task.task_type!r}")
        with _Heartbeat(task.pk, task.attempts):
            handler(task.payload)
    except Exception as exc:  # noqa: BLE001 - every handler failure is recorded on the row
        _record_failure(task, claim, exc)
        return
    now = timezone.now()
    if not claim.update(status=OutboxTask.Status.DONE, completed_at=now, heartbeat_at=None, updated_at=now):
        logger.info("Outbox task %s was completed or re-claimed meanwhile", task.pk)


class _Heartbeat:
    """Renew a claim's ``heartbeat_at`` from a thread while the ``with`` block runs.

    The thread has its own database connection (closed when it stops). A renewal that finds
    the claim gone (re-claimed after a stall) stops renewing; the handler's outcome is then
    dropped by the conditional updates in :func:`run_task`.
    """

    def __init__(self, task_id: uuid.UUID, attempt: int) -> None:
        self.task_id = task_id
        self.attempt = attempt
        self.interval = settings.OUTBOX_HEARTBEAT_SECONDS
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"outbox-heartbeat-{task_id}", daemon=True)

    def __enter__(self) -> None:
        self.thread.start()

    def __exit__(self, *exc_info) -> None:
        self.stopped.set()
        self.thread.join(timeout=self.interval + 5)

    def _run(self) -> None:
        try:
            while not self.stopped.wait(self.interval):
                try:
                    renewed = OutboxTask.objects.filter(
                        pk=self.task_id, status=OutboxTask.Status.IN_PROGRESS, attempts=self.attempt
                    ).update(heartbeat_at=timezone.now())
                except Exception:  # noqa: BLE001 - a missed beat is retried on the next tick
                    logger.warning("Outbox heartbeat for %s failed", self.task_id, exc_info=True)
                    connection.close()
                    continue
                if not renewed:
                    logger.warning("Outbox task %s lost its claim while running", self.task_id)
                    return
        finally:
            connection.close()


def _record_failure(task: OutboxTask, claim: models.QuerySet[OutboxTask], exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
    now = timezone.now()
    if task.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        claim.update(status=OutboxTask.Status.FAILED, last_error=error, heartbeat_at=None, updated_at=now)
        logger.error(
            "Outbox task %s (%s) failed for good after %d attempts",
            task.pk,
            task.task_type,
            task.attempts,
            exc_info=exc,
        )
        return
    delay = backoff_seconds(task.attempts)
    claim.update(
        status=OutboxTask.Status.PENDING,
        last_error=error,
        run_after=now + timedelta(seconds=delay),
        heartbeat_at=None,
        updated_at=now,
    )
    logger.warning(
        "Outbox task %s (%s) failed on attempt %d; retrying in %.0fs",
        task.pk,
        task.task_type,
        task.attempts,
        delay,
        exc_info=exc,
    )


def backoff_seconds(attempts: int) -> float:
    """Delay before the next try after ``attempts`` failed ones: doubling, capped at an hour."""
    return min(settings.OUTBOX_BACKOFF_SECONDS * 2 ** (max(attempts, 1) - 1), MAX_BACKOFF_SECONDS)


def retry_failed(task_ids: Iterable[uuid.UUID | str]) -> int:
    """Put failed tasks back to pending with a fresh set of attempts; return how many.

    A failed task whose ``dedupe_key`` already has a newer pending or running task is left
    failed: that newer task does the work.
    """
    retried = 0
    now = timezone.now()
    for task_id in task_ids:
        try:
            with transaction.atomic():
                retried += OutboxTask.objects.filter(pk=task_id, status=OutboxTask.Status.FAILED).update(
                    status=OutboxTask.Status.PENDING, attempts=0, run_after=now, updated_at=now
                )
        except IntegrityError:
            logger.info("Outbox task %s not retried: its dedupe key has an active task", task_id)
    if retried:
        _nudge_relay_on_commit()
    return retried


# --------------------------------------------------------------------------- selectors


@dataclass(frozen=True)
class OutboxStats:
    counts: dict[str, int]
    # Seconds the oldest due pending task has been waiting for the relay; None when none is.
    oldest_pending_age_seconds: float | None


def outbox_stats() -> OutboxStats:
    """Counts by status and the relay's lag, for the health check and the admin."""
    now = timezone.now()
    rows = OutboxTask.objects.order_by().values_list("status").annotate(n=Count("id"))
    by_status = dict(rows)
    oldest = OutboxTask.objects.filter(status=OutboxTask.Status.PENDING, run_after__lte=now).aggregate(
        oldest=Min("run_after")
    )["oldest"]
    return OutboxStats(
        counts={status: by_status.get(status, 0) for status in OutboxTask.Status.values},
        oldest_pending_age_seconds=(now - oldest).total_seconds() if oldest else None,
    )
