"""What the result and survey pages show: charts, bands, narratives and the audit trail.

Charts are inline SVG drawn in percentages of their width, so their labels keep their size on a
phone; patterns and outlines tell bars apart without colour, and values are written as text.
Built from rows the views already loaded (no queries here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assessments import norms
from assessments.models import (
    CompositeScore,
    Response,
    ResponseTraitComponent,
    TraitScore,
)
from assessments.presenters.overview import (
    Radar,
    build_radar,
    reference_note,
    scale_explanation,
    summary_paragraph,
)
from assessments.presenters.taking import fmt_number, fmt_signed, generated
from questionnaires.models import TraitComposite, TraitDimension, TraitThreshold, translated

# --------------------------------------------------------------------------- charts

ROW_LABEL_Y = 15  # label baseline within a row
BAR_GAP = 6


@dataclass(frozen=True)
class Bar:
    kind: str  # domain | facet | self | others
    percent: float | None  # 0–100; None: no bar (no score, or a scale without a 0–100 form)
    label: str  # e.g. "You" (comparison bars); empty for the single bar of a result row
    y: float
    height: float

    @property
    def width(self) -> str:
        return f"{max(0.0, min(100.0, self.percent or 0.0)):.2f}%"


@dataclass(frozen=True)
class ChartRow:
    name: str
    value_text: str
    y: float  # top of the row
    bars: tuple[Bar, ...]
    is_facet: bool = False

    @property
    def label_y(self) -> float:
        return self.y + ROW_LABEL_Y


@dataclass(frozen=True)
class Chart:
    rows: tuple[ChartRow, ...]
    height: float
    ticks: tuple[int, ...] = (0, 25, 50, 75, 100)

    @property
    def plot_top(self) -> float:
        return self.rows[0].bars[0].y - 3 if self.rows and self.rows[0].bars else 0

    @property
    def plot_bottom(self) -> float:
        return self.height - 18

    @property
    def axis_y(self) -> float:
        return self.height - 4


def _chart(rows: list[tuple[str, str, bool, list[tuple[str, float | None, str]]]]) -> Chart:
    """rows: (name, value text, is facet, [(bar kind, percent, bar label)])."""
    y = 0.0
    out: list[ChartRow] = []
    for name, value_text, is_facet, bars in rows:
        height = 10.0 if is_facet else 16.0
        bar_y = y + ROW_LABEL_Y + BAR_GAP
        placed = []
        for kind, percent, label in bars:
            placed.append(Bar(kind=kind, percent=percent, label=label, y=bar_y, height=height))
            bar_y += height + 4
        out.append(ChartRow(name=name, value_text=value_text, y=y, bars=tuple(placed), is_facet=is_facet))
        y = bar_y + (12 if is_facet else 16)
    return Chart(rows=tuple(out), height=y + 22)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ContributionRow:
    question: str
    answer: str
    rule: str
    contribution: float

    @property
    def contribution_text(self) -> str:
        return fmt_signed(self.contribution)


@dataclass(frozen=True)
class DimensionResult:
    slug: str
    name: str
    description: str
    is_facet: bool
    raw: float
    normalized: float | None
    percent: float | None
    score_text: str
    band_key: str
    band_label: str
    narrative: str
    item_count: int
    contributions: tuple[ContributionRow, ...]
    standings: tuple[norms.Standing, ...] = ()  # against published norms, then the cohort
    standing_sentences: tuple[str, ...] = ()  # the standings in words, in the session's language
    explanation: tuple[str, ...] = ()  # how the raw sum became the 0–100 score and the band

    @property
    def raw_text(self) -> str:
        return fmt_number(self.raw, 2)

    @property
    def total_text(self) -> str:
        return fmt_number(sum(c.contribution for c in self.contributions), 2)


@dataclass(frozen=True)
class DomainResult:
    domain: DimensionResult
    facets: tuple[DimensionResult, ...]
    chart: Chart

    @property
    def dimensions(self) -> tuple[DimensionResult, ...]:
        return (self.domain, *self.facets)


@dataclass(frozen=True)
class CompositeResult:
    name: str
    description: str
    value_text: str


@dataclass(frozen=True)
class Results:
    overview: Chart  # every domain, one bar each
    domains: tuple[DomainResult, ...]
    composites: tuple[CompositeResult, ...]
    scale_note: str
    radar: Radar | None = None  # the domains on one shape (three or more scored domains)
    summary: str = ""  # a few sentences from the bands
    reference_note: str = ""  # what the percentiles compare with (when there are any)

    @property
    def has_facets(self) -> bool:
        return any(group.facets for group in self.domains)


RULE_LABELS = {
    "constant": "Fixed amount",
    "boolean_gate": "Yes/no amount",
    "range_linear": "Scaled from the answer",
    "range_bucket": "Range band",
    "option_weight": "Weight of the chosen option",
}


def percent_for(
    normalized: float | None, raw: float | None, dimension: TraitDimension, normalization: str
) -> float | None:
    """A position on a 0–100 bar: the minmax score, else the raw score within the range hint."""
    if normalization == "minmax" and normalized is not None:
        return max(0.0, min(100.0, normalized))
    if raw is not None and dimension.range_min is not None and dimension.range_max is not None:
        span = dimension.range_max - dimension.range_min
        if span > 0:
            return max(0.0, min(100.0, 100 * (raw - dimension.range_min) / span))
    return None


def _response_text(response: Response, lang: str | None) -> str:
    question_type = response.item.bank_item.question_type
    if question_type == "boolean":
        return (
            ""
            if response.value_boolean is None
            else generated("Yes" if response.value_boolean else "No", lang)
        )
    if question_type == "scalar":
        return fmt_number(response.value_number, 6) if response.value_number is not None else ""
    if question_type == "single_choice":
        return translated(response.selected_option, "label", lang) if response.selected_option_id else ""
    if question_type == "multi_choice":
        labels = [translated(option, "label", lang) for option in response.selected_options.all()]
        return ", ".join(labels) if labels else generated("None of these", lang)
    return response.value_text


def _subtree(slug: str, children: Mapping[str, list[str]]) -> set[str]:
    found, todo = set(), [slug]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return found


def build_results(
    *,
    scores: Sequence[TraitScore],
    composites: Sequence[CompositeScore],
    components: Sequence[ResponseTraitComponent],
    responses: Sequence[Response],
    thresholds: Sequence[TraitThreshold],
    normalization: str,
    lang: str | None,
    band_basis: str = "raw",
    relative_method: str = "deviation",
    standings: Mapping[str, Sequence[norms.Standing]] | None = None,
    explain: bool = True,
    model_slug: str = "",
) -> Results:
    """`standings` by dimension slug (presenters.standings_for); `explain`: add the step-by-step
    explanation of each score (the owner's page; a shared page shows no answers)."""
    by_threshold = {(t.dimension_id, t.key): t for t in thresholds}
    standings = standings or {}
    answers = {response.item_id: _response_text(response, lang) for response in responses}
    children: dict[str, list[str]] = {}
    for score in scores:
        if score.dimension.parent_id:
            children.setdefault(score.dimension.parent.slug, []).append(score.dimension.slug)
    rows_by_slug: dict[str, list[ContributionRow]] = {}
    for component in components:
        answer = (
            translated(component.option, "label", lang)
            if component.option_id and component.item.bank_item.question_type == "multi_choice"
            else answers.get(component.item_id, "")
        )
        rule = RULE_LABELS.get(component.rule_type, component.rule_type)
        rows_by_slug.setdefault(component.dimension.slug, []).append(
            ContributionRow(
                question=component.item.text_in(lang),
                answer=answer,
                rule=rule,
                contribution=component.contribution,
            )
        )

    def result(score: TraitScore) -> DimensionResult:
        dimension = score.dimension
        threshold = by_threshold.get((dimension.pk, score.band))
        contributions = [
            row for slug in sorted(_subtree(dimension.slug, children)) for row in rows_by_slug.get(slug, [])
        ]
        percent = percent_for(score.normalized_score, score.raw_score, dimension, normalization)
        if score.item_count == 0:
            score_text = "No score"
        elif normalization == "minmax" and score.normalized_score is not None:
            score_text = fmt_number(score.normalized_score, 0)
        else:
            score_text = fmt_number(score.raw_score, 2)
        return DimensionResult(
            slug=dimension.slug,
            name=translated(dimension, "name", lang),
            description=translated(dimension, "description", lang),
            is_facet=bool(dimension.parent_id),
            raw=score.raw_score,
            normalized=score.normalized_score,
            percent=percent if score.item_count else None,
            score_text=score_text,
            band_key=score.band,
            band_label=translated(threshold, "label", lang) if threshold else score.band_label,
            narrative=translated(threshold, "narrative", lang) if threshold else "",
            item_count=score.item_count,
            contributions=tuple(contributions) if explain else (),
            standings=tuple(standings.get(dimension.slug, ())),
            standing_sentences=tuple(
                norms.standing_sentence(s, lang) for s in standings.get(dimension.slug, ())
            ),
            explanation=tuple(
                scale_explanation(
                    raw=score.raw_score,
                    normalized=score.normalized_score if normalization == "minmax" else None,
                    item_mean=score.item_mean,
                    item_count=score.item_count,
                    scale_min=score.scale_min,
                    scale_max=score.scale_max,
                    relative=score.relative,
                    band_basis=band_basis,
                    band_label=translated(threshold, "label", lang) if threshold else score.band_label,
                    relative_method=relative_method,
                    lang=lang,
                )
            )
            if explain and score.item_count
            else (),
        )

    ordered = sorted(scores, key=lambda s: (s.dimension.sort_order, s.dimension.slug))
    domains = []
    for score in ordered:
        if score.dimension.parent_id:
            continue
        domain = result(score)
        facets = tuple(result(s) for s in ordered if s.dimension.parent_id == score.dimension_id)
        chart = _chart(
            [
                (d.name, _value_text(d), d.is_facet, [("facet" if d.is_facet else "domain", d.percent, "")])
                for d in (domain, *facets)
            ]
        )
        domains.append(DomainResult(domain=domain, facets=facets, chart=chart))

    names = {score.dimension_id: translated(score.dimension, "name", lang) for score in scores}
    composite_rows = []
    for composite in composites:
        if composite.composite.kind == TraitComposite.Kind.ARGMAX:
            value = names.get(composite.primary_dimension_id, "–") if composite.primary_dimension_id else "–"
        else:
            value = fmt_number(composite.value, 1)
        composite_rows.append(
            CompositeResult(
                name=translated(composite.composite, "name", lang),
                description=translated(composite.composite, "description", lang),
                value_text=value,
            )
        )
    note = (
        "Scores run from 0 (lowest possible from your answers) to 100 (highest possible)."
        if normalization == "minmax"
        else "Bars show each raw score within its possible range."
    )
    overview = _chart(
        [(g.domain.name, _value_text(g.domain), False, [("domain", g.domain.percent, "")]) for g in domains]
    )
    radar = build_radar([(g.domain.name, g.domain.percent, g.domain.score_text) for g in domains])
    return Results(
        overview=overview,
        domains=tuple(domains),
        composites=tuple(composite_rows),
        scale_note=note,
        radar=radar,
        summary=summary_paragraph([g.domain for g in domains], lang),
        reference_note=reference_note(model_slug, band_basis) if standings else "",
    )


def _value_text(result: DimensionResult) -> str:
    if result.band_label and result.item_count:
        return f"{result.score_text} · {result.band_label}"
    return result.score_text


# --------------------------------------------------------------------------- survey comparison


@dataclass(frozen=True)
class ComparisonRow:
    name: str
    is_facet: bool
    self_percent: float | None
    others_percent: float | None
    self_text: str
    others_text: str


@dataclass(frozen=True)
class Comparison:
    charts: tuple[tuple[str, Chart, tuple[ComparisonRow, ...]], ...]  # (domain name, chart, rows)
    others_label: str


def build_comparison(aggregate: Any, *, normalization: str) -> Comparison:
    """`aggregate` is selectors.SurveyAggregate; domains each get a chart of You vs Others."""
    others_label = f"Others (n={aggregate.responses})"
    comparisons = sorted(aggregate.dimensions, key=lambda c: (c.dimension.sort_order, c.dimension.slug))
    rows: dict[int, ComparisonRow] = {}
    for c in comparisons:
        dimension = c.dimension
        self_percent = percent_for(c.self_normalized, c.self_raw, dimension, normalization)
        others_percent = percent_for(c.others_mean_normalized, c.others_mean_raw, dimension, normalization)
        rows[dimension.pk] = ComparisonRow(
            name=dimension.name,
            is_facet=bool(dimension.parent_id),
            self_percent=self_percent,
            others_percent=others_percent,
            self_text=_comparison_text(c.self_normalized, c.self_raw, normalization),
            others_text=_comparison_text(c.others_mean_normalized, c.others_mean_raw, normalization),
        )
    charts = []
    for c in comparisons:
        if c.dimension.parent_id:
            continue
        group = [rows[c.dimension.pk]] + [
            rows[f.dimension.pk] for f in comparisons if f.dimension.parent_id == c.dimension.pk
        ]
        chart = _chart(
            [
                (
                    row.name,
                    f"You {row.self_text} · Others {row.others_text}",
                    row.is_facet,
                    [("self", row.self_percent, "You"), ("others", row.others_percent, "Others")],
                )
                for row in group
            ]
        )
        charts.append((c.dimension.name, chart, tuple(group)))
    return Comparison(charts=tuple(charts), others_label=others_label)


def _comparison_text(normalized: float | None, raw: float | None, normalization: str) -> str:
    if normalization == "minmax":
        return fmt_number(normalized, 0) if normalized is not None else "–"
    return fmt_number(raw, 1) if raw is not None else "–"
