"""CSV exports of assessment sessions: one row per session, answers and latest scores as columns.

    write_sessions_csv(file, version, sessions)    # into any text file; returns the row count
    StreamingHttpResponse(stream_sessions_csv(version, sessions), content_type="text/csv")

Columns: session_id, subject, respondent_kind, status, started_at, submitted_at, score_version,
then one per item key in the version's order (wire values: true/false, numbers, option keys,
multi-choice keys joined with "|", text), one per dimension slug (raw score of the session's
latest finished run; domains before their facets) and one `<slug>_normalized` per dimension.
Responders' ids and fingerprints are never exported.

An export costs a constant number of queries, however many sessions it holds: the version with
its items and dimensions, then one streamed query each for the sessions, their responses, the
multi-choice selections, the latest finished runs and their scores. The streams are ordered by
session id and merged here, so memory stays flat for large exports.

Cells holding text a spreadsheet would run as a formula (starting with = + - @, tab or carriage
return) get a leading single quote. Numbers are written as numbers, so a negative score or
answer stays "-2".
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import IO, Any

from django.db.models import QuerySet, Subquery

from assessments import scoring, selectors
from assessments.models import AnalysisRun, AssessmentSession, Response, ResponseOptionSelection, TraitScore
from questionnaires.models import QuestionnaireVersion

FIXED_COLUMNS = (
    "session_id",
    "subject",
    "respondent_kind",
    "status",
    "started_at",
    "submitted_at",
    "score_version",
)
MULTI_SEPARATOR = "|"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000  # rows fetched per round trip from each server-side cursor
FLUSH_BYTES = 64 * 1024  # stream_sessions_csv yields about this much at a time


def escape_cell(text: str) -> str:
    """Text a spreadsheet would evaluate as a formula, made inert with a leading single quote."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def format_number(value: float | None) -> str:
    if value is None:
        return ""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(round(value, 6))


@dataclass(frozen=True)
class Layout:
    """The columns of one questionnaire version's export."""

    header: list[str]
    item_ids: list[int]  # item columns, in order
    item_types: dict[int, str]
    option_keys: dict[int, str]  # option id → key, every option of the version
    dimension_ids: list[int]  # dimension columns, in order (raw, then the same for normalized)


def layout_for(version: QuestionnaireVersion) -> Layout:
    """`version` as loaded by selectors.version_with_items."""
    items = list(version.items.all())
    option_keys = {option.pk: option.key for item in items for option in item.bank_item.options.all()}
    by_slug = {dimension.slug: dimension for dimension in version.analysis_model.dimensions.all()}
    definition = selectors.engine_instrument(version).model
    dimensions = [by_slug[dimension.slug] for dimension in scoring.ordered_dimensions(definition)]
    header = list(FIXED_COLUMNS)
    taken = set(header)
    for item in items:
        header.append(item.key)
        taken.add(item.key)
    raw_names = [_unique(dimension.slug, "_raw", taken) for dimension in dimensions]
    normalized_names = [_unique(f"{dimension.slug}_normalized", "_score", taken) for dimension in dimensions]
    return Layout(
        header=header + raw_names + normalized_names,
        item_ids=[item.pk for item in items],
        item_types={item.pk: item.bank_item.question_type for item in items},
        option_keys=option_keys,
        dimension_ids=[dimension.pk for dimension in dimensions],
    )


def _unique(name: str, suffix: str, taken: set[str]) -> str:
    # A dimension slug can equal an item key ("anxiety"); never write two columns of one name.
    while name in taken:
        name += suffix
    taken.add(name)
    return name


def session_rows(version: QuestionnaireVersion, sessions: QuerySet[AssessmentSession]) -> Iterator[list[str]]:
    """The header, then one row per session of `sessions` that uses `version`, by session id."""
    layout = layout_for(selectors.version_with_items(version.pk))
    yield [escape_cell(name) for name in layout.header]

    chosen = sessions.filter(questionnaire_version_id=version.pk)
    ids = chosen.order_by().values("pk")
    latest_runs = Subquery(selectors.latest_done_run_ids(chosen))
    heads = (
        chosen.order_by("pk")
        .values_list("pk", "subject__display_name", "respondent_kind", "status", "started_at", "submitted_at")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    responses = _Merge(
        Response.objects.filter(session__in=ids)
        .order_by("session_id", "pk")
        .values_list(
            "session_id", "pk", "item_id", "value_boolean", "value_number", "value_text", "selected_option_id"
        )
    )
    selections = _Merge(
        ResponseOptionSelection.objects.filter(response__session__in=ids)
        .order_by("response__session_id", "response_id", "pk")
        .values_list("response__session_id", "response_id", "option_id")
    )
    runs = _Merge(
        AnalysisRun.objects.filter(pk__in=latest_runs)
        .order_by("session_id")
        .values_list("session_id", "score_version")
    )
    scores = _Merge(
        TraitScore.objects.filter(run_id__in=latest_runs)
        .order_by("run__session_id", "pk")
        .values_list("run__session_id", "dimension_id", "raw_score", "normalized_score")
    )

    for session_id, subject, kind, status, started_at, submitted_at in heads:
        chosen_options: dict[int, list[str]] = {}
        for _session, response_id, option_id in selections.take(session_id):
            chosen_options.setdefault(response_id, []).append(layout.option_keys.get(option_id, ""))
        answers = {
            item_id: _answer_cell(
                layout, item_id, boolean, number, text, option_id, chosen_options.get(response_id)
            )
            for _session, response_id, item_id, boolean, number, text, option_id in responses.take(session_id)
        }
        run = runs.take(session_id)
        by_dimension = {
            dimension_id: (raw, normalized) for _s, dimension_id, raw, normalized in scores.take(session_id)
        }
        missing = (None, None)
        yield [
            str(session_id),
            escape_cell(subject or ""),
            kind,
            status,
            _datetime(started_at),
            _datetime(submitted_at),
            escape_cell(run[0][1]) if run else "",
            *(answers.get(item_id, "") for item_id in layout.item_ids),
            *(format_number(by_dimension.get(d, missing)[0]) for d in layout.dimension_ids),
            *(format_number(by_dimension.get(d, missing)[1]) for d in layout.dimension_ids),
        ]


def _answer_cell(
    layout: Layout,
    item_id: int,
    boolean: bool | None,
    number: float | None,
    text: str,
    option_id: int | None,
    options: list[str] | None,
) -> str:
    question_type = layout.item_types.get(item_id)
    if question_type == "boolean":
        return "" if boolean is None else ("true" if boolean else "false")
    if question_type == "scalar":
        return format_number(number)
    if question_type == "single_choice":
        return escape_cell(layout.option_keys.get(option_id, "")) if option_id else ""
    if question_type == "multi_choice":
        return escape_cell(MULTI_SEPARATOR.join(sorted(options or ())))
    return escape_cell(text or "")


def _datetime(value: datetime | None) -> str:
    return value.isoformat() if value else ""


class _Merge:
    """Rows of one query, ordered by session id (first column), handed out session by session.

    `take(session_id)` must be called with ascending session ids (the order PostgreSQL sorts
    UUIDs in, which is Python's order too); groups of sessions never asked for are skipped.
    """

    def __init__(self, queryset: QuerySet) -> None:
        self._groups = itertools.groupby(queryset.iterator(chunk_size=CHUNK_SIZE), key=itemgetter(0))
        self._head: tuple[Any, Iterable] | None = None
        self._started = False

    def take(self, session_id) -> list[tuple]:
        if not self._started:
            self._started = True
            self._advance()
        while self._head is not None and self._head[0] < session_id:
            self._advance()
        if self._head is not None and self._head[0] == session_id:
            rows = list(self._head[1])
            self._advance()
            return rows
        return []

    def _advance(self) -> None:
        self._head = next(self._groups, None)


def write_sessions_csv(
    out: IO[str], version: QuestionnaireVersion, sessions: QuerySet[AssessmentSession]
) -> int:
    """Write the export into `out` (open it with newline=""); returns the number of sessions."""
    writer = csv.writer(out)
    rows = session_rows(version, sessions)
    writer.writerow(next(rows))
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


class _Line:
    """A write-only file that hands back what was written (csv.writer into a generator)."""

    def write(self, text: str) -> str:
        return text


def stream_sessions_csv(
    version: QuestionnaireVersion, sessions: QuerySet[AssessmentSession]
) -> Iterator[str]:
    """The export as chunks of CSV text, for a StreamingHttpResponse."""
    return stream_rows(session_rows(version, sessions))


def stream_rows(rows: Iterable[list[str]]) -> Iterator[str]:
    """Rows as chunks of CSV text, for a StreamingHttpResponse."""
    writer = csv.writer(_Line())
    buffer: list[str] = []
    size = 0
    for row in rows:
        line = writer.writerow(row)
        buffer.append(line)
        size += len(line)
        if size >= FLUSH_BYTES:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)
