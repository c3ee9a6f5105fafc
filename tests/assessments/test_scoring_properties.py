"""Properties of score() checked over generated instruments and answers (Hypothesis)."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.scoring import (
    Answer,
    BranchRule,
    Composite,
    Dimension,
    Instrument,
    Item,
    Mapping,
    ModelDefinition,
    Option,
    Threshold,
    possible_range,
    score,
    visible_items,
)

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)
LIKERT = tuple(Option(str(v), float(v)) for v in range(1, 6))
DIMENSIONS = (
    Dimension(
        "r",
        "R",
        sort_order=1,
        thresholds=(Threshold("lo", "Lo", "", None, 50), Threshold("hi", "Hi", "", 50, None)),
    ),
    Dimension("f1", "F1", parent="r", sort_order=1),
    Dimension("f2", "F2", parent="r", sort_order=2),
    Dimension("s", "S", sort_order=2),
)
SLUGS = tuple(d.slug for d in DIMENSIONS)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

small = st.integers(min_value=-5, max_value=5).map(float) | st.sampled_from([0.5, -0.25, 1.5])


@st.composite
def buckets(draw, low: float, high: float):
    found = []
    for _ in range(draw(st.integers(1, 3))):
        a = draw(st.one_of(st.none(), st.integers(int(low) - 1, int(high) + 1)))
        b = draw(st.one_of(st.none(), st.integers(int(low) - 1, int(high) + 1)))
        found.append({"min": a, "max": b, "contribution": draw(small)})
    return {"buckets": found}


@st.composite
def items(draw, key: str):
    kind = draw(st.sampled_from(["scalar", "single_choice", "multi_choice", "boolean"]))
    mappings = []

    def mapping(rule, params, option=None):
        mappings.append(Mapping(f"{key}-{len(mappings)}", draw(st.sampled_from(SLUGS)), rule, params, option))

    config: dict = {}
    options: tuple[Option, ...] = ()
    for _ in range(draw(st.integers(1, 3))):
        if kind == "scalar":
            low = draw(st.integers(0, 3))
            config = {
                "min": low,
                "max": low + draw(st.integers(1, 8)),
                "step": draw(st.sampled_from([1, 0.5])),
            }
            if draw(st.booleans()):
                linear = {"multiplier": draw(small), "offset": draw(small), "reverse": draw(st.booleans())}
                mapping("range_linear", linear)
            else:
                mapping("range_bucket", draw(buckets(config["min"], config["max"])))
        elif kind == "single_choice":
            options = LIKERT + (Option("na", None),)
            rule = draw(st.sampled_from(["range_linear", "range_bucket", "option_weight", "constant"]))
            if rule == "range_linear":
                mapping(rule, {"multiplier": draw(small), "reverse": draw(st.booleans())})
            elif rule == "range_bucket":
                mapping(rule, draw(buckets(1, 5)))
            elif rule == "option_weight":
                mapping(rule, {"weight": draw(small)}, option=draw(st.sampled_from([o.key for o in options])))
            else:
                mapping(rule, {"value": draw(small)})
        elif kind == "multi_choice":
            options = tuple(Option(k, None) for k in "abcd")
            least = draw(st.integers(0, 2))
            config = {
                "min_selected": least,
                "max_selected": draw(st.one_of(st.none(), st.integers(least, 4))),
            }
            if draw(st.booleans()):
                mapping("option_weight", {"weight": draw(small)}, option=draw(st.sampled_from("abcd")))
            else:
                mapping("constant", {"value": draw(small)})
        else:
            if draw(st.booleans()):
                mapping("boolean_gate", {"true": draw(small), "false": draw(small)})
            else:
                mapping("constant", {"value": draw(small)})
    return Item(
        key, kind, required=draw(st.booleans()), config=config, options=options, mappings=tuple(mappings)
    )


@st.composite
def instruments(draw):
    found = [draw(items(f"q{i}")) for i in range(draw(st.integers(1, 7)))]
    if len(found) > 1 and draw(st.booleans()):  # a branch rule on the last item, about the first
        found[-1] = Item(**{**vars(found[-1]), "branch": (BranchRule("skip", {"missing": [found[0].key]}),)})
    config = {
        "aggregation": draw(st.sampled_from(["sum", "mean"])),
        "normalization": {"method": "minmax"},
        "band_basis": draw(st.sampled_from(["raw", "normalized", "item_mean"])),
    }
    composites = (
        Composite("top", "Top", "argmax", ("f1", "f2", "s")),
        Composite("mix", "Mix", "weighted_sum", (), {"r": 0.5, "s": -1}),
    )
    return Instrument(ModelDefinition(DIMENSIONS, composites, config), tuple(found))


@st.composite
def answer_for(draw, item: Item):
    if item.type == "scalar":
        low, high, step = item.config["min"], item.config["max"], item.config["step"]
        return Answer(number=low + draw(st.integers(0, int((high - low) / step))) * step)
    if item.type == "single_choice":
        return Answer(option=draw(st.sampled_from([o.key for o in item.options])))
    if item.type == "multi_choice":
        most = item.config["max_selected"]
        size = draw(st.integers(item.config["min_selected"], 4 if most is None else most))
        return Answer(options=tuple(draw(st.permutations("abcd"))[:size]))
    return Answer(boolean=draw(st.booleans()))


@st.composite
def answered(draw):
    instrument = draw(instruments())
    answers = {item.key: draw(answer_for(item)) for item in instrument.items if draw(st.integers(0, 4))}
    return instrument, answers


@SETTINGS
@given(answered(), st.randoms())
def test_scoring_is_deterministic_whatever_the_answer_order(case, random):
    instrument, answers = case
    first = score(instrument, answers, as_of=AS_OF).to_json()
    assert score(instrument, answers, as_of=AS_OF).to_json() == first
    shuffled = list(answers.items())
    random.shuffle(shuffled)
    assert score(instrument, dict(shuffled), as_of=AS_OF).to_json() == first
    fresh = Instrument(instrument.model, instrument.items)  # nothing cached for this object
    assert score(fresh, dict(shuffled), as_of=AS_OF).to_json() == first


@SETTINGS
@given(answered())
def test_minmax_stays_within_0_and_100_and_raw_within_the_possible_range(case):
    instrument, answers = case
    result = score(instrument, answers, as_of=AS_OF)
    visible, _ = visible_items(instrument, answers)
    answered_keys = [key for key in visible if key in answers]
    for dimension in result.dimensions:
        if dimension.normalized is not None:
            assert 0.0 <= dimension.normalized <= 100.0
        if dimension.item_count and instrument.model.config["aggregation"] == "sum":
            low, high = possible_range(instrument, dimension.dimension, answered_keys, as_of=AS_OF)
            slack = 1e-9 * max(1.0, abs(low), abs(high))
            assert low - slack <= dimension.raw <= high + slack


@SETTINGS
@given(
    x=st.integers(1, 5),
    multiplier=small,
    offset=small,
    kind=st.sampled_from(["single_choice", "scalar"]),
)
def test_a_minus_keyed_item_mirrors_a_plus_keyed_one(x, multiplier, offset, kind):
    def item(key: str, reverse: bool) -> Item:
        params = {"multiplier": multiplier, "offset": offset, "reverse": reverse}
        options = LIKERT if kind == "single_choice" else ()
        config = {"min": 1, "max": 5, "step": 1} if kind == "scalar" else {}
        return Item(
            key,
            kind,
            required=False,
            config=config,
            options=options,
            mappings=(Mapping(key, "d", "range_linear", params),),
        )

    instrument = Instrument(
        ModelDefinition((Dimension("d", "D"),), (), {}), (item("a", False), item("b", True))
    )

    def answer(value: int) -> Answer:
        return Answer(option=str(value)) if kind == "single_choice" else Answer(number=value)

    plus = score(instrument, {"a": answer(x)}, as_of=AS_OF).dimension("d")
    minus = score(instrument, {"b": answer(6 - x)}, as_of=AS_OF).dimension("d")
    assert plus.raw == minus.raw
    assert plus.item_count == minus.item_count == 1


@SETTINGS
@given(st.data())
def test_possible_range_matches_brute_force(data):
    item = data.draw(items("q"))
    instrument = Instrument(ModelDefinition(DIMENSIONS, (), {}), (item,))
    if item.type == "scalar":
        low, high, step = item.config["min"], item.config["max"], item.config["step"]
        every = [Answer(number=low + k * step) for k in range(int((high - low) / step) + 1)]
    elif item.type == "single_choice":
        every = [Answer(option=o.key) for o in item.options]
    elif item.type == "multi_choice":
        most = 4 if item.config["max_selected"] is None else item.config["max_selected"]
        sizes = range(item.config["min_selected"], most + 1)
        every = [Answer(options=c) for k in sizes for c in itertools.combinations("abcd", k)]
    else:
        every = [Answer(boolean=True), Answer(boolean=False)]
    for slug in SLUGS:
        reachable = {d.slug for d in DIMENSIONS if slug in (d.slug, d.parent)}
        if not any(m.dimension in reachable for m in item.mappings):
            continue
        totals = [
            math.fsum(
                c.contribution
                for c in score(instrument, {"q": a}, as_of=AS_OF).components
                if c.dimension in reachable
            )
            for a in every
        ]
        assert possible_range(instrument, slug, ["q"]) == (min(totals), max(totals))


@st.composite
def mixed_scalars(draw):
    """A scalar item whose linear and bucket mappings all feed one dimension (extremes mid-scale)."""
    low = draw(st.integers(0, 3))
    config = {
        "min": low,
        "max": low + draw(st.integers(1, 10)),
        "step": draw(st.sampled_from([1, 0.5, 0.25])),
    }
    linear = {"multiplier": draw(small), "offset": draw(small), "reverse": draw(st.booleans())}
    mappings = [Mapping("lin", "s", "range_linear", linear)]
    for n in range(draw(st.integers(1, 3))):
        found = []
        for _ in range(draw(st.integers(1, 2))):
            edges = st.integers(low - 1, config["max"] + 1)
            off_grid = st.sampled_from([0, 0.3])  # edges between grid points must snap correctly
            a = draw(st.one_of(st.none(), st.tuples(edges, off_grid).map(sum)))
            b = draw(st.one_of(st.none(), st.tuples(edges, off_grid).map(sum)))
            found.append({"min": a, "max": b, "contribution": draw(st.integers(-20, 20))})
        mappings.append(Mapping(f"b{n}", "s", "range_bucket", {"buckets": found}))
    return Item("q", "scalar", config=config, mappings=tuple(mappings))


@SETTINGS
@given(mixed_scalars())
def test_possible_range_of_linear_plus_buckets_matches_brute_force(item):
    instrument = Instrument(ModelDefinition(DIMENSIONS, (), {}), (item,))
    low, high, step = item.config["min"], item.config["max"], item.config["step"]
    totals = [
        score(instrument, {"q": Answer(number=low + k * step)}, as_of=AS_OF).dimension("s").raw
        for k in range(int((high - low) / step) + 1)
    ]
    assert possible_range(instrument, "s", ["q"]) == (min(totals), max(totals))
