"""Loaded into a test's Celery worker (``include=[...]``): a relay that dawdles while dispatching.

With ``TEST_RELAY_SEND_DELAY_SECONDS`` set in the worker's environment, the relay waits that long
after each message it sends (while its claim is not yet committed), and counts the messages
sent in the cache under ``SENT_KEY``, so a test can kill the worker in the middle of a
dispatch. Without it, this module changes nothing.
"""

from __future__ import annotations

import os
import time

from django.core.cache import cache

from personai import outbox

SENT_KEY = "tests:relay:sent"
DELAY_SECONDS = float(os.environ.get("TEST_RELAY_SEND_DELAY_SECONDS") or 0)

if DELAY_SECONDS:
    _dispatch = outbox._dispatch

    def _slow_dispatch(task_id, attempt) -> None:
        _dispatch(task_id, attempt)
        cache.add(SENT_KEY, 0, 600)
        cache.incr(SENT_KEY)
        time.sleep(DELAY_SECONDS)

    outbox._dispatch = _slow_dispatch
