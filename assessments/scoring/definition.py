"""Checking an instrument before scoring it, and fingerprinting it (`score_version`)."""

from __future__ import annotations

import hashlib
import json
import math
from collections import abc
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from assessments.scoring.branching import check_logic
from assessments.scoring.model import ENGINE_VERSION, ITEM_TYPES, RULES, Instrument, Item, Mapping
from assessments.scoring.rules import value_bounds

AGGREGATIONS = ("sum", "mean")
NORMALIZATIONS = ("none", "minmax", "zscore")
BAND_BASES = ("raw", "normalized", "item_mean", "relative")
RELATIVE_METHODS = ("deviation", "share")
COMPOSITE_KINDS = ("argmax", "weighted_sum")

# Which rules a mapping may use, by item type and level (item-level / option-level).
ITEM_LEVEL_RULES = {
    "boolean": {"constant", "boolean_gate"},
    "scalar": {"constant", "range_linear", "range_bucket"},
    "single_choice": {"constant", "range_linear", "range_bucket"},
    "multi_choice": {"constant"},
    "text": {"constant"},
}
OPTION_LEVEL_RULES = {"constant", "option_weight", "range_linear", "range_bucket"}


def _number(value: Any) -> bool:
    """A finite int, float or Decimal (DecimalFields arrive as Decimal), not a bool."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool) and math.isfinite(value)


def check_instrument(instrument: Instrument) -> list[str]:
    """Every reason `score()` would refuse this instrument, or [] (importers can call this too)."""
    errors: list[str] = []
    model = instrument.model
    slugs = [d.slug for d in model.dimensions]
    known = set(slugs)
    if len(known) != len(slugs):
        errors.append("dimension slugs are not unique")
    parents = {d.slug: d.parent for d in model.dimensions}
    for dimension in model.dimensions:
        where = f"dimension {dimension.slug!r}"
        if dimension.parent is not None and dimension.parent not in known:
            errors.append(f"{where}: unknown parent {dimension.parent!r}")
        seen, slug = set(), dimension.slug
        while slug is not None and slug in parents:
            if slug in seen:
                errors.append(f"{where}: parents form a cycle")
                break
            seen.add(slug)
            slug = parents[slug]
        for threshold in dimension.thresholds:
            bounds = (threshold.lower, threshold.upper)
            if any(b is not None and not _number(b) for b in bounds):
                errors.append(f"{where} threshold {threshold.key!r}: bounds must be numbers or null")
            elif None not in bounds and threshold.lower > threshold.upper:
                errors.append(f"{where} threshold {threshold.key!r}: lower is above upper")
    errors.extend(_check_config(model.config, known))
    for composite in model.composites:
        where = f"composite {composite.slug!r}"
        if composite.kind not in COMPOSITE_KINDS:
            errors.append(f"{where}: unknown kind {composite.kind!r}")
        for slug in (*composite.dimensions, *composite.weights):
            if slug not in known:
                errors.append(f"{where}: unknown dimension {slug!r}")
        if any(not _number(w) for w in composite.weights.values()):
            errors.append(f"{where}: weights must be numbers")
    mapping_ids = [m.id for item in instrument.items for m in item.mappings]
    if len(set(mapping_ids)) != len(mapping_ids):
        errors.append("mapping ids are not unique")
    keys: set[str] = set()
    for index, item in enumerate(instrument.items):
        if item.key in keys:
            errors.append(f"items[{index}]: duplicate item key {item.key!r}")
        errors.extend(f"item {item.key!r}: {e}" for e in _check_item(item, known, keys))
        keys.add(item.key)
    return errors


def _check_config(config: abc.Mapping[str, Any], known: set[str]) -> list[str]:
    errors = []
    if config.get("aggregation", "sum") not in AGGREGATIONS:
        errors.append(f"config: unknown aggregation {config.get('aggregation')!r}")
    normalization = config.get("normalization") or {}
    if not isinstance(normalization, abc.Mapping):
        return [*errors, 'config: normalization must be an object like {"method": "minmax"}']
    method = normalization.get("method", "none")
    if method not in NORMALIZATIONS:
        errors.append(f"config: unknown normalization method {method!r}")
    references = normalization.get("reference") or {}
    if not isinstance(references, abc.Mapping):
        references = {}
        errors.append("config: normalization reference must map dimension slugs to {mean, sd}")
    for slug, reference in references.items():
        if slug not in known:
            errors.append(f"config: normalization reference for unknown dimension {slug!r}")
        elif not isinstance(reference, abc.Mapping) or not (
            _number(reference.get("mean")) and _number(reference.get("sd"))
        ):
            errors.append(f"config: normalization reference for {slug!r} needs numeric mean and sd")
    if config.get("band_basis", "raw") not in BAND_BASES:
        errors.append(f"config: unknown band_basis {config.get('band_basis')!r}")
    relative = config.get("relative") or {}
    if not isinstance(relative, abc.Mapping):
        errors.append('config: relative must be an object like {"method": "deviation"}')
    elif relative.get("method", "deviation") not in RELATIVE_METHODS:
        errors.append(f"config: unknown relative method {relative.get('method')!r}")
    return errors


def _check_item(item: Item, known: set[str], earlier: set[str]) -> list[str]:
    errors = []
    if item.type not in ITEM_TYPES:
        return [f"unknown type {item.type!r}"]
    if item.type == "scalar":
        low, high, step = (item.config.get(k) for k in ("min", "max", "step"))
        if not (_number(low) and _number(high) and low <= high):
            errors.append("scalar config needs numeric min <= max")
        if step is not None and not (_number(step) and step > 0):
            errors.append("scalar step must be a positive number")
    option_keys = [o.key for o in item.options]
    if len(set(option_keys)) != len(option_keys):
        errors.append("option keys are not unique")
    if any(o.value is not None and not _number(o.value) for o in item.options):
        errors.append("option values must be numbers or null")
    for mapping in item.mappings:
        errors.extend(f"mapping {mapping.id!r}: {e}" for e in _check_mapping(item, mapping, known))
    for index, rule in enumerate(item.branch):
        if rule.action not in ("show", "skip"):
            errors.append(f"branch[{index}]: unknown action {rule.action!r}")
        errors.extend(f"branch[{index}]: {e}" for e in check_logic(rule.logic, earlier))
    return errors


def _check_mapping(item: Item, mapping: Mapping, known: set[str]) -> list[str]:
    errors = []
    params = mapping.params
    if mapping.dimension not in known:
        errors.append(f"unknown dimension {mapping.dimension!r}")
    if mapping.rule not in RULES:
        return [*errors, f"unknown rule {mapping.rule!r}"]
    if mapping.option is not None:
        if mapping.option not in {o.key for o in item.options}:
            errors.append(f"unknown option {mapping.option!r}")
        if mapping.rule not in OPTION_LEVEL_RULES:
            errors.append(f"rule {mapping.rule!r} cannot be set on an option")
    elif mapping.rule not in ITEM_LEVEL_RULES[item.type]:
        errors.append(f"rule {mapping.rule!r} does not apply to a {item.type} item as a whole")
    numbers = {
        "constant": ("value",),
        "boolean_gate": ("true", "false"),
        "range_linear": ("multiplier", "offset"),
        "option_weight": ("weight",),
    }.get(mapping.rule, ())
    for name in numbers:
        if name in params and not _number(params[name]):
            errors.append(f"param {name!r} must be a number")
    if mapping.rule == "range_linear" and params.get("reverse") and value_bounds(item) is None:
        errors.append("reverse needs the item's min and max (scalar config or numeric option values)")
    if mapping.rule == "range_bucket":
        buckets = params.get("buckets")
        if not isinstance(buckets, list | tuple) or not all(isinstance(b, abc.Mapping) for b in buckets):
            errors.append("param 'buckets' must be a list of objects")
        else:
            for bucket in buckets:
                values = (bucket.get("min"), bucket.get("max"))
                if any(v is not None and not _number(v) for v in values) or not _number(
                    bucket.get("contribution")
                ):
                    errors.append("each bucket needs numeric min/max (or null) and contribution")
    for name in ("effective_from", "effective_to"):
        moment = getattr(mapping, name)
        if moment is not None and moment.utcoffset() is None:
            errors.append(f"{name} must be timezone-aware")
    if (
        mapping.effective_from is not None
        and mapping.effective_to is not None
        and mapping.effective_from.utcoffset() is not None
        and mapping.effective_to.utcoffset() is not None
        and mapping.effective_from >= mapping.effective_to
    ):
        errors.append("effective_from must be before effective_to")
    return errors


# ---------------------------------------------------------------------------------------------
# score_version
# ---------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """JSON-ready and stable: numbers as floats (1 and 1.0 hash alike), datetimes in UTC."""
    kind = type(value)
    if kind is str or kind is bool or value is None or kind is float:
        return value
    if kind is dict or kind is tuple or kind is list:  # the common cases, without ABC checks
        if kind is dict:
            return {str(k): _plain(v) for k, v in value.items()}
        return [_plain(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.utcoffset() is not None else value).isoformat()
    if isinstance(value, abc.Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


def definition_dict(instrument: Instrument) -> dict[str, Any]:
    """Everything that can change a score, as plain data (display names are left out)."""
    model = instrument.model
    return _plain(
        {
            "config": model.config,
            "dimensions": [
                {
                    "slug": d.slug,
                    "parent": d.parent,
                    "sort_order": d.sort_order,
                    "thresholds": [vars(t) for t in d.thresholds],
                }
                for d in model.dimensions
            ],
            "composites": [
                {"slug": c.slug, "kind": c.kind, "dimensions": c.dimensions, "weights": c.weights}
                for c in model.composites
            ],
            "items": [
                {
                    "key": i.key,
                    "type": i.type,
                    "required": i.required,
                    "unscored": i.unscored,
                    "config": i.config,
                    "options": [vars(o) for o in i.options],
                    "mappings": [vars(m) for m in i.mappings],
                    "branch": [vars(b) for b in i.branch],
                }
                for i in instrument.items
            ],
        }
    )


def score_version(instrument: Instrument) -> str:
    """`ENGINE_VERSION:<first 12 hex digits of sha256(canonical JSON of the definition)>`."""
    canonical = json.dumps(definition_dict(instrument), sort_keys=True, separators=(",", ":"))
    return f"{ENGINE_VERSION}:{hashlib.sha256(canonical.encode()).hexdigest()[:12]}"
