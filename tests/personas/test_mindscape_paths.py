"""Dot paths (pure): read, write, delete, walk, and what a valid path and value are."""

from __future__ import annotations

import pytest

from personas import paths


def test_get_path_reads_nested_values_and_defaults():
    tree = {"a": {"b": {"c": 1}}, "x": 2}
    assert paths.get_path(tree, "a.b.c") == 1
    assert paths.get_path(tree, "a.b") == {"c": 1}
    assert paths.get_path(tree, "a.z", None) is None
    assert paths.get_path(tree, "x.y") is paths.MISSING


def test_set_path_creates_parents_and_replaces_a_leaf_on_the_way():
    tree = {"a": 1}
    paths.set_path(tree, "a.b.c", 2)
    paths.set_path(tree, "d", [1])
    assert tree == {"a": {"b": {"c": 2}}, "d": [1]}


def test_delete_path_removes_the_value_and_empty_parents():
    tree = {"a": {"b": {"c": 1}}, "x": {"y": 1, "z": 2}}
    assert paths.delete_path(tree, "a.b.c") is True
    assert paths.delete_path(tree, "x.y") is True
    assert paths.delete_path(tree, "x.nope") is False
    assert paths.delete_path(tree, "x.z.deeper") is False
    assert tree == {"x": {"z": 2}}


def test_iter_leaves_walks_every_leaf_in_key_order():
    tree = {"b": {"d": 1, "c": [1, 2]}, "a": "x", "e": {}}
    assert list(paths.iter_leaves(tree)) == [("a", "x"), ("b.c", [1, 2]), ("b.d", 1), ("e", {})]


def test_within_and_overlaps_respect_segment_boundaries():
    assert paths.is_within("a.b", "a")
    assert not paths.is_within("ab", "a")
    assert paths.overlaps("a", "a.b.c") and paths.overlaps("a.b", "a.b")
    assert not paths.overlaps("a.b", "a.c")


@pytest.mark.parametrize(
    "path", ["big_five.openness.score", "work.chronotype", "a", "q1.d2", ".".join(["a"] * 8)]
)
def test_valid_paths(path):
    assert paths.path_errors(path) == []


@pytest.mark.parametrize(
    "path", ["", "Big_five", "a..b", "a.", ".a", "a-b", "a b", "a.b.c.d.e.f.g.h.i", "a" * 201, 3, None]
)
def test_invalid_paths(path):
    assert paths.path_errors(path)


def test_values_are_bounded_json_whose_keys_are_segments():
    assert paths.value_errors({"pace": "fast", "hours": [9, 10]}) == []
    assert paths.value_errors("x" * (paths.MAX_VALUE_BYTES + 1))
    assert paths.value_errors(float("nan"))
    assert paths.value_errors({"Bad": 1})
    assert paths.value_errors(list(range(paths.MAX_VALUE_ITEMS + 1)))
    assert paths.value_errors({"b": {"c": 1}}, depth=7)  # would reach depth 9
    assert paths.value_errors({"b": 1}, depth=7) == []


def test_segment_turns_slugs_into_path_segments():
    assert paths.segment("ipip-neo-120") == "ipip_neo_120"
    assert paths.segment("N1-Anxiety") == "n1_anxiety"
