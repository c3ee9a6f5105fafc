"""Percentiles against the IPIP-NEO-120 norm table (Johnson) and against the cohort, by hand."""

from __future__ import annotations

import json
import math

import pytest

from assessments import norms
from assessments.norms import (
    COHORT_MIN,
    Norm,
    Standing,
    cohort_standing,
    norm_standing,
    norm_table_for,
    normal_percentile,
    pooled,
    rank_percentile,
    standing_sentence,
)

# Johnson's eight sex × age groups for Neuroticism (24–120): (mean, sd), as published.
NEUROTICISM = [
    (67.84, 15.83),  # men under 21
    (66.97, 16.48),
    (64.11, 16.04),
    (58.42, 15.48),  # men over 60
    (73.41, 15.61),  # women under 21
    (72.14, 16.16),
    (67.38, 16.10),
    (63.48, 14.92),  # women over 60
]


def test_the_normal_percentile_follows_the_normal_distribution():
    assert normal_percentile(50, 50, 10) == pytest.approx(50.0)
    assert normal_percentile(60, 50, 10) == pytest.approx(84.134, abs=1e-3)
    assert normal_percentile(30, 50, 10) == pytest.approx(2.275, abs=1e-3)
    with pytest.raises(ValueError):
        normal_percentile(1, 1, 0)


def test_pooling_two_groups_mixes_their_means_and_spreads():
    # Means 10 and 20, SD 2 each: mean 15; variance 4 + 25 = 29.
    mixed = pooled([{"x": Norm(10, 2, 4)}, {"x": Norm(20, 2, 4)}])

    assert mixed["x"].mean == pytest.approx(15.0)
    assert mixed["x"].sd == pytest.approx(math.sqrt(29))


def test_the_table_holds_johnsons_published_values():
    document = json.loads((norms.NORM_TABLE_DIR / "ipip-neo-120-johnson.json").read_text())
    groups = {g["key"]: g["scores"] for g in document["groups"]}

    assert len(groups) == 8
    assert [tuple(g["scores"]["neuroticism"]) for g in document["groups"]] == NEUROTICISM
    assert groups["men-under-21"]["n1-anxiety"] == [11.72, 3.76]
    assert groups["women-over-60"]["c6-cautiousness"] == [15.11, 3.66]
    assert groups["women-21-40"]["agreeableness"] == [91.91, 11.39]
    assert len(groups["men-41-60"]) == 35  # five domains and thirty facets
    assert document["items"]["neuroticism"] == 24 and document["items"]["n1-anxiety"] == 4


def test_the_reference_is_the_equal_mixture_of_the_eight_groups():
    table = norm_table_for("big-five-ipip-neo")
    mean = sum(m for m, _ in NEUROTICISM) / 8  # 66.71875
    sd = math.sqrt(sum(s * s + m * m for m, s in NEUROTICISM) / 8 - mean * mean)  # 16.4614

    assert table.norms["neuroticism"].mean == pytest.approx(66.71875)
    assert table.norms["neuroticism"].sd == pytest.approx(sd)
    assert table.norms["neuroticism"].sd == pytest.approx(16.4614, abs=1e-4)


def test_a_score_is_placed_against_the_norm_table():
    table = norm_table_for("big-five-ipip-neo")

    # Item mean 3.5 over 24 items is a raw 84: z = (84 − 66.71875) / 16.46136 = 1.0498 → 85.3 %.
    standing = norm_standing(table, "neuroticism", 3.5, 24)

    assert standing.percentile == pytest.approx(85.31, abs=0.01)
    assert standing.shown == 85
    assert standing_sentence(standing) == ("You score higher than 85 % of the reference group.")


def test_skipped_items_are_prorated_and_too_many_skipped_give_no_percentile():
    table = norm_table_for("big-five-ipip-neo")

    half = norm_standing(table, "neuroticism", 3.5, 12)
    assert half.percentile == pytest.approx(norm_standing(table, "neuroticism", 3.5, 24).percentile)
    assert norm_standing(table, "neuroticism", 3.5, 11) is None
    assert norm_standing(table, "no-such-dimension", 3.5, 24) is None


def test_models_without_a_published_table_have_none():
    assert norm_table_for("big-five-ipip-50") is None
    assert norm_table_for("disc-styles-relative") is None


def test_the_cohort_percentile_is_the_mid_rank():
    assert rank_percentile(below=10, equal=2, n=40) == pytest.approx(27.5)
    assert rank_percentile(below=0, equal=1, n=1) == pytest.approx(50.0)
    with pytest.raises(ValueError):
        rank_percentile(below=5, equal=6, n=10)


def test_the_cohort_counts_only_from_thirty_people():
    assert cohort_standing(below=20, equal=0, n=COHORT_MIN - 1) is None

    standing = cohort_standing(below=21, equal=0, n=COHORT_MIN)

    assert standing.percentile == pytest.approx(70.0)
    assert standing_sentence(standing) == "You score higher than 70 % of people who took it here (n = 30)."


def test_percentiles_are_written_between_1_and_99():
    assert Standing(0.2, "them").shown == 1
    assert Standing(99.8, "them").shown == 99
