"""The survey owner's CSV: aggregates only, never a row, id or timestamp of one responder.

    survey_aggregate_rows(survey)   # header, then one row per item and one per dimension

Responders are promised that the owner sees only averages, and only once at least min-n
(`Survey.min_responses_to_show`, never below MIN_RESPONSES_FLOOR) answered. So the export holds,
per item and per dimension: n, mean, sd and the distribution (counts per option, value or band),
computed by the database over the survey's submitted sessions (minus likely duplicates when the
owner leaves them out; when they are in, each row needs min-n answers *besides* them, so the
floor always counts distinct-looking people). A statistic over fewer than min-n
answers (an optional or branch-skipped item, a dimension not scored yet) is left empty, n stays.
Free-text answers are counted but never exported: a sentence can name its writer.

Columns: kind (item | dimension), key, label, type, n, mean, sd, mean_normalized (dimensions),
distribution (`option=count|…` in questionnaire order; values in ascending order; bands in
threshold order). A constant number of queries, however many responses.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator

from django.db.models import Avg, Count, StdDev, Subquery

from assessments import scoring, selectors
from assessments.exports import escape_cell, format_number
from assessments.models import MIN_RESPONSES_FLOOR, Response, ResponseOptionSelection, Survey, TraitScore

HEADER = ("kind", "key", "label", "type", "n", "mean", "sd", "mean_normalized", "distribution")


def threshold(survey: Survey) -> int:
    """The survey's min-n, never below the floor (rows older than the constraint included)."""
    return max(MIN_RESPONSES_FLOOR, survey.min_responses_to_show)


def survey_aggregate_rows(survey: Survey) -> Iterator[list[str]]:
    counted = selectors.survey_sessions_counted(survey)
    # Likely duplicates that are in the numbers do not count towards the floor.
    min_n = threshold(survey) + counted.filter(likely_duplicate=True).count()
    version = selectors.version_with_items(survey.questionnaire_version_id)
    answered = counted.order_by().values("pk")
    yield list(HEADER)

    # (item, boolean, number, option) → count: every closed answer type in one grouped query.
    closed = Counter()
    for item_id, boolean, number, option_id, count in (
        Response.objects.filter(session__in=answered)
        .values_list("item_id", "value_boolean", "value_number", "selected_option_id")
        .annotate(count=Count("id"))
        .order_by()
    ):
        closed[(item_id, boolean, number, option_id)] += count
    answered_per_item = Counter()
    texts_per_item = Counter(
        dict(
            Response.objects.filter(session__in=answered)
            .exclude(value_text="")
            .values_list("item_id")
            .annotate(count=Count("id"))
            .order_by()
        )
    )
    for (item_id, *_values), count in closed.items():
        answered_per_item[item_id] += count
    picks: dict[int, Counter] = defaultdict(Counter)
    for item_id, option_id, count in (
        ResponseOptionSelection.objects.filter(response__session__in=answered)
        .values_list("response__item_id", "option_id")
        .annotate(count=Count("id"))
        .order_by()
    ):
        picks[item_id][option_id] = count

    for item in version.items.all():
        question_type = item.bank_item.question_type
        options = list(item.bank_item.options.all())
        values: Counter = Counter()  # numeric value → count, for mean and sd
        distribution: list[tuple[str, int]] = []
        n = answered_per_item[item.pk]
        if question_type == "boolean":
            yes = sum(c for (i, b, _n, _o), c in closed.items() if i == item.pk and b is True)
            no = sum(c for (i, b, _n, _o), c in closed.items() if i == item.pk and b is False)
            n = yes + no
            values.update({1.0: yes, 0.0: no})
            distribution = [("true", yes), ("false", no)]
        elif question_type == "scalar":
            for (i, _b, number, _o), count in closed.items():
                if i == item.pk and number is not None:
                    values[number] += count
            n = sum(values.values())
            distribution = [(format_number(value), values[value]) for value in sorted(values)]
        elif question_type == "single_choice":
            by_option = Counter()
            for (i, _b, _n, option_id), count in closed.items():
                if i == item.pk and option_id is not None:
                    by_option[option_id] += count
            n = sum(by_option.values())
            distribution = [(option.key, by_option[option.pk]) for option in options]
            for option in options:
                if option.value is not None and by_option[option.pk]:
                    values[option.value] += by_option[option.pk]
            if sum(values.values()) != n:
                values.clear()  # options without a numeric value: no mean
        elif question_type == "multi_choice":
            distribution = [(option.key, picks[item.pk][option.pk]) for option in options]
        else:  # text: how many wrote something, never what
            n = texts_per_item[item.pk]
        yield _row(
            "item",
            item.key,
            item.text_override or item.bank_item.text,
            question_type,
            n,
            values,
            min_n,
            distribution=distribution,
        )

    yield from _dimension_rows(survey, version, min_n)


def _dimension_rows(survey: Survey, version, min_n: int) -> Iterator[list[str]]:
    runs = Subquery(selectors.latest_done_run_ids(selectors.survey_sessions_counted(survey)))
    scores = TraitScore.objects.filter(run_id__in=runs)
    stats = {
        row["dimension_id"]: row
        for row in scores.values("dimension_id")
        .annotate(
            n=Count("id"),
            mean=Avg("raw_score"),
            sd=StdDev("raw_score", sample=True),
            mean_normalized=Avg("normalized_score"),
        )
        .order_by()
    }
    bands: dict[int, Counter] = defaultdict(Counter)
    for dimension_id, band, count in (
        scores.values_list("dimension_id", "band").annotate(count=Count("id")).order_by()
    ):
        bands[dimension_id][band] = count
    by_slug = {dimension.slug: dimension for dimension in version.analysis_model.dimensions.all()}
    definition = selectors.engine_instrument(version).model
    for engine_dimension in scoring.ordered_dimensions(definition):
        dimension = by_slug[engine_dimension.slug]
        row = stats.get(dimension.pk) or {"n": 0, "mean": None, "sd": None, "mean_normalized": None}
        n = row["n"]
        shown = n >= min_n
        keys = [band.key for band in engine_dimension.thresholds]
        keys += sorted(key for key in bands[dimension.pk] if key not in keys)
        distribution = "|".join(f"{key or '(none)'}={bands[dimension.pk][key]}" for key in keys)
        yield [
            "dimension",
            escape_cell(dimension.slug),
            escape_cell(dimension.name),
            "score",
            str(n),
            format_number(row["mean"]) if shown else "",
            format_number(row["sd"]) if shown else "",
            format_number(row["mean_normalized"]) if shown else "",
            escape_cell(distribution) if shown else "",
        ]


def _row(
    kind: str,
    key: str,
    label: str,
    question_type: str,
    n: int,
    values: Counter,
    min_n: int,
    *,
    distribution: list[tuple[str, int]],
) -> list[str]:
    shown = n >= min_n
    mean, sd = _mean_sd(values) if shown else (None, None)
    return [
        kind,
        escape_cell(key),
        escape_cell(label),
        question_type,
        str(n),
        format_number(mean),
        format_number(sd),
        "",
        escape_cell("|".join(f"{value}={count}" for value, count in distribution)) if shown else "",
    ]


def _mean_sd(values: Counter) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation of value → count (None without values)."""
    n = sum(values.values())
    if n == 0:
        return None, None
    mean = math.fsum(value * count for value, count in values.items()) / n
    if n < 2:
        return mean, None
    variance = math.fsum(count * (value - mean) ** 2 for value, count in values.items()) / (n - 1)
    return mean, math.sqrt(variance)
