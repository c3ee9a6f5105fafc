"""Descriptive statistics of per-run scores (pure Python, standard library only)."""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Sequence

_Z95 = statistics.NormalDist().inv_cdf(0.975)


def describe(values: Sequence[float]) -> dict:
    """n, mean, sample sd, median, min, max and a 95 % interval of the mean.

    The interval is mean ± z·sd/√n (normal approximation; SciPy is not a dependency yet, so no
    t quantiles): with few runs it is somewhat too narrow. None where undefined (sd needs n ≥ 2).
    """
    n = len(values)
    if n == 0:
        return {"n": 0, "mean": None, "sd": None, "median": None, "min": None, "max": None, "ci95": None}
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if n >= 2 else None
    half = _Z95 * sd / n**0.5 if sd is not None else None
    return {
        "n": n,
        "mean": mean,
        "sd": sd,
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "ci95": [mean - half, mean + half] if half is not None else None,
    }


def percentile_rank(sorted_values: Sequence[float], value: float) -> float | None:
    """Share (0–100) of the cohort strictly below `value`, ties counting half ("higher than 72 %")."""
    n = len(sorted_values)
    if n == 0:
        return None
    below = bisect.bisect_left(sorted_values, value)
    equal = bisect.bisect_right(sorted_values, value) - below
    return 100.0 * (below + 0.5 * equal) / n
