"""Search: hybrid (full text + vectors, RRF) latency on 100,000 messages, and the indexes used.

Runs in a throwaway database. One user gets MESSAGES messages in CONVERSATIONS conversations
(interleaved with as many conversations of another user), ARTIFACTS artifacts and NARRATIVES
narratives, generated inside PostgreSQL (``bench/_search_corpus.py``: 12 words from a 400-word
vocabulary, "zeppelin" in 1% of the rows, random unit vectors — HNSW's worst case). The HNSW
indexes are dropped for the insert and rebuilt after it with the models' definitions.

Prints:

* ``vector_search ratio X goal >=0.5``: p50 of a bare pgvector ``ORDER BY embedding <=> q LIMIT
  k`` on chat_message (the reference, same run, same queries) divided by the p50 of the search's
  own vector query (ownership filter, model check, iterative scan). 1.0 means no overhead.
* the plans' index use (EXPLAIN) for the full-text and vector candidate queries of each type;
* p50/p99 of the candidate queries, of the whole hybrid search (four types, snippets, as the page
  and the API run it, with the query vector precomputed) and of embedding a query with the
  configured model;
* recall@20 of the vector candidates against the exact top 20 (a sequential scan).

Run: .venv/bin/python -m bench bench_search   (or .venv/bin/python -m bench.bench_search)
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from bench._database import throwaway_database

MESSAGES = 100_000
CONVERSATIONS = 10_000
ARTIFACTS = 5_000
NARRATIVES = 5_000
DIMENSIONS = 384
QUERIES = 60
K = 20
RATIO_GOAL = 0.5


def main() -> None:
    with throwaway_database():
        _run()


def _percentiles(timings: list[float]) -> str:
    return f"p50_ms {statistics.median(timings):.1f} p99_ms {float(np.percentile(timings, 99)):.1f}"


def _time(function, arguments) -> list[float]:
    for argument in arguments[:3]:  # warm caches and the connection
        function(argument)
    timings = []
    for argument in arguments:
        started = time.perf_counter()
        function(argument)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _build():
    from django.db import connection

    from accounts.models import User
    from assessments.services import subject_get_or_create_for_user
    from bench import _search_corpus as corpus
    from chat.models import Artifact, Message
    from personas.models import Narrative

    owner = User.objects.create_user(username="bench", email="bench@example.com", password="x" * 20)
    other = User.objects.create_user(username="other", email="other@example.com", password="x" * 20)
    subject = subject_get_or_create_for_user(user=owner)
    models = (Message, Artifact, Narrative)
    indexes = [next(i for i in model._meta.indexes if i.name.endswith("_embedding")) for model in models]
    began = time.perf_counter()
    with connection.schema_editor() as editor:
        for model, index in zip(models, indexes, strict=True):
            editor.remove_index(model, index)
    corpus.seed(0.42)
    corpus.generate(
        owner=owner,
        co_owners=[other],
        subject=subject,
        conversations=CONVERSATIONS,
        messages=MESSAGES,
        artifacts=ARTIFACTS,
        narratives=NARRATIVES,
        dimensions=DIMENSIONS,
    )
    inserted = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
    with connection.schema_editor() as editor:
        for model, index in zip(models, indexes, strict=True):
            editor.add_index(model, index)
    with connection.cursor() as cursor:
        cursor.execute("RESET maintenance_work_mem")
    built = time.perf_counter()
    corpus.analyze()
    print(
        f"set-up: {MESSAGES:,} messages, {CONVERSATIONS * 2:,} conversations, {ARTIFACTS:,} artifacts, "
        f"{NARRATIVES:,} narratives inserted in {inserted - began:.1f}s; HNSW indexes built in "
        f"{built - inserted:.1f}s; VACUUM ANALYZE {time.perf_counter() - built:.1f}s"
    )
    return owner


def _queries(rng) -> list[str]:
    """A third single words (~3% of rows each), a third two words, a third the rare word plus one."""
    words = [f"word{i}" for i in rng.integers(0, 400, size=QUERIES * 2)]
    queries = []
    for i in range(QUERIES):
        if i % 3 == 0:
            queries.append(words[i])
        elif i % 3 == 1:
            queries.append(f"{words[i]} {words[i + QUERIES]}")
        else:
            queries.append(f"zeppelin or {words[i]}")
    return queries


def _run() -> None:
    from django.conf import settings
    from django.db import connection

    from bench._search_corpus import MODEL
    from chat.search import selectors
    from personas.selectors import narratives as narrative_selectors

    if settings.EMBEDDING_DIMENSIONS != DIMENSIONS:
        raise SystemExit(f"This bench needs EMBEDDING_DIMENSIONS={DIMENSIONS}")
    owner = _build()
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((QUERIES, DIMENSIONS))
    vectors = [(v / np.linalg.norm(v)).tolist() for v in vectors]
    texts = _queries(rng)

    # --- the reference: a bare pgvector top-k on the same table, same queries
    def bare(vector):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM chat_message ORDER BY embedding <=> %s::vector LIMIT %s", [str(vector), K]
            )
            return cursor.fetchall()

    def ours(vector):
        return selectors.vector_ranking(owner, "message", vector, MODEL, K, threshold=-1.0)

    reference = _time(bare, vectors)
    own = _time(ours, vectors)
    ratio = statistics.median(reference) / statistics.median(own)
    print(f"vector_search ratio {ratio:.2f} goal >={RATIO_GOAL}")
    print(f"  reference (bare ORDER BY embedding <=> q LIMIT {K}): {_percentiles(reference)}")
    print(f"  search's vector candidates (messages, owner filter, model check): {_percentiles(own)}")

    # --- which indexes the plans use
    for kind in selectors.TYPES:
        plan = selectors.fulltext_queryset(owner, kind, "zeppelin", K).explain()
        used = [name for name in (f"idx_{kind}s_fts", "idx_conversations_fts") if name in plan]
        print(f"  EXPLAIN full text {kind}: {'GIN ' + used[0] if used else 'no GIN index'}")
    for kind in selectors.VECTOR_TYPES:
        with narrative_selectors.search_session(K):
            plan = selectors.vector_queryset(owner, kind, vectors[0], MODEL, K).explain()
        print(f"  EXPLAIN vector {kind}: {'HNSW' if '_embedding' in plan else 'no HNSW index (exact scan)'}")

    # --- latencies
    for kind in selectors.TYPES:
        timings = _time(lambda text, kind=kind: selectors.fulltext_ranking(owner, kind, text, K * 2), texts)
        print(f"full-text candidates {kind}: {_percentiles(timings)}")
    for kind in selectors.VECTOR_TYPES:
        timings = _time(
            lambda vector, kind=kind: selectors.vector_ranking(
                owner, kind, vector, MODEL, K * 2, threshold=-1.0
            ),
            vectors,
        )
        print(f"vector candidates {kind}: {_percentiles(timings)}")
    pairs = list(zip(texts, vectors, strict=True))
    timings = _time(
        lambda pair: selectors.hybrid_search(owner, pair[0], vector=pair[1], model=MODEL, limit=10), pairs
    )
    print(
        f"hybrid_search (4 types, limit 10, snippets; query vector given) on {MESSAGES:,} messages: "
        f"{_percentiles(timings)}"
    )
    timings = _time(lambda text: selectors.embed_query(text), texts[:20])
    print(f"embedding a query ({selectors.embed_query('x')[1] or 'unavailable'}): {_percentiles(timings)}")

    # --- recall of the vector candidates (random vectors: HNSW's worst case), by hnsw.ef_search
    def exact_top(vector):
        with narrative_selectors.search_session(K, exact=True):
            return {pk for pk, _ in selectors.vector_queryset(owner, "message", vector, MODEL, K)}

    def bare_top(vector, ef_search):
        with narrative_selectors.search_session(K, ef_search=ef_search), connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM chat_message ORDER BY embedding <=> %s::vector LIMIT %s", [str(vector), K]
            )
            return {row[0] for row in cursor.fetchall()}

    def own_top(vector, ef_search):
        with narrative_selectors.search_session(K, ef_search=ef_search):
            rows = list(selectors.vector_queryset(owner, "message", vector, MODEL, K))
        return {pk for pk, _ in rows}

    sample = vectors[:15]
    truth = [exact_top(vector) for vector in sample]
    for ef_search in (narrative_selectors.ef_search_for(K), 200, 800):
        own_recall = statistics.mean(
            len(own_top(v, ef_search) & t) / K for v, t in zip(sample, truth, strict=True)
        )
        bare_recall = statistics.mean(
            len(bare_top(v, ef_search) & t) / K for v, t in zip(sample, truth, strict=True)
        )
        print(
            f"recall@{K} vs exact, hnsw.ef_search={ef_search}: search {own_recall:.3f}, bare query {bare_recall:.3f}"
        )


if __name__ == "__main__":
    main()
