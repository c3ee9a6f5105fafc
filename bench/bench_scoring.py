"""Scoring speed: a 120-item Likert instrument (5 domains x 6 facets x 4 items), scored 1,000 times.

Run: .venv/bin/python -m bench.bench_scoring
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

from assessments.scoring import (
    Answer,
    Composite,
    Dimension,
    Instrument,
    Item,
    Mapping,
    ModelDefinition,
    Option,
    Threshold,
    score,
)

DOMAINS = 5
FACETS_PER_DOMAIN = 6
ITEMS_PER_FACET = 4
RUNS = 1_000

IPIP_BANDS = (
    Threshold("low", "Low", "Below 3.", None, 3.0),
    Threshold("neutral", "Neutral", "Exactly 3.", 3.0, 3.0, True, True),
    Threshold("high", "High", "Above 3.", 3.0, None, False),
)


def build_instrument() -> Instrument:
    dimensions: list[Dimension] = []
    items: list[Item] = []
    options = tuple(Option(str(v), float(v)) for v in range(1, 6))
    for d in range(DOMAINS):
        domain = f"domain-{d}"
        dimensions.append(Dimension(domain, domain.title(), sort_order=d, thresholds=IPIP_BANDS))
        for f in range(FACETS_PER_DOMAIN):
            facet = f"{domain}-facet-{f}"
            dimensions.append(Dimension(facet, facet.title(), domain, f, IPIP_BANDS))
            for i in range(ITEMS_PER_FACET):
                key = f"q{len(items) + 1}"
                params = {"multiplier": 1, "offset": 0, "reverse": i % 2 == 1}
                mapping = Mapping(f"m{len(items) + 1}", facet, "range_linear", params)
                items.append(Item(key, "single_choice", options=options, mappings=(mapping,)))
    model = ModelDefinition(
        dimensions=tuple(dimensions),
        composites=(
            Composite("primary", "Primary", "argmax", tuple(f"domain-{d}" for d in range(DOMAINS))),
            Composite("stability", "Stability", "weighted_sum", weights={"domain-0": -1.0}),
        ),
        config={"aggregation": "sum", "normalization": {"method": "minmax"}, "band_basis": "item_mean"},
    )
    return Instrument(model=model, items=tuple(items))


def main() -> None:
    instrument = build_instrument()
    rng = random.Random(42)
    answers = {item.key: Answer(option=str(rng.randint(1, 5))) for item in instrument.items}
    as_of = datetime(2026, 1, 1, tzinfo=UTC)
    score(instrument, answers, as_of=as_of)  # warm up

    started = time.perf_counter()
    for _ in range(RUNS):
        result = score(instrument, answers, as_of=as_of)
    warm = (time.perf_counter() - started) / RUNS * 1000

    # What the scoring service pays: a fresh Instrument per session, so nothing derived is reused.
    started = time.perf_counter()
    for _ in range(RUNS):
        score(Instrument(model=instrument.model, items=instrument.items), answers, as_of=as_of)
    cold = (time.perf_counter() - started) / RUNS * 1000

    print(
        f"scoring: {len(instrument.items)} items, {len(instrument.model.dimensions)} dimensions, "
        f"{len(result.components)} components, {RUNS} runs: {warm:.3f} ms per scoring "
        f"(same Instrument object), {cold:.3f} ms (fresh Instrument each time)"
    )


if __name__ == "__main__":
    main()
