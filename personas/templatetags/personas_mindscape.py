"""Template helpers of the mindscape tree and the observation timeline (subject page partials).

``{% mindscape_tree mindscape as nodes %}`` turns the traits into nested nodes for
``personas/_mindscape_node.html``; ``observation|observation_fields`` gives a compact list of
(label, text) pairs of an observation's content; ``name|observation_label`` a type's label.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django import template
from django.utils.dateformat import format as format_date

from personas import paths

register = template.Library()

TOP_ORDER = ["big_five", "disc", "others", "work", "questionnaires"]
SCORE_ORDER = ["score", "raw", "band", "band_label", "n", "facets"]
FIELDS_SHOWN = 6
TEXT_CHARS = 80
SOURCE_LABELS = {
    "assessment": "questionnaire",
    "survey": "others",
    "observation": "observed",
    "manual": "set by hand",
}
LABELS = {"big_five": "Big Five", "disc": "DISC", "others": "What others said", "n": "Responders"}


@dataclass
class Node:
    key: str
    label: str
    path: str
    children: list[Node] = field(default_factory=list)
    value_text: str = ""
    summary: str = ""
    source_text: str = ""
    source_title: str = ""
    depth: int = 0


def _label(key: str) -> str:
    if key in LABELS:
        return LABELS[key]
    text = key.replace("_", " ")
    return text[:1].upper() + text[1:]


def _number(value: float | int) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def _datetime(text: str) -> datetime | None:
    """An ISO date-time as written in content (``2026-03-02T09:30:00+01:00``), else None."""
    if len(text) < 16 or text[4:5] != "-" or "T" not in text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def value_text(value: Any) -> str:
    """A leaf value as short text: numbers rounded, lists joined, objects as compact JSON."""
    if value is None or value == {} or value == []:
        return "–"
    if isinstance(value, bool | int | float):
        return _number(value)
    if isinstance(value, str):
        moment = _datetime(value)
        if moment is not None:
            return format_date(moment, "j M Y, H:i") + (f" ({moment:%z})" if moment.utcoffset() else "")
        return value if len(value) <= TEXT_CHARS else value[: TEXT_CHARS - 1] + "…"
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        text = ", ".join(value_text(item) for item in value)
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= TEXT_CHARS else text[: TEXT_CHARS - 1] + "…"


def _source(source: dict[str, Any] | None) -> tuple[str, str]:
    if not isinstance(source, dict):
        return "", ""
    kind = source.get("kind", "")
    text = SOURCE_LABELS.get(kind, kind)
    if kind in ("assessment", "survey") and source.get("questionnaire"):
        text = f"{text} · {source['questionnaire']}"
    title = ", ".join(
        f"{key}: {value}" for key, value in source.items() if key != "kind" and value is not None
    )
    return text, title


def _ordered(keys, depth: int) -> list[str]:
    order = TOP_ORDER if depth == 0 else SCORE_ORDER
    return sorted(keys, key=lambda key: (order.index(key) if key in order else len(order), key))


def _summary(node: dict[str, Any]) -> str:
    """A score node's headline: "62 · High" (its leaves stay inside)."""
    parts = []
    if isinstance(node.get("score"), int | float):
        parts.append(_number(node["score"]))
    if isinstance(node.get("band_label"), str) and node["band_label"]:
        parts.append(node["band_label"])
    if not parts and isinstance(node.get("n"), int):
        parts.append(f"{node['n']} responders")
    return " · ".join(parts)


def build_nodes(
    tree: dict[str, Any], sources: dict[str, Any], prefix: str = "", depth: int = 0
) -> list[Node]:
    nodes = []
    for key in _ordered(tree, depth):
        value = tree[key]
        path = f"{prefix}.{key}" if prefix else key
        node = Node(key=key, label=_label(key), path=path, depth=depth)
        if isinstance(value, dict) and value:
            node.children = build_nodes(value, sources, path, depth + 1)
            node.summary = _summary(value)
        else:
            node.value_text = value_text(value)
            node.source_text, node.source_title = _source(sources.get(path))
        nodes.append(node)
    return nodes


@register.simple_tag
def mindscape_tree(mindscape) -> list[Node]:
    if mindscape is None or not mindscape.traits:
        return []
    return build_nodes(mindscape.traits, mindscape.sources or {})


@register.simple_tag
def mindscape_leaf_count(mindscape) -> int:
    if mindscape is None:
        return 0
    return sum(1 for _ in paths.iter_leaves(mindscape.traits or {}))


@register.filter
def observation_label(name: str) -> str:
    return _label(str(name))


@register.filter
def observation_fields(observation) -> list[tuple[str, str]]:
    """Up to six (label, text) pairs of the content; the rest is summarised as "+ n more"."""
    content = observation.content
    if not isinstance(content, dict):
        return [("Content", value_text(content))]
    items = list(content.items())
    shown = [(_label(str(key)), value_text(value)) for key, value in items[:FIELDS_SHOWN]]
    if len(items) > FIELDS_SHOWN:
        rest = len(items) - FIELDS_SHOWN
        shown.append(("More", f"+ {rest} more field{'s' if rest != 1 else ''}"))
    return shown
