"""Mapping rules: what one answer contributes to one dimension, and what it could contribute.

`contributions()` turns an item's answer into `Component`s (the audit trail). `item_range()` and
`possible_range()` run the same code over every answer an item allows, so minmax normalisation
can never disagree with scoring.
"""

from __future__ import annotations

import math
from collections import abc
from datetime import datetime
from typing import Any

from assessments.scoring.model import Answer, Component, Instrument, Item, Mapping, subtree

_NUMERIC_RULES = frozenset({"range_linear", "range_bucket"})


def is_effective(mapping: Mapping, as_of: datetime | None) -> bool:
    """`effective_from` is inclusive, `effective_to` exclusive; `as_of=None` ignores windows."""
    if as_of is None:
        return True
    if mapping.effective_from is not None and as_of < mapping.effective_from:
        return False
    return not (mapping.effective_to is not None and as_of >= mapping.effective_to)


def option_values(item: Item) -> dict[str, float | None]:
    return {option.key: option.value for option in item.options}


def value_bounds(item: Item) -> tuple[float, float] | None:
    """(min, max) of an item's numbers: the scalar config, or the lowest/highest option value."""
    if item.type == "scalar":
        low, high = item.config.get("min"), item.config.get("max")
        if low is None or high is None:
            return None
        return float(low), float(high)
    values = [float(option.value) for option in item.options if option.value is not None]
    if not values:
        return None
    return min(values), max(values)


def _numeric(mapping: Mapping, x: float, bounds: tuple[float, float] | None) -> float | None:
    params = mapping.params
    if mapping.rule == "range_linear":
        if params.get("reverse"):
            if bounds is None:
                return None
            x = bounds[0] + bounds[1] - x
        return x * float(params.get("multiplier", 1)) + float(params.get("offset", 0))
    for bucket in params.get("buckets", ()):
        low, high = bucket.get("min"), bucket.get("max")
        if (low is None or low <= x) and (high is None or x <= high):
            return float(bucket.get("contribution", 0))
    return 0.0


def _component(item: Item, mapping: Mapping, value: Any, contribution: float) -> Component:
    return Component(
        item=item.key,
        option=mapping.option,
        dimension=mapping.dimension,
        mapping_id=mapping.id,
        rule=mapping.rule,
        input=value,
        contribution=contribution,
    )


def contributions(
    item: Item,
    answer: Answer,
    mappings: abc.Iterable[Mapping],
    bounds: tuple[float, float] | None,
) -> list[Component]:
    """Components for an answered, visible, scored item; `mappings` are already in effect.

    `input` records what the rule looked at: the boolean; the number for range rules (the scalar
    or the option's value, before any reversal); the option's key for option-level constant and
    option_weight; the answer for an item-level constant (never free text: a text item's input is
    None). An option without a value gives range rules nothing to work on: no component.
    """
    values: dict[str, float | None] | None = None  # option values, looked up on first need
    selected: abc.Container[str]
    if item.type == "single_choice":
        selected = (answer.option,)
    elif item.type == "multi_choice":
        selected = frozenset(answer.options)
    else:
        selected = ()
    found: list[Component] = []
    for mapping in mappings:
        rule = mapping.rule
        if mapping.option is not None:
            if mapping.option not in selected:
                continue
            if rule in _NUMERIC_RULES:
                values = option_values(item) if values is None else values
                x = values.get(mapping.option)
                contribution = None if x is None else _numeric(mapping, float(x), bounds)
                if contribution is not None:
                    found.append(_component(item, mapping, float(x), contribution))
            else:  # constant, option_weight
                weight = mapping.params.get("weight" if rule == "option_weight" else "value", 0)
                found.append(_component(item, mapping, mapping.option, float(weight)))
            continue
        if rule == "constant":
            value = float(mapping.params.get("value", 0))
            found.append(_component(item, mapping, _input(item, answer), value))
        elif rule == "boolean_gate":
            key = "true" if answer.boolean else "false"
            found.append(_component(item, mapping, answer.boolean, float(mapping.params.get(key, 0))))
        elif rule in _NUMERIC_RULES:
            if item.type == "scalar":
                x = answer.number
            else:
                values = option_values(item) if values is None else values
                x = values.get(answer.option)
            if x is None:
                continue
            contribution = _numeric(mapping, float(x), bounds)
            if contribution is not None:
                found.append(_component(item, mapping, float(x), contribution))
    return found


def _input(item: Item, answer: Answer) -> Any:
    if item.type == "boolean":
        return answer.boolean
    if item.type == "scalar":
        return float(answer.number)
    if item.type == "single_choice":
        return answer.option
    if item.type == "multi_choice":
        return tuple(answer.options)
    return None


# ---------------------------------------------------------------------------------------------
# Possible ranges (minmax normalisation)
# ---------------------------------------------------------------------------------------------


def _scalar_candidates(item: Item, mappings: abc.Sequence[Mapping]) -> list[float]:
    """Every number at which a sum of linear and bucket rules can reach its min or max.

    Between bucket edges the total is linear in x, so its extremes sit at the ends of the scale and
    on either side of each bucket edge (on the step grid when there is one).
    """
    low, high = float(item.config["min"]), float(item.config["max"])
    step = float(item.config["step"]) if item.config.get("step") else None
    # Off-grid distance to "just outside" an edge when the scale is continuous.
    nudge = step if step is not None else ((high - low) * 1e-9 or 1e-9)

    def grid_at_or_above(x: float) -> float:
        return x if step is None else low + math.ceil((x - low) / step - 1e-9) * step

    def grid_at_or_below(x: float) -> float:
        return x if step is None else low + math.floor((x - low) / step + 1e-9) * step

    candidates = {low, high}
    for mapping in mappings:
        if mapping.rule != "range_bucket":
            continue
        for bucket in mapping.params.get("buckets", ()):
            if bucket.get("min") is not None:  # inclusive lower edge: first value in, last below
                inside = grid_at_or_above(float(bucket["min"]))
                candidates.update((inside, inside - nudge))
            if bucket.get("max") is not None:  # inclusive upper edge: last value in, first above
                inside = grid_at_or_below(float(bucket["max"]))
                candidates.update((inside, inside + nudge))
    return sorted(x for x in candidates if low <= x <= high)


def item_range(
    item: Item, mappings: abc.Sequence[Mapping], bounds: tuple[float, float] | None
) -> tuple[float, float] | None:
    """(min, max) of the total an answer to `item` could get from `mappings`.

    An answer that fires no mapping totals 0. None when `mappings` is empty.
    """
    if not mappings:
        return None

    def total(answer: Answer) -> float:
        return math.fsum(c.contribution for c in contributions(item, answer, mappings, bounds))

    if item.type == "boolean":
        totals = [total(Answer(boolean=True)), total(Answer(boolean=False))]
    elif item.type == "scalar":
        totals = [total(Answer(number=x)) for x in _scalar_candidates(item, mappings)]
    elif item.type == "single_choice":
        totals = [total(Answer(option=option.key)) for option in item.options]
    elif item.type == "multi_choice":
        return _multi_choice_range(item, mappings, bounds)
    else:
        totals = [total(Answer(text="x"))]
    if not totals:
        return None
    return min(totals), max(totals)


def _multi_choice_range(
    item: Item, mappings: abc.Sequence[Mapping], bounds: tuple[float, float] | None
) -> tuple[float, float]:
    # Item-level mappings (constants) fire for every answer; each option adds its own weight.
    fixed = math.fsum(
        c.contribution for c in contributions(item, Answer(options=()), mappings, bounds) if c.option is None
    )
    weights = sorted(
        math.fsum(
            c.contribution
            for c in contributions(item, Answer(options=(option.key,)), mappings, bounds)
            if c.option is not None
        )
        for option in item.options
    )
    least = int(item.config.get("min_selected") or 0)
    most = item.config.get("max_selected")
    most = len(weights) if most is None else min(int(most), len(weights))
    sizes = range(least, most + 1) or range(0, 1)
    lowest = min(math.fsum(weights[:k]) for k in sizes)
    highest = max(math.fsum(weights[len(weights) - k :]) for k in sizes)
    return fixed + lowest, fixed + highest


def possible_range(
    instrument: Instrument,
    dimension_slug: str,
    item_keys: abc.Iterable[str],
    *,
    as_of: datetime | None = None,
) -> tuple[float, float]:
    """(min, max) score the given items could produce for a dimension (its facets included).

    Follows the model's aggregation: sums of the items' ranges, divided by the number of items
    that can contribute when aggregation is `mean`. Mappings outside their effective window at
    `as_of` are left out (`as_of=None` keeps every mapping). Items that cannot contribute, and
    unknown or unscored keys, add nothing; (0.0, 0.0) when no item can contribute.
    """
    slugs = subtree(instrument.model, dimension_slug)
    wanted = set(item_keys)
    lows: list[float] = []
    highs: list[float] = []
    for item in instrument.items:
        if item.key not in wanted or item.unscored:
            continue
        mappings = [m for m in item.mappings if m.dimension in slugs and is_effective(m, as_of)]
        found = item_range(item, mappings, value_bounds(item))
        if found is not None:
            lows.append(found[0])
            highs.append(found[1])
    return combine_ranges(lows, highs, instrument.model.config.get("aggregation", "sum")) or (0.0, 0.0)


def combine_ranges(lows: list[float], highs: list[float], aggregation: str) -> tuple[float, float] | None:
    """Per-item ranges → the dimension's range: summed, or averaged when aggregation is `mean`."""
    if not lows:
        return None
    low, high = math.fsum(lows), math.fsum(highs)
    if aggregation == "mean":
        return low / len(lows), high / len(highs)
    return low, high
