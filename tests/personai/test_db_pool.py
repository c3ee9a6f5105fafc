"""The pool's check (`personai.db_pool`): a round trip only when a connection may be dead."""

from __future__ import annotations

import select

import psycopg
import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from psycopg_pool import ConnectionPool

from personai import db_pool
from personai.db_pool import check_pooled_connection
from personai.postgresql.base import DatabaseWrapper

pytestmark = pytest.mark.django_db

MARKER = "SELECT 'pool-check-marker'"


def _connect() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    return psycopg.connect(**params, autocommit=True)


@pytest.fixture
def observer():
    with _connect() as conn:
        yield conn


def _last_query(observer: psycopg.Connection, pid: int) -> str:
    # Autocommit: each statement reads the backends' activity afresh.
    return observer.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def test_a_connection_lent_again_at_once_is_trusted_without_a_query(observer):
    with _connect() as conn:
        check_pooled_connection(conn)  # the first time it is always checked
        conn.execute(MARKER)
        check_pooled_connection(conn)
        assert _last_query(observer, conn.info.backend_pid) == MARKER


def test_a_connection_unused_for_longer_than_the_limit_is_checked_with_a_query(observer, monkeypatch):
    monkeypatch.setattr(db_pool, "RECHECK_AFTER_IDLE_SECONDS", 0.0)
    with _connect() as conn:
        check_pooled_connection(conn)
        conn.execute(MARKER)
        check_pooled_connection(conn)
        assert _last_query(observer, conn.info.backend_pid) == ""  # the check's empty query


def test_a_connection_never_lent_is_checked_with_a_query(observer):
    with _connect() as conn:
        conn.execute(MARKER)
        check_pooled_connection(conn)
        assert _last_query(observer, conn.info.backend_pid) == ""


def _terminate(observer: psycopg.Connection, conn: psycopg.Connection) -> None:
    pid = conn.info.backend_pid
    assert observer.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]
    # The backend is gone; its goodbye reaches the socket (waited for, not slept on).
    poller = select.poll()
    poller.register(conn.pgconn.socket, select.POLLIN)
    assert poller.poll(5000)


def test_a_connection_closed_by_the_server_fails_the_check_though_just_lent(observer):
    with _connect() as conn:
        check_pooled_connection(conn)
        _terminate(observer, conn)
        with pytest.raises(psycopg.OperationalError):
            check_pooled_connection(conn)


def test_the_pool_lends_a_live_connection_after_the_server_closed_the_idle_one(observer):
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with ConnectionPool(
        kwargs={**params, "autocommit": True}, min_size=1, max_size=1, check=check_pooled_connection
    ) as pool:
        with pool.connection() as conn:
            first_pid = conn.info.backend_pid
        with pool.connection() as conn:  # lent again at once: the same one, no query
            assert conn.info.backend_pid == first_pid
            _terminate(observer, conn)
        with pool.connection() as conn:
            assert conn.info.backend_pid != first_pid
            assert conn.execute("SELECT 1").fetchone() == (1,)


def _pooled_wrapper(health_checks: bool) -> DatabaseWrapper:
    settings_dict = {
        **connection.settings_dict,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": health_checks,
        "OPTIONS": {**connection.settings_dict["OPTIONS"], "pool": {"min_size": 1, "max_size": 2}},
    }
    # The default alias (signal receivers look connections up by alias); the tests run unpooled.
    assert DEFAULT_DB_ALIAS not in DatabaseWrapper._connection_pools
    return DatabaseWrapper(settings_dict, alias=DEFAULT_DB_ALIAS)


@pytest.mark.parametrize("health_checks, expected", [(True, check_pooled_connection), (False, None)])
def test_the_backend_gives_djangos_pool_our_check_where_django_would_check(health_checks, expected):
    wrapper = _pooled_wrapper(health_checks)
    try:
        assert wrapper.pool._check is expected
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        wrapper.close()
        wrapper.close_pool()


def test_the_project_runs_on_this_backend():
    assert isinstance(connections[DEFAULT_DB_ALIAS], DatabaseWrapper)
