"""Answers: when an item counts as answered, what its answer is worth, and per-item validation."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from assessments.scoring.model import Answer, Item

# Tolerance for "on the step grid": (x - min) / step may be off an integer by this much (relative).
_STEP_TOLERANCE = 1e-9


def is_answered(item: Item, answer: Answer | None) -> bool:
    """Whether `answer` carries a value for `item`'s type.

    A multi-choice answer that is present counts as answered even when it selects nothing: an
    empty selection is the respondent's "none of these" (subject to `min_selected`).
    """
    if answer is None:
        return False
    if item.type == "boolean":
        return answer.boolean is not None
    if item.type == "scalar":
        return answer.number is not None
    if item.type == "single_choice":
        return answer.option is not None
    if item.type == "multi_choice":
        return True
    if item.type == "text":
        return answer.text is not None and answer.text.strip() != ""
    return False


def answer_value(item: Item, answer: Answer) -> Any:
    """The answer as JSON Logic sees it (`var`): bool, number, option key, list of keys or text."""
    if item.type == "boolean":
        return answer.boolean
    if item.type == "scalar":
        number = float(answer.number)
        return int(number) if number.is_integer() else number
    if item.type == "single_choice":
        return answer.option
    if item.type == "multi_choice":
        return list(answer.options)
    return answer.text


def _fmt(number: Any) -> str:
    number = float(number)
    return str(int(number)) if number.is_integer() else repr(number)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool) and math.isfinite(value)


def validate_answer(item: Item, answer: Answer) -> str | None:
    """None when `answer` is acceptable for `item`, else a message to show the respondent.

    An empty answer is acceptable for an optional item (it clears the answer) and is refused for a
    required one.
    """
    validator = _VALIDATORS.get(item.type)
    if validator is None:
        return f"Unknown item type {item.type!r}."
    if not is_answered(item, answer):
        if not item.required:
            return None
        return {
            "boolean": "Answer yes or no.",
            "scalar": "Enter a number.",
            "single_choice": "Choose one of the options.",
            "text": "Enter some text.",
        }[item.type]
    return validator(item, answer)


def _validate_boolean(item: Item, answer: Answer) -> str | None:
    if not isinstance(answer.boolean, bool):
        return "Answer yes or no."
    return None


def _validate_scalar(item: Item, answer: Answer) -> str | None:
    if not _is_number(answer.number):
        return "Enter a number."
    number = float(answer.number)
    low, high, step = (item.config.get(k) for k in ("min", "max", "step"))
    low = None if low is None else float(low)
    high = None if high is None else float(high)
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            return f"Enter a number between {_fmt(low)} and {_fmt(high)}."
        if low is not None:
            return f"Enter a number of at least {_fmt(low)}."
        return f"Enter a number of at most {_fmt(high)}."
    if step:
        step = float(step)
        base = low if low is not None else 0.0
        steps = (number - base) / step
        if abs(steps - round(steps)) > _STEP_TOLERANCE * max(1.0, abs(steps)):
            if (base / step).is_integer():
                return f"Must be a multiple of {_fmt(step)}."
            return f"Must be {_fmt(base)} plus a multiple of {_fmt(step)}."
    return None


def _validate_single_choice(item: Item, answer: Answer) -> str | None:
    if not isinstance(answer.option, str):
        return "Choose one of the options."
    if answer.option not in {option.key for option in item.options}:
        return f"Unknown option {answer.option!r}."
    return None


def _validate_multi_choice(item: Item, answer: Answer) -> str | None:
    known = {option.key for option in item.options}
    seen: set[str] = set()
    for key in answer.options:
        if key not in known:
            return f"Unknown option {key!r}."
        if key in seen:
            return f"Option {key!r} is selected more than once."
        seen.add(key)
    count = len(answer.options)
    min_selected = item.config.get("min_selected") or 0
    max_selected = item.config.get("max_selected")
    if count < min_selected:
        return f"Choose at least {min_selected} option{'s' if min_selected != 1 else ''}."
    if max_selected is not None and count > max_selected:
        return f"Choose at most {max_selected} option{'s' if max_selected != 1 else ''}."
    return None


def _validate_text(item: Item, answer: Answer) -> str | None:
    if not isinstance(answer.text, str):
        return "Enter some text."
    max_length = item.config.get("max_length")
    if max_length is not None and len(answer.text) > max_length:
        return f"Use at most {max_length} characters."
    return None


_VALIDATORS = {
    "boolean": _validate_boolean,
    "scalar": _validate_scalar,
    "single_choice": _validate_single_choice,
    "multi_choice": _validate_multi_choice,
    "text": _validate_text,
}
