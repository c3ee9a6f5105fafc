"""Running a coroutine from a synchronous test."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any


def run_in_own_thread(coroutine: Coroutine, timeout: float = 60) -> Any:
    """asyncio.run on a thread of its own, returning the coroutine's result: a browser test
    earlier in the run (Playwright) leaves an event loop in the main thread."""
    outcome: dict[str, Any] = {}

    def target():
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
