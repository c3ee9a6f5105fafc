"""Reports of a finished scoring run: a canonical JSON document and a Markdown text.

The Markdown is for people, and later as persona material for an LLM; the JSON is the same
content for programs. Both are built from rows the service already loaded (no queries here)
with the results page's own presenter (`presenters.build_results`), so names, bands and
narratives read as on the page: in the report's locale, falling back to the questionnaire's
own texts. Nothing depends on the clock or on row order, so a run always gives byte-identical
reports (`generated_at` is when the run finished). `services.report_get_or_create` stores them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from assessments import presenters
from assessments.models import AnalysisReport, AnalysisRun, CompositeScore, TraitScore
from assessments.presenters.charts import DimensionResult
from questionnaires.models import QuestionnaireVersion, TraitComposite, TraitThreshold, translated

REPORT_FORMAT = "personai.report/1"
FORMATS = (AnalysisReport.Format.MARKDOWN, AnalysisReport.Format.JSON)  # HTML: not rendered (yet)

# The report's own sentences (the questionnaire's texts come translated); keyed by the English.
TEXT = {
    "de": {
        "{title} — results": "{title} — Ergebnisse",
        "Scores run from 0 (the lowest possible from these answers) to 100 (the highest possible); "
        "each domain shows its band and what it means.": "Die Werte reichen von 0 (der mit diesen "
        "Antworten niedrigste mögliche Wert) bis 100 (der höchste); bei jedem Bereich stehen seine "
        "Stufe und ihre Bedeutung.",
        "Each domain shows its raw score, its band and what it means.": "Bei jedem Bereich stehen sein "
        "Rohwert, seine Stufe und ihre Bedeutung.",
        "no score": "kein Wert",
        "Summary": "Zusammenfassung",
        "Score version {score_version} · run {run} · scored {date}": "Bewertungsversion {score_version} "
        "· Lauf {run} · ausgewertet am {date}",
    }
}


def _text(text: str, locale: str, **values: Any) -> str:
    return TEXT.get(locale, {}).get(text, text).format(**values)


@dataclass(frozen=True)
class ReportData:
    """A finished run and the rows its report is made of (loaded by the service)."""

    run: AnalysisRun
    version: QuestionnaireVersion  # with questionnaire and analysis_model
    scores: Sequence[TraitScore]  # with dimension and dimension.parent
    composites: Sequence[CompositeScore]  # with composite and primary_dimension
    thresholds: Sequence[TraitThreshold]  # of the scored dimensions


def report_locale(data: ReportData, requested: str | None) -> str:
    """`requested` (or its language, "de" for "de-CH") when any text of the report is translated
    into it, else the questionnaire's default locale: a report is stored once per locale it
    really comes in, not once per string a client may send."""
    questionnaire = data.version.questionnaire
    found = {questionnaire.default_locale, *(questionnaire.translations or {})}
    for score in data.scores:
        found.update(score.dimension.translations or {})
    for threshold in data.thresholds:
        found.update(threshold.translations or {})
    for composite in data.composites:
        found.update(composite.composite.translations or {})
    requested = (requested or "").strip()
    for candidate in (requested, requested.lower(), re.split(r"[-_]", requested.lower())[0]):
        if candidate and candidate in found:
            return candidate
    return questionnaire.default_locale


def build(data: ReportData, locale: str) -> dict[str, Any]:
    """The canonical report: the questionnaire, the run, each domain (facets nested) in display
    order with its band and narrative in `locale`, the composites and what was left out."""
    run, version = data.run, data.version
    lang = presenters.lang_of(version, locale)
    normalization = _normalization(version)
    composites = sorted(data.composites, key=lambda c: (c.composite.sort_order, c.composite.slug))
    results = presenters.build_results(
        scores=data.scores,
        composites=composites,
        components=(),
        responses=(),
        thresholds=data.thresholds,
        normalization=normalization,
        lang=lang,
    )
    item_means = {score.dimension.slug: score.item_mean for score in data.scores}

    def dimension(result: DimensionResult) -> dict[str, Any]:
        return {
            "slug": result.slug,
            "name": result.name,
            "description": result.description or None,
            "band": result.band_key or None,
            "band_label": result.band_label or None,
            "narrative": result.narrative or None,
            "raw": _number(result.raw),
            "normalized": _number(result.normalized),
            "item_mean": _number(item_means.get(result.slug)),
            "item_count": result.item_count,
        }

    outcome = run.result or {}
    return {
        "format": REPORT_FORMAT,
        "questionnaire": {
            "slug": version.questionnaire.slug,
            "title": translated(version.questionnaire, "title", lang),
            "version": version.version,
        },
        "locale": locale,
        "session": str(run.session_id),
        "run": str(run.pk),
        "score_version": run.score_version,
        "generated_at": run.finished_at.astimezone(UTC).isoformat() if run.finished_at else None,
        "normalization": normalization,
        "dimensions": [
            {**dimension(group.domain), "facets": [dimension(facet) for facet in group.facets]}
            for group in results.domains
        ],
        "composites": [
            {
                "slug": score.composite.slug,
                "name": shown.name,
                "description": shown.description or None,
                "kind": score.composite.kind,
                "value": _number(score.value),
                "primary": score.primary_dimension.slug if score.primary_dimension_id else None,
                "primary_name": translated(score.primary_dimension, "name", lang)
                if score.primary_dimension_id
                else None,
            }
            for score, shown in zip(composites, results.composites, strict=True)
        ],
        "skipped_count": len(outcome.get("skipped") or ()),
        "unanswered_count": len(outcome.get("unanswered") or ()),
    }


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, sort_keys=True, ensure_ascii=False, indent=2)


def to_markdown(report: dict[str, Any]) -> str:
    locale = report["locale"]
    minmax = report["normalization"] == "minmax"
    title = _inline(report["questionnaire"]["title"])
    intro = (
        "Scores run from 0 (the lowest possible from these answers) to 100 (the highest possible); "
        "each domain shows its band and what it means."
        if minmax
        else "Each domain shows its raw score, its band and what it means."
    )
    lines = [f"# {_text('{title} — results', locale, title=title)}", "", _text(intro, locale), ""]
    for domain in report["dimensions"]:
        lines += [f"## {_heading(domain, minmax, locale)}", ""]
        if domain["narrative"]:
            lines += [domain["narrative"].strip(), ""]
        if domain["facets"]:
            for facet in domain["facets"]:
                narrative = f": {_inline(facet['narrative'])}" if facet["narrative"] else ""
                lines.append(f"- {_heading(facet, minmax, locale)}{narrative}")
            lines.append("")
    if report["composites"]:
        lines += [f"## {_text('Summary', locale)}", ""]
        for composite in report["composites"]:
            if composite["kind"] == TraitComposite.Kind.ARGMAX:
                value = _inline(composite["primary_name"] or "–")
            else:
                value = presenters.fmt_number(composite["value"], 1)
            lines.append(f"- {_inline(composite['name'])}: {value}")
        lines.append("")
    footer = _text(
        "Score version {score_version} · run {run} · scored {date}",
        locale,
        score_version=report["score_version"] or "–",
        run=report["run"],
        date=(report["generated_at"] or "–")[:10],
    )
    lines += ["---", "", f"_{footer}_"]
    return "\n".join(lines) + "\n"


def render(data: ReportData, *, format: str, locale: str) -> str:
    """The report of `data` in `format` (one of FORMATS) and `locale` (see `report_locale`)."""
    report = build(data, locale)
    if format == AnalysisReport.Format.JSON:
        return to_json(report)
    if format == AnalysisReport.Format.MARKDOWN:
        return to_markdown(report)
    raise ValueError(f"Reports are not rendered as {format!r}.")


def _normalization(version: QuestionnaireVersion) -> str:
    return ((version.analysis_model.config or {}).get("normalization") or {}).get("method", "none")


def _number(value: float | None) -> float | None:
    """Rounded to 6 decimals as the engine's own result (55.00000000000001 is 55.0)."""
    return None if value is None else round(float(value), 6) + 0.0


def _heading(dimension: dict[str, Any], minmax: bool, locale: str) -> str:
    """ "Name — Band (score/100)", or the raw score on other scales; no band, no dash."""
    if not dimension["item_count"]:
        score = _text("no score", locale)
    elif minmax and dimension["normalized"] is not None:
        score = f"{presenters.fmt_number(dimension['normalized'], 0)}/100"
    else:
        score = presenters.fmt_number(dimension["raw"], 2)
    name = _inline(dimension["name"])
    if dimension["band_label"] and dimension["item_count"]:
        return f"{name} — {_inline(dimension['band_label'])} ({score})"
    return f"{name} ({score})"


def _inline(text: str) -> str:
    """One line: a text that goes into a heading or a list item."""
    return " ".join(text.split())
