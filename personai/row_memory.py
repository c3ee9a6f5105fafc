"""Rows kept in this process's memory until PostgreSQL says they changed.

Every signed-in request reads its session and its user, and every API request its key: rows
that change rarely (a sign-in, a sign-out, a deactivation, a revocation) but were read from the
database on every request, costing a signed-in page more than the rest of a bare view.

Triggers on those tables (`accounts/migrations/0004_row_change_notifications.py`) send
``NOTIFY personai_rows, '<kind>:<key>'`` for every row updated or deleted (``'<kind>:*'`` on
TRUNCATE). PostgreSQL delivers a notification when the change commits, to every listening
connection, whichever process or tool made it. Each web process keeps one such connection on a
daemon thread (`_Listener`) and forgets a remembered row as soon as its notification arrives.

Safety rests on three rules:

* **Nothing is remembered while nobody listens.** Until this process's listener has run
  ``LISTEN`` (and whenever its connection drops), `RowMemory.get` answers None, so callers read
  the database as before; every reconnection starts from an empty memory, since notifications
  sent meanwhile were lost.
* **A read that raced a change is not kept.** Callers take `generation()` before they read the
  database and pass it to `RowMemory.remember`, which drops the row if any notification arrived
  in between (it could be the one about this row, sent after the read).
* **Entries also age out** (``max_age``): a bound on how long a row could outlive a lost
  notification, not the mechanism.

``ROW_MEMORY`` (setting) turns it off. Tests run without it by default: their transactions roll
back, so no notification is ever sent; the tests of this module turn it on with committed rows.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection, connections

logger = logging.getLogger(__name__)

CHANNEL = "personai_rows"
APPLICATION_NAME = "personai row memory"  # how its connection shows in pg_stat_activity
HEARTBEAT_SECONDS = 10.0

_lock = threading.Condition()
_generation = 0
_live = False
_listener: _Listener | None = None
_listener_pid: int | None = None
_memories: dict[str, RowMemory] = {}
_last_sync: str | None = None


class RowMemory:
    """One kind of row (``kind`` as the triggers name it), by key, at most ``max_entries``."""

    def __init__(self, kind: str, *, max_entries: int = 10_000, max_age: float = 300.0) -> None:
        # 10,000 sessions or users is a few MB per process; beyond that, the oldest read go.
        self.kind = kind
        self.max_entries = max_entries
        self.max_age = max_age
        self._rows: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        if kind in _memories:
            raise ValueError(f"a RowMemory for {kind!r} exists already")
        _memories[kind] = self

    def get(self, key: Any) -> Any | None:
        """The remembered value, or None (not remembered, too old, or memory not live)."""
        if not is_live():
            return None
        found = self._rows.get(str(key))
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def remember(self, key: Any, value: Any, *, since: int) -> None:
        """Keep `value`, read from the database after `generation()` returned `since`.

        Not inside a transaction: what it reads there may be its own uncommitted change, which
        a rollback would undo without any notification."""
        if connection.in_atomic_block:
            return
        with _lock:
            if not _live or _generation != since:
                return
            self._rows[str(key)] = (time.monotonic() + self.max_age, value)
            self._rows.move_to_end(str(key))
            while len(self._rows) > self.max_entries:
                self._rows.popitem(last=False)

    def forget(self, key: Any) -> None:
        with _lock:
            self._rows.pop(str(key), None)

    def clear(self) -> None:
        with _lock:
            self._rows.clear()

    def __len__(self) -> int:
        return len(self._rows)


def generation() -> int:
    """A number that changes whenever a notification arrives or the listener (re)connects."""
    return _generation


def is_live() -> bool:
    """Whether this process listens for changes (starting its listener on the first call)."""
    if _live and _listener_pid == os.getpid():
        return True
    if settings.ROW_MEMORY and _listener_pid != os.getpid():
        _start_listener()
    return False


def wait_for_generation(after: int, timeout: float) -> bool:
    """Block until `generation()` differs from `after` (True) or `timeout` passes (False)."""
    with _lock:
        return _lock.wait_for(lambda: _generation != after, timeout)


def wait_until_live(timeout: float) -> bool:
    """Block until this process's listener listens (starting it if needed)."""
    is_live()
    with _lock:
        return _lock.wait_for(lambda: _live and _listener_pid == os.getpid(), timeout)


def sync(timeout: float) -> bool:
    """Block until this process has heard of every change committed before the call (True), or
    `timeout` passes (False). PostgreSQL delivers notifications in commit order, so hearing a
    marker sent now means hearing everything before it. Outside a transaction only."""
    token = uuid.uuid4().hex
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, f"sync:{token}"])
    with _lock:
        return _lock.wait_for(lambda: _last_sync == token, timeout)


def stop_listening() -> None:
    """Stop this process's listener and forget everything (tests; a later `is_live` restarts it)."""
    global _listener, _listener_pid
    with _lock:
        listener, _listener, _listener_pid = _listener, None, None
    if listener is not None:
        listener.stop()
    _went_down()


def _start_listener() -> None:
    global _listener, _listener_pid, _live
    with _lock:
        if _listener_pid == os.getpid():
            return
        # After a fork the parent's thread is gone and its memory may be stale: start afresh.
        _listener_pid = os.getpid()
        _live = False
        for memory in _memories.values():
            memory._rows.clear()
        _listener = _Listener()
    _listener.start()


def _connection_params() -> dict:
    """The default database's connection settings, as Django would pass them to psycopg."""
    params = connections["default"].get_connection_params()
    params.pop("pool", None)
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    params.pop("server_side_binding", None)
    params["autocommit"] = True
    params["application_name"] = APPLICATION_NAME
    return params


class _Listener(threading.Thread):
    def __init__(self) -> None:
        super().__init__(name="row-memory-listener", daemon=True)
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=5)

    def run(self) -> None:
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                with psycopg.connect(**_connection_params()) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    _went_live()
                    backoff = 0.5
                    checked = time.monotonic()
                    while not self._stopping.is_set():
                        # Wakes at least every second, so that stop() is prompt.
                        for notification in connection.notifies(timeout=1.0):
                            _apply(notification.payload)
                        if time.monotonic() - checked > HEARTBEAT_SECONDS:
                            connection.execute("SELECT 1")  # a silently dead connection raises here
                            checked = time.monotonic()
            except Exception as exc:
                if not self._stopping.is_set():
                    logger.warning("row memory: listener connection lost (%s); reading the database", exc)
            finally:
                _went_down()
            self._stopping.wait(backoff)
            backoff = min(backoff * 2, 30.0)


def _went_live() -> None:
    global _live, _generation
    with _lock:
        for memory in _memories.values():
            memory._rows.clear()  # whatever changed before we listened went unannounced
        _generation += 1
        _live = True
        _lock.notify_all()


def _went_down() -> None:
    global _live, _generation
    with _lock:
        _live = False
        _generation += 1
        for memory in _memories.values():
            memory._rows.clear()
        _lock.notify_all()


def _apply(payload: str) -> None:
    global _generation, _last_sync
    kind, _, key = payload.partition(":")
    with _lock:
        if kind == "sync":
            _last_sync = key
            _lock.notify_all()
            return
        _generation += 1
        memory = _memories.get(kind)
        if memory is not None:
            if key == "*":
                memory._rows.clear()
            else:
                memory._rows.pop(key, None)
        _lock.notify_all()
