"""Celery tasks that drive the outbox, and the outbox handlers personai itself provides.

The tasks are thin: they take ids and call one service in personai/outbox.py.
"""

from __future__ import annotations

import os
import socket

from django.core.cache import cache

from personai import outbox
from personai.celery import app

PING_CACHE_TIMEOUT = 3600


@app.task(name=outbox.RELAY_TASK_NAME, ignore_result=True)
def relay_outbox() -> int:
    """Hand due outbox rows to workers (run on every enqueue's commit and by beat)."""
    return outbox.relay_due()


# Messages are acknowledged late and re-queued when their pool process dies; run_task ignores
# a redelivered message whose claim already started, and the outbox's heartbeat lease hands
# the row out again once the lease runs out (see personai/outbox.py).
@app.task(
    name=outbox.RUN_TASK_NAME,
    ignore_result=True,
    retry_on_worker_lost=True,
    max_retries=3,
    default_retry_delay=2,
)
def run_outbox_task(task_id: str, attempt: int | None = None) -> None:
    """Run one claimed outbox task (see outbox.run_task)."""
    outbox.run_task(task_id, attempt=attempt)


@outbox.outbox_handler("personai.noop")
def noop(payload: dict) -> None:
    """Does nothing: for benchmarks and smoke tests of the pipeline."""


@outbox.outbox_handler("personai.ping")
def ping(payload: dict) -> None:
    """Record which worker ran it under ``outbox:ping:<token>`` in the cache (idempotent)."""
    cache.set(ping_cache_key(payload["token"]), f"{socket.gethostname()}:{os.getpid()}", PING_CACHE_TIMEOUT)


def ping_cache_key(token: str) -> str:
    return f"outbox:ping:{token}"
