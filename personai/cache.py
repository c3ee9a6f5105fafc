"""Django's Redis cache, degrading instead of failing when Redis is down.

The cache holds rate-limit counters (allauth's login limits, survey throttles) and other
things that can be recomputed; none of it is worth a 500. :class:`DegradingRedisCache` is
Django's ``RedisCache`` with short socket timeouts (set in ``OPTIONS``) whose operations
answer as if the cache were empty when Redis cannot be reached: ``get`` returns the default,
``set`` and ``delete`` do nothing, and ``add`` and ``incr`` report success, so rate limits
fail *open* while Redis is down. The outage is logged (once, then at most every
``LOG_EVERY_SECONDS``) and reported by :func:`cache_status` (``/healthz`` shows it). After a
failure, Redis is left alone for ``RETRY_AFTER_SECONDS``, so a Redis that hangs costs one
timeout per pause rather than one per operation.

Errors that are not about reaching Redis (a wrong type, a bad command) still raise.

Django keeps one cache object per request context (an ``asgiref`` ``Local``), and each
``RedisCache`` object builds its own client and connection pool, so under the ASGI server every
request opened, and dropped, a new Redis connection (a seventh of a take page's time in the server).
:class:`DegradingRedisCache` shares one client, and so one pool, per process and location.
Django's client also builds a new ``redis.Redis`` object for every operation (copying its
table of ~170 reply callbacks); :class:`ReusedRedisCacheClient` builds one per pool.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

OUTAGE_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
RETRY_AFTER_SECONDS = 2.0
LOG_EVERY_SECONDS = 30.0


@dataclass
class _Outage:
    since: float  # time.time() of the first failure
    last_failure: float  # time.monotonic()
    last_error: str
    failures: int = 1
    logged_at: float = 0.0


# One entry per cache location (the same server behind several cache instances and threads).
_outages: dict[str, _Outage] = {}
_lock = threading.Lock()


def _record_failure(location: str, exc: Exception) -> None:
    now = time.monotonic()
    error = f"{type(exc).__name__}: {exc}"
    with _lock:
        outage = _outages.get(location)
        if outage is None:
            outage = _outages[location] = _Outage(since=time.time(), last_failure=now, last_error=error)
        else:
            outage.failures += 1
            outage.last_failure = now
            outage.last_error = error
        log = now - outage.logged_at >= LOG_EVERY_SECONDS or outage.failures == 1
        if log:
            outage.logged_at = now
    if log:
        logger.error(
            "Cache unreachable (%s); answering as if empty, rate limits are not enforced (%d failures)",
            error,
            outage.failures,
        )


def _record_success(location: str) -> None:
    if location in _outages:
        with _lock:
            outage = _outages.pop(location, None)
        if outage is not None:
            logger.warning("Cache reachable again after %d failures", outage.failures)


def _paused(location: str) -> bool:
    outage = _outages.get(location)
    return outage is not None and time.monotonic() - outage.last_failure < RETRY_AFTER_SECONDS


def cache_status(location: str | None = None) -> dict[str, Any]:
    """Whether this process currently finds the cache (default: the default cache) degraded."""
    if location is None:
        from django.conf import settings

        location = settings.CACHES["default"]["LOCATION"]
    outage = _outages.get(location)
    if outage is None:
        return {"degraded": False, "failures": 0, "since": None, "last_error": ""}
    return {
        "degraded": True,
        "failures": outage.failures,
        "since": outage.since,
        "last_error": outage.last_error,
    }


def _degrading(fallback):
    """Run the operation; on an outage record it and return ``fallback(*args, **kwargs)``."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if _paused(self._location):
                return fallback(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except OUTAGE_ERRORS as exc:
                _record_failure(self._location, exc)
                return fallback(*args, **kwargs)
            _record_success(self._location)
            return result

        return wrapper

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


def _delta(key, delta=1, *args, **kwargs):
    return delta


def _keys(data, *args, **kwargs):
    return list(data)


def _constant(value):
    return lambda *args, **kwargs: value


class ReusedRedisCacheClient(RedisCacheClient):
    """Django's cache client, reusing one ``redis.Redis`` per pool: it is thread-safe (each
    command borrows a connection from the pool)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


# One Redis client (and so one connection pool) per process, server list and options. redis-py's
# pool is thread-safe and starts afresh in a forked child.
_clients: dict[str, Any] = {}


class DegradingRedisCache(RedisCache):
    """``RedisCache`` that answers as if empty while Redis is unreachable, on a connection
    pool shared by every instance in the process (see the module)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._location = server
        self._class = ReusedRedisCacheClient

    @cached_property
    def _cache(self):
        key = repr((self._class, self._servers, sorted(self._options.items())))
        client = _clients.get(key)
        if client is None:
            with _lock:
                client = _clients.setdefault(key, self._class(self._servers, **self._options))
        return client

    add = _degrading(_constant(True))(RedisCache.add)
    get = _degrading(_default)(RedisCache.get)
    set = _degrading(_constant(None))(RedisCache.set)
    touch = _degrading(_constant(False))(RedisCache.touch)
    delete = _degrading(_constant(False))(RedisCache.delete)
    get_many = _degrading(_constant({}))(RedisCache.get_many)
    has_key = _degrading(_constant(False))(RedisCache.has_key)
    incr = _degrading(_delta)(RedisCache.incr)
    set_many = _degrading(_keys)(RedisCache.set_many)
    delete_many = _degrading(_constant(None))(RedisCache.delete_many)
    clear = _degrading(_constant(False))(RedisCache.clear)
