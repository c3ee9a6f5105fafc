"""Build an `Instrument` straight from a `personai.questionnaire/1` document.

Only the scoring-relevant fields are read (texts and translations are ignored). The file has no
database ids, so a mapping's id is `<item key>#<index>` unless the mapping carries an `id`. Used to
score an import file before it is imported, and by the golden tests.
"""

from __future__ import annotations

from collections import abc
from datetime import datetime
from typing import Any

from assessments.scoring.model import (
    Answer,
    BranchRule,
    Composite,
    Dimension,
    Instrument,
    Item,
    Mapping,
    ModelDefinition,
    Option,
    Threshold,
)


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def instrument_from_format(document: abc.Mapping[str, Any]) -> Instrument:
    model = document["analysis_model"]
    dimensions = tuple(
        Dimension(
            slug=d["slug"],
            name=d.get("name", d["slug"]),
            parent=d.get("parent"),
            sort_order=d.get("sort_order", 0),
            thresholds=tuple(
                Threshold(
                    key=t["key"],
                    label=t.get("label", t["key"]),
                    narrative=t.get("narrative", ""),
                    lower=t.get("lower"),
                    upper=t.get("upper"),
                    lower_inclusive=t.get("lower_inclusive", True),
                    upper_inclusive=t.get("upper_inclusive", False),
                )
                for t in d.get("thresholds", ())
            ),
        )
        for d in model.get("dimensions", ())
    )
    composites = tuple(
        Composite(
            slug=c["slug"],
            name=c.get("name", c["slug"]),
            kind=c["kind"],
            dimensions=tuple(c.get("dimensions", ())),
            weights=dict(c.get("weights") or {}),
        )
        for c in model.get("composites", ())
    )
    items = tuple(_item(i) for i in document["version"]["items"])
    return Instrument(
        model=ModelDefinition(dimensions=dimensions, composites=composites, config=model.get("config", {})),
        items=items,
    )


def _item(data: abc.Mapping[str, Any]) -> Item:
    return Item(
        key=data["key"],
        type=data["type"],
        required=data.get("required", True),
        unscored=data.get("unscored", False),
        config=data.get("config") or {},
        options=tuple(Option(key=o["key"], value=o.get("value")) for o in data.get("options", ())),
        mappings=tuple(
            Mapping(
                id=m.get("id", f"{data['key']}#{index}"),
                dimension=m["dimension"],
                rule=m["rule"],
                params=m.get("params") or {},
                option=m.get("option"),
                effective_from=_moment(m.get("effective_from")),
                effective_to=_moment(m.get("effective_to")),
            )
            for index, m in enumerate(data.get("mappings", ()))
        ),
        branch=tuple(BranchRule(action=b["action"], logic=b["logic"]) for b in data.get("branch", ())),
    )


def answers_from_dict(data: abc.Mapping[str, Any], instrument: Instrument) -> dict[str, Answer]:
    """`{"q1": true, "q2": 7, "q3": "opt", "q4": ["a", "b"], "q5": "text"}` → Answers by item type.

    Keys that are not items are passed through as empty answers (the engine ignores them).
    """
    types = {item.key: item.type for item in instrument.items}
    answers: dict[str, Answer] = {}
    for key, value in data.items():
        kind = types.get(key)
        if value is None:
            answers[key] = Answer()
        elif kind == "boolean":
            answers[key] = Answer(boolean=value)
        elif kind == "scalar":
            answers[key] = Answer(number=value)
        elif kind == "single_choice":
            answers[key] = Answer(option=value)
        elif kind == "multi_choice":
            answers[key] = Answer(options=tuple(value))
        elif kind == "text":
            answers[key] = Answer(text=value)
        else:
            answers[key] = Answer()
    return answers
