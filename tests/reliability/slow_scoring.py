"""Loaded into a test's Celery worker (``include=[...]``): slow scoring down on request.

With ``TEST_SCORING_DELAY_SECONDS`` set in the worker's environment, every run waits that
long after it is marked running and before its scores are written, so a test can kill the
worker in the middle of scoring. Without it, this module changes nothing.
"""

from __future__ import annotations

import os
import time

from assessments import services

DELAY_SECONDS = float(os.environ.get("TEST_SCORING_DELAY_SECONDS") or 0)

if DELAY_SECONDS:
    _score_and_store = services._score_and_store

    def _slow_score_and_store(run) -> None:
        time.sleep(DELAY_SECONDS)
        _score_and_store(run)

    services._score_and_store = _slow_score_and_store
