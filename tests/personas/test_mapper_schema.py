"""The mapper configuration schema: errors by JSON path, plus the checks a schema cannot express."""

from __future__ import annotations

import copy

import pytest

from personas.mapper_schema import CONFIGURATION_SCHEMA, validate_configuration
from tests.personas.mapper_fixtures import CONFIGURATION


def with_check(**check) -> dict:
    config = copy.deepcopy(CONFIGURATION)
    config["rules"][0]["conditions"] = {"all": [{"type": "trait_check", "trait": "a.b", **check}]}
    return config


def test_a_valid_configuration_has_no_errors():
    assert validate_configuration(CONFIGURATION) == {}


def test_the_schema_is_a_draft_2020_12_document():
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(CONFIGURATION_SCHEMA)


@pytest.mark.parametrize(
    ("config", "path", "fragment"),
    [
        ([], "$", "Must be an object."),
        ({}, "rules", "This field is required."),
        ({"metadata": {"name": "x"}, "rules": []}, "rules", "at least 1"),
        ({"metadata": {}, "rules": CONFIGURATION["rules"]}, "metadata.name", "required"),
        ({**CONFIGURATION, "extra": 1}, "extra", "Unknown field 'extra'"),
    ],
)
def test_document_level_errors(config, path, fragment):
    errors = validate_configuration(config)
    assert path in errors, errors
    assert any(fragment in message for message in errors[path])


def test_errors_point_inside_nested_conditions():
    config = copy.deepcopy(CONFIGURATION)
    config["rules"][1]["conditions"] = {
        "any": [
            {"type": "trait_check", "trait": "a", "operator": "equals", "value": 1},
            {"not": {"all": [{"type": "trait_check", "trait": "b", "operator": "is", "value": 2}]}},
        ]
    }
    errors = validate_configuration(config)
    assert list(errors) == ["rules.1.conditions.any.1.not.all.0.operator"]


def test_a_node_with_two_group_keys_is_refused():
    config = copy.deepcopy(CONFIGURATION)
    check = {"type": "trait_check", "trait": "a", "operator": "exists"}
    config["rules"][0]["conditions"] = {"all": [check], "any": [check]}
    assert "rules.0.conditions.any" in validate_configuration(config)


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ({"operator": "between", "value": [60, 40]}, "'between' needs low ≤ high; got [60, 40]."),
        ({"operator": "between", "value": [40]}, "'between' takes a [low, high] list of two numbers"),
        ({"operator": "between", "value": [40, "60"]}, "'between' takes a [low, high] list of two numbers"),
        ({"operator": "in", "value": "morning"}, "'in' takes a list of values"),
        ({"operator": "in", "value": []}, "'in' needs at least one value."),
        (
            {"operator": "exists", "value": "yes"},
            "'exists' takes true (present) or false (missing), or no value.",
        ),
        ({"operator": "gte", "value": "60"}, "'gte' compares numbers; the value must be a number."),
        ({"operator": "gte", "value": True}, "'gte' compares numbers; the value must be a number."),
        ({"operator": "lt"}, "'lt' needs a value to compare with."),
        ({"operator": "equals", "value": ["a", "b"]}, "use 'in' for a list of values"),
    ],
)
def test_operator_values(check, message):
    errors = validate_configuration(with_check(**check))
    assert any(message in m for m in errors["rules.0.conditions.all.0.value"]), errors


@pytest.mark.parametrize(
    "check",
    [
        {"operator": "between", "value": [40, 40]},
        {"operator": "between", "value": [0.5, 99.5]},
        {"operator": "exists"},
        {"operator": "exists", "value": False},
        {"operator": "in", "value": ["a", 1, True]},
        {"operator": "equals", "value": False},
    ],
)
def test_operator_values_that_are_fine(check):
    assert validate_configuration(with_check(**check)) == {}


@pytest.mark.parametrize("trait", ["big five", "big_five..score", ".a", "a.", "a.b-c", ""])
def test_trait_paths_must_be_dot_paths(trait):
    config = with_check(operator="exists")
    config["rules"][0]["conditions"]["all"][0]["trait"] = trait
    errors = validate_configuration(config)
    assert any("is not a dot path" in m for m in errors["rules.0.conditions.all.0.trait"])


def test_rule_ids_are_unique_and_well_formed():
    config = copy.deepcopy(CONFIGURATION)
    config["rules"][1]["id"] = "open-mind"
    config["rules"].append({**copy.deepcopy(CONFIGURATION["rules"][0]), "id": "has space"})
    errors = validate_configuration(config)
    assert errors["rules.1.id"] == ["Duplicate rule id 'open-mind' (also rule 0); rule ids must be unique."]
    assert "rules.2.id" in errors


def test_actions_are_checked():
    config = copy.deepcopy(CONFIGURATION)
    config["rules"][0]["actions"] = [
        {"type": "nudge", "template": "x", "priority": "urgent", "category": "mood"},
        {"type": "template", "template": "Hello {big five}"},
        {"type": "template"},
    ]
    errors = validate_configuration(config)
    assert set(errors) == {
        "rules.0.actions.0.type",
        "rules.0.actions.0.priority",
        "rules.0.actions.0.category",
        "rules.0.actions.1.template",
        "rules.0.actions.2.template",
    }


def test_a_deeply_nested_tree_is_refused_without_recursing():
    node = {"type": "trait_check", "trait": "a", "operator": "exists"}
    for _ in range(5000):
        node = {"not": node}
    config = copy.deepcopy(CONFIGURATION)
    config["rules"][0]["conditions"] = node
    errors = validate_configuration(config)
    [(path, messages)] = errors.items()
    assert path.startswith("rules.0.conditions.not.not")
    assert messages == ["Conditions may be nested at most 12 levels deep."]
