"""The pure parts of the results overview: radar geometry, the summary paragraph, the 0–100
explanation and the self-vs-others gap sentences (no database)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from assessments.norms import Standing, standing_sentence
from assessments.presenters.overview import (
    RADAR_HEIGHT,
    RADAR_RADIUS,
    RADAR_WIDTH,
    biggest_gaps,
    build_radar,
    scale_explanation,
    summary_paragraph,
)


@dataclass
class Domain:  # the fields summary_paragraph reads from a DimensionResult
    name: str
    band_label: str
    percent: float | None
    item_count: int = 4
    standings: tuple = ()


@dataclass
class Row:  # the fields biggest_gaps reads from a ComparisonRow
    name: str
    self_percent: float | None
    others_percent: float | None
    self_text: str
    others_text: str
    is_facet: bool = False


def test_the_radar_puts_the_first_axis_at_the_top_and_scores_along_the_spokes():
    radar = build_radar([("A", 100.0, "100"), ("B", 50.0, "50"), ("C", 0.0, "0"), ("D", None, "–")])

    assert [axis.name for axis in radar.axes] == ["A", "B", "C"]  # an unscored axis is left out
    cx, cy = RADAR_WIDTH / 2, RADAR_HEIGHT / 2
    first = radar.axes[0]
    assert (float(first.point_x), float(first.point_y)) == pytest.approx((cx, cy - RADAR_RADIUS), abs=0.05)
    assert first.anchor == "middle"
    third = radar.axes[2]
    assert (float(third.point_x), float(third.point_y)) == pytest.approx((cx, cy), abs=0.05)  # 0: centre
    assert len(radar.rings) == 4 and radar.shape.count(",") == 3


def test_fewer_than_three_scored_axes_make_no_radar():
    assert build_radar([("A", 10.0, "10"), ("B", 20.0, "20"), ("C", None, "–")]) is None


def test_radar_coordinates_never_use_a_decimal_comma():
    radar = build_radar([("A", 33.3, "33"), ("B", 66.6, "67"), ("C", 12.5, "13")])

    assert "," not in radar.axes[1].point_x and "," not in radar.cx


def test_the_summary_groups_domains_by_band_highest_first():
    text = summary_paragraph(
        [
            Domain("Neuroticism", "Low", 20.0),
            Domain("Extraversion", "High", 80.0),
            Domain("Openness", "Neutral", 50.0),
            Domain("Agreeableness", "High", 70.0),
            Domain("Conscientiousness", "Low", 10.0),
        ]
    )

    assert text == (
        "In short: Extraversion and Agreeableness are high; Openness is neutral; "
        "Neuroticism and Conscientiousness are low."
    )


def test_the_summary_names_where_the_person_stands_out_against_the_norms():
    text = summary_paragraph(
        [
            Domain("Extraversion", "High", 80.0, standings=(Standing(91.2, "the reference group"),)),
            Domain("Openness", "High", 60.0, standings=(Standing(40.0, "the reference group"),)),
            Domain("Neuroticism", "Low", 10.0, standings=(Standing(3.0, "the reference group"),)),
        ]
    )

    assert text.endswith(
        "Against the reference group you stand highest in Extraversion (higher than 91 % of it) "
        "and lowest in Neuroticism (higher than 3 %)."
    )


def test_an_unscored_result_has_no_summary():
    assert summary_paragraph([Domain("A", "", None, item_count=0)]) == ""


def test_the_explanation_walks_from_the_raw_sum_to_the_0_to_100_score():
    lines = scale_explanation(
        raw=14,
        normalized=62.5,
        item_mean=3.5,
        item_count=4,
        scale_min=4,
        scale_max=20,
        relative=None,
        band_basis="item_mean",
        band_label="High",
    )

    assert lines == [
        "From the questions you answered, the raw score could run from 4 to 20. The 0–100 score "
        "places your raw score in that range: (14 − 4) ÷ (20 − 4) × 100 = 62.5.",
        "The band uses the average per question: 14 ÷ 4 = 3.5, which is high.",
    ]


def test_the_explanation_of_a_relative_band_names_the_own_mean():
    lines = scale_explanation(
        raw=8,
        normalized=35,
        item_mean=2,
        item_count=4,
        scale_min=0,
        scale_max=20,
        relative=2.5,
        band_basis="relative",
        band_label="Balanced",
    )

    assert lines[-1] == (
        "The band compares this score with the mean of your own scores (32.5): +2.5 points, which is balanced."
    )


def test_gaps_of_ten_points_or_more_are_named_largest_first():
    sentences = biggest_gaps(
        [
            Row("Warmth", 50, 55, "50", "55"),  # 5 points: noise
            Row("Agreeableness", 48, 62, "48", "62"),
            Row("Orderliness", 80, 40, "80", "40"),
            Row("Calm", None, 90, "–", "90"),  # no self score: nothing to compare
        ]
    )

    assert sentences == [
        "Others see you as lower in Orderliness than you do (40 vs 80).",
        "Others see you as higher in Agreeableness than you do (62 vs 48).",
    ]


def test_a_german_session_reads_german_sentences():
    domains = [
        Domain("Extraversion", "Hoch", 80.0, standings=(Standing(91.2, "the reference group"),)),
        Domain("Verträglichkeit", "Hoch", 70.0, standings=(Standing(40.0, "the reference group"),)),
        Domain("Neurotizismus", "Niedrig", 10.0, standings=(Standing(3.0, "the reference group"),)),
    ]

    assert summary_paragraph(domains, "de") == (
        "Kurz gesagt: Extraversion und Verträglichkeit sind hoch; Neurotizismus ist niedrig. "
        "Im Vergleich mit der Referenzgruppe liegen Sie bei Extraversion am höchsten (höher als 91 % der "
        "Gruppe) und bei Neurotizismus am niedrigsten (höher als 3 %)."
    )
    assert standing_sentence(Standing(40.0, "people who took it here", n=31), "de") == (
        "Ihr Wert liegt höher als bei 40 % der Personen, die den Fragebogen hier ausgefüllt haben (n = 31)."
    )
    assert scale_explanation(
        raw=14,
        normalized=62.5,
        item_mean=3.5,
        item_count=4,
        scale_min=4,
        scale_max=20,
        relative=None,
        band_basis="item_mean",
        band_label="Hoch",
        lang="de",
    ) == [
        "Mit den beantworteten Fragen konnte der Rohwert zwischen 4 und 20 liegen. Der Wert von 0 bis 100 "
        "gibt an, wo Ihr Rohwert in diesem Bereich liegt: (14 − 4) ÷ (20 − 4) × 100 = 62.5.",
        "Die Einstufung nutzt den Durchschnitt pro Frage: 14 ÷ 4 = 3.5, also hoch.",
    ]


def test_a_negative_lowest_raw_score_is_subtracted_in_parentheses():
    lines = scale_explanation(
        raw=7,
        normalized=40,
        item_mean=None,
        item_count=5,
        scale_min=-1,
        scale_max=19,
        relative=None,
        band_basis="normalized",
        band_label="",
    )

    assert lines == [
        "From the questions you answered, the raw score could run from −1 to 19. The 0–100 score places "
        "your raw score in that range: (7 − (−1)) ÷ (19 − (−1)) × 100 = 40."
    ]
