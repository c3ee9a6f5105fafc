"""Dot paths into a nested dict (``big_five.openness.score``). Pure Python.
(Owner: observations+mindscapes work; shared by the rule engine.)"""

from __future__ import annotations

from typing import Any

MISSING = object()


def get_path(tree: dict[str, Any], path: str, default: Any = MISSING) -> Any:
    """The value at ``path``, or ``default`` (MISSING when not given) if any step is absent."""
    node: Any = tree
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node
