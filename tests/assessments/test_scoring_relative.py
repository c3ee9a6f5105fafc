"""DISC-style relative (ipsative) bands: `band_basis: "relative"` compares each dimension with its
siblings (deviation from their mean, or share of their total) and bands that, so the primary
style is never described as weak.

The hand-computed sheet: four styles, one 0–10 scalar each (`range_linear`, multiplier 1), so
every minmax score is 10 × the answer. Bands on the deviation: below −10 less, −10..10 balanced,
above 10 pronounced.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.scoring import (
    Answer,
    Composite,
    DefinitionError,
    Dimension,
    Instrument,
    Item,
    Mapping,
    ModelDefinition,
    Threshold,
    answers_from_dict,
    check_instrument,
    instrument_from_format,
    score,
)

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)
INSTRUMENTS = Path(__file__).resolve().parents[2] / "questionnaires" / "instruments"
BANDS = (
    Threshold(
        "low", "Less pronounced", "Plays a smaller part than your other styles.", None, -10, True, False
    ),
    Threshold("moderate", "Balanced", "About as strong as your other styles.", -10, 10, True, True),
    Threshold("high", "Pronounced", "Stands out among your styles.", 10, None, False, True),
)
STYLES = ("d", "i", "s", "c")


def sheet(method: str = "deviation") -> Instrument:
    return Instrument(
        model=ModelDefinition(
            dimensions=tuple(
                Dimension(slug, slug.upper(), sort_order=order, thresholds=BANDS)
                for order, slug in enumerate(STYLES, 1)
            ),
            composites=(Composite("primary", "Primary", "argmax", STYLES),),
            config={
                "aggregation": "sum",
                "normalization": {"method": "minmax"},
                "band_basis": "relative",
                "relative": {"method": method},
            },
        ),
        items=tuple(
            Item(
                key=f"q-{slug}",
                type="scalar",
                config={"min": 0, "max": 10, "step": 0.1},
                mappings=(Mapping(f"m-{slug}", slug, "range_linear", {"multiplier": 1}),),
            )
            for slug in STYLES
        ),
    )


def scored(values: dict[str, float], method: str = "deviation"):
    return score(sheet(method), {f"q-{k}": Answer(number=v) for k, v in values.items()}, as_of=AS_OF)


def test_the_deviation_from_the_own_mean_is_banded():
    # 0–100 scores 80, 40, 30, 10: mean 40, deviations +40, 0, −10, −30.
    result = scored({"d": 8, "i": 4, "s": 3, "c": 1})

    assert {d.dimension: d.relative for d in result.dimensions} == pytest.approx(
        {"d": 40.0, "i": 0.0, "s": -10.0, "c": -30.0}
    )
    assert {d.dimension: d.band for d in result.dimensions} == {
        "d": "high",
        "i": "moderate",
        "s": "moderate",  # −10 is the balanced band's inclusive lower bound
        "c": "low",
    }
    assert result.composite("primary").primary == "d"


def test_a_flat_profile_is_balanced_everywhere_even_for_the_primary_style():
    """The issue's case: 35/34/32/28 gave four "Low" bands and "You rarely push to take control"."""
    result = scored({"d": 3.5, "i": 3.4, "s": 3.2, "c": 2.8})

    assert result.composite("primary").primary == "d"
    assert {d.band for d in result.dimensions} == {"moderate"}
    assert result.dimension("d").relative == pytest.approx(35 - 32.25)


def test_the_share_method_gives_each_style_its_percent_of_the_total():
    result = scored({"d": 6, "i": 2, "s": 1, "c": 1}, method="share")

    assert {d.dimension: d.relative for d in result.dimensions} == pytest.approx(
        {"d": 60.0, "i": 20.0, "s": 10.0, "c": 10.0}
    )


def test_a_share_of_nothing_is_left_unbanded_rather_than_divided_by_zero():
    result = scored({"d": 0, "i": 0, "s": 0, "c": 0}, method="share")

    assert all(d.relative is None and d.band is None for d in result.dimensions)


def test_minmax_scores_and_their_raw_range_are_reported():
    result = scored({"d": 8, "i": 4, "s": 3, "c": 1})

    d = result.dimension("d")
    assert (d.raw, d.normalized, d.scale_min, d.scale_max) == (8.0, 80.0, 0.0, 10.0)


def test_an_unknown_relative_method_is_refused():
    instrument = sheet("median")

    assert "config: unknown relative method 'median'" in check_instrument(instrument)
    with pytest.raises(DefinitionError):
        score(instrument, {}, as_of=AS_OF)


def test_other_band_bases_carry_no_relative_value():
    ipip = instrument_from_format(json.loads((INSTRUMENTS / "ipip-50.json").read_text()))
    answers = answers_from_dict({item.key: "4" for item in ipip.items}, ipip)

    result = score(ipip, answers, as_of=AS_OF)

    assert all(d.relative is None for d in result.dimensions)
    for d in result.dimensions:  # still banded on the item mean: above 3 high, below 3 low
        assert d.band == ("high" if d.item_mean > 3 else "low" if d.item_mean < 3 else "neutral")


# --------------------------------------------------------------------------- the built-in DISC

DISC_DOCUMENT = json.loads((INSTRUMENTS / "disc.json").read_text())
DISC = instrument_from_format(DISC_DOCUMENT)
BAND_RANK = {"low": 0, "moderate": 1, "high": 2}


def disc_answers():
    """Any complete set of answers the built-in DISC questionnaire accepts."""
    strategies = {}
    for item in DISC_DOCUMENT["version"]["items"]:
        kind, key = item["type"], item["key"]
        options = [o["key"] for o in item["options"]]
        if kind == "single_choice":
            strategies[key] = st.sampled_from(options)
        elif kind == "boolean":
            strategies[key] = st.booleans()
        elif kind == "scalar":
            strategies[key] = st.integers(item["config"]["min"], item["config"]["max"])
        elif kind == "multi_choice":
            low, high = (
                item["config"].get("min_selected", 0),
                item["config"].get("max_selected", len(options)),
            )
            strategies[key] = st.lists(st.sampled_from(options), min_size=low, max_size=high, unique=True)
    return st.fixed_dictionaries(strategies)


def test_the_built_in_disc_bands_relative_emphasis():
    assert DISC_DOCUMENT["analysis_model"]["config"]["band_basis"] == "relative"
    for dimension in DISC_DOCUMENT["analysis_model"]["dimensions"]:
        low = next(t for t in dimension["thresholds"] if t["key"] == "low")
        assert low["narrative"].startswith("Compared with your other styles")


@settings(max_examples=150, deadline=None)
@given(disc_answers())
def test_the_primary_style_is_always_in_the_highest_band_and_never_less_pronounced(data):
    result = score(DISC, answers_from_dict(data, DISC), as_of=AS_OF)

    primary = result.composite("primary-style").primary
    bands = {d.dimension: d.band for d in result.dimensions}
    assert bands[primary] != "low"
    assert BAND_RANK[bands[primary]] == max(BAND_RANK[b] for b in bands.values())
    narrative = result.dimension(primary).narrative
    assert "smaller part" not in narrative and "rarely" not in narrative
