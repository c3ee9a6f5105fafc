"""Semantic search uses the HNSW index, and filtered searches still return a full k.

2,000 narratives with random unit vectors (no model needed); 2% are curations, 2.5% carry the
tag "rare". A plain HNSW scan looks at ``hnsw.ef_search`` (40) candidates and filters them
afterwards, so a 2% filter would leave about one row; the selector's iterative scan keeps going.
"""

from __future__ import annotations

import pytest
from django.db import connection

from personas.models import Narrative
from personas.selectors import narratives as selectors
from tests.factories import UserFactory
from tests.personas.narrative_factories import bulk_narratives, own_subject, unit_vectors

pytestmark = pytest.mark.django_db

ROWS = 2_000
MODEL = "bench-model"


@pytest.fixture(scope="module")
def corpus(django_db_setup, django_db_blocker):
    """Built once for the module (committed, removed at the end): 2,000 HNSW insertions are slow."""
    with django_db_blocker.unblock():
        owner = UserFactory()
        subject = own_subject(owner)
        bulk_narratives(
            subject,
            unit_vectors(ROWS, seed=1),
            model=MODEL,
            type_for=lambda i: "curation" if i % 50 == 0 else "self_observation",
            tags_for=lambda i: ["rare"] if i % 40 == 7 else ["common"],
        )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE personas_narrative")
    yield subject
    with django_db_blocker.unblock():
        Narrative.objects.filter(subject=subject).delete()
        subject.delete()
        owner.delete()


def query_vector(seed: int = 99) -> list[float]:
    return unit_vectors(1, seed=seed)[0].tolist()


def ordered_by_index(subject, k, *, iterative=True, **filters) -> tuple[str, list[Narrative]]:
    """Run the search with sorting disabled, so the only way to order is the HNSW index."""
    queryset = selectors.search_queryset(subject=subject, vector=query_vector(), model=MODEL, k=k, **filters)
    with selectors.search_session(k), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('enable_sort', 'off', true)")
        if not iterative:
            cursor.execute("SELECT set_config('hnsw.iterative_scan', 'off', true)")
        return queryset.explain(), list(queryset)


def test_an_unfiltered_search_uses_the_hnsw_index(corpus):
    queryset = selectors.search_queryset(subject=corpus, vector=query_vector(), model=MODEL, k=10)
    with selectors.search_session(10):
        plan = queryset.explain()

    assert "idx_narratives_embedding" in plan
    assert "Sort" not in plan


def test_an_unfiltered_search_returns_k_hits_in_distance_order(corpus):
    result = selectors.narrative_search_vector(subject=corpus, vector=query_vector(), model=MODEL, k=10)

    distances = [hit.distance for hit in result.hits]
    assert len(result.hits) == 10
    assert distances == sorted(distances)
    assert all(abs(hit.score - (1 - hit.distance)) < 1e-9 for hit in result.hits)
    assert result.model == MODEL
    assert result.not_searchable == 0


@pytest.mark.parametrize("filters", [{"narrative_type": "curation"}, {"tag": "rare"}])
def test_a_filtered_scan_of_the_hnsw_index_returns_a_full_k(corpus, filters):
    plan, rows = ordered_by_index(corpus, 10, **filters)

    assert "idx_narratives_embedding" in plan
    assert len(rows) == 10
    if "tag" in filters:
        assert all("rare" in row.tags for row in rows)
    else:
        assert all(row.narrative_type == "curation" for row in rows)


def test_without_the_iterative_scan_the_same_filtered_scan_comes_up_short(corpus):
    # The control: proves the test above exercises hnsw.iterative_scan, not luck.
    plan, rows = ordered_by_index(corpus, 10, iterative=False, narrative_type="curation")

    assert "idx_narratives_embedding" in plan
    assert len(rows) < 10


@pytest.mark.parametrize("filters", [{"narrative_type": "curation"}, {"tag": "rare"}])
def test_a_filtered_search_returns_the_exact_top_k(corpus, filters):
    found = selectors.narrative_search_vector(
        subject=corpus, vector=query_vector(), model=MODEL, k=10, **filters
    )
    exact = selectors.narrative_search_vector(
        subject=corpus, vector=query_vector(), model=MODEL, k=10, exact=True, **filters
    )

    assert len(found.hits) == 10
    assert [hit.narrative.pk for hit in found.hits] == [hit.narrative.pk for hit in exact.hits]


def test_the_search_never_compares_vectors_of_another_model(corpus):
    result = selectors.narrative_search_vector(
        subject=corpus, vector=query_vector(), model="other-model", k=10
    )

    assert result.hits == []
    assert result.not_searchable == ROWS


def test_the_search_stays_within_the_subject(corpus, other_user):
    theirs = own_subject(other_user)
    vector = query_vector()
    bulk_narratives(theirs, [unit_vectors(1, seed=99)[0]], model=MODEL)  # their exact match

    result = selectors.narrative_search_vector(subject=corpus, vector=vector, model=MODEL, k=5)

    assert all(hit.narrative.subject_id == corpus.pk for hit in result.hits)
    assert result.hits[0].distance > 1e-6
