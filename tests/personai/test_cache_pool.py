"""The Redis cache shares one connection pool per process.

Django keeps one cache object per request context, so without sharing every request (each in
its own context under the ASGI server) opened a new Redis connection.
"""

from __future__ import annotations

import threading

from django.core.cache import caches


def _pool_and_value_in_fresh_context(results: list) -> None:
    cache = caches["default"]  # a new thread is a new context: Django builds a new cache object
    value = cache.get("pool-test-key")
    pool = cache._cache._get_connection_pool(write=False)
    results.append((id(cache), pool, value))


def _from_threads(count: int) -> list:
    results: list = []
    for _ in range(count):
        thread = threading.Thread(target=_pool_and_value_in_fresh_context, args=(results,))
        thread.start()
        thread.join()
    return results


def test_cache_objects_of_different_contexts_share_one_pool():
    caches["default"].set("pool-test-key", "shared", 30)
    results = _from_threads(8)

    assert len({cache_id for cache_id, _pool, _value in results}) > 1  # Django's per-context objects
    pools = {id(pool) for _cache_id, pool, _value in results}
    assert len(pools) == 1
    assert [value for *_rest, value in results] == ["shared"] * 8


def test_twenty_request_contexts_open_no_new_connection():
    warm_pool = _from_threads(1)[0][1]
    before = warm_pool._created_connections

    results = _from_threads(20)

    pools = {id(pool): pool for _cache_id, pool, _value in results}
    pools.setdefault(id(warm_pool), warm_pool)
    # One get at a time: each context takes the pool's idle connection and gives it back.
    assert sum(pool._created_connections for pool in pools.values()) - before == 0


def test_operations_reuse_one_redis_client():
    cache = caches["default"]
    cache.set("pool-test-key", "again", 30)

    assert cache._cache.get_client(write=False) is cache._cache.get_client(write=True)
    assert cache.get("pool-test-key") == "again"
