"""``GET /healthz``: is this instance able to serve, and what is degraded?

Each check is a small function returning a ``dict`` with ``ok``, ``detail`` and
``latency_ms`` (plus what it learned, e.g. a version). A check never raises: ``_timed``
turns an exception into ``ok: false`` with the exception's message. The checks run
concurrently under one deadline, so a hung dependency costs at most ``DEADLINE_SECONDS``.

The answer is 503 ("down") unless the database works. Redis down, a missing worker, LLM or
pgvector only make it "degraded" (still 200), since pages and the API keep working: work
waits in the outbox, and the cache answers as if empty (``cache`` says whether this process
has found it unreachable lately, i.e. rate limits are failing open; see personai/cache.py).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

DEADLINE_SECONDS = 2.5
REDIS_TIMEOUT_SECONDS = 1.0
WORKER_PING_SECONDS = 0.5
LLM_TIMEOUT_SECONDS = 2.0

REQUIRED = ("database",)

Result = dict[str, object]


def _timed(check: Callable[[], Result]) -> Result:
    began = time.monotonic()
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001 - a health check reports failures, never raises
        result = {"ok": False, "detail": f"{type(exc).__name__}: {exc}".strip()}
    result["latency_ms"] = round((time.monotonic() - began) * 1000, 1)
    return result


def _in_own_connection(check: Callable[[], Result]) -> Callable[[], Result]:
    """Run a database check in a worker thread and close that thread's connection after."""

    def run() -> Result:
        try:
            return check()
        finally:
            connections.close_all()

    return run


def check_database() -> Result:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"ok": one == 1, "detail": "SELECT 1 succeeded"}


def check_pgvector() -> Result:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        row = cursor.fetchone()
    if row is None:
        return {"ok": False, "detail": "the vector extension is not installed", "version": None}
    return {"ok": True, "detail": "vector extension installed", "version": row[0]}


def check_redis() -> Result:
    """A write/read round trip on the server behind the cache, the broker and rate limits."""
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
    try:
        key = f"personai:healthz:{secrets.token_hex(8)}"
        value = secrets.token_hex(8)
        client.set(key, value, px=10_000)
        read_back = client.get(key)
        client.delete(key)
    finally:
        client.close()
    ok = read_back is not None and read_back.decode() == value
    return {"ok": ok, "detail": "set/get round trip succeeded" if ok else "read back a different value"}


def check_cache() -> Result:
    """Whether this process's cache found Redis unreachable lately (and so fails open)."""
    from personai.cache import cache_status

    status = cache_status()
    if not status["degraded"]:
        return {"ok": True, "detail": "cache reachable", "failures": 0}
    return {
        "ok": False,
        "detail": f"cache unreachable ({status['last_error']}); rate limits are not enforced",
        "failures": status["failures"],
        "since": status["since"],
    }


def check_worker() -> Result:
    from personai.celery import app

    with app.connection_for_write(connect_timeout=REDIS_TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=REDIS_TIMEOUT_SECONDS)
        replies = app.control.ping(timeout=WORKER_PING_SECONDS, connection=conn) or []
    count = len(replies)
    detail = f"{count} worker{'s' if count != 1 else ''} replied" if count else "no worker replied"
    return {"ok": count > 0, "detail": detail, "workers": count}


_SECRET_WORDS = ("key", "secret", "token", "password")


def check_llm() -> Result:
    # personai.llm is optional here: a missing module or function is a failed check, not a crash.
    try:
        from personai import llm
    except ImportError as exc:
        return {"ok": False, "detail": f"LLM client unavailable: {exc}"}
    try:
        description = dict(llm.describe())
    except AttributeError:
        description = {}
    ok = bool(llm.check(timeout=LLM_TIMEOUT_SECONDS))
    public = {
        name: value
        for name, value in description.items()
        if not any(word in name.lower() for word in _SECRET_WORDS)
    }
    return {**public, "ok": ok, "detail": "LLM answered" if ok else "LLM did not answer"}


CHECKS: dict[str, Callable[[], Result]] = {
    "database": _in_own_connection(check_database),
    "pgvector": _in_own_connection(check_pgvector),
    "redis": check_redis,
    "cache": check_cache,
    "worker": check_worker,
    "llm": check_llm,
}


def run_checks(deadline: float | None = None) -> dict[str, Result]:
    """Run every check concurrently; a check still running at the deadline reports a timeout."""
    deadline = DEADLINE_SECONDS if deadline is None else deadline
    executor = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="healthz")
    futures = {name: executor.submit(_timed, check) for name, check in CHECKS.items()}
    wait_for(futures.values(), timeout=deadline)
    # Do not wait for stragglers: each has its own timeout and ends on its own.
    executor.shutdown(wait=False, cancel_futures=True)
    results: dict[str, Result] = {}
    for name, future in futures.items():
        if future.done():
            results[name] = future.result()
        else:
            results[name] = {
                "ok": False,
                "detail": f"no answer within {deadline:g} s",
                "latency_ms": round(deadline * 1000, 1),
            }
    return results


def overall_status(checks: dict[str, Result]) -> str:
    if not all(checks[name]["ok"] for name in REQUIRED):
        return "down"
    if not all(result["ok"] for result in checks.values()):
        return "degraded"
    return "ok"


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    status = overall_status(checks)
    if status != "ok":
        failed = ", ".join(name for name, result in checks.items() if not result["ok"])
        level = logging.WARNING if status == "down" else logging.INFO
        logger.log(level, "Health check %s: %s failing", status, failed)
    if not (settings.DEBUG or request.user.is_staff):
        # Load balancers need the verdict; versions, URLs and error texts are for staff only.
        checks = {name: {"ok": result["ok"]} for name, result in checks.items()}
    return JsonResponse({"status": status, "checks": checks}, status=503 if status == "down" else 200)
