"""`score()`: answers in, explainable dimension scores out.

Flow: walk the items in order applying branch rules; turn each visible, answered, scored item's
answer into components (one per mapping in effect at `as_of`); aggregate per dimension (a domain
takes its facets' items too); normalise; pick a band; derive composites. Sums use `math.fsum`, so
the order of contributions never changes a score; nothing is rounded until `ScoreResult.to_json()`.
"""

from __future__ import annotations

import math
import weakref
from collections import abc
from dataclasses import replace
from datetime import datetime

from assessments.scoring.answers import answer_value, is_answered, validate_answer
from assessments.scoring.branching import is_visible
from assessments.scoring.definition import check_instrument, score_version
from assessments.scoring.model import (
    Answer,
    Component,
    Composite,
    CompositeScore,
    DefinitionError,
    Dimension,
    DimensionScore,
    Instrument,
    InvalidAnswerError,
    Item,
    Mapping,
    ModelDefinition,
    ScoreResult,
    Threshold,
    subtree,
)
from assessments.scoring.rules import combine_ranges, contributions, is_effective, item_range, value_bounds


def _sort_key(dimension: Dimension) -> tuple[int, str]:
    return dimension.sort_order, dimension.slug


def ordered_dimensions(model: ModelDefinition) -> list[Dimension]:
    """Each parent followed by its facets (depth first); siblings by (sort_order, slug)."""
    children: dict[str | None, list[Dimension]] = {}
    for dimension in model.dimensions:
        children.setdefault(dimension.parent, []).append(dimension)
    ordered: list[Dimension] = []

    def visit(parent: str | None) -> None:
        for dimension in sorted(children.get(parent, ()), key=_sort_key):
            ordered.append(dimension)
            visit(dimension.slug)

    visit(None)
    return ordered


def band_for(value: float, thresholds: abc.Sequence[Threshold]) -> Threshold | None:
    """The first threshold (in list order) whose bounds hold `value`."""
    for threshold in thresholds:
        lower = None if threshold.lower is None else float(threshold.lower)
        upper = None if threshold.upper is None else float(threshold.upper)
        if lower is not None and not (value > lower or (threshold.lower_inclusive and value == lower)):
            continue
        if upper is not None and not (value < upper or (threshold.upper_inclusive and value == upper)):
            continue
        return threshold
    return None


class _Prepared:
    """What `score()` derives from an instrument alone; built once per Instrument object."""

    __slots__ = ("bounds", "dimensions", "facets", "order", "ranges", "subtrees", "version")

    def __init__(self, instrument: Instrument) -> None:
        model = instrument.model
        self.version = score_version(instrument)
        self.dimensions = ordered_dimensions(model)
        self.subtrees = {d.slug: subtree(model, d.slug) for d in model.dimensions}
        self.facets = {
            d.slug: tuple(f.slug for f in self.dimensions if f.parent == d.slug) for d in self.dimensions
        }
        self.order = {d.slug: _sort_key(d) for d in model.dimensions}
        self.bounds = {item.key: value_bounds(item) for item in instrument.items}
        # item_range() results keyed by (item key, ids of the mappings in play): answers never
        # change them, so they are shared by every scoring of this instrument.
        self.ranges: dict[tuple[str, tuple[str, ...]], tuple[float, float] | None] = {}


_PREPARED: dict[int, _Prepared] = {}


def _prepare(instrument: Instrument) -> _Prepared:
    """Check and prepare `instrument`, reusing the work while the same object is alive.

    Instruments are treated as immutable: do not change their dicts after scoring with them.
    """
    key = id(instrument)
    prepared = _PREPARED.get(key)
    if prepared is not None:
        return prepared
    errors = check_instrument(instrument)
    if errors:
        raise DefinitionError(errors)
    prepared = _Prepared(instrument)
    try:
        weakref.finalize(instrument, _PREPARED.pop, key, None)
    except TypeError:  # not weak-referenceable: do not cache
        return prepared
    _PREPARED[key] = prepared
    return prepared


class _Scored:
    """One visible, answered, scored item with the mappings in effect."""

    __slots__ = ("bounds", "item", "mappings")

    def __init__(self, item: Item, mappings: list[Mapping], bounds: tuple[float, float] | None) -> None:
        self.item = item
        self.mappings = mappings
        self.bounds = bounds


def score(instrument: Instrument, answers: abc.Mapping[str, Answer], *, as_of: datetime) -> ScoreResult:
    """Score `answers` (keyed by item key) against `instrument` with the mappings in effect at `as_of`.

    Raises DefinitionError for an instrument that cannot be scored and InvalidAnswerError for an
    answer that `validate_answer()` refuses. Answers to unknown item keys are ignored.
    """
    if as_of.utcoffset() is None:
        raise ValueError("as_of must be timezone-aware")
    prepared = _prepare(instrument)

    skipped: list[str] = []
    unanswered: list[str] = []
    unanswered_required: list[str] = []
    components: list[Component] = []
    scored: list[_Scored] = []
    data: dict[str, object] = {}  # what later branch rules see
    for item in instrument.items:
        if item.branch and not is_visible(item, data):
            skipped.append(item.key)
            continue
        answer = answers.get(item.key)
        if not is_answered(item, answer):
            unanswered.append(item.key)
            if item.required:
                unanswered_required.append(item.key)
            continue
        problem = validate_answer(item, answer)
        if problem is not None:
            raise InvalidAnswerError(item.key, problem)
        data[item.key] = answer_value(item, answer)
        if item.unscored:
            continue
        mappings = [m for m in item.mappings if is_effective(m, as_of)]
        if mappings:
            entry = _Scored(item, mappings, prepared.bounds[item.key])
            scored.append(entry)
            components.extend(contributions(item, answer, mappings, entry.bounds))

    dimensions = _score_dimensions(instrument.model, prepared, components, scored)
    by_slug = {d.dimension: d for d in dimensions}
    composites = tuple(
        _score_composite(c, instrument.model, by_slug, prepared.order) for c in instrument.model.composites
    )
    return ScoreResult(
        score_version=prepared.version,
        dimensions=tuple(dimensions),
        composites=composites,
        components=tuple(components),
        skipped=tuple(skipped),
        unanswered=tuple(unanswered),
        unanswered_required=tuple(unanswered_required),
    )


def _score_dimensions(
    model: ModelDefinition, prepared: _Prepared, components: list[Component], scored: list[_Scored]
) -> list[DimensionScore]:
    config = model.config
    aggregation = config.get("aggregation", "sum")
    normalization = config.get("normalization") or {}
    method = normalization.get("method", "none")
    references = normalization.get("reference") or {}
    band_basis = config.get("band_basis", "raw")

    # Per dimension, per item: the contributions it received directly.
    direct: dict[str, dict[str, list[float]]] = {}
    for c in components:
        direct.setdefault(c.dimension, {}).setdefault(c.item, []).append(c.contribution)
    # Per dimension: the scored items with a mapping in effect to it (for minmax ranges).
    reaching: dict[str, list[_Scored]] = {}
    for entry in scored:
        for slug in dict.fromkeys(m.dimension for m in entry.mappings):
            reaching.setdefault(slug, []).append(entry)

    results = []
    for dimension in prepared.dimensions:
        slugs = prepared.subtrees[dimension.slug]
        facets = prepared.facets[dimension.slug]
        per_item: dict[str, list[float]] = {}
        for slug in slugs:
            for item, values in direct.get(slug, {}).items():
                per_item.setdefault(item, []).extend(values)
        item_count = len(per_item)
        if item_count == 0:  # nothing scored: no score is invented
            results.append(DimensionScore(dimension.slug, 0.0, None, None, None, None, None, 0, facets))
            continue
        if aggregation == "mean":
            raw = math.fsum(math.fsum(values) for values in per_item.values()) / item_count
            item_mean = raw
        else:
            raw = math.fsum(value for values in per_item.values() for value in values)
            item_mean = raw / item_count

        normalized = None
        scale: tuple[float, float] | None = None
        if method == "minmax":
            entries = dict.fromkeys(e for slug in slugs for e in reaching.get(slug, ()))
            scale = _minmax_range(slugs, entries, aggregation, prepared.ranges)
            if scale is not None:
                low, high = scale
                normalized = min(100.0, max(0.0, (raw - low) / (high - low) * 100.0))
        elif method == "zscore":
            reference = references.get(dimension.slug) or {}
            mean, sd = reference.get("mean"), reference.get("sd")
            if mean is not None and sd is not None and sd > 0:
                normalized = (raw - float(mean)) / float(sd)

        results.append(
            DimensionScore(
                dimension=dimension.slug,
                raw=raw,
                normalized=normalized,
                item_mean=item_mean,
                band=None,
                band_label=None,
                narrative=None,
                item_count=item_count,
                facets=facets,
                scale_min=scale[0] if scale else None,
                scale_max=scale[1] if scale else None,
            )
        )

    relative: dict[str, float] = {}
    if band_basis == "relative":
        relative_method = (config.get("relative") or {}).get("method", "deviation")
        relative = _relative_emphasis(model, results, relative_method)
    banded = []
    for dimension, result in zip(prepared.dimensions, results, strict=True):
        if result.item_count == 0:
            banded.append(result)
            continue
        basis = {
            "raw": result.raw,
            "normalized": result.normalized,
            "item_mean": result.item_mean,
            "relative": relative.get(dimension.slug),
        }[band_basis]
        band = band_for(basis, dimension.thresholds) if basis is not None else None
        banded.append(
            replace(
                result,
                band=band.key if band else None,
                band_label=band.label if band else None,
                narrative=band.narrative if band else None,
                relative=relative.get(dimension.slug),
            )
        )
    return banded


def _relative_emphasis(
    model: ModelDefinition, results: list[DimensionScore], method: str
) -> dict[str, float]:
    """Each scored dimension's emphasis relative to its scored siblings (same parent).

    The value compared is the one the argmax composite compares (normalized when every sibling
    has it, else raw), so the primary dimension always has the largest relative value and, with
    bands ordered along the number line, the highest band. `deviation`: value minus the
    siblings' mean (0 is an even profile); `share`: percent of the siblings' total (100 / n is
    even; None of them when the total is not positive).
    """
    parents = {d.slug: d.parent for d in model.dimensions}
    groups: dict[str | None, list[DimensionScore]] = {}
    for result in results:
        if result.item_count > 0:
            groups.setdefault(parents[result.dimension], []).append(result)
    relative: dict[str, float] = {}
    for siblings in groups.values():
        use_normalized = all(s.normalized is not None for s in siblings)
        values = {s.dimension: (s.normalized if use_normalized else s.raw) for s in siblings}
        total = math.fsum(values.values())
        if method == "share":
            if total > 0:
                relative.update({slug: value / total * 100.0 for slug, value in values.items()})
        else:
            mean = total / len(values)
            relative.update({slug: value - mean for slug, value in values.items()})
    return relative


def _minmax_range(
    slugs: frozenset[str],
    scored: abc.Iterable[_Scored],
    aggregation: str,
    memo: dict[tuple[str, tuple[str, ...]], tuple[float, float] | None],
) -> tuple[float, float] | None:
    """The raw range the scored items could produce (minmax maps it to 0–100); None when flat."""
    lows: list[float] = []
    highs: list[float] = []
    for entry in scored:
        mappings = [m for m in entry.mappings if m.dimension in slugs]
        if not mappings:
            continue
        key = (entry.item.key, tuple(m.id for m in mappings))
        found = memo.get(key, memo)  # the memo itself marks "not computed yet"
        if found is memo:
            found = memo[key] = item_range(entry.item, mappings, entry.bounds)
        if found is not None:
            lows.append(found[0])
            highs.append(found[1])
    combined = combine_ranges(lows, highs, aggregation)
    if combined is None:
        return None
    low, high = combined
    if not high > low:
        return None
    return low, high


def _score_composite(
    composite: Composite,
    model: ModelDefinition,
    scores: dict[str, DimensionScore],
    order: dict[str, tuple[int, str]],
) -> CompositeScore:
    if composite.kind == "argmax":
        referenced = composite.dimensions or tuple(d.slug for d in model.dimensions if d.parent is None)
        candidates = [scores[slug] for slug in referenced if scores[slug].item_count > 0]
        if not candidates:
            return CompositeScore(composite.slug, None, None)
        use_normalized = all(c.normalized is not None for c in candidates)
        winner = min(
            candidates,
            key=lambda c: (-(c.normalized if use_normalized else c.raw), *order[c.dimension]),
        )
        return CompositeScore(composite.slug, None, winner.dimension)
    # weighted_sum: listed dimensions weigh 1 unless `weights` says otherwise.
    referenced = tuple(dict.fromkeys((*composite.dimensions, *composite.weights)))
    chosen = [scores[slug] for slug in referenced]
    if not any(s.item_count > 0 for s in chosen):
        return CompositeScore(composite.slug, None, None)
    use_normalized = all(s.normalized is not None for s in chosen)
    value = math.fsum(
        float(composite.weights.get(s.dimension, 1.0)) * (s.normalized if use_normalized else s.raw)
        for s in chosen
    )
    return CompositeScore(composite.slug, value, None)
