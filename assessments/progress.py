"""How far a respondent is: one rule for every page, the dashboard and the API (pure, no ORM).

A question counts toward progress when the branch rules show it and it is either required or
already answered. An optional question left blank is not "missing", so finishing every required
question reads "N of N, 100 %" (DISC once ended at "16 of 17, 94 %" with nothing left to do),
and answering an optional one counts it without ever lowering the percentage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from assessments import scoring


@dataclass(frozen=True)
class Progress:
    answered: int  # visible items with an answer
    visible: int  # items the branch rules show, given the answers so far
    required_missing: list[str]  # visible required items without an answer, in order
    total: int  # visible items that count: required ones plus answered optional ones

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 100


def progress_of(
    items: Mapping[str, scoring.Item], visible: Iterable[str], answers: Mapping[str, scoring.Answer]
) -> Progress:
    """`items` by key, `visible` keys in order (scoring.visible_items), `answers` by key."""
    visible = list(visible)
    answered = {key for key in visible if scoring.is_answered(items[key], answers.get(key))}
    missing = [key for key in visible if items[key].required and key not in answered]
    return Progress(
        answered=len(answered),
        visible=len(visible),
        required_missing=missing,
        total=len(answered) + len(missing),
    )
