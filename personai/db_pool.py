"""The check the web server's connection pool runs before it lends a connection.

`make run` serves the web through a psycopg pool (`DB_POOL_MAX_SIZE`). Django's own check for a
pool (`CONN_HEALTH_CHECKS`) sends an empty query each time a connection is lent, so every request
paid one more round trip to PostgreSQL than it asked for: a take page three instead of two, an
autosave four instead of three. A connection lent a moment ago and returned idle can only have
died since if PostgreSQL closed it (a restart, `pg_terminate_backend`, a crash), and PostgreSQL
then writes to it (an error message, then end of file): the socket has something to read. So
the empty query is sent only when that shows, or when the connection has lain unused long enough
for a network to have dropped it without a word. A dead connection fails the check and the pool
lends another one; a request never gets it.
"""

from __future__ import annotations

import select
import time

from psycopg import Connection
from psycopg_pool import ConnectionPool

# A connection unused for longer than this is checked with a round trip before it is lent again.
RECHECK_AFTER_IDLE_SECONDS = 5.0
_LENT_AT = "_personai_lent_at"  # set on the connection, as the pool sets its own bookkeeping


def check_pooled_connection(conn: Connection) -> None:
    """Raise if `conn` is not usable; send a query only when there is a reason to doubt it."""
    now = time.monotonic()
    lent_before = getattr(conn, _LENT_AT, None)
    setattr(conn, _LENT_AT, now)
    if (
        lent_before is None
        or now - lent_before > RECHECK_AFTER_IDLE_SECONDS
        or conn.closed
        or _has_unread_input(conn)
    ):
        ConnectionPool.check_connection(conn)


def _has_unread_input(conn: Connection) -> bool:
    """True when PostgreSQL wrote to an idle connection (an error, a notice) or closed it."""
    poller = select.poll()  # poll, unlike select, takes any descriptor number
    poller.register(conn.pgconn.socket, select.POLLIN)
    return bool(poller.poll(0))
