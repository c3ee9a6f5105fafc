"""Dot paths into a nested dict (``big_five.openness.score``). Pure Python.
(Owner: observations+mindscapes work; shared by the rule engine.)

A path is 1–8 segments of ``[a-z0-9_]+`` joined by dots, at most 200 characters. Questionnaire
and dimension slugs become segments with :func:`segment` (``n1-anxiety`` → ``n1_anxiety``).
A *leaf* is any value that is not a non-empty dict; :func:`iter_leaves` walks them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

MISSING = object()

SEGMENT_RE = re.compile(r"[a-z0-9_]+")
MAX_DEPTH = 8
MAX_PATH_CHARS = 200
# One value written by hand (a scalar, list or object), serialised as JSON.
MAX_VALUE_BYTES = 16_384
MAX_VALUE_ITEMS = 200  # list items or object keys per container


def segment(slug: str) -> str:
    """A slug as a path segment: lower case, '-' → '_'."""
    return slug.lower().replace("-", "_")


def get_path(tree: dict[str, Any], path: str, default: Any = MISSING) -> Any:
    """The value at ``path``, or ``default`` (MISSING when not given) if any step is absent."""
    node: Any = tree
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


def set_path(tree: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Put ``value`` at ``path`` in place, creating (or replacing non-dict) intermediate nodes."""
    keys = path.split(".")
    node = tree
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[keys[-1]] = value
    return tree


def delete_path(tree: dict[str, Any], path: str) -> bool:
    """Remove ``path`` in place; parents left empty are removed too. True if something was removed."""
    keys = path.split(".")
    trail: list[tuple[dict[str, Any], str]] = []
    node: Any = tree
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return False
        trail.append((node, key))
        node = node[key]
    parent, key = trail.pop()
    del parent[key]
    while trail and not parent:
        parent, key = trail.pop()
        del parent[key]
    return True


def iter_leaves(tree: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(path, value) of every leaf, depth first, in key order."""
    if isinstance(tree, dict) and tree:
        for key in sorted(tree):
            yield from iter_leaves(tree[key], f"{prefix}.{key}" if prefix else key)
    elif prefix:
        yield prefix, tree


def is_within(path: str, other: str) -> bool:
    """True if ``path`` is ``other`` or lies under it (``a.b`` is within ``a``; ``ab`` is not)."""
    return path == other or path.startswith(other + ".")


def overlaps(path: str, other: str) -> bool:
    """True if writing one of the two paths changes what the other addresses."""
    return is_within(path, other) or is_within(other, path)


def path_errors(path: Any) -> list[str]:
    """Why ``path`` is not a valid dot path (an empty list if it is)."""
    if not isinstance(path, str):
        return ["A path must be a string."]
    if not path:
        return ["A path must not be empty."]
    errors = []
    if len(path) > MAX_PATH_CHARS:
        errors.append(f"A path has at most {MAX_PATH_CHARS} characters (this one has {len(path)}).")
    keys = path.split(".")
    if len(keys) > MAX_DEPTH:
        errors.append(f"A path has at most {MAX_DEPTH} segments (this one has {len(keys)}).")
    if any(not SEGMENT_RE.fullmatch(key) for key in keys):
        errors.append("Each segment of a path is lower-case letters, digits and '_', separated by dots.")
    return errors


def value_errors(value: Any, *, depth: int = 1) -> list[str]:
    """Why ``value`` cannot be stored at a path ``depth`` segments deep (empty list if it can).

    JSON scalars, lists and objects; object keys are path segments (so every part of the tree
    stays addressable); the whole tree stays within :data:`MAX_DEPTH`; bounded size.
    """
    try:
        size = len(json.dumps(value, allow_nan=False).encode())
    except (TypeError, ValueError):
        return ["A value must be JSON (no NaN or Infinity)."]
    if size > MAX_VALUE_BYTES:
        return [f"A value is at most {MAX_VALUE_BYTES} bytes as JSON (this one has {size})."]
    errors: list[str] = []
    _check_node(value, depth, errors)
    return errors


def _check_node(value: Any, depth: int, errors: list[str]) -> None:
    if isinstance(value, dict):
        if len(value) > MAX_VALUE_ITEMS:
            errors.append(f"An object has at most {MAX_VALUE_ITEMS} keys.")
            return
        if value and depth >= MAX_DEPTH:
            errors.append(f"The tree is at most {MAX_DEPTH} levels deep; this value nests too far.")
            return
        for key, child in value.items():
            if not SEGMENT_RE.fullmatch(key):
                errors.append(f"Object key {key!r} is not a path segment (lower-case letters, digits, '_').")
                return
            _check_node(child, depth + 1, errors)
            if errors:
                return
    elif isinstance(value, list) and len(value) > MAX_VALUE_ITEMS:
        # List items are values, not subtrees: bounded by count and the byte limit only.
        errors.append(f"A list has at most {MAX_VALUE_ITEMS} items.")
