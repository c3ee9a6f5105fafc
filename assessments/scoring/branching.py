"""Branch rules: which items a respondent sees, given the answers so far.

Rules are JSON Logic (https://jsonlogic.com), evaluated by `panzi-json-logic`, which emulates the
reference JavaScript implementation (loose `==`, JavaScript truthiness: `[]` and `0` are false,
`"0"` is true). Three operators are adjusted here:

- `var` first looks the whole name up, so item keys containing dots (`sec.q1`) work; only then
  does it follow a dotted path (`q3.length`).
- `===` / `!==` do not treat `true` and `1` as identical (Python's `True == 1` would).
- `log` is not available (it prints).

A rule that fails while running (say a division by zero) counts as false.
"""

from __future__ import annotations

from collections import abc
from typing import Any

from json_logic import jsonLogic
from json_logic.builtins import BUILTINS, op_var, to_bool

from assessments.scoring.answers import answer_value, is_answered
from assessments.scoring.model import Answer, Instrument, Item

# Operators with their own data scope: `var` inside their second argument is not an item key.
_SCOPED_OPERATORS = frozenset({"map", "filter", "reduce", "all", "some", "none"})
_SPECIAL_OPERATORS = frozenset({"if", "?:", "and", "or"}) | _SCOPED_OPERATORS


def _var(data: Any = None, key: Any = None, default: Any = None, *_ignored: Any) -> Any:
    if isinstance(data, dict) and isinstance(key, str) and key in data:
        value = data[key]
        return default if value is None else value
    return op_var(data, key, default)


def _strict_equals(data: Any = None, a: Any = None, b: Any = None, *_ignored: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


OPERATIONS: dict[str, Any] = {name: fn for name, fn in BUILTINS.items() if name != "log"}
OPERATIONS["var"] = _var
OPERATIONS["==="] = _strict_equals
OPERATIONS["!=="] = lambda data=None, a=None, b=None, *_ignored: not _strict_equals(data, a, b)

KNOWN_OPERATORS = frozenset(OPERATIONS) | _SPECIAL_OPERATORS


def evaluate_logic(logic: Any, data: abc.Mapping[str, Any]) -> bool:
    """JSON Logic truthiness of `logic` over `data`; a run-time failure counts as false."""
    try:
        return to_bool(jsonLogic(logic, dict(data), OPERATIONS))
    except (ArithmeticError, TypeError, ValueError, ReferenceError, LookupError, RecursionError):
        return False


def check_logic(logic: Any, earlier_keys: abc.Set[str]) -> list[str]:
    """Problems with a branch rule: unknown operators and `var`s that are not earlier items."""
    problems: list[str] = []
    _check_node(logic, earlier_keys, problems, scoped=False)
    return problems


def _check_node(node: Any, earlier: abc.Set[str], problems: list[str], *, scoped: bool) -> None:
    if isinstance(node, list):
        for child in node:
            _check_node(child, earlier, problems, scoped=scoped)
        return
    if not isinstance(node, dict):
        return
    if len(node) != 1:
        problems.append(f"not a JSON Logic operation: {sorted(node)!r}")
        return
    ((operator, args),) = node.items()
    if operator not in KNOWN_OPERATORS:
        problems.append(f"unknown JSON Logic operator {operator!r}")
        return
    args = args if isinstance(args, list) else [args]
    if operator == "var" and not scoped and args and isinstance(args[0], str) and args[0] != "":
        name = args[0]
        prefixes = {".".join(name.split(".")[:n]) for n in range(1, name.count(".") + 2)}
        if not prefixes & earlier:
            problems.append(f"refers to {name!r}, which is not an earlier item")
    if operator in _SCOPED_OPERATORS:
        if args:
            _check_node(args[0], earlier, problems, scoped=scoped)
        for child in args[1:]:
            _check_node(child, earlier, problems, scoped=True)
        return
    for child in args:
        _check_node(child, earlier, problems, scoped=scoped)


def is_visible(item: Item, data: abc.Mapping[str, Any]) -> bool:
    """Shown unless a `show` rule is false or a `skip` rule is true (rules checked in order)."""
    for rule in item.branch:
        truth = evaluate_logic(rule.logic, data)
        if (rule.action == "show" and not truth) or (rule.action == "skip" and truth):
            return False
    return True


def visible_items(instrument: Instrument, answers: abc.Mapping[str, Answer]) -> tuple[list[str], list[str]]:
    """(visible item keys in order, skipped item keys in order).

    An item's rules see only the answers to earlier *visible* items: the answer to a skipped item
    is ignored and never feeds a later rule.
    """
    if not instrument.has_branching:  # nothing can hide an item (most instruments)
        return list(instrument.item_keys), []
    visible: list[str] = []
    skipped: list[str] = []
    data: dict[str, Any] = {}
    for item in instrument.items:
        if item.branch and not is_visible(item, data):
            skipped.append(item.key)
            continue
        visible.append(item.key)
        answer = answers.get(item.key)
        if is_answered(item, answer):
            data[item.key] = answer_value(item, answer)
    return visible, skipped
