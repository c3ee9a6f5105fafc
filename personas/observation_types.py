"""Observation types: a name and the JSON Schema its ``content`` must match.

Four types are built in (``work_session``, ``user_input``, ``calendar_event``,
``survey_feedback``). Another app adds one with :func:`register_observation_type` (at import
time, e.g. in its ``AppConfig.ready``)::

    register_observation_type("mood_check", {"type": "object", ...}, description="...")

:func:`content_errors` validates content with the ``jsonschema`` library and reports every
problem by JSON path, prefixed as the caller likes: ``{"content.duration_minutes":
["-5 is less than the minimum of 0"]}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,49}")

_format_checker = FormatChecker(formats=())


@_format_checker.checks("date-time", raises=ValueError)
def _is_datetime(value: Any) -> bool:
    """ISO 8601 date and time with a UTC offset (``2026-03-02T09:30:00+01:00`` or ``…Z``)."""
    if not isinstance(value, str):
        return True  # "type" reports non-strings
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("a date-time needs a UTC offset")
    return True


@_format_checker.checks("date", raises=ValueError)
def _is_date(value: Any) -> bool:
    if isinstance(value, str):
        datetime.strptime(value, "%Y-%m-%d")
    return True


@dataclass(frozen=True)
class ObservationType:
    name: str
    schema: dict[str, Any]
    validator: Draft202012Validator = field(repr=False, compare=False)
    description: str = ""


_registry: dict[str, ObservationType] = {}


def register_observation_type(name: str, schema: dict[str, Any], *, description: str = "") -> ObservationType:
    """Register (or replace) a type. Raises ValueError for a bad name or an invalid schema."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise ValueError(f"An observation type name is 1-50 of [a-z0-9_], starting with a letter: {name!r}")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise ValueError(f"The schema of {name!r} is not a valid JSON Schema: {exc.message}") from exc
    kind = ObservationType(
        name=name,
        schema=schema,
        description=description or schema.get("description", ""),
        validator=Draft202012Validator(schema, format_checker=_format_checker),
    )
    _registry[name] = kind
    return kind


def unregister_observation_type(name: str) -> None:
    """Forget a type (for tests that register their own)."""
    _registry.pop(name, None)


def get_observation_type(name: str) -> ObservationType | None:
    return _registry.get(name)


def observation_types() -> list[ObservationType]:
    return sorted(_registry.values(), key=lambda kind: kind.name)


def type_names() -> list[str]:
    return sorted(_registry)


def content_errors(name: str, content: Any, *, prefix: str = "content") -> dict[str, list[str]]:
    """Problems of ``content`` for type ``name``, keyed by JSON path under ``prefix`` (empty: valid)."""
    kind = _registry.get(name)
    if kind is None:
        return {}
    errors: dict[str, list[str]] = {}
    for error in sorted(
        kind.validator.iter_errors(content), key=lambda e: (list(map(str, e.path)), e.message)
    ):
        parts = [prefix, *(str(part) for part in error.absolute_path)]
        if error.validator == "required" and isinstance(error.instance, dict):
            # Point at the missing property itself, not at its parent.
            missing = [p for p in error.validator_value if p not in error.instance]
            for prop in missing:
                if error.message.startswith(repr(prop)):
                    parts.append(prop)
                    break
        key = ".".join(part for part in parts if part)
        errors.setdefault(key or "content", []).append(_message(error))
    return errors


def _message(error) -> str:
    alternatives = error.validator_value if error.validator == "anyOf" else None
    if alternatives and all(set(option) == {"required"} for option in alternatives):
        names = ", ".join(name for option in alternatives for name in option["required"])
        return f"Give at least one of: {names}."
    return error.message


# --------------------------------------------------------------------------- built-in types

_SHORT_TEXT = {"type": "string", "maxLength": 200}
_TAGS = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 50}, "maxItems": 20}

WORK_SESSION = {
    "title": "Work session",
    "description": "A stretch of work: when it started, how long, how focused. Feeds work.chronotype "
    "and work.focus_patterns of the mindscape.",
    "type": "object",
    "properties": {
        "started_at": {
            "type": "string",
            "format": "date-time",
            "description": "Start, ISO 8601 with the worker's own UTC offset (its hour counts as local).",
        },
        "duration_minutes": {"type": "number", "minimum": 0, "maximum": 1440},
        "focus_level": {"enum": ["deep", "moderate", "shallow"]},
        "activity": _SHORT_TEXT,
        "interruptions": {"type": "integer", "minimum": 0, "maximum": 1000},
        "energy": {"type": "integer", "minimum": 1, "maximum": 5},
        "tags": _TAGS,
        "notes": {"type": "string", "maxLength": 2000},
    },
    "required": ["duration_minutes"],
    "additionalProperties": False,
}

USER_INPUT = {
    "title": "User input",
    "description": "Something the subject said or wrote about themselves.",
    "type": "object",
    "properties": {
        "text": {"type": "string", "minLength": 1, "maxLength": 5000},
        "channel": {"type": "string", "maxLength": 50},
        "topic": _SHORT_TEXT,
        "tags": _TAGS,
    },
    "required": ["text"],
    "additionalProperties": False,
}

CALENDAR_EVENT = {
    "title": "Calendar event",
    "description": "An entry of the subject's calendar.",
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "starts_at": {"type": "string", "format": "date-time"},
        "ends_at": {"type": "string", "format": "date-time"},
        "category": {"enum": ["meeting", "focus", "social", "personal", "travel", "other"]},
        "attendees": {"type": "integer", "minimum": 0, "maximum": 10000},
        "location": _SHORT_TEXT,
        "recurring": {"type": "boolean"},
    },
    "required": ["title", "starts_at"],
    "additionalProperties": False,
}

SURVEY_FEEDBACK = {
    "title": "Survey feedback",
    "description": "Feedback on the subject gathered outside the questionnaires (a rating, a comment).",
    "type": "object",
    "properties": {
        "source": _SHORT_TEXT,
        "rating": {"type": "integer", "minimum": 1, "maximum": 5},
        "comment": {"type": "string", "minLength": 1, "maxLength": 2000},
        "topic": _SHORT_TEXT,
    },
    "anyOf": [{"required": ["rating"]}, {"required": ["comment"]}],
    "additionalProperties": False,
}

register_observation_type("work_session", WORK_SESSION)
register_observation_type("user_input", USER_INPUT)
register_observation_type("calendar_event", CALENDAR_EVENT)
register_observation_type("survey_feedback", SURVEY_FEEDBACK)
