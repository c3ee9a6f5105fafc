"""Where a score stands in a reference group: published norms and the installation's own cohort.

Pure Python (no ORM): the norm tables are JSON files in `assessments/norm_tables/`, registered by
analysis model slug in `NORM_TABLES`; docs/norms.md names their sources. A percentile here is the
share of the reference group scoring lower, 0–100:

- against published norms, the normal distribution with the table's mean and SD
  (`normal_percentile`), after prorating the person's item mean to the table's item count, so a
  skipped item does not pull the score down;
- against the cohort, the mid-rank percentile (`rank_percentile`): those below plus half of those
  tied, out of n; shown only from `COHORT_MIN` people on.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

NORM_TABLE_DIR = Path(__file__).resolve().parent / "norm_tables"
# Analysis model slug -> norm table file. Only models whose scores are on the table's scale.
NORM_TABLES = {"big-five-ipip-neo": "ipip-neo-120-johnson.json"}
COHORT_MIN = 30  # fewer respondents make a shaky reference group (and a revealing one)
# A percentile needs most of the dimension's items: below this share answered, none is given.
MIN_ANSWERED_SHARE = 0.5


@dataclass(frozen=True)
class Norm:
    mean: float
    sd: float
    items: int  # the number of items the norm's raw sums are over


@dataclass(frozen=True)
class NormTable:
    name: str
    source: str
    source_url: str
    group: str  # the reference group the norms describe
    norms: dict[str, Norm]  # by dimension slug


@dataclass(frozen=True)
class Standing:
    """A score's place in one reference group."""

    percentile: float  # share of the group scoring lower, 0–100
    group: str  # "the reference group" (published norms) or "people who took it here" (cohort)
    n: int | None = None  # group size, for the cohort

    @property
    def shown(self) -> int:
        """The percentile as written: a whole number from 1 to 99 (never "all" or "none")."""
        return min(99, max(1, round(self.percentile)))


def normal_percentile(value: float, mean: float, sd: float) -> float:
    """Percent of a normal distribution (mean, sd) below `value`."""
    if not sd > 0:
        raise ValueError("sd must be positive")
    return 50.0 * (1.0 + math.erf((value - mean) / (sd * math.sqrt(2.0))))


def rank_percentile(below: int, equal: int, n: int) -> float:
    """Mid-rank percentile: (below + equal / 2) / n × 100."""
    if n <= 0 or below < 0 or equal < 0 or below + equal > n:
        raise ValueError("need 0 <= below + equal <= n and n > 0")
    return (below + equal / 2.0) / n * 100.0


def pooled(groups: list[dict[str, Norm]]) -> dict[str, Norm]:
    """The equal-weight mixture of several groups' norms: the mean of the means, and the SD of
    the mixture (within-group variance plus the spread of the group means)."""
    slugs = set(groups[0])
    for group in groups[1:]:
        slugs &= set(group)
    result = {}
    for slug in sorted(slugs):
        norms = [group[slug] for group in groups]
        mean = math.fsum(n.mean for n in norms) / len(norms)
        second_moment = math.fsum(n.sd**2 + n.mean**2 for n in norms) / len(norms)
        result[slug] = Norm(mean=mean, sd=math.sqrt(second_moment - mean**2), items=norms[0].items)
    return result


def parse_norm_table(document: dict) -> NormTable:
    """A norm table file: per group, {slug: [mean, sd]}; `items` gives each slug's item count.
    The table used is the pooled mixture of every group (the person's sex and age are not asked)."""
    items = document["items"]
    groups = [
        {
            slug: Norm(mean=float(mean), sd=float(sd), items=int(items[slug]))
            for slug, (mean, sd) in g["scores"].items()
        }
        for g in document["groups"]
    ]
    return NormTable(
        name=document["name"],
        source=document["source"],
        source_url=document.get("source_url", ""),
        group=document.get("group", "adults of all ages, women and men weighted equally"),
        norms=pooled(groups),
    )


@cache
def norm_table_for(model_slug: str) -> NormTable | None:
    filename = NORM_TABLES.get(model_slug)
    if filename is None:
        return None
    return parse_norm_table(json.loads((NORM_TABLE_DIR / filename).read_text()))


def norm_standing(table: NormTable, slug: str, item_mean: float | None, item_count: int) -> Standing | None:
    """Where an item mean stands against `table`'s norm for `slug`; None without a norm or with too
    few items answered."""
    norm = table.norms.get(slug)
    if norm is None or item_mean is None or item_count < norm.items * MIN_ANSWERED_SHARE:
        return None
    return Standing(
        percentile=normal_percentile(item_mean * norm.items, norm.mean, norm.sd),
        group="the reference group",
    )


def cohort_standing(below: int, equal: int, n: int) -> Standing | None:
    """Standing among the installation's own respondents; None below `COHORT_MIN`."""
    if n < COHORT_MIN:
        return None
    return Standing(percentile=rank_percentile(below, equal, n), group="people who took it here", n=n)


STANDING_TEXT = {
    "en": {
        "the reference group": "You score higher than {shown} % of the reference group.",
        "people who took it here": "You score higher than {shown} % of people who took it here (n = {n}).",
    },
    "de": {
        "the reference group": "Ihr Wert liegt höher als bei {shown} % der Referenzgruppe.",
        "people who took it here": (
            "Ihr Wert liegt höher als bei {shown} % der Personen, die den Fragebogen hier ausgefüllt haben "
            "(n = {n})."
        ),
    },
}


def standing_sentence(standing: Standing, lang: str | None = None) -> str:
    """The narrative's wording: "You score higher than 73 % of the reference group."."""
    texts = STANDING_TEXT.get(lang or "en", STANDING_TEXT["en"])
    return texts[standing.group].format(shown=standing.shown, n=standing.n)
