"""The mapper rule engine: pure Python, no ORM. (Owner: mappers work; contract stub until filled.)

``evaluate(configuration, traits)`` runs every rule of a mapper configuration over a mindscape's
traits tree and explains itself: which rules fired, with their actions rendered, and why each
rule fired or not.

Every action of a fired rule is rendered to a dict
``{"type": "suggestion" | "template", "category": str, "text": str, "priority": "high" | "medium" | "low"}``
where ``category`` is one of CATEGORIES and ``text`` is the action's template with
``{dot.path}`` placeholders replaced by the trait values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CATEGORIES = ("voice", "values", "working_style", "energises", "drains", "communication", "other")


@dataclass(frozen=True)
class RuleOutcome:
    rule_id: str
    fired: bool
    reasons: list[str]  # one sentence per condition checked, e.g. "big_five.openness.score = 72 ≥ 60"
    actions: list[dict[str, Any]] = field(default_factory=list)  # rendered; empty when not fired
    priority: str = "medium"


@dataclass(frozen=True)
class Evaluation:
    outcomes: list[RuleOutcome]

    @property
    def fired(self) -> list[RuleOutcome]:
        return [outcome for outcome in self.outcomes if outcome.fired]


def evaluate(configuration: dict[str, Any], traits: dict[str, Any]) -> Evaluation:
    return Evaluation(outcomes=[])
