"""The search reads its candidates through the GIN (full text) and HNSW (vector) indexes.

Enough rows that the planner chooses the indexes by cost, with nothing disabled: the caller has
4,000 conversations with 8,000 messages, 4,000 artifacts and 4,000 narratives; another user
8,000 conversations (interleaved with the caller's, as in a live table) and 1,000 messages; text from a 400-word vocabulary with RARE in 1% of the rows (a selective
search, what a search usually is) and random unit vectors (``bench/_search_corpus.py``). With a
few hundred rows a sequential scan and a sort is cheaper, and PostgreSQL rightly takes it. The
HNSW indexes are dropped for the bulk insert and rebuilt from the models' own definitions:
building one is much faster than thousands of single insertions.
"""

from __future__ import annotations

import pytest
from django.db import connection

from bench import _search_corpus as corpus
from chat.models import Artifact, Conversation, Message
from chat.search import selectors
from personas.models import Narrative
from personas.selectors import narratives as narrative_selectors
from tests.factories import UserFactory
from tests.personas.narrative_factories import own_subject, unit_vectors

pytestmark = pytest.mark.django_db

CONVERSATIONS = 4_000
MESSAGES = 8_000
MODEL = corpus.MODEL
RARE = corpus.RARE
HNSW_MODELS = (Message, Artifact, Narrative)


def hnsw_index(model):
    return next(index for index in model._meta.indexes if index.name.endswith("_embedding"))


@pytest.fixture(scope="module")
def owner(django_db_setup, django_db_blocker):
    """Built once for the module (committed, removed at the end)."""
    with django_db_blocker.unblock():
        owner, stranger = UserFactory(), UserFactory()
        with connection.schema_editor() as editor:
            for model in HNSW_MODELS:
                editor.remove_index(model, hnsw_index(model))
        try:
            corpus.seed(0.5)
            corpus.generate(
                owner=owner,
                co_owners=[stranger, stranger],
                subject=own_subject(owner),
                conversations=CONVERSATIONS,
                messages=MESSAGES,
                artifacts=CONVERSATIONS,
                narratives=CONVERSATIONS,
                dimensions=384,
            )
            corpus.generate(
                owner=stranger,
                subject=None,
                conversations=0,
                messages=1_000,
                artifacts=0,
                narratives=0,
                dimensions=384,
            )
        finally:
            with connection.schema_editor() as editor:
                for model in HNSW_MODELS:
                    editor.add_index(model, hnsw_index(model))
        corpus.analyze()
    yield owner
    with django_db_blocker.unblock():
        Narrative.objects.filter(subject__user__in=[owner, stranger]).delete()
        for user in (owner, stranger):
            user.delete()  # cascades to conversations, messages, artifacts
        # Leave the tables as small as they were: an HNSW index still sized for 30,000 rows makes
        # later modules' planners (which expect a small, freshly analysed table) prefer a sort.
        with connection.cursor() as cursor:
            for model in (Conversation, Message, Artifact, Narrative):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
            for model in HNSW_MODELS:
                cursor.execute(f"REINDEX INDEX {hnsw_index(model).name}")


FTS_INDEXES = {
    "conversation": "idx_conversations_fts",
    "message": "idx_messages_fts",
    "artifact": "idx_artifacts_fts",
    "narrative": "idx_narratives_fts",
}
TABLES = {
    "conversation": "chat_conversation",
    "message": "chat_message",
    "artifact": "chat_artifact",
    "narrative": "personas_narrative",
}
HNSW_INDEXES = {
    "message": "idx_messages_embedding",
    "artifact": "idx_artifacts_embedding",
    "narrative": "idx_narratives_embedding",
}


@pytest.mark.parametrize("kind", list(FTS_INDEXES))
def test_full_text_candidates_come_from_the_gin_index(owner, kind):
    plan = selectors.fulltext_queryset(owner, kind, RARE, 20).explain()

    assert f"Bitmap Index Scan on {FTS_INDEXES[kind]}" in plan, plan
    assert f"Seq Scan on {TABLES[kind]}" not in plan


@pytest.mark.parametrize("kind", list(HNSW_INDEXES))
def test_vector_candidates_come_from_the_hnsw_index(owner, kind):
    query = unit_vectors(1, seed=99)[0].tolist()

    with narrative_selectors.search_session(20):
        plan = selectors.vector_queryset(owner, kind, query, MODEL, 20).explain()

    assert f"Index Scan using {HNSW_INDEXES[kind]}" in plan
    assert "Sort" not in plan  # the index hands out rows in distance order


def test_the_vector_search_returns_a_full_list_of_the_callers_rows_only(owner):
    query = unit_vectors(1, seed=99)[0].tolist()

    ranked = selectors.vector_ranking(owner, "message", query, MODEL, 20, threshold=-1.0)

    assert len(ranked) == 20
    mine = set(Message.objects.filter(conversation__owner=owner).values_list("pk", flat=True))
    assert {pk for pk, _ in ranked} <= mine
    similarities = [similarity for _, similarity in ranked]
    assert similarities == sorted(similarities, reverse=True)


def test_the_full_text_search_finds_every_rare_row_of_the_caller(owner):
    ranked = selectors.fulltext_ranking(owner, "message", RARE, 1_000)

    assert len(ranked) == MESSAGES // 100
