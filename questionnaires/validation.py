"""What a publishable questionnaire version obeys: the publishing rules, on plain `VersionSpec` data.

Publishing (`services.version_publish`, via `services.version_spec`) and the importer
(`importing.reading`, from a JSON document) run exactly the same rules; messages name item keys or
JSON paths through `VersionSpec.at`. Entry points: `version_problems`, `model_config_problems`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from json_logic.builtins import BUILTINS

from questionnaires.models import QuestionBankItem, QuestionTraitMapping

ITEM_TYPES = tuple(QuestionBankItem.QuestionType.values)
RULES = tuple(QuestionTraitMapping.RuleType.values)
CHOICE_TYPES = ("single_choice", "multi_choice")

# Which rules a mapping may use: on the item's answer (by item type), or on one option.
# Kept in step with assessments/scoring/definition.py, which scores what is published here.
ITEM_LEVEL_RULES = {
    "boolean": ("constant", "boolean_gate"),
    "scalar": ("constant", "range_linear", "range_bucket"),
    "single_choice": ("constant", "range_linear", "range_bucket"),
    "multi_choice": ("constant",),
    "text": ("constant",),
}
OPTION_LEVEL_RULES = ("constant", "option_weight", "range_linear", "range_bucket")

# rule -> (required params, optional params)
RULE_PARAMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "constant": (("value",), ()),
    "boolean_gate": (("true", "false"), ()),
    "range_linear": ((), ("multiplier", "offset", "reverse")),
    "range_bucket": (("buckets",), ()),
    "option_weight": (("weight",), ()),
}
BUCKET_FIELDS = ("min", "max", "contribution")

# JSON Logic operators (the engine evaluates with panzi-json-logic; `log` is not available).
_SCOPED_OPERATORS = frozenset({"map", "filter", "reduce", "all", "some", "none"})
LOGIC_OPERATORS = (frozenset(BUILTINS) - {"log"}) | {"if", "?:", "and", "or"} | _SCOPED_OPERATORS


# --------------------------------------------------------------------------- the rules, as data


@dataclass
class OptionSpec:
    key: str
    value: float | None


@dataclass
class MappingSpec:
    where: str
    dimension: str
    rule: str
    params: Any
    option: str | None = None
    dimension_model: str | None = None  # set when the dimension belongs to another analysis model
    option_owner: str | None = None  # set when the option belongs to another bank item


@dataclass
class BranchSpec:
    where: str
    action: str
    logic: Any


@dataclass
class ItemSpec:
    where: str
    key: str
    type: str
    section: str
    config: dict
    unscored: bool
    options: list[OptionSpec] = field(default_factory=list)
    mappings: list[MappingSpec] = field(default_factory=list)
    branch: list[BranchSpec] = field(default_factory=list)
    complete: bool = True  # False when the importer already reported this item as malformed


@dataclass
class ThresholdSpec:
    lower: float | None
    upper: float | None
    lower_inclusive: bool = True
    upper_inclusive: bool = False


@dataclass
class DimensionSpec:
    where: str
    slug: str
    parent: str | None
    range_min: float | None = None
    range_max: float | None = None
    thresholds: list[ThresholdSpec] = field(default_factory=list)
    complete: bool = True  # False when the importer already reported a malformed threshold


@dataclass
class VersionSpec:
    model_slug: str
    config: dict
    dimensions: dict[str, DimensionSpec]
    sections: list[str]
    items: list[ItemSpec]
    at: Callable[[str, str], str]  # joins a location and a field name in messages


def model_config_problems(config: dict, slugs: set[str]) -> list[tuple[str, str]]:
    """(field, message) for each problem with an analysis model's `config`."""
    problems = []
    if config.get("aggregation", "sum") not in ("sum", "mean"):
        problems.append(("aggregation", f"must be sum or mean (got {_json(config['aggregation'])})"))
    if config.get("band_basis", "raw") not in ("raw", "normalized", "item_mean", "relative"):
        problems.append(
            (
                "band_basis",
                f"must be raw, normalized, item_mean or relative (got {_json(config['band_basis'])})",
            )
        )
    relative = config.get("relative", {})
    if not isinstance(relative, dict):
        problems.append(("relative", 'must be an object like {"method": "deviation"}'))
    elif relative.get("method", "deviation") not in ("deviation", "share"):
        problems.append(("relative.method", f"must be deviation or share (got {_json(relative['method'])})"))
    normalization = config.get("normalization", {})
    if not isinstance(normalization, dict):
        return [*problems, ("normalization", "must be an object")]
    method = normalization.get("method", "none")
    if method not in ("none", "minmax", "zscore"):
        problems.append(("normalization.method", f"must be none, minmax or zscore (got {_json(method)})"))
    reference = normalization.get("reference", {})
    if not isinstance(reference, dict):
        return [*problems, ("normalization.reference", "must be an object keyed by dimension")]
    for slug, stats in reference.items():
        name = f"normalization.reference.{slug}"
        if slug not in slugs:
            problems.append((name, f'unknown dimension "{slug}"'))
        elif not (isinstance(stats, dict) and _is_number(stats.get("mean")) and _is_number(stats.get("sd"))):
            problems.append((name, 'needs numbers "mean" and "sd"'))
        elif stats["sd"] <= 0:
            problems.append((f"{name}.sd", "must be above 0"))
    return problems


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def fmt_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _quoted(values) -> str:
    return ", ".join(f'"{v}"' for v in values)


def item_bounds(item: ItemSpec) -> tuple[float, float] | None:
    """(min, max) of an item's numbers: the scalar config, or its lowest/highest option value."""
    if item.type == "scalar":
        low, high = item.config.get("min"), item.config.get("max")
        if _is_number(low) and _is_number(high):
            return float(low), float(high)
        return None
    values = [float(o.value) for o in item.options if _is_number(o.value)]
    return (min(values), max(values)) if values else None


def version_problems(spec: VersionSpec, *, publish_checks: bool) -> list[str]:
    """Every reason the version cannot be used as defined, as "<where>: <message>" lines.

    `publish_checks` adds the two rules that only matter once respondents see the version: every
    item is mapped (or explicitly unscored), and the thresholds cover each scored dimension.
    """
    problems: list[str] = []
    at = spec.at
    keys = [item.key for item in spec.items]
    for position, item in enumerate(spec.items):
        problems += _item_problems(spec, item, earlier=set(keys[:position]), all_keys=set(keys))
        if publish_checks and item.complete and not item.unscored and not item.mappings:
            problems.append(
                f"{at(item.where, 'mappings')}: the item has no trait mapping; map it to a dimension "
                'or mark it "unscored"'
            )
    if publish_checks:
        problems += _threshold_problems(spec)
    return problems


def _item_problems(spec: VersionSpec, item: ItemSpec, *, earlier: set[str], all_keys: set[str]) -> list[str]:
    at = spec.at
    problems = []
    if item.section and item.section not in spec.sections:
        known = (
            f" (sections: {_quoted(spec.sections)})" if spec.sections else " (the version has no sections)"
        )
        problems.append(f'{at(item.where, "section")}: unknown section "{item.section}"{known}')
    if item.type not in ITEM_LEVEL_RULES:
        return problems  # reported by whoever built the spec; nothing below can be checked
    if item.type == "scalar":
        low, high, step = (item.config.get(k) for k in ("min", "max", "step"))
        if not (_is_number(low) and _is_number(high) and low < high):
            problems.append(f'{at(item.where, "config")}: a scalar item needs numbers "min" < "max"')
        if step is not None and not (_is_number(step) and step > 0):
            problems.append(f"{at(item.where, 'config.step')}: must be a positive number")
    if item.type in CHOICE_TYPES and not item.options:
        problems.append(f"{at(item.where, 'options')}: a {item.type} item needs at least one option")
    if item.type not in CHOICE_TYPES and item.options:
        problems.append(
            f"{at(item.where, 'options')}: only single_choice and multi_choice items have options"
        )
    if item.unscored and item.mappings:
        problems.append(
            f"{at(item.where, 'unscored')}: the item is marked unscored but has mappings; remove them "
            "or clear unscored"
        )
    for mapping in item.mappings:
        problems += _mapping_problems(spec, item, mapping)
    for rule in item.branch:
        if rule.action not in ("show", "skip"):
            problems.append(f'{at(rule.where, "action")}: must be "show" or "skip", not "{rule.action}"')
        problems += [
            f"{at(rule.where, 'logic')}: {message}"
            for message in logic_problems(rule.logic, earlier=earlier, all_keys=all_keys, own=item.key)
        ]
    return problems


def _mapping_problems(spec: VersionSpec, item: ItemSpec, mapping: MappingSpec) -> list[str]:
    at, where, rule = spec.at, mapping.where, mapping.rule
    problems = []
    if mapping.dimension_model is not None:
        problems.append(
            f'{at(where, "dimension")}: dimension "{mapping.dimension}" belongs to analysis model '
            f'"{mapping.dimension_model}", not to this version\'s "{spec.model_slug}"'
        )
    elif mapping.dimension not in spec.dimensions:
        problems.append(f'{at(where, "dimension")}: unknown dimension "{mapping.dimension}"')
    if rule not in RULES:
        problems.append(f'{at(where, "rule")}: unknown rule "{rule}" (rules: {", ".join(RULES)})')
        return problems
    option = None
    if mapping.option is not None:
        options = {o.key: o for o in item.options}
        if mapping.option_owner is not None:
            problems.append(
                f'{at(where, "option")}: option "{mapping.option}" belongs to question '
                f"{mapping.option_owner}, not to this item's question"
            )
        elif mapping.option not in options:
            known = f"options: {_quoted(options)}" if options else "the item has no options"
            problems.append(f'{at(where, "option")}: unknown option "{mapping.option}" ({known})')
        option = options.get(mapping.option)
        if rule not in OPTION_LEVEL_RULES:
            problems.append(
                f"{at(where, 'rule')}: {rule} works on the whole answer and cannot be set on an option "
                f"(option-level rules: {', '.join(OPTION_LEVEL_RULES)})"
            )
            return problems
    elif rule not in ITEM_LEVEL_RULES[item.type]:
        if rule == "option_weight":
            message = 'option_weight needs an "option"'
        elif rule == "boolean_gate":
            message = f"boolean_gate only applies to boolean items; this item is {item.type}"
        elif rule in ("range_linear", "range_bucket"):
            message = f"{rule} applies to scalar or single_choice items; this item is {item.type}"
        else:
            message = f"{rule} does not apply to a {item.type} item"
        problems.append(f"{at(where, 'rule')}: {message}")
        return problems
    problems += _params_problems(spec, where, rule, mapping.params)
    if rule in ("range_linear", "range_bucket"):
        if option is not None:
            if not _is_number(option.value):
                problems.append(
                    f'{at(where, "option")}: {rule} needs a number, and option "{option.key}" has no value'
                )
        elif item.type == "single_choice" and item_bounds(item) is None:
            problems.append(f"{at(where, 'rule')}: {rule} needs numeric option values; this item has none")
    return problems


def _params_problems(spec: VersionSpec, where: str, rule: str, params: Any) -> list[str]:
    at = spec.at
    if not isinstance(params, dict):
        return [f"{at(where, 'params')}: must be an object"]
    required, optional = RULE_PARAMS[rule]
    problems = []
    for name in params:
        if name not in required + optional:
            expected = ", ".join(required + optional)
            problems.append(
                f"{at(where, f'params.{name}')}: unknown parameter for {rule} (expected: {expected})"
            )
    for name in required:
        if name not in params:
            problems.append(f"{at(where, f'params.{name}')}: is required for {rule}")
    for name in ("value", "true", "false", "multiplier", "offset", "weight"):
        if name in params and not _is_number(params[name]):
            problems.append(f"{at(where, f'params.{name}')}: must be a number")
    if "reverse" in params and not isinstance(params["reverse"], bool):
        problems.append(f"{at(where, 'params.reverse')}: must be true or false")
    if rule == "range_bucket" and "buckets" in params:
        buckets = params["buckets"]
        if not isinstance(buckets, list) or not buckets:
            problems.append(f"{at(where, 'params.buckets')}: must be a non-empty list of buckets")
            return problems
        for index, bucket in enumerate(buckets):
            path = f"params.buckets[{index}]"
            if not isinstance(bucket, dict):
                problems.append(
                    f'{at(where, path)}: must be an object {{"min": a, "max": b, "contribution": c}}'
                )
                continue
            for name in bucket:
                if name not in BUCKET_FIELDS:
                    problems.append(
                        f"{at(where, f'{path}.{name}')}: unknown field (expected: min, max, contribution)"
                    )
            if not _is_number(bucket.get("contribution")):
                problems.append(f"{at(where, f'{path}.contribution')}: must be a number")
            low, high = bucket.get("min"), bucket.get("max")
            for name, value in (("min", low), ("max", high)):
                if value is not None and not _is_number(value):
                    problems.append(f"{at(where, f'{path}.{name}')}: must be a number or null")
            if _is_number(low) and _is_number(high) and low > high:
                problems.append(f"{at(where, path)}: min is above max")
    return problems


def logic_problems(logic: Any, *, earlier: set[str], all_keys: set[str], own: str) -> list[str]:
    """Problems with a JSON Logic branch rule: its shape, operators, and `var`s naming earlier items."""
    if not isinstance(logic, dict) or len(logic) != 1:
        return ['must be a JSON Logic rule: an object with one operator, e.g. {"==": [{"var": "q1"}, true]}']
    problems: list[str] = []
    for name in _logic_names(logic, problems, scoped=False):
        if name in earlier or any(prefix in earlier for prefix in _prefixes(name)):
            continue
        if name == own:
            problems.append(f'refers to "{name}", the item itself; branch rules may only use earlier items')
        elif name in all_keys:
            problems.append(
                f'refers to "{name}", which comes after this item; branch rules may only use earlier items'
            )
        else:
            problems.append(f'refers to "{name}", which is not an item of this version')
    return problems


def _prefixes(name: str) -> list[str]:
    # `var` looks a whole key up first, then follows a dotted path ("q3.length").
    parts = name.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts))]


def _logic_names(node: Any, problems: list[str], *, scoped: bool) -> list[str]:
    """Item keys a rule reads; `var`s inside map/filter/… bodies name the element, not an item."""
    if isinstance(node, list):
        return [name for child in node for name in _logic_names(child, problems, scoped=scoped)]
    if not isinstance(node, dict):
        return []
    if len(node) != 1:
        problems.append(f"{_short(node)} is not a JSON Logic operation (one operator per object)")
        return []
    ((operator, args),) = node.items()
    if operator not in LOGIC_OPERATORS:
        problems.append(f'unknown JSON Logic operator "{operator}"')
        return []
    args = args if isinstance(args, list) else [args]
    names: list[str] = []
    if not scoped:
        if operator == "var" and args and isinstance(args[0], str) and args[0] != "":
            names.append(args[0])
        elif operator == "missing":
            names += [a for a in args if isinstance(a, str)]
        elif operator == "missing_some" and len(args) == 2 and isinstance(args[1], list):
            names += [a for a in args[1] if isinstance(a, str)]
    if operator in _SCOPED_OPERATORS:
        if args:
            names += _logic_names(args[0], problems, scoped=scoped)
        for child in args[1:]:
            _logic_names(child, problems, scoped=True)
        return names
    for child in args:
        names += _logic_names(child, problems, scoped=scoped)
    return names


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


# --------------------------------------------------------------------------- thresholds


def _threshold_problems(spec: VersionSpec) -> list[str]:
    dims = spec.dimensions
    bounds: dict[str, list[tuple[float, float]]] = {}
    for item in spec.items:
        if item.unscored:
            continue
        numbers = item_bounds(item) if item.type in ("scalar", "single_choice", "multi_choice") else None
        for mapping in item.mappings:
            slug, seen = mapping.dimension, set()
            if mapping.dimension_model is not None:
                continue
            # A domain aggregates its facets' items: the item counts for every ancestor too.
            while slug in dims and slug not in seen:
                seen.add(slug)
                bounds.setdefault(slug, [])
                if numbers is not None:
                    bounds[slug].append(numbers)
                slug = dims[slug].parent
    basis = spec.config.get("band_basis", "raw")
    method = (spec.config.get("normalization") or {}).get("method", "none")
    problems = []
    for slug, dimension in dims.items():
        if slug not in bounds or not dimension.complete:
            continue
        if basis == "item_mean":
            if not bounds[slug]:
                continue
            low, high = min(b[0] for b in bounds[slug]), max(b[1] for b in bounds[slug])
        elif basis == "normalized":
            if method != "minmax":
                continue  # z-scores (and no normalization) have no fixed range to cover
            low, high = 0.0, 100.0
        elif basis == "relative":
            # Deviation from the siblings' mean of 0–100 scores runs from -100 to 100; a share
            # of their total from 0 to 100 (raw scores have no such bound: nothing to check).
            if method != "minmax":
                continue
            share = (spec.config.get("relative") or {}).get("method") == "share"
            low, high = (0.0, 100.0) if share else (-100.0, 100.0)
        elif basis == "raw":
            if dimension.range_min is None or dimension.range_max is None:
                continue  # no range hint: nothing to check against
            low, high = dimension.range_min, dimension.range_max
        else:
            continue
        span = f"{fmt_number(low)} to {fmt_number(high)}"
        where = spec.at(dimension.where, "thresholds")
        if not dimension.thresholds:
            problems.append(
                f"{where}: the dimension is scored but has no thresholds; add bands covering {span} ({basis})"
            )
            continue
        gaps = threshold_gaps(dimension.thresholds, low, high)
        if gaps:
            problems.append(
                f"{where}: the bands leave {' and '.join(gaps)} uncovered; with band basis {basis} "
                f"scores run from {span}"
            )
    return problems


def _contains(band: ThresholdSpec, x: float) -> bool:
    if band.lower is not None and (x < band.lower or (x == band.lower and not band.lower_inclusive)):
        return False
    return not (band.upper is not None and (x > band.upper or (x == band.upper and not band.upper_inclusive)))


def threshold_gaps(bands: list[ThresholdSpec], low: float, high: float) -> list[str]:
    """The parts of [low, high] no band covers, as "3" or "(2.5, 3]" strings ([] when covered).

    Between two consecutive bounds no band starts or ends, so checking every bound and one point
    between each pair of neighbouring bounds decides coverage exactly.
    """
    cuts = {low, high} | {
        float(v) for b in bands for v in (b.lower, b.upper) if v is not None and low < v < high
    }
    points = sorted(cuts)
    pieces = []  # (uncovered?, left, right, is_point) in order along the line
    for index, point in enumerate(points):
        pieces.append((not any(_contains(b, point) for b in bands), point, point, True))
        if index + 1 < len(points):
            nxt = points[index + 1]
            middle = (point + nxt) / 2
            pieces.append((not any(_contains(b, middle) for b in bands), point, nxt, False))
    gaps, run = [], []
    for piece in [*pieces, (False, 0, 0, True)]:
        if piece[0]:
            run.append(piece)
            continue
        if run:
            first, last = run[0], run[-1]
            if first is last and first[3]:
                gaps.append(fmt_number(first[1]))
            else:
                left = "[" if first[3] else "("
                right = "]" if last[3] else ")"
                gaps.append(f"{left}{fmt_number(first[1])}, {fmt_number(last[2])}{right}")
            run = []
    return gaps


# --------------------------------------------------------------------------- single fields (authoring)
# The admin checks each JSON field when it is saved, with the rules above where they exist, so an
# author learns of a mistake on the page they made it on rather than at publishing.

_NO_LOCATION = VersionSpec(
    model_slug="", config={}, dimensions={}, sections=[], items=[], at=lambda _, name: name
)


def mapping_params_problems(rule: str, params: Any) -> list[str]:
    """Problems with a mapping's `params` for `rule`, as "params.<name>: <message>"."""
    if rule not in RULE_PARAMS:
        return []
    return _params_problems(_NO_LOCATION, "", rule, params)


def translations_problems(value: Any, allowed: tuple[str, ...]) -> list[str]:
    """Problems with a `translations` field: {"de": {"<field>": "text"}} with only `allowed` fields."""
    if not isinstance(value, dict):
        return [f'must be an object keyed by locale, e.g. {{"de": {{"{allowed[0]}": "…"}}}}']
    problems = []
    for locale, texts in value.items():
        if not isinstance(texts, dict):
            problems.append(f'{locale}: must be an object of texts, e.g. {{"{allowed[0]}": "…"}}')
            continue
        for name, text in texts.items():
            if name not in allowed:
                problems.append(
                    f"{locale}.{name}: cannot be translated here (translatable: {', '.join(allowed)})"
                )
            elif not isinstance(text, str):
                problems.append(f"{locale}.{name}: must be a string")
    return problems


SECTION_FIELDS = ("key", "title", "observer_title", "translations")


def sections_problems(value: Any) -> list[str]:
    """Problems with a version's `sections`: a list of {"key", "title", "observer_title", "translations"}."""
    example = '[{"key": "main", "title": "About you", "observer_title": "About {name}"}]'
    if not isinstance(value, list):
        return [f"must be a list like {example}"]
    problems, keys = [], set()
    for index, section in enumerate(value):
        where = f"[{index}]"
        if not isinstance(section, dict):
            problems.append(f"{where}: must be an object like {example[1:-1]}")
            continue
        key = section.get("key")
        if not isinstance(key, str) or not key:
            problems.append(f'{where}.key: every section needs a "key" (text)')
        elif key in keys:
            problems.append(f'{where}.key: "{key}" is used by two sections')
        keys.add(key)
        for name in section:
            if name not in SECTION_FIELDS:
                problems.append(f"{where}.{name}: unknown field (fields: {', '.join(SECTION_FIELDS)})")
        for name in ("title", "observer_title"):
            if name in section and not isinstance(section[name], str):
                problems.append(f"{where}.{name}: must be text")
        if "translations" in section:
            problems += [
                f"{where}.translations.{p}"
                for p in translations_problems(section["translations"], ("title", "observer_title"))
            ]
    return problems


def item_config_problems(question_type: str, config: Any) -> list[str]:
    """Problems with a bank item's `config` for its type (see docs/questionnaire-format.md)."""
    if not isinstance(config, dict):
        return ["must be an object"]
    problems = []
    labels = ("min_label", "max_label", "observer_min_label", "observer_max_label")
    for name in labels:
        if name in config and not isinstance(config[name], str):
            problems.append(f"{name}: must be text")
    if question_type == "scalar":
        low, high, step = (config.get(k) for k in ("min", "max", "step"))
        if not (_is_number(low) and _is_number(high) and low < high):
            problems.append('a scale needs numbers "min" < "max", e.g. {"min": 0, "max": 10, "step": 1}')
        if step is not None and not (_is_number(step) and step > 0):
            problems.append("step: must be a positive number")
    elif question_type == "multi_choice":
        least, most = config.get("min_selected", 0), config.get("max_selected")
        if isinstance(least, bool) or not isinstance(least, int) or least < 0:
            problems.append("min_selected: must be a whole number of at least 0")
        elif most is not None and (
            isinstance(most, bool) or not isinstance(most, int) or most < max(least, 1)
        ):
            problems.append("max_selected: must be null or a whole number, at least min_selected and 1")
    elif question_type == "text":
        length = config.get("max_length")
        if length is not None and (isinstance(length, bool) or not isinstance(length, int) or length < 1):
            problems.append("max_length: must be a whole number of at least 1")
        if "multiline" in config and not isinstance(config["multiline"], bool):
            problems.append("multiline: must be true or false")
    return problems


def composite_problems(kind: str, dimensions: Any, weights: Any, slugs: set[str]) -> list[tuple[str, str]]:
    """(field, message) for a composite's `dimensions` (argmax) and `weights` (weighted sum)."""
    problems = []
    if not isinstance(dimensions, list) or not all(isinstance(s, str) for s in dimensions):
        problems.append(("dimensions", 'must be a list of dimension slugs, e.g. ["d", "i"]'))
    else:
        problems += [("dimensions", f'unknown dimension "{s}"') for s in dimensions if s not in slugs]
    if not isinstance(weights, dict):
        problems.append(("weights", 'must be an object like {"d": 1, "s": -1}'))
    else:
        for slug, weight in weights.items():
            if slug not in slugs:
                problems.append(("weights", f'unknown dimension "{slug}"'))
            elif not _is_number(weight):
                problems.append(("weights", f'the weight of "{slug}" must be a number'))
        if kind == "weighted_sum" and not weights:
            problems.append(("weights", "a weighted sum needs at least one weight"))
    return problems
