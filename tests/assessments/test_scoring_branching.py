"""Branch rules: visible_items() and the JSON Logic operators rules may use."""

from __future__ import annotations

import pytest

from assessments.scoring import (
    Answer,
    BranchRule,
    Dimension,
    Instrument,
    Item,
    ModelDefinition,
    Option,
    check_instrument,
    visible_items,
)
from assessments.scoring.branching import check_logic, evaluate_logic

MODEL = ModelDefinition(dimensions=(Dimension("d", "D"),), composites=(), config={})
YES_NO = (Option("yes", 1), Option("no", 0))


def show(logic) -> tuple[BranchRule, ...]:
    return (BranchRule("show", logic),)


def skip(logic) -> tuple[BranchRule, ...]:
    return (BranchRule("skip", logic),)


def instrument(*items: Item) -> Instrument:
    return Instrument(model=MODEL, items=items)


def test_items_without_rules_are_always_visible():
    inst = instrument(Item("a", "boolean"), Item("b", "text"))
    assert visible_items(inst, {}) == (["a", "b"], [])


def test_without_any_rule_every_answer_sheet_shows_every_item_and_callers_get_their_own_list():
    inst = instrument(Item("a", "boolean"), Item("b", "text"), Item("c", "boolean"))
    assert not inst.has_branching
    first, skipped = visible_items(inst, {"a": Answer(boolean=False)})
    assert (first, skipped) == (["a", "b", "c"], [])
    first.append("changed by a caller")
    assert visible_items(inst, {}) == (["a", "b", "c"], [])
    assert instrument(Item("a", "boolean"), Item("b", "text", branch=show({"var": "a"}))).has_branching


def test_show_rule_shows_an_item_only_when_true():
    inst = instrument(Item("a", "boolean"), Item("b", "text", branch=show({"==": [{"var": "a"}, True]})))
    assert visible_items(inst, {"a": Answer(boolean=True)}) == (["a", "b"], [])
    assert visible_items(inst, {"a": Answer(boolean=False)}) == (["a"], ["b"])
    assert visible_items(inst, {}) == (["a"], ["b"])  # unanswered reads as null


def test_skip_rule_hides_an_item_when_true():
    inst = instrument(
        Item("a", "single_choice", options=YES_NO), Item("b", "text", branch=skip({"var": "a"}))
    )
    assert visible_items(inst, {"a": Answer(option="no")}) == (["a"], ["b"])  # "no" is a non-empty string
    assert visible_items(inst, {}) == (["a", "b"], [])


def test_a_skipped_items_answer_does_not_feed_later_rules():
    inst = instrument(
        Item("a", "boolean"),
        Item("b", "scalar", config={"min": 0, "max": 10}, branch=show({"var": "a"})),
        Item("c", "text", branch=show({">": [{"var": "b"}, 5]})),
    )
    answers = {"a": Answer(boolean=False), "b": Answer(number=9)}
    assert visible_items(inst, answers) == (["a"], ["b", "c"])
    answers["a"] = Answer(boolean=True)
    assert visible_items(inst, answers) == (["a", "b", "c"], [])


def test_rules_see_option_keys_and_lists_of_keys():
    inst = instrument(
        Item("one", "single_choice", options=YES_NO),
        Item("many", "multi_choice", options=YES_NO),
        Item("x", "text", branch=show({"==": [{"var": "one"}, "yes"]})),
        Item("y", "text", branch=show({"in": ["no", {"var": "many"}]})),
        Item("z", "text", branch=show({"var": "many"})),  # [] is false in JSON Logic
    )
    answers = {"one": Answer(option="yes"), "many": Answer(options=())}
    assert visible_items(inst, answers) == (["one", "many", "x"], ["y", "z"])
    answers["many"] = Answer(options=("no",))
    assert visible_items(inst, answers) == (["one", "many", "x", "y", "z"], [])


def test_every_rule_of_an_item_must_allow_it():
    inst = instrument(
        Item("a", "scalar", config={"min": 0, "max": 10}),
        Item(
            "b",
            "text",
            branch=(
                BranchRule("show", {">=": [{"var": "a"}, 3]}),
                BranchRule("skip", {"==": [{"var": "a"}, 7]}),
            ),
        ),
    )
    assert visible_items(inst, {"a": Answer(number=5)})[0] == ["a", "b"]
    assert visible_items(inst, {"a": Answer(number=7)})[1] == ["b"]
    assert visible_items(inst, {"a": Answer(number=2)})[1] == ["b"]


def test_item_keys_with_dots_are_looked_up_whole():
    inst = instrument(Item("sec.q1", "boolean"), Item("q2", "text", branch=show({"var": "sec.q1"})))
    assert visible_items(inst, {"sec.q1": Answer(boolean=True)}) == (["sec.q1", "q2"], [])


def test_answers_to_unknown_items_are_ignored():
    inst = instrument(Item("a", "boolean"), Item("b", "text", branch=show({"var": "ghost"})))
    assert visible_items(inst, {"ghost": Answer(boolean=True)}) == (["a"], ["b"])


@pytest.mark.parametrize(
    ("logic", "data", "truth"),
    [
        ({"var": ["missing", True]}, {}, True),  # var with a default
        ({"==": [1, "1"]}, {}, True),
        ({"===": [1, "1"]}, {}, False),
        ({"===": [True, 1]}, {}, False),  # unlike Python's True == 1
        ({"!==": [True, 1]}, {}, True),
        ({"!=": [{"var": "a"}, 2]}, {"a": 2}, False),
        ({"!": [{"var": "a"}]}, {}, True),
        ({"!!": ["0"]}, {}, True),
        ({"!!": [0]}, {}, False),
        ({"and": [True, {"var": "a"}]}, {"a": 0}, False),
        ({"or": [False, {"var": "a"}]}, {"a": "x"}, True),
        ({"if": [{"var": "a"}, False, True]}, {"a": True}, False),
        ({"<": [1, {"var": "a"}, 3]}, {"a": 2}, True),  # between
        ({"<=": [1, {"var": "a"}, 2]}, {"a": 2}, True),
        ({">": [{"+": [{"var": "a"}, {"var": "b"}]}, 5]}, {"a": 2, "b": 4}, True),
        ({"==": [{"*": [{"var": "a"}, 2]}, {"-": [10, 4]}]}, {"a": 3}, True),
        ({"==": [{"/": [{"var": "a"}, 4]}, 0.5]}, {"a": 2}, True),
        ({"in": ["b", {"var": "a"}]}, {"a": ["a", "b"]}, True),
        ({"in": ["Spring", "Springfield"]}, {}, True),
        ({"missing": ["a", "b"]}, {"a": 1}, True),  # ["b"] is truthy
        ({"missing": ["a"]}, {"a": 1}, False),
        ({"/": [1, 0]}, {}, False),  # a failing rule counts as false
    ],
)
def test_json_logic_operators(logic, data, truth):
    assert evaluate_logic(logic, data) is truth


def test_check_logic_accepts_earlier_items_and_scoped_vars():
    logic = {"and": [{"var": "a"}, {"some": [{"var": "b"}, {"==": [{"var": ""}, "x"]}]}, {"var": "b.length"}]}
    assert check_logic(logic, {"a", "b"}) == []


@pytest.mark.parametrize(
    ("logic", "problem"),
    [
        ({"var": "later"}, "refers to 'later', which is not an earlier item"),
        ({"regex": ["a", "b"]}, "unknown JSON Logic operator 'regex'"),
        ({"log": "hello"}, "unknown JSON Logic operator 'log'"),
        ({"==": [1, 1], "!=": [1, 2]}, "not a JSON Logic operation: ['!=', '==']"),
    ],
)
def test_check_logic_reports_problems(logic, problem):
    assert check_logic(logic, {"a"}) == [problem]


def test_a_rule_about_a_later_item_makes_the_instrument_invalid():
    inst = instrument(Item("a", "text", branch=show({"var": "b"})), Item("b", "boolean"))
    assert check_instrument(inst) == ["item 'a': branch[0]: refers to 'b', which is not an earlier item"]
