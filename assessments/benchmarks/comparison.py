"""The comparison of agents and cohorts on one questionnaire version (pure: built from batches
and token totals the caller loaded).

Per subject and dimension: the batch's statistics, the band of the mean, and against a chosen
reference cohort Cohen's d and Welch's t-test p-value (SciPy). The chart draws every mean with
its 95 % interval on the dimension's own scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assessments.benchmarks import stats

CSV_COLUMNS = (
    "subject",
    "subject_type",
    "dimension",
    "n",
    "mean",
    "ci_low",
    "ci_high",
    "sd",
    "median",
    "band",
    "invalid_rate",
    "cohens_d",
    "welch_p",
    "reference",
    "prompt_tokens",
    "completion_tokens",
    "cost_estimate",
)

MARKERS = ("circle", "square", "diamond", "triangle")


@dataclass(frozen=True)
class Row:
    subject_id: str
    subject: str
    subject_type: str
    dimension: str
    dimension_name: str
    is_facet: bool
    n: int | None
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    sd: float | None
    median: float | None
    band: str
    invalid_rate: float | None
    cohens_d: float | None
    welch_p: float | None
    reference: str
    prompt_tokens: int | None
    completion_tokens: int | None
    cost_estimate: float | None

    def csv_values(self) -> list:
        return ["" if getattr(self, name) is None else getattr(self, name) for name in CSV_COLUMNS]


@dataclass(frozen=True)
class SubjectSummary:
    subject_id: str
    name: str
    subject_type: str
    runs: int
    prompt_tokens: int | None
    completion_tokens: int | None
    cost_estimate: float | None
    marker: str


@dataclass(frozen=True)
class Mark:
    marker: str
    subject: str
    y: float
    mean: str  # x positions in % of the plot's width
    low: str | None
    high: str | None


@dataclass(frozen=True)
class ChartRow:
    name: str
    is_facet: bool
    y: float
    scale_text: str
    marks: tuple[Mark, ...]

    @property
    def label_y(self) -> float:
        return self.y + 14


@dataclass(frozen=True)
class Chart:
    rows: tuple[ChartRow, ...]
    height: float
    ticks: tuple[int, ...] = (0, 25, 50, 75, 100)


@dataclass
class Comparison:
    rows: list[Row] = field(default_factory=list)
    subjects: list[SubjectSummary] = field(default_factory=list)
    chart: Chart | None = None
    reference_name: str = ""


def build(
    *,
    batches: list,
    dimensions: list[tuple[str, str, bool, float | None, float | None]],
    reference=None,
    tokens: dict | None = None,
) -> Comparison:
    """`batches`: AssessmentBatch rows with `subject` loaded; `dimensions`: (slug, name, is facet,
    range low, range high) in display order; `reference`: the cohort's batch (or None);
    `tokens`: {agent id: (prompt, completion)}."""
    tokens = tokens or {}
    reference_values = (reference.stats if reference is not None else {}) or {}
    reference_name = reference.subject.display_name if reference is not None else ""
    comparison = Comparison(reference_name=reference_name)
    markers: dict = {}
    for batch in batches:
        subject = batch.subject
        markers[str(subject.pk)] = MARKERS[len(markers) % len(MARKERS)]
        prompt, completion = tokens.get(subject.pk, (None, None))
        price = (
            (subject.metadata or {}).get("price_per_1k_tokens") if subject.subject_type == "agent" else None
        )
        cost = (prompt + completion) / 1000 * price if price is not None and prompt is not None else None
        comparison.subjects.append(
            SubjectSummary(
                subject_id=str(subject.pk),
                name=subject.display_name,
                subject_type=subject.subject_type,
                runs=batch.session_count,
                prompt_tokens=prompt,
                completion_tokens=completion,
                cost_estimate=cost,
                marker=markers[str(subject.pk)],
            )
        )
    summaries = {summary.subject_id: summary for summary in comparison.subjects}
    for slug, name, is_facet, _low, _high in dimensions:
        for batch in batches:
            entry = batch.stats.get(slug)
            if entry is None:
                continue
            subject = batch.subject
            is_reference = reference is not None and subject.pk == reference.subject_id
            against = (reference_values.get(slug) or {}).get("values") or []
            values = entry.get("values") or []
            summary = summaries[str(subject.pk)]
            ci = entry.get("ci95") or [None, None]
            comparison.rows.append(
                Row(
                    subject_id=str(subject.pk),
                    subject=subject.display_name,
                    subject_type=subject.subject_type,
                    dimension=slug,
                    dimension_name=name,
                    is_facet=is_facet,
                    n=entry.get("n"),
                    mean=entry.get("mean"),
                    ci_low=ci[0],
                    ci_high=ci[1],
                    sd=entry.get("sd"),
                    median=entry.get("median"),
                    band=entry.get("band_label", ""),
                    invalid_rate=entry.get("invalid_rate"),
                    cohens_d=None if is_reference else stats.cohens_d(values, against),
                    welch_p=None if is_reference else stats.welch_p(values, against),
                    reference="" if is_reference or not against else reference_name,
                    prompt_tokens=summary.prompt_tokens,
                    completion_tokens=summary.completion_tokens,
                    cost_estimate=summary.cost_estimate,
                )
            )
    comparison.chart = _chart(comparison.rows, dimensions, markers)
    return comparison


def _chart(rows: list[Row], dimensions: list, markers: dict) -> Chart | None:
    by_dimension: dict[str, list[Row]] = {}
    for row in rows:
        if row.mean is not None:
            by_dimension.setdefault(row.dimension, []).append(row)
    y = 0.0
    chart_rows = []
    for slug, name, is_facet, low, high in dimensions:
        entries = by_dimension.get(slug)
        if not entries:
            continue
        if low is None or high is None or high <= low:  # no range hint: the data's own extent
            points = [v for r in entries for v in (r.mean, r.ci_low, r.ci_high) if v is not None]
            low, high = min(points), max(points)
            if high <= low:
                low, high = low - 1, high + 1

        def x(value: float | None, low=low, high=high) -> str | None:
            if value is None:
                return None
            return f"{max(0.0, min(100.0, 100 * (value - low) / (high - low))):.2f}%"

        mark_y = y + 24
        marks = []
        for row in entries:
            marks.append(
                Mark(
                    marker=markers.get(row.subject_id, "circle"),
                    subject=row.subject,
                    y=mark_y,
                    mean=x(row.mean),
                    low=x(row.ci_low),
                    high=x(row.ci_high),
                )
            )
            mark_y += 14
        chart_rows.append(
            ChartRow(
                name=name,
                is_facet=is_facet,
                y=y,
                scale_text=f"{_short(low)}–{_short(high)}",
                marks=tuple(marks),
            )
        )
        y = mark_y + 10
    if not chart_rows:
        return None
    return Chart(rows=tuple(chart_rows), height=y + 20)


def _short(number: float) -> str:
    return f"{number:.2f}".rstrip("0").rstrip(".")
