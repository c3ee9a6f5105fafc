"""The JSON Schema of a mapper configuration, and the checks a schema cannot express.

``validate_configuration(config)`` returns ``{json_path: [messages]}`` — empty when the
configuration is valid. Paths are dot-joined from the configuration's root
(``rules.2.conditions.all.0.operator``); an error about the whole document is under ``$``.
Pure Python (``jsonschema``), no ORM.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from personas.rules import (
    ACTION_TYPES,
    CATEGORIES,
    MAX_CONDITION_DEPTH,
    NUMERIC_OPERATORS,
    OPERATORS,
    PATH_PATTERN,
    PATH_RE,
    PLACEHOLDER_RE,
    PRIORITIES,
)

ROOT = "$"
MAX_RULES = 500
MAX_ACTIONS_PER_RULE = 20
MAX_CHILDREN = 50
MAX_TEMPLATE_LENGTH = 2000
RULE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,254}$"

_SCALAR = {"type": ["string", "number", "boolean"]}

CONFIGURATION_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://personai.local/schemas/mapper-configuration.json",
    "title": "Mapper configuration",
    "description": (
        "Rules over a mindscape's traits tree. Each rule has an id, a condition tree of all/any/not "
        "over trait_checks, and actions (suggestion or template text with {dot.path} placeholders)."
    ),
    "type": "object",
    "required": ["metadata", "rules"],
    "additionalProperties": False,
    "properties": {
        "metadata": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "id": {"type": "string", "maxLength": 255},
                "name": {"type": "string", "minLength": 1, "maxLength": 200},
                "description": {"type": "string", "maxLength": 2000},
                "author": {"type": "string", "maxLength": 255},
            },
        },
        "rules": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_RULES,
            "items": {"$ref": "#/$defs/rule"},
        },
    },
    "$defs": {
        "rule": {
            "type": "object",
            "required": ["id", "conditions", "actions"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "pattern": RULE_ID_PATTERN},
                "description": {"type": "string", "maxLength": 1000},
                "priority": {"enum": list(PRIORITIES)},
                "conditions": {"$ref": "#/$defs/condition"},
                "actions": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_ACTIONS_PER_RULE,
                    "items": {"$ref": "#/$defs/action"},
                },
            },
        },
        # A node is told apart by its key, so errors point inside the branch that was meant
        # (rules.0.conditions.all.1.operator), not at "valid under none of the alternatives".
        "condition": {
            "type": "object",
            "if": {"required": ["all"]},
            "then": {"$ref": "#/$defs/all"},
            "else": {
                "if": {"required": ["any"]},
                "then": {"$ref": "#/$defs/any"},
                "else": {
                    "if": {"required": ["not"]},
                    "then": {"$ref": "#/$defs/not"},
                    "else": {"$ref": "#/$defs/trait_check"},
                },
            },
        },
        "all": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "all": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_CHILDREN,
                    "items": {"$ref": "#/$defs/condition"},
                }
            },
        },
        "any": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "any": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_CHILDREN,
                    "items": {"$ref": "#/$defs/condition"},
                }
            },
        },
        "not": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"not": {"$ref": "#/$defs/condition"}},
        },
        "trait_check": {
            "type": "object",
            "required": ["type", "trait", "operator"],
            "additionalProperties": False,
            "properties": {
                "type": {"const": "trait_check"},
                "trait": {"type": "string", "maxLength": 200, "pattern": f"^{PATH_PATTERN}$"},
                "operator": {"enum": list(OPERATORS)},
                "value": {"anyOf": [_SCALAR, {"type": "array", "items": _SCALAR, "maxItems": 200}]},
            },
        },
        "action": {
            "type": "object",
            "required": ["type", "template"],
            "additionalProperties": False,
            "properties": {
                "type": {"enum": list(ACTION_TYPES)},
                "template": {"type": "string", "minLength": 1, "maxLength": MAX_TEMPLATE_LENGTH},
                "priority": {"enum": list(PRIORITIES)},
                "category": {"enum": list(CATEGORIES)},
            },
        },
    },
}

_VALIDATOR = Draft202012Validator(CONFIGURATION_SCHEMA)
_TYPE_NAMES = {
    "object": "an object",
    "array": "a list",
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
}


def validate_configuration(config: Any) -> dict[str, list[str]]:
    """Errors by JSON path (``rules.2.conditions.all.0.operator``); ``{}`` when valid."""
    errors: dict[str, list[str]] = defaultdict(list)
    too_deep = _too_deep(config)
    if too_deep is not None:
        # Checked first: the schema walk recurses once per level.
        errors[too_deep].append(f"Conditions may be nested at most {MAX_CONDITION_DEPTH} levels deep.")
        return dict(errors)
    for error in _VALIDATOR.iter_errors(config):
        for path, message in _describe(error):
            if message not in errors[path]:
                errors[path].append(message)
    if isinstance(config, dict) and isinstance(config.get("rules"), list):
        _semantic_checks(config["rules"], errors)
    return dict(sorted(errors.items(), key=_path_order))


def _path_order(item: tuple[str, list[str]]) -> list[Any]:
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in item[0].split(".")]


def _join(parts) -> str:
    return ".".join(str(part) for part in parts) or ROOT


def _describe(error: SchemaError) -> list[tuple[str, str]]:
    """One schema error as (path, sentence) pairs a person can act on."""
    path = list(error.absolute_path)
    validator = error.validator
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return [(_join([*path, missing]), "This field is required.")]
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        hint = f" Allowed here: {', '.join(allowed)}." if allowed else ""
        return [(_join([*path, key]), f"Unknown field '{key}'.{hint}") for key in extra]
    if validator == "type":
        expected = error.validator_value
        names = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_TYPE_NAMES.get(name, name) for name in names)
        return [(_join(path), f"Must be {wanted}.")]
    if validator == "enum":
        options = ", ".join(str(option) for option in error.validator_value)
        return [(_join(path), f"{error.instance!r} is not allowed; choose one of: {options}.")]
    if validator == "const":
        return [(_join(path), f"Must be {error.validator_value!r}.")]
    if validator == "pattern":
        if path and path[-1] == "trait":
            return [(_join(path), _bad_path_message(error.instance))]
        if path and path[-1] == "id":
            return [
                (
                    _join(path),
                    "A rule id is 1–255 letters, digits, '-', '_', '.' or ':' and starts with a letter or digit.",
                )
            ]
        return [(_join(path), f"{error.instance!r} does not have the expected form.")]
    if validator == "minItems":
        return [(_join(path), f"Must have at least {error.validator_value} item(s).")]
    if validator == "maxItems":
        return [(_join(path), f"Must have at most {error.validator_value} item(s).")]
    if validator == "minLength":
        return [(_join(path), "Must not be empty.")]
    if validator == "maxLength":
        return [(_join(path), f"Must be at most {error.validator_value} characters long.")]
    if validator == "anyOf" and path and path[-1] == "value":
        return [(_join(path), "Must be a string, number, true/false, or a list of those.")]
    return [(_join(path), error.message)]


def _bad_path_message(value: Any) -> str:
    return (
        f"{value!r} is not a dot path: use segments of letters, digits and '_' joined by dots, "
        "e.g. big_five.openness.score."
    )


def _too_deep(config: Any) -> str | None:
    """The path of the first condition nested deeper than MAX_CONDITION_DEPTH, walking iteratively."""
    if not isinstance(config, dict) or not isinstance(config.get("rules"), list):
        return None
    stack: list[tuple[Any, list[Any], int]] = [
        (rule.get("conditions"), ["rules", index, "conditions"], 0)
        for index, rule in enumerate(config["rules"])
        if isinstance(rule, dict)
    ]
    while stack:
        node, path, depth = stack.pop()
        if not isinstance(node, dict):
            continue
        if depth > MAX_CONDITION_DEPTH:
            return _join(path)
        for key in ("all", "any"):
            if isinstance(node.get(key), list):
                stack.extend((child, [*path, key, index], depth + 1) for index, child in enumerate(node[key]))
        if "not" in node:
            stack.append((node["not"], [*path, "not"], depth + 1))
    return None


# --------------------------------------------------------------------------- semantic checks


def _semantic_checks(rules: list[Any], errors: dict[str, list[str]]) -> None:
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        rule_id = rule.get("id")
        if isinstance(rule_id, str):
            if rule_id in seen:
                errors[f"rules.{index}.id"].append(
                    f"Duplicate rule id '{rule_id}' (also rule {seen[rule_id]}); rule ids must be unique."
                )
            else:
                seen[rule_id] = index
        _check_conditions(rule.get("conditions"), f"rules.{index}.conditions", errors)
        for action_index, action in enumerate(rule.get("actions") or []):
            if isinstance(action, dict) and isinstance(action.get("template"), str):
                _check_template(action["template"], f"rules.{index}.actions.{action_index}.template", errors)


def _check_conditions(node: Any, path: str, errors: dict[str, list[str]]) -> None:
    stack = [(node, path)]
    while stack:
        node, path = stack.pop()
        if not isinstance(node, dict):
            continue
        for key in ("all", "any"):
            if isinstance(node.get(key), list):
                stack.extend((child, f"{path}.{key}.{i}") for i, child in enumerate(node[key]))
        if "not" in node:
            stack.append((node["not"], f"{path}.not"))
        if not any(key in node for key in ("all", "any", "not")):
            _check_trait(node, path, errors)


def _check_trait(check: dict[str, Any], path: str, errors: dict[str, list[str]]) -> None:
    operator = check.get("operator")
    if operator not in OPERATORS:
        return  # the schema said so already
    value_path = f"{path}.value"
    has_value = "value" in check
    value = check.get("value")
    if operator == "exists":
        if has_value and not isinstance(value, bool):
            errors[value_path].append("'exists' takes true (present) or false (missing), or no value.")
        return
    if not has_value:
        errors[value_path].append(f"'{operator}' needs a value to compare with.")
        return
    if operator == "in":
        if not isinstance(value, list):
            errors[value_path].append('\'in\' takes a list of values, e.g. ["morning", "afternoon"].')
        elif not value:
            errors[value_path].append("'in' needs at least one value.")
        return
    if operator == "between":
        if not (isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value)):
            errors[value_path].append("'between' takes a [low, high] list of two numbers, e.g. [40, 60].")
        elif value[0] > value[1]:
            errors[value_path].append(f"'between' needs low ≤ high; got [{value[0]}, {value[1]}].")
        return
    if operator in NUMERIC_OPERATORS:
        if not _is_number(value):
            errors[value_path].append(f"'{operator}' compares numbers; the value must be a number.")
        return
    # equals / not_equals
    if isinstance(value, list):
        errors[value_path].append(f"'{operator}' compares one value; use 'in' for a list of values.")


def _check_template(template: str, path: str, errors: dict[str, list[str]]) -> None:
    """Braces that look like a placeholder but are not a valid dot path would print literally."""
    stripped = PLACEHOLDER_RE.sub("", template)
    if "{" in stripped or "}" in stripped:
        errors[path].append(
            "Placeholders are {dot.path} with letters, digits and '_' (e.g. {big_five.openness.score}); "
            "this text has a brace that is not one."
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_dot_path(path: str) -> bool:
    return bool(PATH_RE.match(path))
