"""A mini IPIP sheet scored by hand: domain neuroticism, facets anxiety and anger, 4 items each,
one minus-keyed item per facet (q2, q6). Likert options "1".."5" carry values 1..5; a minus-keyed
item scores 6 - x (range_linear reverse: min + max - x = 1 + 5 - x).

Bands follow IPIP on item_mean: below 3 low, exactly 3 neutral, above 3 high. minmax rescales over
what the answered items could score: n items -> [n, 5n].
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assessments.scoring import (
    Answer,
    Dimension,
    Instrument,
    Item,
    Mapping,
    ModelDefinition,
    Option,
    Threshold,
    score,
)

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)
LIKERT = tuple(Option(str(v), float(v)) for v in range(1, 6))
BANDS = (
    Threshold("low", "Low", "You score low.", None, 3.0, True, False),
    Threshold("neutral", "Neutral", "You score in the middle.", 3.0, 3.0, True, True),
    Threshold("high", "High", "You score high.", 3.0, None, False, False),
)
KEYS = {  # item -> (facet, minus-keyed)
    "q1": ("anxiety", False),
    "q2": ("anxiety", True),
    "q3": ("anxiety", False),
    "q4": ("anxiety", False),
    "q5": ("anger", False),
    "q6": ("anger", True),
    "q7": ("anger", False),
    "q8": ("anger", False),
}


def ipip_sheet() -> Instrument:
    items = tuple(
        Item(
            key=key,
            type="single_choice",
            options=LIKERT,
            mappings=(Mapping(f"m-{key}", facet, "range_linear", {"reverse": minus}),),
        )
        for key, (facet, minus) in KEYS.items()
    )
    model = ModelDefinition(
        dimensions=(
            Dimension("anger", "Anger", parent="neuroticism", sort_order=2, thresholds=BANDS),
            Dimension("neuroticism", "Neuroticism", sort_order=1, thresholds=BANDS),
            Dimension("anxiety", "Anxiety", parent="neuroticism", sort_order=1, thresholds=BANDS),
        ),
        composites=(),
        config={"aggregation": "sum", "normalization": {"method": "minmax"}, "band_basis": "item_mean"},
    )
    return Instrument(model=model, items=items)


def answers(**chosen: str) -> dict[str, Answer]:
    return {key: Answer(option=value) for key, value in chosen.items()}


def test_the_sheet_scores_as_worked_out_by_hand():
    result = score(
        ipip_sheet(),
        answers(q1="4", q2="2", q3="5", q4="3", q5="2", q6="4", q7="3", q8="1"),
        as_of=AS_OF,
    )
    # anxiety: q1 4 + q2 (6-2) 4 + q3 5 + q4 3 = 16 over 4 items -> mean 4.0 -> high;
    #          minmax over [4, 20]: (16-4)/16 = 75
    # anger:   q5 2 + q6 (6-4) 2 + q7 3 + q8 1 = 8 over 4 items -> mean 2.0 -> low;
    #          minmax (8-4)/16 = 25
    # neuroticism (both facets): 16 + 8 = 24 over 8 items -> mean 3.0 -> neutral;
    #          minmax over [8, 40]: (24-8)/32 = 50
    assert [d.dimension for d in result.dimensions] == ["neuroticism", "anxiety", "anger"]
    anxiety, anger, domain = (result.dimension(s) for s in ("anxiety", "anger", "neuroticism"))
    assert (anxiety.raw, anxiety.item_count, anxiety.item_mean, anxiety.band) == (16.0, 4, 4.0, "high")
    assert (anger.raw, anger.item_count, anger.item_mean, anger.band) == (8.0, 4, 2.0, "low")
    assert (domain.raw, domain.item_count, domain.item_mean, domain.band) == (24.0, 8, 3.0, "neutral")
    assert (anxiety.normalized, anger.normalized, domain.normalized) == (75.0, 25.0, 50.0)
    assert domain.facets == ("anxiety", "anger")
    assert domain.band_label == "Neutral" and domain.narrative == "You score in the middle."
    reversed_q2 = next(c for c in result.components if c.item == "q2")
    assert (reversed_q2.input, reversed_q2.contribution) == (2.0, 4.0)


def test_an_unanswered_item_shrinks_the_facet_and_its_range():
    result = score(
        ipip_sheet(),
        answers(q1="4", q2="2", q3="5", q4="3", q5="2", q6="4", q7="3"),
        as_of=AS_OF,
    )
    # anger without q8: 2 + 2 + 3 = 7 over 3 items -> mean 2.333333 -> low; minmax over [3, 15]:
    #   (7-3)/12 = 33.333333
    # neuroticism: 16 + 7 = 23 over 7 items -> mean 3.285714 -> high; minmax over [7, 35]:
    #   (23-7)/28 = 57.142857
    anger, domain = result.dimension("anger"), result.dimension("neuroticism")
    assert (anger.raw, anger.item_count, anger.band) == (7.0, 3, "low")
    assert anger.item_mean == pytest.approx(7 / 3)
    assert anger.normalized == pytest.approx(100 / 3)
    assert (domain.raw, domain.item_count, domain.band) == (23.0, 7, "high")
    assert domain.item_mean == pytest.approx(23 / 7)
    assert domain.normalized == pytest.approx(16 / 28 * 100)
    assert result.unanswered == ("q8",)
    assert result.unanswered_required == ("q8",)


def test_all_middle_answers_are_neutral_everywhere_even_on_minus_keyed_items():
    result = score(ipip_sheet(), answers(**dict.fromkeys(KEYS, "3")), as_of=AS_OF)
    # every item scores 3 (6-3 = 3 for q2/q6): facets 12 over 4, domain 24 over 8 -> mean 3.0
    assert {d.dimension: (d.raw, d.band, d.normalized) for d in result.dimensions} == {
        "neuroticism": (24.0, "neutral", 50.0),
        "anxiety": (12.0, "neutral", 50.0),
        "anger": (12.0, "neutral", 50.0),
    }
