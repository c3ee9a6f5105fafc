"""validate_answer(): the per-item messages the delivery API returns with a 400."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assessments.scoring import Answer, Item, Option, validate_answer

BOOLEAN = Item("b", "boolean")
SCALE = Item("s", "scalar", config={"min": 0, "max": 10, "step": 0.5})
OFFSET_SCALE = Item("o", "scalar", config={"min": 1, "max": 9, "step": 2})
CONTINUOUS = Item("c", "scalar", config={"min": -1, "max": 1})
CHOICE = Item("one", "single_choice", options=(Option("a", 1), Option("b", 2), Option("na", None)))
MULTI = Item(
    "many",
    "multi_choice",
    config={"min_selected": 1, "max_selected": 2},
    options=(Option("x", None), Option("y", None), Option("z", None)),
)
FREE_MULTI = Item("free", "multi_choice", options=(Option("x", None),))
TEXT = Item("t", "text", config={"max_length": 5})


def optional(item: Item) -> Item:
    return Item(item.key, item.type, required=False, config=item.config, options=item.options)


@pytest.mark.parametrize(
    ("item", "answer", "message"),
    [
        (BOOLEAN, Answer(boolean=True), None),
        (BOOLEAN, Answer(boolean=False), None),
        (BOOLEAN, Answer(), "Answer yes or no."),
        (BOOLEAN, Answer(number=1), "Answer yes or no."),
        (SCALE, Answer(number=0), None),
        (SCALE, Answer(number=10), None),
        (SCALE, Answer(number=7.5), None),
        (SCALE, Answer(number=Decimal("2.5")), None),
        (SCALE, Answer(number=10.5), "Enter a number between 0 and 10."),
        (SCALE, Answer(number=-0.5), "Enter a number between 0 and 10."),
        (SCALE, Answer(number=7.25), "Must be a multiple of 0.5."),
        (SCALE, Answer(number=float("nan")), "Enter a number."),
        (SCALE, Answer(number=float("inf")), "Enter a number."),
        (SCALE, Answer(number=True), "Enter a number."),
        (SCALE, Answer(), "Enter a number."),
        (OFFSET_SCALE, Answer(number=5), None),
        (OFFSET_SCALE, Answer(number=4), "Must be 1 plus a multiple of 2."),
        (CONTINUOUS, Answer(number=0.123456), None),
        (CONTINUOUS, Answer(number=1.5), "Enter a number between -1 and 1."),
        (Item("lo", "scalar", config={"min": 0}), Answer(number=-1), "Enter a number of at least 0."),
        (Item("hi", "scalar", config={"max": 3}), Answer(number=4), "Enter a number of at most 3."),
        (Item("tiny", "scalar", config={"min": 1, "max": 5, "step": 0.001}), Answer(number=2.999), None),
        (CHOICE, Answer(option="a"), None),
        (CHOICE, Answer(option="na"), None),
        (CHOICE, Answer(), "Choose one of the options."),
        (CHOICE, Answer(option="x"), "Unknown option 'x'."),
        (MULTI, Answer(options=("x",)), None),
        (MULTI, Answer(options=("x", "z")), None),
        (MULTI, Answer(options=()), "Choose at least 1 option."),
        (MULTI, Answer(options=("x", "y", "z")), "Choose at most 2 options."),
        (MULTI, Answer(options=("x", "q")), "Unknown option 'q'."),
        (MULTI, Answer(options=("x", "x")), "Option 'x' is selected more than once."),
        (FREE_MULTI, Answer(options=()), None),  # an empty selection is "none of these"
        (TEXT, Answer(text="hello"), None),
        (TEXT, Answer(text="too long"), "Use at most 5 characters."),
        (TEXT, Answer(text="   "), "Enter some text."),
        (TEXT, Answer(), "Enter some text."),
        (Item("u", "matrix"), Answer(text="?"), "Unknown item type 'matrix'."),
    ],
)
def test_validate_answer(item: Item, answer: Answer, message: str | None):
    assert validate_answer(item, answer) == message


@pytest.mark.parametrize("item", [BOOLEAN, SCALE, CHOICE, TEXT])
def test_an_empty_answer_clears_an_optional_item(item: Item):
    assert validate_answer(optional(item), Answer()) is None


def test_an_optional_item_still_checks_a_given_answer():
    assert validate_answer(optional(SCALE), Answer(number=11)) == "Enter a number between 0 and 10."
    assert validate_answer(optional(CHOICE), Answer(option="zz")) == "Unknown option 'zz'."


def test_fields_for_other_types_are_ignored():
    assert validate_answer(BOOLEAN, Answer(boolean=True, number=99, option="nope")) is None
