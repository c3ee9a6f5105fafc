"""Narrative search: latency and recall of the HNSW search over 10,000 narratives.

Runs in a throwaway database (``bench_<name>``, created and dropped here). One subject gets
NARRATIVES narratives with random unit vectors (bulk insert, no model, no outbox; the HNSW index
is dropped for the insert and rebuilt after it with the migration's definition), 2% of them
curations. QUERIES random unit query vectors then go through the selector
(``personas.selectors.narratives.narrative_search_vector``: what the API and the pages run once
the query is embedded — HNSW with ``hnsw.iterative_scan = relaxed_order``, plus the count of
not-searchable narratives), k = K. Recall@K compares each result with the exact top-K of the
same query (``SET LOCAL enable_indexscan = off``: a sequential scan and a sort).

Prints ``narrative_search p50_ms X p95_ms Y recall@10 Z`` for plain searches, the same for
searches filtered to curations (2% of the rows), and the search alone (no count) for a few
``hnsw.ef_search`` values. Random 384-d vectors are HNSW's worst case (every distance is close
to 1, there are no clusters); real sentence embeddings give a higher recall at the same setting.

Run: .venv/bin/python -m bench.bench_narrative_search
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from bench._database import throwaway_database

NARRATIVES = 10_000
QUERIES = 200
K = 10
DIMENSIONS = 384
MODEL = "bench-random"
EF_SWEEP = (40, 100, 200, 400)


def main() -> None:
    with throwaway_database():
        _run()


def _run() -> None:
    from django.conf import settings

    from accounts.models import User
    from assessments.models import SubjectProfile
    from personas.selectors import narratives as selectors

    if settings.EMBEDDING_DIMENSIONS != DIMENSIONS:
        raise SystemExit(f"This bench needs EMBEDDING_DIMENSIONS={DIMENSIONS}")
    rng = np.random.default_rng(42)
    user = User.objects.create_user(username="bench", email="bench@example.com", password="x" * 20)
    subject = SubjectProfile.objects.create(user=user, owner=user, display_name="bench")
    _insert(subject, _unit(rng.standard_normal((NARRATIVES, DIMENSIONS))))

    queries = [query.tolist() for query in _unit(rng.standard_normal((QUERIES, DIMENSIONS)))]
    plain = {}
    curations = {"narrative_type": "curation"}
    for label, filters in (("narrative_search", plain), ("narrative_search[type=curation]", curations)):
        truth = _exact(selectors, subject, queries, filters)
        _measure(label, selectors, subject, queries, truth, filters=filters)
        if filters is plain:
            plain_truth = truth
    print(f"search alone (no not-searchable count), k={K}, by hnsw.ef_search:")
    for ef_search in EF_SWEEP:
        _measure(
            f"  ef_search={ef_search}",
            selectors,
            subject,
            queries,
            plain_truth,
            filters=plain,
            count_pending=False,
            ef_search=ef_search,
        )


def _insert(subject, vectors: np.ndarray) -> None:
    from django.db import connection

    from personas.models import Narrative

    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX idx_narratives_embedding")
    Narrative.objects.bulk_create(
        (
            Narrative(
                subject=subject,
                narrative_type="curation" if i % 50 == 0 else "self_observation",
                trait_path="big_five.openness.score" if i % 50 == 0 else "",
                raw_text=f"narrative {i}",
                tags=["bench"],
                embedding=vector.tolist(),
                embedding_model=MODEL,
            )
            for i, vector in enumerate(vectors)
        ),
        batch_size=1_000,
    )
    inserted = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        # As in personas/migrations/0001_initial.py.
        cursor.execute(
            "CREATE INDEX idx_narratives_embedding ON personas_narrative "
            "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
        )
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute("VACUUM ANALYZE personas_narrative")
    print(
        f"set-up: {len(vectors):,} narratives inserted in {inserted - began:.1f}s, "
        f"HNSW index built in {time.perf_counter() - inserted:.1f}s"
    )


def _exact(selectors, subject, queries, filters) -> list[set]:
    truth = []
    for vector in queries:
        exact = selectors.narrative_search_vector(
            subject=subject, vector=vector, model=MODEL, k=K, exact=True, count_pending=False, **filters
        )
        truth.append({hit.narrative.pk for hit in exact.hits})
    return truth


def _measure(label, selectors, subject, queries, truth, *, filters, **options) -> None:
    for vector in queries[:5]:  # warm the index pages and the connection
        selectors.narrative_search_vector(
            subject=subject, vector=vector, model=MODEL, k=K, **filters, **options
        )
    timings = []
    recalls = []
    short = 0
    for vector, expected in zip(queries, truth, strict=True):
        started = time.perf_counter()
        found = selectors.narrative_search_vector(
            subject=subject, vector=vector, model=MODEL, k=K, **filters, **options
        )
        timings.append((time.perf_counter() - started) * 1000)
        recalls.append(len(expected & {hit.narrative.pk for hit in found.hits}) / len(expected))
        short += len(found.hits) < K
    p50 = statistics.median(timings)
    p95 = float(np.percentile(timings, 95))
    note = f" (results short of k: {short})" if short else ""
    print(f"{label} p50_ms {p50:.2f} p95_ms {p95:.2f} recall@{K} {statistics.mean(recalls):.3f}{note}")


def _unit(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
