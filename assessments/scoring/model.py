"""The scoring engine's inputs and outputs: frozen dataclasses, no ORM.

The questionnaire service builds an `Instrument` and a mapping of `Answer`s from the database, calls
`score()` and stores the `ScoreResult` it gets back. Field meanings follow
docs/questionnaire-format.md.
"""

from __future__ import annotations

import json
import math
from collections import abc
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

# Bump when the engine's semantics change: every stored score carries it in `score_version`.
ENGINE_VERSION = "1"

ITEM_TYPES = ("boolean", "scalar", "single_choice", "multi_choice", "text")
RULES = ("constant", "boolean_gate", "range_linear", "range_bucket", "option_weight")


class DefinitionError(ValueError):
    """The instrument cannot be scored as defined; `errors` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


class InvalidAnswerError(ValueError):
    """An answer that the delivery layer should have rejected reached the engine."""

    def __init__(self, item: str, message: str) -> None:
        self.item = item
        self.message = message
        super().__init__(f"{item}: {message}")


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    key: str
    value: float | None  # numeric value of the option, None for e.g. "prefer not to say"


@dataclass(frozen=True)
class Mapping:
    id: str  # stable id (db pk as str) for the audit trail
    dimension: str  # dimension slug
    rule: str  # constant | boolean_gate | range_linear | range_bucket | option_weight
    params: abc.Mapping[str, Any] = field(default_factory=dict)
    option: str | None = None  # option key for option-level mappings
    effective_from: datetime | None = None  # inclusive
    effective_to: datetime | None = None  # exclusive


@dataclass(frozen=True)
class BranchRule:
    action: str  # "show" | "skip"
    logic: Any  # JSON Logic over answers to earlier items


@dataclass(frozen=True)
class Item:
    key: str
    type: str  # boolean | scalar | single_choice | multi_choice | text
    required: bool = True
    unscored: bool = False
    config: abc.Mapping[str, Any] = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    mappings: tuple[Mapping, ...] = ()
    branch: tuple[BranchRule, ...] = ()


@dataclass(frozen=True)
class Threshold:
    key: str
    label: str
    narrative: str
    lower: float | None
    upper: float | None
    lower_inclusive: bool = True
    upper_inclusive: bool = False


@dataclass(frozen=True)
class Dimension:
    slug: str
    name: str
    parent: str | None = None
    sort_order: int = 0
    thresholds: tuple[Threshold, ...] = ()


@dataclass(frozen=True)
class Composite:
    slug: str
    name: str
    kind: str  # argmax | weighted_sum
    dimensions: tuple[str, ...] = ()
    weights: abc.Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelDefinition:
    dimensions: tuple[Dimension, ...]
    composites: tuple[Composite, ...] = ()
    config: abc.Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Instrument:
    model: ModelDefinition
    items: tuple[Item, ...]  # in display order

    # A compiled plan's instrument is shared by every request on that version: these are
    # worked out once, on first use.
    @cached_property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)

    @cached_property
    def has_branching(self) -> bool:
        """Whether any item has show/skip rules (without them every item is always visible)."""
        return any(item.branch for item in self.items)


@dataclass(frozen=True)
class Answer:
    """One answer; only the field that matches the item's type is read."""

    boolean: bool | None = None
    number: float | None = None
    text: str | None = None
    option: str | None = None
    options: tuple[str, ...] = ()


def subtree(model: ModelDefinition, slug: str) -> frozenset[str]:
    """`slug` and every dimension below it (a domain scores its facets' items too)."""
    found = {slug}
    grew = True
    while grew:
        grew = False
        for dimension in model.dimensions:
            if dimension.parent in found and dimension.slug not in found:
                found.add(dimension.slug)
                grew = True
    return frozenset(found)


# ---------------------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    """One mapping's contribution: a row of the audit trail."""

    item: str
    option: str | None
    dimension: str
    mapping_id: str
    rule: str
    input: Any
    contribution: float


@dataclass(frozen=True)
class DimensionScore:
    dimension: str
    raw: float
    normalized: float | None
    item_mean: float | None
    band: str | None
    band_label: str | None
    narrative: str | None
    item_count: int
    facets: tuple[str, ...]
    # The raw scores the answered items could produce (minmax maps them to 0 and 100); None
    # without minmax normalization.
    scale_min: float | None = None
    scale_max: float | None = None
    # Relative (ipsative) emphasis among the dimension's siblings (band_basis "relative"):
    # the deviation from their mean, or the share of their total; None for other bases.
    relative: float | None = None


@dataclass(frozen=True)
class CompositeScore:
    composite: str
    value: float | None  # weighted_sum
    primary: str | None  # argmax: the winning dimension's slug


@dataclass(frozen=True)
class ScoreResult:
    score_version: str
    dimensions: tuple[DimensionScore, ...]  # parent first, then its facets; siblings by (sort_order, slug)
    composites: tuple[CompositeScore, ...]
    components: tuple[Component, ...]  # item order, then mapping order
    skipped: tuple[str, ...]
    unanswered: tuple[str, ...]
    unanswered_required: tuple[str, ...]

    def dimension(self, slug: str) -> DimensionScore:
        for dimension in self.dimensions:
            if dimension.dimension == slug:
                return dimension
        raise KeyError(slug)

    def composite(self, slug: str) -> CompositeScore:
        for composite in self.composites:
            if composite.composite == slug:
                return composite
        raise KeyError(slug)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; floats rounded to 6 decimals (the only place the engine rounds)."""
        return _canonical(self)

    def to_stored_dict(self) -> dict[str, Any]:
        """What a run stores as its `result`: `to_dict()` without what the run's rows already
        hold: `dimensions` (its `TraitScore` rows, scale and relative emphasis included) and
        `components` (its audit). Stored again in the JSON they cost more than scoring itself
        (bench/README.md); readers use `composites`, `skipped` and `unanswered`."""
        return {
            f.name: _canonical(getattr(self, f.name))
            for f in fields(self)
            if f.name not in ("dimensions", "components")
        }

    def to_json(self) -> str:
        """Canonical JSON: byte-identical for identical inputs."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _canonical(value: Any) -> Any:
    """`value` as plain JSON-ready data; dataclasses become dicts in field order (what
    `dataclasses.asdict` gives, without its deep copies: every container is rebuilt here)."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    names = _FIELD_NAMES.get(type(value))
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES.setdefault(type(value), tuple(f.name for f in fields(value)))
    if names is not None:
        return {name: _canonical(getattr(value, name)) for name in names}
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot serialise {value!r}")
        return round(value, 6) + 0.0  # + 0.0 turns -0.0 into 0.0
    if isinstance(value, abc.Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")
