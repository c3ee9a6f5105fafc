"""Database sessions that each web process remembers until PostgreSQL announces their change.

Django's database session store, with the read of every signed-in request answered from this
process's memory once it has read the session (`personai.row_memory`). Any change to the
session's row (a save, a sign-out, `clearsessions`, an admin's delete) makes the database
notify every process, which forget it; this process forgets its own writes at once. The first
read in a process is one prepared statement rather than the ORM's query.

It replaces ``cached_db``: the rows are the same table, so switching signs nobody out.
"""

from __future__ import annotations

import functools

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from personai import row_memory
from personai.db import prepared_statement_cursor

# session key -> (encoded session data, expiry date)
_sessions = row_memory.RowMemory("session")


class SessionStore(db.SessionStore):
    def _remembered(self) -> dict | None:
        """The session's data from this process's memory, None when it is not there."""
        key = self.session_key
        remembered = _sessions.get(key) if key else None
        if remembered is None or remembered[1] <= timezone.now():
            return None
        return self.decode(remembered[0])

    def load(self):
        key = self.session_key
        if not key:
            return {}
        remembered = self._remembered()
        if remembered is not None:
            return remembered
        now = timezone.now()
        since = row_memory.generation()
        with prepared_statement_cursor() as cursor:
            cursor.execute(_session_sql(), [key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # as Django's store does: a new session gets a new key
            return {}
        _sessions.remember(key, row, since=since)
        return self.decode(row[0])

    async def aload(self):
        # An async view (a chat stream): remembered, no thread hop and no query; else the
        # synchronous read, on a thread, which remembers it.
        remembered = self._remembered()
        if remembered is not None:
            return remembered
        return await sync_to_async(self.load)()

    def save(self, must_create=False):
        try:
            super().save(must_create=must_create)
        finally:
            if self.session_key:
                _sessions.forget(self.session_key)

    def delete(self, session_key=None):
        key = session_key or self.session_key
        try:
            super().delete(session_key)
        finally:
            if key:
                _sessions.forget(key)


@functools.cache
def _session_sql() -> str:
    return (
        f'SELECT s."session_data", s."expire_date" FROM "{Session._meta.db_table}" s'
        ' WHERE s."session_key" = %s AND s."expire_date" > %s'
    )
