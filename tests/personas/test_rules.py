"""The rule engine, operator by operator: pure Python, no database."""

from __future__ import annotations

import pytest

from personas import rules
from personas.rules import check_trait, evaluate, format_value, render_template, trait_paths

TRAITS = {
    "big_five": {"openness": {"score": 72.5}, "extraversion": {"score": 35}},
    "disc": {"primary_style": "i", "i": {"score": 80}},
    "work": {"chronotype": "evening", "focus_patterns": {"peak_hours": [20, 21]}},
    "nothing": None,
}


def check(trait: str, operator: str, *value) -> dict:
    node = {"type": "trait_check", "trait": trait, "operator": operator}
    if value:
        node["value"] = value[0]
    return node


def one_rule(conditions: dict, *actions: dict, **extra) -> dict:
    return {
        "metadata": {"name": "t"},
        "rules": [
            {
                "id": "r",
                "conditions": conditions,
                "actions": list(actions) or [{"type": "suggestion", "template": "fired"}],
                **extra,
            }
        ],
    }


def test_the_example_reason_reads_as_a_sentence():
    held, reason = check_trait(check("big_five.openness.score", "gte", 60), TRAITS)
    assert held is True
    assert reason == "big_five.openness.score = 72.5 ≥ 60 ✓"


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("equals", 35, True),
        ("equals", 35.0, True),
        ("equals", "35", False),
        ("not_equals", 36, True),
        ("not_equals", 35, False),
        ("in", [1, 35], True),
        ("in", [1, 2], False),
        ("gt", 34.9, True),
        ("gt", 35, False),
        ("gte", 35, True),
        ("gte", 35.1, False),
        ("lt", 35.1, True),
        ("lt", 35, False),
        ("lte", 35, True),
        ("lte", 34, False),
        ("between", [35, 40], True),
        ("between", [30, 35], True),
        ("between", [35, 35], True),
        ("between", [35.01, 40], False),
        ("between", [0, 34.99], False),
        ("exists", True, True),
        ("exists", False, False),
    ],
)
def test_each_operator_on_a_number(operator, value, expected):
    held, reason = check_trait(check("big_five.extraversion.score", operator, value), TRAITS)
    assert held is expected
    assert reason.endswith("✓" if expected else "✗")
    assert reason.startswith("big_five.extraversion.score")


def test_exists_without_a_value_asks_for_presence():
    assert check_trait(check("disc.primary_style", "exists"), TRAITS) == (
        True,
        'disc.primary_style exists (= "i") ✓',
    )
    assert check_trait(check("disc.d.score", "exists"), TRAITS) == (False, "disc.d.score is missing ✗")


@pytest.mark.parametrize("operator", ["equals", "in", "gt", "gte", "lt", "lte", "between"])
def test_a_missing_path_is_false_with_the_reason(operator):
    value = {"in": [1], "between": [0, 100]}.get(operator, 50)
    held, reason = check_trait(check("big_five.openness.facets.ideas.score", operator, value), TRAITS)
    assert held is False
    assert reason == "big_five.openness.facets.ideas.score is missing ✗"


def test_a_missing_path_is_not_equal_to_anything():
    held, reason = check_trait(check("work.mood", "not_equals", "tense"), TRAITS)
    assert held is True
    assert "work.mood is missing" in reason


def test_a_null_leaf_counts_as_missing():
    assert check_trait(check("nothing", "exists"), TRAITS)[0] is False
    assert check_trait(check("nothing", "exists", False), TRAITS)[0] is True


@pytest.mark.parametrize(
    ("trait", "shown"),
    [
        ("work.chronotype", '"evening"'),
        ("work.focus_patterns.peak_hours", "[20, 21]"),
        ("big_five.openness", "an object"),
    ],
)
@pytest.mark.parametrize("operator", ["gt", "gte", "lt", "lte", "between"])
def test_numeric_operators_on_non_numbers_are_false_with_a_reason(trait, shown, operator):
    value = [0, 100] if operator == "between" else 10
    held, reason = check_trait(check(trait, operator, value), TRAITS)
    assert held is False
    assert reason == f"{trait} = {shown} is not a number, so it cannot be compared ✗"


def test_booleans_are_not_numbers():
    traits = {"flag": True}
    assert check_trait(check("flag", "gte", 0), traits)[0] is False
    assert check_trait(check("flag", "equals", 1), traits)[0] is False
    assert check_trait(check("flag", "equals", True), traits)[0] is True


def test_bad_values_in_an_unvalidated_configuration_never_raise():
    assert check_trait(check("big_five.extraversion.score", "gt", "ten"), TRAITS)[0] is False
    assert check_trait(check("big_five.extraversion.score", "between", [50, "x"]), TRAITS)[0] is False
    assert check_trait(check("big_five.extraversion.score", "between", 5), TRAITS)[0] is False
    assert check_trait(check("big_five.extraversion.score", "in", 35), TRAITS)[0] is False
    assert check_trait(check("big_five.extraversion.score", "exists", "yes"), TRAITS)[0] is False
    assert check_trait(check("big_five.extraversion.score", "gt"), TRAITS)[0] is False
    assert check_trait(check("big five", "exists"), TRAITS)[0] is False
    assert check_trait(check("a", "like", 1), TRAITS)[0] is False
    assert check_trait({"type": "regex", "trait": "a", "operator": "equals", "value": 1}, TRAITS)[0] is False


@pytest.mark.parametrize(
    "configuration",
    [
        None,
        [],
        {},
        {"rules": "none"},
        {"rules": [None, 3, "x"]},
        {"rules": [{"id": "r"}]},
        {"rules": [{"id": "r", "conditions": [1, 2], "actions": [{"template": "x"}]}]},
        {"rules": [{"id": "r", "conditions": {"all": "x"}, "actions": "x"}]},
        {"rules": [{"id": "r", "conditions": {"not": None}, "actions": [None, {"template": 5}]}]},
    ],
)
def test_malformed_configurations_evaluate_without_raising(configuration):
    evaluation = evaluate(configuration, TRAITS)
    assert all(not outcome.fired or outcome.reasons for outcome in evaluation.outcomes)


def test_a_runaway_nesting_stops_with_a_reason():
    node = check("disc.primary_style", "exists")
    for _ in range(200):
        node = {"not": node}
    outcome = evaluate(one_rule(node), TRAITS).outcomes[0]
    assert outcome.fired is False
    assert any("nested deeper" in reason for reason in outcome.reasons)


def test_all_needs_every_child_and_explains_each():
    conditions = {"all": [check("disc.primary_style", "equals", "i"), check("disc.i.score", "gte", 90)]}
    outcome = evaluate(one_rule(conditions), TRAITS).outcomes[0]
    assert outcome.fired is False
    assert outcome.reasons == ['disc.primary_style = "i" ✓', "disc.i.score = 80 ≥ 90 ✗"]
    assert outcome.actions == []


def test_any_needs_one_child_and_not_inverts():
    conditions = {
        "all": [
            {
                "any": [
                    check("work.chronotype", "equals", "morning"),
                    check("work.chronotype", "equals", "evening"),
                ]
            },
            {"not": check("big_five.extraversion.score", "gte", 60)},
        ]
    }
    outcome = evaluate(one_rule(conditions), TRAITS).outcomes[0]
    assert outcome.fired is True
    assert outcome.reasons == [
        "any: 1 of 2 held ✓",
        '  work.chronotype = "evening", not "morning" ✗',
        '  work.chronotype = "evening" ✓',
        "not: the condition below did not hold ✓",
        "  big_five.extraversion.score = 35 ≥ 60 ✗",
    ]


def test_a_bare_trait_check_may_be_the_whole_condition():
    assert evaluate(one_rule(check("disc.primary_style", "in", ["i", "s"])), TRAITS).outcomes[0].fired


def test_actions_render_placeholders_with_defaults():
    action = {"type": "template", "template": "O {big_five.openness.score}, A {big_five.agreeableness.score}"}
    outcome = evaluate(one_rule(check("disc.primary_style", "exists"), action), TRAITS).outcomes[0]
    assert outcome.actions == [
        {"type": "template", "category": "other", "text": "O 72.5, A unknown", "priority": "medium"}
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (72.46, "72.5"),
        (72.45, "72.5"),
        (60.0, "60"),
        (35, "35"),
        (99.96, "100"),
        ("evening", "evening"),
        (True, "yes"),
    ],
)
def test_numbers_are_rounded_sensibly_in_text(value, text):
    assert render_template("{x}", {"x": value}) == text
    assert format_value(value, for_text=True) == text


def test_braces_that_are_not_placeholders_stay_as_written():
    assert render_template("{not a path} {x}", {"x": 1}) == "{not a path} 1"


def test_outcomes_are_ordered_by_priority_then_configuration_order():
    def rule(rule_id, priority=None, action_priority="medium"):
        body = {
            "id": rule_id,
            "conditions": check("disc.primary_style", "exists"),
            "actions": [{"type": "suggestion", "template": rule_id, "priority": action_priority}],
        }
        if priority:
            body["priority"] = priority
        return body

    configuration = {
        "metadata": {"name": "t"},
        "rules": [
            rule("a-low", action_priority="low"),
            rule("b-medium"),
            rule("c-high-by-rule", priority="high", action_priority="low"),
            rule("d-low", action_priority="low"),
            rule("e-high", action_priority="high"),
        ],
    }
    outcomes = evaluate(configuration, TRAITS).outcomes
    assert [o.rule_id for o in outcomes] == ["c-high-by-rule", "e-high", "b-medium", "a-low", "d-low"]


def test_every_rule_is_reported_fired_or_not():
    configuration = {
        "metadata": {"name": "t"},
        "rules": [
            {
                "id": "yes",
                "conditions": check("disc.primary_style", "exists"),
                "actions": [{"type": "suggestion", "template": "y"}],
            },
            {
                "id": "no",
                "conditions": check("disc.d.score", "exists"),
                "actions": [{"type": "suggestion", "template": "n"}],
            },
        ],
    }
    evaluation = evaluate(configuration, TRAITS)
    assert [o.rule_id for o in evaluation.outcomes] == ["yes", "no"]
    assert [o.rule_id for o in evaluation.fired] == ["yes"]
    assert evaluation.as_dict()["fired_rule_ids"] == ["yes"]
    assert evaluation.actions_by_category() == {
        "other": [{"type": "suggestion", "category": "other", "text": "y", "priority": "medium"}]
    }


def test_trait_paths_lists_what_a_configuration_reads():
    conditions = {
        "all": [check("b.x", "exists"), {"not": {"any": [check("a.y", "gt", 1), check("b.x", "lt", 3)]}}]
    }
    assert trait_paths(one_rule(conditions)) == ["a.y", "b.x"]


def test_the_engine_imports_nothing_from_django():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(rules.__file__).read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any(name.startswith(("django", "rest_framework")) for name in imported)
    assert imported <= {
        "__future__",
        "json",
        "math",
        "re",
        "dataclasses",
        "decimal",
        "typing",
        "personas.paths",
    }


def test_long_values_are_cut_in_reasons_and_nested_lists_are_not_walked():
    held, reason = check_trait(check("x", "in", list(range(40))), {"x": 100})
    assert held is False
    assert reason == "x = 100, not one of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, … 28 more] ✗"
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    assert format_value({"a": 1}) == "an object"
    assert format_value(deep) == "[…]"
    assert len(format_value("y" * 1000)) == rules.MAX_SHOWN_CHARS + 2  # quotes around it
