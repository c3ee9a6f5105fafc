"""score() beyond the golden fixtures: refusals, fingerprints, serialisation, ranges, inputs."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from assessments.scoring import (
    ENGINE_VERSION,
    Answer,
    BranchRule,
    Composite,
    DefinitionError,
    Dimension,
    Instrument,
    InvalidAnswerError,
    Item,
    Mapping,
    ModelDefinition,
    Option,
    Threshold,
    check_instrument,
    possible_range,
    score,
    score_version,
)

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)
LIKERT = tuple(Option(str(v), float(v)) for v in range(1, 6))


def likert(key: str, dimension: str, *, reverse: bool = False, **kw) -> Item:
    return Item(
        key,
        "single_choice",
        options=LIKERT,
        mappings=(Mapping(f"m-{key}", dimension, "range_linear", {"reverse": reverse}),),
        **kw,
    )


ONE_DIMENSION = (Dimension("d", "D"),)


def make(*items: Item, dimensions=ONE_DIMENSION, composites=(), config=None) -> Instrument:
    return Instrument(ModelDefinition(tuple(dimensions), tuple(composites), config or {}), tuple(items))


# --------------------------------------------------------------------------------- refusals


def test_as_of_must_be_timezone_aware():
    with pytest.raises(ValueError, match="timezone-aware"):
        score(make(likert("q1", "d")), {}, as_of=datetime(2026, 1, 1))


def test_an_instrument_that_cannot_be_scored_is_refused_with_every_reason():
    naive = datetime(2026, 1, 1)
    broken = make(
        Item(
            "s",
            "scalar",
            config={"min": 5, "max": 1},
            mappings=(Mapping("m1", "d", "boolean_gate", {"true": 1}),),
        ),
        Item(
            "c",
            "single_choice",
            options=(Option("a", None),),
            mappings=(
                Mapping("m2", "nope", "option_weight", {"weight": 1}),
                Mapping("m3", "d", "option_weight", {"weight": 1}, option="zz"),
                Mapping("m4", "d", "range_linear", {"reverse": True}),
                Mapping("m5", "d", "magic", {}),
                Mapping("m6", "d", "constant", {"value": "high"}, effective_from=naive),
            ),
        ),
        Item("t", "text", mappings=(Mapping("m7", "d", "range_bucket", {"buckets": [{"min": 0}]}),)),
        Item("t", "text", branch=(BranchRule("hide", True),)),
        dimensions=(Dimension("d", "D", parent="e"), Dimension("e", "E", parent="d")),
        composites=(Composite("x", "X", "median", ("ghost",)),),
        config={"aggregation": "median", "normalization": {"method": "minmax"}, "band_basis": "percentile"},
    )
    with pytest.raises(DefinitionError) as caught:
        score(broken, {}, as_of=AS_OF)
    assert caught.value.errors == check_instrument(broken)
    assert set(caught.value.errors) == {
        "dimension 'd': parents form a cycle",
        "dimension 'e': parents form a cycle",
        "config: unknown aggregation 'median'",
        "config: unknown band_basis 'percentile'",
        "composite 'x': unknown kind 'median'",
        "composite 'x': unknown dimension 'ghost'",
        "item 's': scalar config needs numeric min <= max",
        "item 's': mapping 'm1': rule 'boolean_gate' does not apply to a scalar item as a whole",
        "item 'c': mapping 'm2': unknown dimension 'nope'",
        "item 'c': mapping 'm2': rule 'option_weight' does not apply to a single_choice item as a whole",
        "item 'c': mapping 'm3': unknown option 'zz'",
        "item 'c': mapping 'm4': reverse needs the item's min and max"
        " (scalar config or numeric option values)",
        "item 'c': mapping 'm5': unknown rule 'magic'",
        "item 'c': mapping 'm6': param 'value' must be a number",
        "item 'c': mapping 'm6': effective_from must be timezone-aware",
        "item 't': mapping 'm7': rule 'range_bucket' does not apply to a text item as a whole",
        "item 't': mapping 'm7': each bucket needs numeric min/max (or null) and contribution",
        "items[3]: duplicate item key 't'",
        "item 't': branch[0]: unknown action 'hide'",
    }


def test_a_text_item_scores_only_through_a_constant():
    inst = make(Item("t", "text", mappings=(Mapping("m", "d", "constant", {"value": 2}),)))
    assert score(inst, {"t": Answer(text="free words")}, as_of=AS_OF).dimension("d").raw == 2.0
    assert score(inst, {"t": Answer(text="  ")}, as_of=AS_OF).unanswered == ("t",)


def test_an_answer_the_delivery_layer_should_have_refused_is_an_error():
    inst = make(likert("q1", "d"))
    with pytest.raises(InvalidAnswerError) as caught:
        score(inst, {"q1": Answer(option="9")}, as_of=AS_OF)
    assert (caught.value.item, caught.value.message) == ("q1", "Unknown option '9'.")


def test_an_invalid_answer_to_a_skipped_item_is_ignored():
    inst = make(Item("a", "boolean"), replace(likert("q1", "d"), branch=(BranchRule("show", {"var": "a"}),)))
    result = score(inst, {"a": Answer(boolean=False), "q1": Answer(option="9")}, as_of=AS_OF)
    assert result.skipped == ("q1",)


def test_unscored_items_never_score_but_are_reported_when_unanswered():
    inst = make(replace(likert("q1", "d"), unscored=True), replace(likert("q2", "d"), unscored=True))
    result = score(inst, {"q1": Answer(option="5")}, as_of=AS_OF)
    assert result.components == ()
    assert result.dimension("d").item_count == 0
    assert result.unanswered == ("q2",)


def test_an_empty_multi_choice_selection_is_an_answer():
    inst = make(
        Item(
            "m",
            "multi_choice",
            options=(Option("a", None),),
            mappings=(Mapping("k", "d", "constant", {"value": 1}),),
        )
    )
    result = score(inst, {"m": Answer(options=())}, as_of=AS_OF)
    assert (result.dimension("d").raw, result.unanswered) == (1.0, ())
    assert score(inst, {}, as_of=AS_OF).unanswered == ("m",)


def test_django_decimals_score_like_floats():
    def build(number):
        return make(
            Item(
                "q",
                "single_choice",
                options=tuple(Option(str(v), number(v)) for v in range(1, 6)),
                mappings=(Mapping("m", "d", "range_linear", {"reverse": True}),),
            ),
            dimensions=(Dimension("d", "D", thresholds=(Threshold("hi", "Hi", "", number(3), None),)),),
            config={
                "normalization": {
                    "method": "zscore",
                    "reference": {"d": {"mean": number(2), "sd": number(1)}},
                }
            },
        )

    floats, decimals = build(float), build(lambda v: Decimal(f"{v}.00"))
    answers = {"q": Answer(option="2")}
    assert score(floats, answers, as_of=AS_OF).to_json() == score(decimals, answers, as_of=AS_OF).to_json()
    assert score(decimals, answers, as_of=AS_OF).dimension("d").band == "hi"  # 6 - 2 = 4 >= 3


# ------------------------------------------------------------------------------ aggregation


def test_sums_are_exact_whatever_the_order():
    # 0.1 ten times: a plain left-to-right sum gives 0.9999999999999999, math.fsum gives 1.0
    items = [
        Item(f"q{i}", "boolean", mappings=(Mapping(f"m{i}", "d", "constant", {"value": 0.1}),))
        for i in range(10)
    ]
    result = score(make(*items), {f"q{i}": Answer(boolean=True) for i in range(10)}, as_of=AS_OF)
    assert result.dimension("d").raw == 1.0


def test_raw_values_are_stored_unrounded_and_rounded_only_when_serialised():
    inst = make(Item("q", "boolean", mappings=(Mapping("m", "d", "constant", {"value": 1 / 3}),)))
    result = score(inst, {"q": Answer(boolean=True)}, as_of=AS_OF)
    assert result.dimension("d").raw == 1 / 3
    assert result.to_dict()["dimensions"][0]["raw"] == 0.333333
    assert '"raw":0.333333' in result.to_json()


def test_the_stored_result_is_the_full_one_without_what_the_runs_rows_hold():
    inst = make(likert("q1", "d"), likert("q2", "d", reverse=True))
    result = score(inst, {"q1": Answer(option="4"), "q2": Answer(option="2")}, as_of=AS_OF)
    full = result.to_dict()
    assert len(full["components"]) == 2 and len(full["dimensions"]) == 1
    # The dimensions are the run's score rows, the components its audit rows.
    assert result.to_stored_dict() == {
        name: value for name, value in full.items() if name not in ("components", "dimensions")
    }


def test_to_json_is_canonical():
    inst = make(
        Item("q", "boolean", mappings=(Mapping("m", "d", "boolean_gate", {"true": -0.0000001, "false": 1}),))
    )
    text = score(inst, {"q": Answer(boolean=True)}, as_of=AS_OF).to_json()
    assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    assert '"raw":0.0' in text and "-0.0" not in text  # -1e-7 rounds to 0.0, not -0.0


def test_two_mappings_of_one_item_count_it_once():
    inst = make(
        Item(
            "q",
            "boolean",
            mappings=(
                Mapping("a", "d", "constant", {"value": 1}),
                Mapping("b", "d", "boolean_gate", {"true": 2}),
            ),
        )
    )
    score_ = score(inst, {"q": Answer(boolean=True)}, as_of=AS_OF).dimension("d")
    assert (score_.raw, score_.item_count, score_.item_mean) == (3.0, 1, 3.0)


# ------------------------------------------------------------------------------ score_version


def test_score_version_is_the_engine_version_and_a_short_digest():
    assert re.fullmatch(rf"{ENGINE_VERSION}:[0-9a-f]{{12}}", score_version(make(likert("q1", "d"))))


def test_score_version_is_stable_for_equal_definitions():
    first = make(likert("q1", "d"))
    assert score_version(first) == score_version(make(likert("q1", "d")))
    as_ints = make(
        Item(
            "q",
            "scalar",
            config={"min": 1, "max": 5},
            mappings=(Mapping("m", "d", "range_linear", {"multiplier": 2}),),
        )
    )
    as_floats = make(
        Item(
            "q",
            "scalar",
            config={"min": 1.0, "max": 5.0},
            mappings=(Mapping("m", "d", "range_linear", {"multiplier": 2.0}),),
        )
    )
    assert score_version(as_ints) == score_version(as_floats)


def test_score_version_ignores_display_names_but_not_rules_or_narratives():
    base = make(
        likert("q1", "d"),
        dimensions=(Dimension("d", "D", thresholds=(Threshold("lo", "Low", "Text", None, 3),)),),
    )
    renamed = replace(
        base, model=replace(base.model, dimensions=(replace(base.model.dimensions[0], name="Renamed"),))
    )
    assert score_version(renamed) == score_version(base)
    reversed_ = make(likert("q1", "d", reverse=True), dimensions=base.model.dimensions)
    assert score_version(reversed_) != score_version(base)
    new_text = Dimension("d", "D", thresholds=(Threshold("lo", "Low", "Other text", None, 3),))
    assert score_version(make(likert("q1", "d"), dimensions=(new_text,))) != score_version(base)


def test_the_result_carries_the_score_version():
    inst = make(likert("q1", "d"))
    assert score(inst, {}, as_of=AS_OF).score_version == score_version(inst)


# ------------------------------------------------------------------------------ possible_range


def test_possible_range_sums_the_items_ranges():
    inst = make(
        likert("q1", "d"),
        likert("q2", "d", reverse=True),
        likert("q3", "other"),
        dimensions=(Dimension("d", "D"), Dimension("other", "O")),
    )
    assert possible_range(inst, "d", ["q1", "q2"]) == (2.0, 10.0)
    assert possible_range(inst, "d", ["q1", "q3", "unknown"]) == (1.0, 5.0)
    assert possible_range(inst, "d", []) == (0.0, 0.0)


def test_possible_range_includes_facets_and_follows_mean_aggregation():
    dims = (Dimension("n", "N"), Dimension("f", "F", parent="n"))
    summed = make(likert("q1", "f"), likert("q2", "n"), dimensions=dims)
    assert possible_range(summed, "n", ["q1", "q2"]) == (2.0, 10.0)
    averaged = make(likert("q1", "f"), likert("q2", "n"), dimensions=dims, config={"aggregation": "mean"})
    assert possible_range(averaged, "n", ["q1", "q2"]) == (1.0, 5.0)


def test_possible_range_honours_effective_windows():
    later = AS_OF + timedelta(days=1)
    inst = make(
        Item(
            "q",
            "scalar",
            config={"min": 0, "max": 10},
            mappings=(
                Mapping("old", "d", "range_linear", {}, effective_to=later),
                Mapping("new", "d", "range_linear", {"multiplier": 2}, effective_from=later),
            ),
        )
    )
    assert possible_range(inst, "d", ["q"], as_of=AS_OF) == (0.0, 10.0)
    assert possible_range(inst, "d", ["q"], as_of=later) == (0.0, 20.0)
    assert possible_range(inst, "d", ["q"]) == (0.0, 30.0)  # no as_of: every mapping


def test_possible_range_of_a_single_choice_item_counts_unmapped_options_as_zero():
    inst = make(
        Item(
            "q",
            "single_choice",
            options=(Option("a", None), Option("b", None)),
            mappings=(Mapping("m", "d", "option_weight", {"weight": 3}, option="a"),),
        )
    )
    assert possible_range(inst, "d", ["q"]) == (0.0, 3.0)


def test_possible_range_of_a_boolean_gate():
    inst = make(Item("q", "boolean", mappings=(Mapping("m", "d", "boolean_gate", {"true": 2, "false": -3}),)))
    assert possible_range(inst, "d", ["q"]) == (-3.0, 2.0)


def test_a_refused_instrument_stays_refused():
    broken = make(Item("q", "boolean", mappings=(Mapping("m", "ghost", "constant", {"value": 1}),)))
    for _ in range(2):  # nothing about a refused instrument is remembered
        with pytest.raises(DefinitionError):
            score(broken, {}, as_of=AS_OF)


def test_option_level_range_rules_read_the_options_value():
    inst = make(
        Item(
            "q",
            "multi_choice",
            options=(Option("a", 2), Option("b", 4), Option("none", None)),
            mappings=(
                Mapping("ma", "d", "range_linear", {"multiplier": 10}, option="a"),
                Mapping(
                    "mb",
                    "d",
                    "range_bucket",
                    {"buckets": [{"min": 3, "max": 5, "contribution": 1}]},
                    option="b",
                ),
                Mapping("mn", "d", "range_linear", {}, option="none"),
            ),
        )
    )
    result = score(inst, {"q": Answer(options=("a", "b", "none"))}, as_of=AS_OF)
    assert [(c.mapping_id, c.option, c.input, c.contribution) for c in result.components] == [
        ("ma", "a", 2.0, 20.0),
        ("mb", "b", 4.0, 1.0),
    ]
