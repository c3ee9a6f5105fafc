"""Set-based scoring in SQL: one statement scores a whole batch of runs of one version.

The pure engine (`assessments.scoring`) stays the reference. For a version whose every answer
determines its contributions on its own — single-choice items without branch rules or effective
windows, `sum` aggregation, `none` or `minmax` normalisation, `argmax` composites — every
possible answer is run through the engine *once per plan* (`compile_version`): the audit
components of each (item, option), what each contributes to each dimension's subtree, and each
item's possible range. Scoring a batch is then a join of the batch's answers with those tables
and a `GROUP BY`, written by `INSERT … SELECT` (scores, composites) and an `UPDATE` (the runs'
`result` and the answers each scored), all in one statement. The audit components are stored
once per version and score version (`OptionContribution`), not 120 rows per run: a run's audit
is its scored answers' contributions (`selectors.run_components`).

Byte-identical to the engine, not merely close: the SQL path is used only when every
contribution and every item range is a small integer (so every sum is exact, whatever its
order, as `math.fsum` is), fewer than 128 items answer and every dimension's range spans fewer
than 512 (so a mean or a 0–100 score is one correctly rounded division, and no stored number is
within float error of a 6-decimal rounding tie). Divisions and comparisons are the same IEEE
operations in PostgreSQL as in Python. The JSON `result` (`ScoreResult.to_stored_dict()`) holds
no numbers: the scores are rows. Any other version — and any session with an answer that the
engine would refuse — is scored by the engine (`services._score_batch`). A test compares both
paths on random answer sheets of every built-in instrument.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from assessments import scoring
from assessments.models import (
    AnalysisRun,
    AssessmentSession,
    CompositeScore,
    OptionContribution,
    QuestionnaireEventLog,
    Response,
    TraitScore,
)
from assessments.scoring.engine import ordered_dimensions
from assessments.scoring.model import subtree
from assessments.scoring.rules import contributions, item_range, value_bounds

# Bounds under which sums are exact and 6-decimal rounding can never meet a tie (module doc).
MAX_ITEMS = 127
MAX_DIMENSION_SPAN = 511
MAX_MAGNITUDE = 2**40
# An (item, option) answer is checked as one bigint, item id << 32 | option id (`choice_keys`).
MAX_ID = 2**31 - 1

_BASIS_COLUMNS = {"raw": "raw", "normalized": "normalized", "item_mean": "item_mean"}


@dataclass(frozen=True)
class CompiledVersion:
    """A version's scoring tables, as the statement's array parameters."""

    params: dict[str, Any]
    band_basis: str
    item_count: int
    # No value falls in two of a dimension's bands: a score joins its one band without ranking
    # the matches (the engine takes the first in order).
    disjoint_bands: bool = False


def _integral(value: float) -> bool:
    return math.isfinite(value) and float(value).is_integer() and abs(value) <= MAX_MAGNITUDE


def _ineligible_model(model: scoring.ModelDefinition) -> str | None:
    config = model.config
    if config.get("aggregation", "sum") != "sum":
        return "aggregation is not a sum"
    if (config.get("normalization") or {}).get("method", "none") not in ("none", "minmax"):
        return "normalisation is neither none nor minmax"
    if config.get("band_basis", "raw") not in _BASIS_COLUMNS:
        return "unknown band basis"
    if any(composite.kind != "argmax" for composite in model.composites):
        return "a composite is not an argmax"
    return None


def _ineligible_item(item: scoring.Item) -> str | None:
    if item.type != "single_choice":
        return f"item {item.key} is not single-choice"
    if item.branch:
        return f"item {item.key} has branch rules"
    if any(m.effective_from is not None or m.effective_to is not None for m in item.mappings):
        return f"item {item.key} has a mapping with an effective window"
    return None


def why_not_sql(instrument: scoring.Instrument) -> str | None:
    """None when `instrument` can be scored in SQL, else the reason it cannot."""
    if scoring.check_instrument(instrument):
        return "the instrument does not pass the engine's checks"
    if len(instrument.items) > MAX_ITEMS:
        return f"more than {MAX_ITEMS} items"
    reason = _ineligible_model(instrument.model)
    if reason:
        return reason
    for item in instrument.items:
        reason = _ineligible_item(item)
        if reason:
            return reason
    return None


def compile_version(plan) -> CompiledVersion | None:
    """The SQL scoring tables of a `ScoringPlan`, or None when the version needs the engine."""
    instrument = plan.instrument
    if why_not_sql(instrument) is not None:
        return None
    model = instrument.model
    dimensions = ordered_dimensions(model)
    subtrees = {d.slug: subtree(model, d.slug) for d in dimensions}
    dimension_ids = plan.dimension_ids
    p: dict[str, list] = {
        name: []
        for name in [
            "choice_keys",
            "k_item",
            "k_option",
            "k_pos",
            "k_dimension",
            "k_audit_option",
            "k_mapping",
            "k_rule",
            "k_input",
            "k_contribution",
            "r_item",
            "r_option",
            "r_dimension",
            "r_contribution",
            "r_counts",
            "r_low",
            "r_high",
            "i_id",
            "i_pos",
            "i_key",
            "i_required",
            "d_id",
            "d_pos",
            "d_slug",
            "t_dimension",
            "t_pos",
            "t_lower",
            "t_upper",
            "t_lower_inclusive",
            "t_upper_inclusive",
            "t_key",
            "t_label",
            "c_id",
            "c_pos",
            "c_slug",
            "m_composite",
            "m_dimension",
            "m_rank",
        ]
    }
    span: dict[str, float] = dict.fromkeys(subtrees, 0.0)
    for position, item in enumerate(instrument.items):
        item_id = plan.item_ids[item.key]
        p["i_id"].append(item_id)
        p["i_pos"].append(position)
        p["i_key"].append(item.key)
        p["i_required"].append(item.required)
        mappings = [] if item.unscored else list(item.mappings)
        bounds = value_bounds(item)
        # The subtrees this item reaches, with its possible range in each (minmax).
        reached: dict[str, tuple[float, float]] = {}
        for slug, slugs in subtrees.items():
            inside = [m for m in mappings if m.dimension in slugs]
            if inside:
                found = item_range(item, inside, bounds)
                if found is None or not (_integral(found[0]) and _integral(found[1])):
                    return None
                reached[slug] = found
                span[slug] += found[1] - found[0]
        for option in item.options:
            option_id = plan.option_ids[(item.key, option.key)]
            if item_id > MAX_ID or option_id > MAX_ID:
                return None
            p["choice_keys"].append(item_id << 32 | option_id)
            found = (
                contributions(item, scoring.Answer(option=option.key), mappings, bounds) if mappings else []
            )
            for index, component in enumerate(found):
                if not _integral(component.contribution):
                    return None
                p["k_item"].append(item_id)
                p["k_option"].append(option_id)
                p["k_pos"].append(index)
                p["k_dimension"].append(dimension_ids[component.dimension])
                p["k_audit_option"].append(
                    plan.option_ids.get((item.key, component.option)) if component.option else None
                )
                p["k_mapping"].append(int(component.mapping_id) if component.mapping_id.isdigit() else None)
                p["k_rule"].append(component.rule)
                # What the ORM (JSONField) and ScoreResult.to_dict() would store, as JSON text.
                p["k_input"].append(None if component.input is None else json.dumps(component.input))
                p["k_contribution"].append(component.contribution)
            for slug, (low, high) in reached.items():
                inside = [c for c in found if c.dimension in subtrees[slug]]
                p["r_item"].append(item_id)
                p["r_option"].append(option_id)
                p["r_dimension"].append(dimension_ids[slug])
                p["r_contribution"].append(math.fsum(c.contribution for c in inside))
                p["r_counts"].append(1 if inside else 0)
                p["r_low"].append(low)
                p["r_high"].append(high)
    if any(value > MAX_DIMENSION_SPAN for value in span.values()):
        return None
    for position, dimension in enumerate(dimensions):
        p["d_id"].append(dimension_ids[dimension.slug])
        p["d_pos"].append(position)
        p["d_slug"].append(dimension.slug)
        for index, threshold in enumerate(dimension.thresholds):
            p["t_dimension"].append(dimension_ids[dimension.slug])
            p["t_pos"].append(index)
            p["t_lower"].append(None if threshold.lower is None else float(threshold.lower))
            p["t_upper"].append(None if threshold.upper is None else float(threshold.upper))
            p["t_lower_inclusive"].append(bool(threshold.lower_inclusive))
            p["t_upper_inclusive"].append(bool(threshold.upper_inclusive))
            p["t_key"].append(threshold.key)
            p["t_label"].append(threshold.label)
    # argmax ties go to the earlier (sort_order, slug), compared as Python compares them.
    rank = {d.slug: n for n, d in enumerate(sorted(model.dimensions, key=lambda d: (d.sort_order, d.slug)))}
    for position, composite in enumerate(model.composites):
        p["c_id"].append(plan.composite_ids[composite.slug])
        p["c_pos"].append(position)
        p["c_slug"].append(composite.slug)
        referenced = composite.dimensions or tuple(d.slug for d in model.dimensions if d.parent is None)
        for slug in dict.fromkeys(referenced):
            p["m_composite"].append(plan.composite_ids[composite.slug])
            p["m_dimension"].append(dimension_ids[slug])
            p["m_rank"].append(rank[slug])
    # Rendered once per plan: dumping these lists on every batch cost ~20 ms of Python per batch.
    params: dict[str, Any] = {name: array_literal(values) for name, values in p.items()}
    params["minmax"] = (model.config.get("normalization") or {}).get("method", "none") == "minmax"
    params["item_count"] = len(instrument.items)
    params["score_version"] = scoring.score_version(instrument)
    return CompiledVersion(
        params=params,
        band_basis=model.config.get("band_basis", "raw"),
        item_count=len(instrument.items),
        disjoint_bands=all(_disjoint(dimension.thresholds) for dimension in dimensions),
    )


def array_literal(values) -> str:
    """`values` as a PostgreSQL array literal (`{1,NULL,"a \\"b\\""}`), for a parameter cast to
    an array type: numbers as Python prints them (`repr` of a float reads back exactly), text
    quoted, booleans t/f."""
    parts = []
    for value in values:
        if value is None:
            parts.append("NULL")
        elif isinstance(value, bool):
            parts.append("t" if value else "f")
        elif isinstance(value, int | float):
            parts.append(repr(value))
        else:
            parts.append('"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(parts) + "}"


def _disjoint(thresholds) -> bool:
    """True when no value satisfies two of `thresholds` (the engine's inclusive/exclusive bounds;
    None is unbounded)."""
    for n, first in enumerate(thresholds):
        for second in thresholds[n + 1 :]:
            lowers = [(t.lower, t.lower_inclusive) for t in (first, second) if t.lower is not None]
            uppers = [(t.upper, t.upper_inclusive) for t in (first, second) if t.upper is not None]
            if not lowers or not uppers:
                return False  # both unbounded on one side: they share that side's values
            low = max(value for value, _ in lowers)
            high = min(value for value, _ in uppers)
            low_inclusive = all(inclusive for value, inclusive in lowers if value == low)
            high_inclusive = all(inclusive for value, inclusive in uppers if value == high)
            if low < high or (low == high and low_inclusive and high_inclusive):
                return False
    return True


def _statement(basis: str, disjoint_bands: bool) -> str:
    tables = {
        "response": Response._meta.db_table,
        "contribution": OptionContribution._meta.db_table,
        "score": TraitScore._meta.db_table,
        "composite": CompositeScore._meta.db_table,
        "run": AnalysisRun._meta.db_table,
        "session": AssessmentSession._meta.db_table,
        "event": QuestionnaireEventLog._meta.db_table,
    }
    b = "s." + _BASIS_COLUMNS[basis]
    return f"""
WITH batch AS (
    SELECT b.run_id, b.session_id, b.pos
    FROM unnest(%(run_ids)s::uuid[], %(session_ids)s::uuid[]) WITH ORDINALITY AS b(run_id, session_id, pos)
),
item AS (
    SELECT * FROM unnest(%(i_id)s::bigint[], %(i_pos)s::int[], %(i_key)s::text[], %(i_required)s::bool[])
        AS i(item_id, item_pos, key, required)
),
-- Each session's answers to the version's items, through the session index (OFFSET 0 keeps
-- the planner from flattening the lateral subquery into a hash join that reads every answer of
-- every session); `regular`: the option is one of the item's (`= ANY` of a constant array is a
-- hash lookup, where a join with the unnested table hashed the 120,000 answers instead).
given AS MATERIALIZED (
    SELECT b.run_id, b.pos, r.item_id, r.option_id,
           (r.item_id << 32 | r.option_id) = ANY(%(choice_keys)s::bigint[]) AS regular
    FROM batch b
    CROSS JOIN LATERAL (
        SELECT r.item_id, r.selected_option_id AS option_id FROM {tables["response"]} r
        WHERE r.session_id = b.session_id AND r.selected_option_id IS NOT NULL
          AND r.item_id = ANY(%(i_id)s::bigint[])
        OFFSET 0
    ) AS r
),
-- An answer the engine would refuse (an option of another item): the engine scores that run.
irregular AS MATERIALIZED (SELECT DISTINCT run_id FROM given WHERE NOT regular),
runs AS MATERIALIZED (
    SELECT * FROM batch WHERE run_id NOT IN (SELECT run_id FROM irregular)
),
answered AS MATERIALIZED (
    SELECT * FROM given WHERE run_id NOT IN (SELECT run_id FROM irregular)
),
component_table AS (
    SELECT * FROM unnest(
        %(k_item)s::bigint[], %(k_option)s::bigint[], %(k_pos)s::int[], %(k_dimension)s::bigint[],
        %(k_audit_option)s::bigint[], %(k_mapping)s::bigint[], %(k_rule)s::text[], %(k_input)s::jsonb[],
        %(k_contribution)s::float8[]
    ) AS k(item_id, option_id, comp_pos, dimension_id, audit_option_id, mapping_id, rule_type, input_value,
           contribution)
),
-- The audit: each (item, option)'s components, stored once per version and score version (the
-- conflict is every batch after the first); each run keeps the answers it scored (`done`).
new_contributions AS (
    INSERT INTO {tables["contribution"]}
        (version_id, score_version, item_id, chosen_option_id, position, option_id, dimension_id, mapping_id,
         rule_type, input_value, contribution)
    SELECT %(version_id)s, %(score_version)s, item_id, option_id, comp_pos, audit_option_id, dimension_id,
           mapping_id, rule_type, input_value, contribution
    FROM component_table
    ON CONFLICT DO NOTHING
),
scored_answers AS (
    SELECT run_id, array_agg(item_id) AS items, array_agg(option_id) AS options, count(*) AS n
    FROM answered GROUP BY run_id
),
reach AS (
    SELECT * FROM unnest(
        %(r_item)s::bigint[], %(r_option)s::bigint[], %(r_dimension)s::bigint[], %(r_contribution)s::float8[],
        %(r_counts)s::int[], %(r_low)s::float8[], %(r_high)s::float8[]
    ) AS x(item_id, option_id, dimension_id, contribution, counts, low, high)
),
sums AS (
    SELECT a.run_id, x.dimension_id, sum(x.contribution) AS raw, sum(x.counts) AS item_count,
           sum(x.low) AS low, sum(x.high) AS high
    FROM answered a JOIN reach x ON x.item_id = a.item_id AND x.option_id = a.option_id
    GROUP BY a.run_id, x.dimension_id
),
dimension AS (
    SELECT * FROM unnest(%(d_id)s::bigint[], %(d_pos)s::int[], %(d_slug)s::text[]) AS d(dimension_id, dim_pos, slug)
),
scored AS MATERIALIZED (
    SELECT r.run_id, r.pos, d.dimension_id, d.dim_pos, d.slug,
           coalesce(s.item_count, 0) AS item_count,
           CASE WHEN s.item_count > 0 THEN s.raw ELSE 0.0::float8 END AS raw,
           CASE WHEN s.item_count > 0 THEN s.raw / s.item_count END AS item_mean,
           CASE WHEN s.item_count > 0 AND %(minmax)s AND s.high > s.low
                THEN least(100.0::float8, greatest(0.0::float8, (s.raw - s.low) / (s.high - s.low) * 100.0::float8))
           END AS normalized,
           CASE WHEN s.item_count > 0 AND %(minmax)s AND s.high > s.low THEN s.low END AS scale_min,
           CASE WHEN s.item_count > 0 AND %(minmax)s AND s.high > s.low THEN s.high END AS scale_max
    FROM runs r CROSS JOIN dimension d
    LEFT JOIN sums s ON s.run_id = r.run_id AND s.dimension_id = d.dimension_id
),
threshold AS (
    SELECT * FROM unnest(
        %(t_dimension)s::bigint[], %(t_pos)s::int[], %(t_lower)s::float8[], %(t_upper)s::float8[],
        %(t_lower_inclusive)s::bool[], %(t_upper_inclusive)s::bool[], %(t_key)s::text[], %(t_label)s::text[]
    ) AS t(dimension_id, t_pos, lower, upper, lower_inclusive, upper_inclusive, key, label)
),
banded AS (
    SELECT {"" if disjoint_bands else "DISTINCT ON (s.run_id, s.dimension_id)"} s.*, t.key AS band,
           t.label AS band_label
    FROM scored s
    LEFT JOIN threshold t ON t.dimension_id = s.dimension_id AND s.item_count > 0 AND {b} IS NOT NULL
        AND (t.lower IS NULL OR {b} > t.lower OR (t.lower_inclusive AND {b} = t.lower))
        AND (t.upper IS NULL OR {b} < t.upper OR (t.upper_inclusive AND {b} = t.upper))
    {"" if disjoint_bands else "ORDER BY s.run_id, s.dimension_id, t.t_pos"}
),
new_scores AS (
    INSERT INTO {tables["score"]}
        (run_id, dimension_id, raw_score, normalized_score, item_mean, band, band_label, item_count, scale_min,
         scale_max)
    SELECT run_id, dimension_id, raw, normalized, item_mean, coalesce(band, ''), coalesce(band_label, ''),
           item_count, scale_min, scale_max
    FROM banded
),
composite AS (
    SELECT * FROM unnest(%(c_id)s::bigint[], %(c_pos)s::int[], %(c_slug)s::text[]) AS c(composite_id, comp_pos, slug)
),
member AS (
    SELECT * FROM unnest(%(m_composite)s::bigint[], %(m_dimension)s::bigint[], %(m_rank)s::int[])
        AS m(composite_id, dimension_id, rank)
),
candidate AS (
    SELECT s.run_id, m.composite_id, s.dimension_id, s.slug, m.rank,
           CASE WHEN bool_and(s.normalized IS NOT NULL) OVER w THEN s.normalized ELSE s.raw END AS value
    FROM scored s JOIN member m ON m.dimension_id = s.dimension_id
    WHERE s.item_count > 0
    WINDOW w AS (PARTITION BY s.run_id, m.composite_id)
),
winner AS (
    SELECT DISTINCT ON (run_id, composite_id) run_id, composite_id, dimension_id, slug
    FROM candidate ORDER BY run_id, composite_id, value DESC, rank
),
composites AS MATERIALIZED (
    SELECT r.run_id, r.pos, c.composite_id, c.comp_pos, c.slug, w.dimension_id AS primary_id,
           w.slug AS primary_slug
    FROM runs r CROSS JOIN composite c
    LEFT JOIN winner w ON w.run_id = r.run_id AND w.composite_id = c.composite_id
),
new_composites AS (
    INSERT INTO {tables["composite"]} (run_id, composite_id, value, primary_dimension_id)
    SELECT run_id, composite_id, NULL, primary_id FROM composites ORDER BY pos, comp_pos
),
unanswered AS (
    SELECT r.run_id, jsonb_agg(i.key ORDER BY i.item_pos) AS keys,
           coalesce(jsonb_agg(i.key ORDER BY i.item_pos) FILTER (WHERE i.required), '[]'::jsonb) AS required
    FROM runs r LEFT JOIN scored_answers n ON n.run_id = r.run_id CROSS JOIN item i
    WHERE coalesce(n.n, 0) < %(item_count)s
      AND NOT EXISTS (SELECT 1 FROM answered a WHERE a.run_id = r.run_id AND a.item_id = i.item_id)
    GROUP BY r.run_id
),
composite_json AS (
    SELECT run_id, jsonb_agg(jsonb_build_object('composite', slug, 'value', NULL, 'primary', primary_slug)
        ORDER BY comp_pos) AS j
    FROM composites GROUP BY run_id
),
done AS (
    UPDATE {tables["run"]} AS run
    SET status = 'done', score_version = %(score_version)s, error = '', finished_at = %(now)s,
        attempts = run.attempts + 1, started_at = %(now)s,
        result = jsonb_build_object(
            'score_version', %(score_version)s::text,
            'composites', coalesce(cj.j, '[]'::jsonb),
            'skipped', '[]'::jsonb,
            'unanswered', coalesce(u.keys, '[]'::jsonb),
            'unanswered_required', coalesce(u.required, '[]'::jsonb)
        ),
        scored_item_ids = coalesce(sa.items, '{{}}'), scored_option_ids = coalesce(sa.options, '{{}}')
    FROM runs x
    LEFT JOIN composite_json cj ON cj.run_id = x.run_id
    LEFT JOIN unanswered u ON u.run_id = x.run_id
    LEFT JOIN scored_answers sa ON sa.run_id = x.run_id
    WHERE run.id = x.run_id
),
scored_sessions AS (
    UPDATE {tables["session"]} AS session SET status = 'scored', scored_at = %(now)s
    FROM runs x WHERE session.id = x.session_id
),
events AS (
    INSERT INTO {tables["event"]} (session_id, event, detail, created_at)
    SELECT session_id, 'scored', jsonb_build_object('run', run_id::text), %(now)s FROM runs ORDER BY pos
)
SELECT run_id FROM irregular
"""


_STATEMENTS: dict[tuple[str, bool], str] = {}


def score_runs(compiled: CompiledVersion, runs: list[AnalysisRun], *, now: datetime) -> set:
    """Score and store `runs` (all of the compiled version, claimed, without stored results) in
    one statement; returns the ids of the runs left for the engine (an answer it would refuse)."""
    variant = (compiled.band_basis, compiled.disjoint_bands)
    statement = _STATEMENTS.get(variant)
    if statement is None:
        statement = _STATEMENTS[variant] = _statement(*variant)
    params = {
        **compiled.params,
        "run_ids": array_literal(str(run.pk) for run in runs),
        "session_ids": array_literal(str(run.session_id) for run in runs),
        "version_id": runs[0].session.questionnaire_version_id,
        "now": now,
    }
    with connection.cursor() as cursor:
        # A batch's answers and sums (~20 MB for 1,000 runs) stay in memory, not on disk.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(statement, params)
        return {row[0] for row in cursor.fetchall()}
