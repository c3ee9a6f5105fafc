"""The mapper rule engine: pure Python, no ORM, no Django.

``evaluate(configuration, traits)`` runs every rule of a mapper configuration over a mindscape's
traits tree and explains itself: which rules fired, with their actions rendered, and why each
rule fired or not.

A configuration (its shape is checked by ``personas.mapper_schema``) looks like::

    {"metadata": {"id": "persona-guidance", "name": "..."},
     "rules": [{"id": "high-openness-voice",
                "conditions": {"all": [{"type": "trait_check", "trait": "big_five.openness.score",
                                        "operator": "gte", "value": 60}]},
                "actions": [{"type": "template", "category": "voice", "priority": "high",
                             "template": "Curious ({big_five.openness.score}/100) ..."}]}]}

Conditions are trees of ``all`` / ``any`` / ``not`` over ``trait_check`` leaves. Every leaf is
evaluated (no short-circuit) so the explanation names every check. A missing path makes every
operator false except ``exists`` (false when asked for presence, true when asked for absence)
and ``not_equals`` (true: a missing value is not equal to anything). A numeric operator on a
value that is not a number is false with a reason, never an exception.

Every action of a fired rule is rendered to a dict
``{"type": "suggestion" | "template", "category": str, "text": str, "priority": "high" | "medium" | "low"}``
where ``category`` is one of CATEGORIES (default ``other``) and ``text`` is the action's template
with ``{dot.path}`` placeholders replaced by the trait values (numbers rounded to one decimal;
a missing or non-scalar value renders as ``unknown``).

Outcomes are ordered by priority (high first), then by their order in the configuration. A rule's
priority is its own ``priority`` when given, else the highest priority of its actions.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from personas.paths import MISSING, get_path

CATEGORIES = ("voice", "values", "working_style", "energises", "drains", "communication", "other")
CATEGORY_LABELS = {
    "voice": "Voice",
    "values": "Values",
    "working_style": "Working style",
    "energises": "Energises",
    "drains": "Drains",
    "communication": "Communication",
    "other": "Other",
}
PRIORITIES = ("high", "medium", "low")
ACTION_TYPES = ("suggestion", "template")
OPERATORS = ("equals", "not_equals", "in", "gt", "gte", "lt", "lte", "between", "exists")
NUMERIC_OPERATORS = ("gt", "gte", "lt", "lte", "between")
DEFAULT_CATEGORY = "other"
DEFAULT_PRIORITY = "medium"
# Deeper condition trees are refused by the schema check and stop the engine (no recursion bombs).
MAX_CONDITION_DEPTH = 12

# A dot path: segments of letters, digits and underscores (slugs with '-' replaced by '_').
PATH_PATTERN = r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*"
PATH_RE = re.compile(rf"^{PATH_PATTERN}$")
PLACEHOLDER_RE = re.compile(r"\{(" + PATH_PATTERN + r")\}")

PASS = "✓"
FAIL = "✗"
UNKNOWN = "unknown"
MAX_SHOWN_CHARS = 120  # a string value in a reason is cut after this many characters
MAX_SHOWN_ITEMS = 12  # and a list after this many items

_SYMBOLS = {
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
}


@dataclass(frozen=True)
class RuleOutcome:
    rule_id: str
    fired: bool
    reasons: list[str]  # one sentence per condition checked, e.g. "big_five.openness.score = 72 ≥ 60 ✓"
    actions: list[dict[str, Any]] = field(default_factory=list)  # rendered; empty when not fired
    priority: str = "medium"
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "fired": self.fired,
            "priority": self.priority,
            "description": self.description,
            "reasons": list(self.reasons),
            "actions": [dict(action) for action in self.actions],
        }


@dataclass(frozen=True)
class Evaluation:
    outcomes: list[RuleOutcome]

    @property
    def fired(self) -> list[RuleOutcome]:
        return [outcome for outcome in self.outcomes if outcome.fired]

    @property
    def actions(self) -> list[dict[str, Any]]:
        """Every rendered action of the fired rules, in outcome order."""
        return [action for outcome in self.fired for action in outcome.actions]

    def actions_by_category(self) -> dict[str, list[dict[str, Any]]]:
        """Rendered actions grouped by category, categories in CATEGORIES order (empty ones left out)."""
        grouped: dict[str, list[dict[str, Any]]] = {category: [] for category in CATEGORIES}
        for action in self.actions:
            grouped.setdefault(action["category"], []).append(action)
        return {category: actions for category, actions in grouped.items() if actions}

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_count": len(self.outcomes),
            "fired_count": len(self.fired),
            "fired_rule_ids": [outcome.rule_id for outcome in self.fired],
            "outcomes": [outcome.as_dict() for outcome in self.outcomes],
        }


# --------------------------------------------------------------------------- public entry points


def evaluate(configuration: dict[str, Any], traits: dict[str, Any]) -> Evaluation:
    """Every rule's outcome over ``traits``, ordered by priority (high first) then config order.

    Never raises on odd input: a malformed rule or condition does not fire and says why.
    """
    traits = traits if isinstance(traits, dict) else {}
    rules = configuration.get("rules") if isinstance(configuration, dict) else None
    if not isinstance(rules, list):
        return Evaluation(outcomes=[])
    outcomes = [_evaluate_rule(rule, index, traits) for index, rule in enumerate(rules)]
    order = {priority: rank for rank, priority in enumerate(PRIORITIES)}
    ranked = sorted(enumerate(outcomes), key=lambda pair: (order.get(pair[1].priority, 1), pair[0]))
    return Evaluation(outcomes=[outcome for _, outcome in ranked])


def render_template(template: str, traits: dict[str, Any]) -> str:
    """``template`` with each ``{dot.path}`` replaced by the trait's value (``unknown`` if missing)."""

    def replace(match: re.Match[str]) -> str:
        return format_value(get_path(traits, match.group(1), MISSING), for_text=True)

    return PLACEHOLDER_RE.sub(replace, template)


def format_value(value: Any, *, for_text: bool = False) -> str:
    """A trait value as people read it: numbers rounded to one decimal (72.46 → 72.5, 60.0 → 60),
    strings quoted in reasons (bare in rendered text), lists joined; missing → ``unknown``."""
    if value is MISSING or value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return ("yes" if value else "no") if for_text else ("true" if value else "false")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return UNKNOWN
        rounded = Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return str(int(rounded)) if rounded == rounded.to_integral_value() else str(rounded)
    if isinstance(value, str):
        if for_text:
            return value
        shown = value if len(value) <= MAX_SHOWN_CHARS else value[: MAX_SHOWN_CHARS - 1] + "…"
        return json.dumps(shown, ensure_ascii=False)
    if isinstance(value, list | tuple):
        if for_text and not all(_is_scalar(item) for item in value):
            return UNKNOWN
        # Scalars only (no recursion into nested lists); long lists are cut in reasons.
        items = value if for_text else value[:MAX_SHOWN_ITEMS]
        parts = [format_value(item, for_text=for_text) if _is_scalar(item) else "…" for item in items]
        if len(items) < len(value):
            parts.append(f"… {len(value) - len(items)} more")
        inner = ", ".join(parts)
        return inner if for_text else f"[{inner}]"
    return UNKNOWN if for_text else "an object"


def trait_paths(configuration: dict[str, Any]) -> list[str]:
    """Every trait path the configuration's conditions read, sorted (for previews and docs)."""
    found: set[str] = set()

    def walk(node: Any, depth: int) -> None:
        if depth > MAX_CONDITION_DEPTH or not isinstance(node, dict):
            return
        if isinstance(node.get("trait"), str):
            found.add(node["trait"])
        for key in ("all", "any"):
            if isinstance(node.get(key), list):
                for child in node[key]:
                    walk(child, depth + 1)
        if "not" in node:
            walk(node["not"], depth + 1)

    for rule in configuration.get("rules", []) if isinstance(configuration, dict) else []:
        if isinstance(rule, dict):
            walk(rule.get("conditions"), 0)
    return sorted(found)


# --------------------------------------------------------------------------- rules


def _evaluate_rule(rule: Any, index: int, traits: dict[str, Any]) -> RuleOutcome:
    if not isinstance(rule, dict):
        return RuleOutcome(
            rule_id=f"rule-{index}", fired=False, reasons=[f"rule {index} is not an object {FAIL}"]
        )
    rule_id = str(rule.get("id") or f"rule-{index}")
    actions = [action for action in rule.get("actions") or [] if isinstance(action, dict)]
    priority = _rule_priority(rule, actions)
    description = rule.get("description") if isinstance(rule.get("description"), str) else ""
    conditions = rule.get("conditions")
    if conditions is None:
        return RuleOutcome(rule_id, False, [f"the rule has no conditions {FAIL}"], [], priority, description)
    reasons: list[str] = []
    try:
        fired = _check_node(conditions, traits, reasons, depth=0, root=True)
    except _TooDeep:
        reason = f"the conditions are nested deeper than {MAX_CONDITION_DEPTH} levels {FAIL}"
        return RuleOutcome(rule_id, False, [reason], [], priority, description)
    rendered = [_render_action(action, traits) for action in actions] if fired else []
    return RuleOutcome(rule_id, fired, reasons, rendered, priority, description)


def _rule_priority(rule: dict[str, Any], actions: list[dict[str, Any]]) -> str:
    if rule.get("priority") in PRIORITIES:
        return rule["priority"]
    given = [action.get("priority") for action in actions if action.get("priority") in PRIORITIES]
    if not given:
        return DEFAULT_PRIORITY
    return min(given, key=PRIORITIES.index)


def _render_action(action: dict[str, Any], traits: dict[str, Any]) -> dict[str, Any]:
    action_type = action.get("type") if action.get("type") in ACTION_TYPES else "suggestion"
    category = action.get("category") if action.get("category") in CATEGORIES else DEFAULT_CATEGORY
    priority = action.get("priority") if action.get("priority") in PRIORITIES else DEFAULT_PRIORITY
    template = action.get("template")
    text = render_template(template, traits) if isinstance(template, str) else ""
    return {"type": action_type, "category": category, "text": text, "priority": priority}


# --------------------------------------------------------------------------- conditions


class _TooDeep(Exception):
    """A condition tree deeper than MAX_CONDITION_DEPTH: the whole rule does not fire."""


def _check_node(
    node: Any, traits: dict[str, Any], reasons: list[str], *, depth: int, root: bool = False
) -> bool:
    """Evaluate one condition node, appending one sentence per leaf and one per group.

    Every child is evaluated (no short-circuit) so the explanation is complete. The root ``all``
    adds no line of its own (the outcome says whether it held); other groups add a summary line
    and indent their children by two spaces per level.
    """
    indent = "  " * depth
    if depth > MAX_CONDITION_DEPTH:
        raise _TooDeep
    if not isinstance(node, dict):
        reasons.append(f"{indent}a condition is not an object {FAIL}")
        return False
    if "all" in node or "any" in node:
        key = "all" if "all" in node else "any"
        children = node[key]
        if not isinstance(children, list):
            reasons.append(f"{indent}'{key}' must be a list of conditions {FAIL}")
            return False
        flat = root and key == "all"
        child_depth = depth if flat else depth + 1
        child_reasons: list[str] = []
        results = [_check_node(child, traits, child_reasons, depth=child_depth) for child in children]
        held = all(results) if key == "all" else any(results)
        if not flat:
            count = sum(results)
            if key == "all":
                summary = (
                    f"all of {len(results)} held" if held else f"{count} of {len(results)} held, all needed"
                )
            else:
                summary = f"{count} of {len(results)} held" + ("" if held else ", at least one needed")
            reasons.append(f"{indent}{key}: {summary} {_mark(held)}")
        reasons.extend(child_reasons)
        return held
    if "not" in node:
        child_reasons = []
        inner = _check_node(node["not"], traits, child_reasons, depth=depth + 1)
        held = not inner
        reasons.append(f"{indent}not: the condition below {'did not hold' if held else 'held'} {_mark(held)}")
        reasons.extend(child_reasons)
        return held
    held, reason = check_trait(node, traits)
    reasons.append(f"{indent}{reason}")
    return held


def check_trait(check: dict[str, Any], traits: dict[str, Any]) -> tuple[bool, str]:
    """One ``trait_check``: whether it holds, and the sentence that says why."""
    if check.get("type", "trait_check") != "trait_check":
        return False, f"unknown condition type {format_value(check.get('type'))} {FAIL}"
    path = check.get("trait")
    operator = check.get("operator")
    if not isinstance(path, str) or not PATH_RE.match(path):
        return False, f"the trait path {format_value(path)} is not a dot path {FAIL}"
    if operator not in OPERATORS:
        return False, f"{path}: unknown operator {format_value(operator)} {FAIL}"
    expected = check.get("value", MISSING)
    actual = get_path(traits, path, MISSING)
    if actual is None:
        actual = MISSING  # a null leaf counts as missing

    if operator == "exists":
        want_present = True if expected is MISSING else expected
        if not isinstance(want_present, bool):
            return False, f"{path}: 'exists' takes true or false, not {format_value(expected)} {FAIL}"
        present = actual is not MISSING
        held = present == want_present
        text = f"{path} exists (= {format_value(actual)})" if present else f"{path} is missing"
        if not want_present:
            text += ", expected it to be missing"
        return held, f"{text} {_mark(held)}"

    if expected is MISSING:
        return False, f"{path}: the '{operator}' check has no value to compare with {FAIL}"

    if actual is MISSING:
        if operator == "not_equals":
            return True, f"{path} is missing, so it is not {format_value(expected)} {PASS}"
        return False, f"{path} is missing {FAIL}"

    shown, wanted = format_value(actual), format_value(expected)
    if operator == "equals":
        held = _same(actual, expected)
        return held, (f"{path} = {shown} {PASS}" if held else f"{path} = {shown}, not {wanted} {FAIL}")
    if operator == "not_equals":
        held = not _same(actual, expected)
        return held, (
            f"{path} = {shown}, not {wanted} {PASS}"
            if held
            else f"{path} = {shown}, must not be {wanted} {FAIL}"
        )

    if operator == "in":
        if not isinstance(expected, list):
            return False, f"{path}: 'in' needs a list of values, not {wanted} {FAIL}"
        held = any(_same(actual, option) for option in expected)
        return held, f"{path} = {shown}, {'one' if held else 'not one'} of {wanted} {_mark(held)}"

    # gt, gte, lt, lte, between: numbers only.
    if not _is_number(actual):
        return False, f"{path} = {format_value(actual)} is not a number, so it cannot be compared {FAIL}"
    if operator == "between":
        if not (isinstance(expected, list) and len(expected) == 2 and all(_is_number(v) for v in expected)):
            return False, f"{path}: 'between' needs [low, high] numbers, not {format_value(expected)} {FAIL}"
        low, high = expected
        held = low <= actual <= high
        return held, (
            f"{path} = {format_value(actual)} between {format_value(low)} and {format_value(high)} "
            f"(inclusive) {_mark(held)}"
        )
    if not _is_number(expected):
        return (
            False,
            f"{path}: '{operator}' needs a number to compare with, not {format_value(expected)} {FAIL}",
        )
    held = {
        "gt": actual > expected,
        "gte": actual >= expected,
        "lt": actual < expected,
        "lte": actual <= expected,
    }[operator]
    return (
        held,
        f"{path} = {format_value(actual)} {_SYMBOLS[operator]} {format_value(expected)} {_mark(held)}",
    )


def _mark(held: bool) -> str:
    return PASS if held else FAIL


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _same(actual: Any, expected: Any) -> bool:
    """Equality as JSON means it: 1 == 1.0, but true is not 1 and "1" is not 1."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    if _is_number(actual) and _is_number(expected):
        return actual == expected
    if type(actual) is not type(expected):
        return False
    return actual == expected
