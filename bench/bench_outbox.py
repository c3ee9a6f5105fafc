"""Outbox speed: enqueue 5,000 rows, then time how fast relays claim them (no worker, no broker).

Runs in a throwaway database (``bench_<name>``, created and dropped here), so it neither
needs nor touches your data; the relay's Celery send is replaced by a no-op, and so is the
nudge ``enqueue`` sends after commit. What it measures is the database side: the
``SELECT … FOR UPDATE SKIP LOCKED`` claim and its ``UPDATE``, one relay alone and several
racing, plus ``run_task`` bookkeeping for a handler that does nothing.

Run: .venv/bin/python -m bench.bench_outbox
"""

from __future__ import annotations

import threading
import time

from bench._database import throwaway_database

ROWS = 5_000
RUN_TASKS = 1_000


def main() -> None:
    with throwaway_database():
        _run()


def _run() -> None:
    from django.conf import settings
    from django.db import transaction

    from personai.outbox import OutboxTask, enqueue, relay, run_task

    def fill() -> float:
        OutboxTask.objects.all().delete()
        began = time.perf_counter()
        with transaction.atomic():
            for i in range(ROWS):
                enqueue("personai.noop", {"i": i})
        return time.perf_counter() - began

    def no_op_send(task_id, attempt) -> None:
        pass

    seconds = fill()
    print(f"enqueue: {ROWS:,} rows in one transaction in {seconds:.2f}s ({ROWS / seconds:,.0f} rows/s)")

    for batch_size in (settings.OUTBOX_BATCH_SIZE, 500):
        fill()
        began = time.perf_counter()
        claimed = batches = 0
        while sent := relay(batch_size, send=no_op_send):
            claimed += sent
            batches += 1
        seconds = time.perf_counter() - began
        print(
            f"relay, 1 relay, batch {batch_size}: {claimed:,} rows in {batches} claims, {seconds:.2f}s "
            f"({claimed / seconds:,.0f} rows/s, {seconds / batches * 1000:.1f} ms per claim)"
        )

    for relays in (2, 4):
        fill()
        counts, duplicates, seconds = _race(relays, settings.OUTBOX_BATCH_SIZE)
        print(
            f"relay, {relays} relays racing, batch {settings.OUTBOX_BATCH_SIZE}: {sum(counts):,} rows "
            f"in {seconds:.2f}s ({sum(counts) / seconds:,.0f} rows/s; split {counts}, "
            f"{duplicates} dispatched twice)"
        )

    # run_task bookkeeping: load the row, call a handler that does nothing, mark it done.
    claimed_ids = list(
        OutboxTask.objects.filter(status=OutboxTask.Status.IN_PROGRESS).values_list("id", "attempts")[
            :RUN_TASKS
        ]
    )
    began = time.perf_counter()
    for task_id, attempt in claimed_ids:
        run_task(task_id, attempt=attempt)
    seconds = time.perf_counter() - began
    print(
        f"run_task (personai.noop, in process): {len(claimed_ids):,} tasks in {seconds:.2f}s "
        f"({seconds / len(claimed_ids) * 1000:.2f} ms per task)"
    )


def _race(relays: int, batch_size: int) -> tuple[list[int], int, float]:
    """Drain the outbox with ``relays`` threads (each its own connection) at once."""
    from django.db import connection

    from personai.outbox import relay

    counts = [0] * relays
    lock = threading.Lock()
    seen: set = set()
    duplicates = 0

    def counting_send(task_id, attempt) -> None:
        nonlocal duplicates
        with lock:
            duplicates += task_id in seen
            seen.add(task_id)

    def drain(slot: int) -> None:
        try:
            while sent := relay(batch_size, send=counting_send):
                counts[slot] += sent
        finally:
            connection.close()

    threads = [threading.Thread(target=drain, args=(n,)) for n in range(relays)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts, duplicates, time.perf_counter() - began


if __name__ == "__main__":
    main()
