"""Statistics of per-run scores: descriptions, effect sizes and tests (SciPy for distributions)."""

from __future__ import annotations

import bisect
import math
import statistics
import warnings
from collections.abc import Sequence

from scipy import stats as scipy_stats


def describe(values: Sequence[float]) -> dict:
    """n, mean, sample sd, median, min, max and a 95 % interval of the mean.

    The interval is mean ± t(0.975, n−1)·sd/√n (Student's t, so it is honest with few runs).
    None where undefined (sd and the interval need n ≥ 2).
    """
    n = len(values)
    if n == 0:
        return {"n": 0, "mean": None, "sd": None, "median": None, "min": None, "max": None, "ci95": None}
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if n >= 2 else None
    half = float(scipy_stats.t.ppf(0.975, n - 1)) * sd / n**0.5 if sd is not None else None
    return {
        "n": n,
        "mean": mean,
        "sd": sd,
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "ci95": [mean - half, mean + half] if half is not None else None,
    }


def cohens_d(sample: Sequence[float], reference: Sequence[float]) -> float | None:
    """(mean of sample − mean of reference) / pooled sd. None when undefined (a group of fewer
    than 2, or no spread at all)."""
    n1, n2 = len(sample), len(reference)
    if n1 < 2 or n2 < 2:
        return None
    var1, var2 = statistics.variance(sample), statistics.variance(reference)
    pooled = math.sqrt(((n1 - 1) * var1 + (n2 - 1) * var2) / (n1 + n2 - 2))
    if pooled == 0:
        return None
    return (statistics.fmean(sample) - statistics.fmean(reference)) / pooled


def welch_p(sample: Sequence[float], reference: Sequence[float]) -> float | None:
    """Two-sided p-value of Welch's t-test (unequal variances). None when undefined."""
    if len(sample) < 2 or len(reference) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # zero variance in both: nan, said as None
        p = float(scipy_stats.ttest_ind(sample, reference, equal_var=False).pvalue)
    return None if math.isnan(p) else p


def pearson_r(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's correlation of paired values; None with fewer than 3 pairs or a constant side."""
    if len(xs) != len(ys) or len(xs) < 3:
        return None
    if len(set(xs)) < 2 or len(set(ys)) < 2:
        return None
    return float(scipy_stats.pearsonr(xs, ys).statistic)


def mean_absolute_difference(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    if not xs or len(xs) != len(ys):
        return None
    return statistics.fmean(abs(x - y) for x, y in zip(xs, ys, strict=True))


def percentile_rank(sorted_values: Sequence[float], value: float) -> float | None:
    """Share (0–100) of the cohort strictly below `value`, ties counting half ("higher than 72 %")."""
    n = len(sorted_values)
    if n == 0:
        return None
    below = bisect.bisect_left(sorted_values, value)
    equal = bisect.bisect_right(sorted_values, value) - below
    return 100.0 * (below + 0.5 * equal) / n
