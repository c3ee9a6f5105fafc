"""Effect sizes and tests against a cohort: Cohen's d by hand, d and Welch's p as SciPy has them."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from scipy import stats as scipy_stats

from assessments.benchmarks import stats

MODEL = [3.1, 3.4, 2.9, 3.6, 3.3]
COHORT = [2.2, 2.8, 3.5, 2.6, 3.0, 2.4, 3.9, 2.7]


def test_cohens_d_equals_a_hand_computation():
    # Means 3.26 and 2.8875; sums of squares 0.292 and 2.24875; pooled variance 2.54075 / 11;
    # d = 0.3725 / 0.48060 = 0.7751.
    mean_model, mean_cohort = 16.3 / 5, 23.1 / 8
    var_model = sum((x - mean_model) ** 2 for x in MODEL) / 4
    var_cohort = sum((x - mean_cohort) ** 2 for x in COHORT) / 7
    pooled = math.sqrt((4 * var_model + 7 * var_cohort) / 11)
    assert stats.cohens_d(MODEL, COHORT) == pytest.approx((mean_model - mean_cohort) / pooled, abs=1e-12)
    assert stats.cohens_d(MODEL, COHORT) == pytest.approx(0.7751, abs=1e-4)


def test_cohens_d_matches_scipy_and_numpy():
    a, b = np.array(MODEL), np.array(COHORT)
    pooled = np.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2))
    assert stats.cohens_d(MODEL, COHORT) == pytest.approx((a.mean() - b.mean()) / pooled, rel=1e-12)
    # The same d from SciPy's pooled t statistic: t = d / sqrt(1/n1 + 1/n2).
    t_pooled = scipy_stats.ttest_ind(MODEL, COHORT, equal_var=True).statistic
    assert stats.cohens_d(MODEL, COHORT) == pytest.approx(t_pooled * math.sqrt(1 / 5 + 1 / 8), rel=1e-10)


def test_welch_p_matches_scipy():
    expected = scipy_stats.ttest_ind(MODEL, COHORT, equal_var=False).pvalue
    assert stats.welch_p(MODEL, COHORT) == pytest.approx(expected, rel=1e-12)
    assert 0.01 < stats.welch_p(MODEL, COHORT) < 0.2  # not the pooled test's p
    assert stats.welch_p(MODEL, COHORT) != pytest.approx(
        scipy_stats.ttest_ind(MODEL, COHORT, equal_var=True).pvalue, rel=1e-3
    )


def test_undefined_effects_are_none_not_nan():
    assert stats.cohens_d([3.0], COHORT) is None
    assert stats.welch_p([3.0], COHORT) is None
    assert stats.cohens_d([2.0, 2.0], [2.0, 2.0, 2.0]) is None
    assert stats.welch_p([2.0, 2.0], [2.0, 2.0, 2.0]) is None


def test_the_interval_of_the_mean_uses_students_t():
    result = stats.describe(MODEL)
    half = scipy_stats.t.ppf(0.975, 4) * statistics.stdev(MODEL) / math.sqrt(5)
    assert result["ci95"] == pytest.approx([3.26 - half, 3.26 + half])


def test_fidelity_figures():
    human = [0.2, 0.5, 0.9, 0.4]
    persona = [0.3, 0.5, 0.7, 0.6]
    assert stats.mean_absolute_difference(human, persona) == pytest.approx((0.1 + 0 + 0.2 + 0.2) / 4)
    assert stats.pearson_r(human, persona) == pytest.approx(scipy_stats.pearsonr(human, persona).statistic)
    assert stats.pearson_r([0.1, 0.2], [0.3, 0.4]) is None  # too few dimensions to correlate
    assert stats.pearson_r([0.5, 0.5, 0.5], [0.1, 0.2, 0.3]) is None  # a constant side
