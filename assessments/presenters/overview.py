"""The results overview beyond the bars: a radar chart of the domains, a summary paragraph built
from the bands (and percentiles), and where a score stands against norms and the cohort.

Pure functions over what the view already loaded (no queries here).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assessments import norms
from assessments.presenters.taking import fmt_number

# --------------------------------------------------------------------------- radar chart

RADAR_WIDTH = 560
RADAR_HEIGHT = 380
RADAR_RADIUS = 125
RADAR_RINGS = (25, 50, 75, 100)
RADAR_MIN_AXES = 3  # fewer axes make a line, not a shape


def _n(value: float) -> str:
    """A coordinate as SVG wants it, whatever the active locale (never a decimal comma)."""
    return f"{value:.1f}"


@dataclass(frozen=True)
class RadarAxis:
    """One axis; coordinates are preformatted strings (see `_n`)."""

    name: str
    value_text: str
    x: str  # end of the axis (100 on the scale)
    y: str
    label_x: str
    label_y: str
    value_y: str  # the value is written under the name
    anchor: str  # start | middle | end
    point_x: str  # the score on this axis
    point_y: str


@dataclass(frozen=True)
class Radar:
    axes: tuple[RadarAxis, ...]
    rings: tuple[str, ...]  # polygon points of the 25/50/75/100 rings
    shape: str  # polygon points of the scores
    width: int = RADAR_WIDTH
    height: int = RADAR_HEIGHT
    cx: str = _n(RADAR_WIDTH / 2)
    cy: str = _n(RADAR_HEIGHT / 2)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def _point(index: int, count: int, fraction: float) -> tuple[float, float]:
    """Axis `index` of `count`, clockwise from the top, at `fraction` of the radius."""
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return (
        RADAR_WIDTH / 2 + math.cos(angle) * RADAR_RADIUS * fraction,
        RADAR_HEIGHT / 2 + math.sin(angle) * RADAR_RADIUS * fraction,
    )


def _points(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def build_radar(entries: Sequence[tuple[str, float | None, str]]) -> Radar | None:
    """entries: (name, 0–100 score, value text), one per axis. None below three scored axes."""
    scored = [(name, percent, text) for name, percent, text in entries if percent is not None]
    count = len(scored)
    if count < RADAR_MIN_AXES:
        return None
    axes = []
    shape = []
    for index, (name, percent, text) in enumerate(scored):
        x, y = _point(index, count, 1.0)
        label_x, label_y = _point(index, count, 1.12)
        offset = label_x - RADAR_WIDTH / 2
        anchor = "middle" if abs(offset) < 8 else ("start" if offset > 0 else "end")
        if label_y < RADAR_HEIGHT / 2 - RADAR_RADIUS:  # the top label sits above its axis
            label_y -= 14
        elif label_y > RADAR_HEIGHT / 2 + RADAR_RADIUS * 0.5:  # lower labels hang below the rim
            label_y += 8
        point = _point(index, count, max(0.0, min(100.0, percent)) / 100)
        shape.append(point)
        axes.append(
            RadarAxis(
                name=name,
                value_text=text,
                x=_n(x),
                y=_n(y),
                label_x=_n(label_x),
                label_y=_n(label_y),
                value_y=_n(label_y + 15),
                anchor=anchor,
                point_x=_n(point[0]),
                point_y=_n(point[1]),
            )
        )
    rings = tuple(_points([_point(i, count, ring / 100) for i in range(count)]) for ring in RADAR_RINGS)
    shape = _points(shape)
    return Radar(axes=tuple(axes), rings=rings, shape=shape)


# --------------------------------------------------------------------------- standing


def standings_for(
    *,
    model_slug: str,
    band_basis: str,
    scores: Sequence,  # TraitScore rows (dimension loaded)
    cohort: Mapping[int, object],  # selectors.cohort_counts()
) -> dict[str, list[norms.Standing]]:
    """{dimension slug: [standing against published norms, standing in the cohort]} (either may
    be missing). Relative (ipsative) bands compare a person with themself: no percentiles."""
    if band_basis == "relative":
        return {}
    table = norms.norm_table_for(model_slug)
    found: dict[str, list[norms.Standing]] = {}
    for score in scores:
        if not score.item_count:
            continue
        slug = score.dimension.slug
        standings = []
        if table is not None:
            against_norms = norms.norm_standing(table, slug, score.item_mean, score.item_count)
            if against_norms is not None:
                standings.append(against_norms)
        count = cohort.get(score.dimension_id)
        if count is not None:
            in_cohort = norms.cohort_standing(count.below, count.equal, count.n)
            if in_cohort is not None:
                standings.append(in_cohort)
        if standings:
            found[slug] = standings
    return found


# --------------------------------------------------------------------------- summary and explanations

# Sentences built here sit beside the questionnaire's own (translated) narratives, so they follow
# the session's language, not the interface's.
OVERVIEW_TEXT = {
    "de": {
        " and ": " und ",
        "{names} is {label}": "{names} ist {label}",
        "{names} are {label}": "{names} sind {label}",
        "In short: {parts}.": "Kurz gesagt: {parts}.",
        (
            " Against the reference group you stand highest in {high} (higher than {high_shown} % of it) "
            "and lowest in {low} (higher than {low_shown} %)."
        ): (
            " Im Vergleich mit der Referenzgruppe liegen Sie bei {high} am höchsten (höher als {high_shown} % "
            "der Gruppe) und bei {low} am niedrigsten (höher als {low_shown} %)."
        ),
        (
            "From the questions you answered, the raw score could run from {low} to {high}. The 0–100 score "
            "places your raw score in that range: ({raw} − {low_term}) ÷ ({high} − {low_term}) × 100 = {score}."
        ): (
            "Mit den beantworteten Fragen konnte der Rohwert zwischen {low} und {high} liegen. Der Wert von "
            "0 bis 100 gibt an, wo Ihr Rohwert in diesem Bereich liegt: ({raw} − {low_term}) ÷ ({high} − "
            "{low_term}) × 100 = {score}."
        ),
        "The 0–100 score places your raw score between the lowest and highest your answers allow.": (
            "Der Wert von 0 bis 100 gibt an, wo Ihr Rohwert zwischen dem niedrigsten und dem höchsten "
            "möglichen Wert liegt."
        ),
        "The band uses the average per question: {raw} ÷ {count} = {mean}": (
            "Die Einstufung nutzt den Durchschnitt pro Frage: {raw} ÷ {count} = {mean}"
        ),
        "The band looks at this score's share of the total of your own scores: {share} %": (
            "Die Einstufung betrachtet den Anteil dieses Werts an der Summe Ihrer eigenen Werte: {share} %"
        ),
        "The band compares this score with the mean of your own scores ({mean}): {sign}{points} points": (
            "Die Einstufung vergleicht diesen Wert mit dem Mittelwert Ihrer eigenen Werte ({mean}): "
            "{sign}{points} Punkte"
        ),
        ", which is {label}.": ", also {label}.",
    }
}


def _signed(value: float) -> str:
    """A number with a typographic minus (−1, not -1)."""
    return fmt_number(value, 2).replace("-", "−")


def _term(value: float) -> str:
    """A number to subtract: negatives in parentheses, so "7 − (−1)" reads right."""
    return f"({_signed(value)})" if value < 0 else _signed(value)


def _t(text: str, lang: str | None, **values) -> str:
    return OVERVIEW_TEXT.get(lang or "", {}).get(text, text).format(**values)


def reference_note(model_slug: str, band_basis: str) -> str:
    """Which reference group the percentiles use (said once per page, not in every sentence)."""
    if band_basis == "relative":
        return ""
    table = norms.norm_table_for(model_slug)
    note = (
        f"Percentiles: the reference group is {table.name} ({table.group}); "
        if table is not None
        else "Percentiles: "
    )
    return note + (
        f"“people who took it here” are this site's other respondents, shown from {norms.COHORT_MIN} on."
    )


def _join(names: Sequence[str], lang: str | None = None) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])}{_t(' and ', lang)}{names[-1]}"


def summary_paragraph(domains: Sequence, lang: str | None = None) -> str:
    """A few sentences from the bands of the top-level dimensions (DimensionResult), highest
    scores first, plus where the person stands out most against the reference group."""
    groups: dict[str, list] = {}
    for domain in domains:
        if domain.item_count and domain.band_label:
            groups.setdefault(domain.band_label, []).append(domain)
    if not groups:
        return ""
    ordered = sorted(groups.items(), key=lambda g: -max((d.percent or 0.0) for d in g[1]))
    parts = []
    for label, members in ordered:
        names = [d.name for d in members]
        pattern = "{names} is {label}" if len(names) == 1 else "{names} are {label}"
        parts.append(_t(pattern, lang, names=_join(names, lang), label=label.lower()))
    text = _t("In short: {parts}.", lang, parts="; ".join(parts))
    # Published norms only: the same reference for every domain (the cohort's n may differ).
    normed = [(d, s) for d in domains for s in d.standings if s.n is None]
    if len(normed) >= 2:
        high = max(normed, key=lambda pair: pair[1].percentile)
        low = min(normed, key=lambda pair: pair[1].percentile)
        text += _t(
            " Against the reference group you stand highest in {high} (higher than {high_shown} % of it) "
            "and lowest in {low} (higher than {low_shown} %).",
            lang,
            high=high[0].name,
            high_shown=high[1].shown,
            low=low[0].name,
            low_shown=low[1].shown,
        )
    return text


def scale_explanation(
    *,
    raw: float,
    normalized: float | None,
    item_mean: float | None,
    item_count: int,
    scale_min: float | None,
    scale_max: float | None,
    relative: float | None,
    band_basis: str,
    band_label: str,
    relative_method: str = "deviation",
    lang: str | None = None,
) -> list[str]:
    """How the raw sum becomes the 0–100 score (and what the band compares), step by step."""
    lines = []
    which = _t(", which is {label}.", lang, label=band_label.lower()) if band_label else "."
    if normalized is not None and scale_min is not None and scale_max is not None:
        lines.append(
            _t(
                "From the questions you answered, the raw score could run from {low} to {high}. The 0–100 "
                "score places your raw score in that range: ({raw} − {low_term}) ÷ ({high} − {low_term}) × "
                "100 = {score}.",
                lang,
                low=_signed(scale_min),
                low_term=_term(scale_min),
                high=_signed(scale_max),
                raw=_signed(raw),
                score=fmt_number(normalized, 1),
            )
        )
    elif normalized is not None:
        lines.append(
            _t(
                "The 0–100 score places your raw score between the lowest and highest your answers allow.",
                lang,
            )
        )
    if band_basis == "item_mean" and item_mean is not None and item_count:
        lines.append(
            _t(
                "The band uses the average per question: {raw} ÷ {count} = {mean}",
                lang,
                raw=fmt_number(raw, 2),
                count=item_count,
                mean=fmt_number(item_mean, 2),
            )
            + which
        )
    elif band_basis == "relative" and relative_method == "share" and relative is not None:
        lines.append(
            _t(
                "The band looks at this score's share of the total of your own scores: {share} %",
                lang,
                share=fmt_number(relative, 1),
            )
            + which
        )
    elif band_basis == "relative" and relative is not None and normalized is not None:
        lines.append(
            _t(
                "The band compares this score with the mean of your own scores ({mean}): {sign}{points} points",
                lang,
                mean=fmt_number(normalized - relative, 1),
                sign="+" if relative >= 0 else "−",
                points=fmt_number(abs(relative), 1),
            )
            + which
        )
    return lines


# --------------------------------------------------------------------------- self vs others

GAP_MIN_POINTS = 10.0  # smaller differences on the 0–100 scale are noise with a handful of raters
GAP_LIMIT = 3
ITEM_GAP_MIN_SHARE = 0.15  # of the answer scale (e.g. 0.6 points on a 1–5 scale)
ITEM_GAP_LIMIT = 5


def biggest_gaps(rows: Sequence) -> list[str]:
    """Sentences for the dimensions (ComparisonRow) where others' mean differs most from the
    person's own score: "Others see you as higher in Agreeableness than you do (62 vs 48)."."""
    gaps = [
        (row, row.others_percent - row.self_percent)
        for row in rows
        if row.self_percent is not None and row.others_percent is not None
    ]
    gaps = [g for g in gaps if abs(g[1]) >= GAP_MIN_POINTS]
    gaps.sort(key=lambda g: (-abs(g[1]), g[0].is_facet, g[0].name))
    return [
        f"Others see you as {'higher' if gap > 0 else 'lower'} in {row.name} than you do "
        f"({row.others_text} vs {row.self_text})."
        for row, gap in gaps[:GAP_LIMIT]
    ]


@dataclass(frozen=True)
class ItemGap:
    question: str
    self_text: str
    others_text: str
    others_n: int
    direction: str  # "Others answered higher" | "Others answered lower"


def _value_text(comparison, value: float) -> str:
    if comparison.item.bank_item.question_type == "boolean":
        return f"{fmt_number(value * 100, 0)} % yes"
    return fmt_number(value, 1)


def item_gaps(comparisons: Sequence, lang: str | None) -> list[ItemGap]:
    """The questions (selectors.ItemComparison) where others' mean answer differs most from the
    person's own, largest first; aggregates only (the selector already dropped n below min-n)."""
    ranked = [c for c in comparisons if c.gap is not None and abs(c.gap) >= ITEM_GAP_MIN_SHARE]
    ranked.sort(key=lambda c: (-abs(c.gap), c.item.sort_order))
    found = []
    for c in ranked[:ITEM_GAP_LIMIT]:
        boolean = c.item.bank_item.question_type == "boolean"
        scale = "" if boolean else f" on {fmt_number(c.low, 1)}–{fmt_number(c.high, 1)}"
        self_text = ("Yes" if c.self_value else "No") if boolean else f"{fmt_number(c.self_value, 1)}{scale}"
        found.append(
            ItemGap(
                question=c.item.text_in(lang),
                self_text=self_text,
                others_text=f"{_value_text(c, c.others_mean)}{scale}",
                others_n=c.others_n,
                direction="Others answered higher" if c.gap > 0 else "Others answered lower",
            )
        )
    return found
