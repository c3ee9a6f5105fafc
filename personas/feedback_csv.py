"""The staff CSV of persona feedback: one row per feedback, newest first.

Columns: created_at, feedback_id, persona_id, subject_id, config_id, mapper_version, rule_id,
rating, helpful (true/false/empty), comment, context (JSON), created_by (email). Text a
spreadsheet would run as a formula gets a leading single quote (assessments.exports.escape_cell).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

from assessments.exports import escape_cell, stream_rows
from personas.models import Feedback

HEADER = [
    "created_at",
    "feedback_id",
    "persona_id",
    "subject_id",
    "config_id",
    "mapper_version",
    "rule_id",
    "rating",
    "helpful",
    "comment",
    "context",
    "created_by",
]
CHUNK_SIZE = 2000


def _bool(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def feedback_row(feedback: Feedback) -> list[str]:
    persona = feedback.persona
    return [
        feedback.created_at.isoformat(),
        str(feedback.pk),
        str(feedback.persona_id or ""),
        str(persona.subject_id) if persona else "",
        escape_cell(persona.mapper_config_id if persona else ""),
        "" if feedback.mapper_version is None else str(feedback.mapper_version),
        escape_cell(feedback.rule_id),
        "" if feedback.rating is None else str(feedback.rating),
        _bool(feedback.helpful),
        escape_cell(feedback.comment),
        escape_cell(
            json.dumps(feedback.context, ensure_ascii=False, sort_keys=True) if feedback.context else ""
        ),
        escape_cell(feedback.created_by.email if feedback.created_by else ""),
    ]


def feedback_rows(queryset: QuerySet[Feedback]) -> Iterable[list[str]]:
    yield HEADER
    for feedback in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield feedback_row(feedback)


def stream_feedback_csv(queryset: QuerySet[Feedback]) -> Iterator[str]:
    return stream_rows(feedback_rows(queryset))
