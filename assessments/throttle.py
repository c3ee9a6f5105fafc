"""Per-IP limits kept in the shared (Redis) cache."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

SURVEY_SUBMISSIONS_PER_HOUR = 10
WINDOW_SECONDS = 60 * 60


def _key(scope: str, ip: str) -> str:
    # Hash the address: the cache need not hold raw IPs.
    return f"throttle:{scope}:{hashlib.sha256(ip.encode()).hexdigest()[:32]}"


def survey_submissions_exhausted(ip: str) -> bool:
    """True once this IP submitted SURVEY_SUBMISSIONS_PER_HOUR survey answers in the window."""
    return (cache.get(_key("survey-submit", ip)) or 0) >= SURVEY_SUBMISSIONS_PER_HOUR


def survey_submission_count(ip: str) -> None:
    """Count one successful anonymous submission (the window starts at the first one)."""
    key = _key("survey-submit", ip)
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
