"""Search ranking on a fixed corpus: full text alone, vectors alone, and both fused by RRF.

Vectors come from the fake embedding server (a hash of the text → a unit vector), so the query's
vector is known and the corpus's vectors are set to chosen cosine similarities to it.
"""

from __future__ import annotations

import pytest

from chat.search import selectors
from chat.search.selectors import RRF_K, fuse
from tests.chat.factories import conversation_for, persona_for
from tests.chat.search_factories import message, set_vector, vector_with_similarity
from tests.fakes.openai_server import fake_vector

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(user, fake_llm):
    return conversation_for(user, title="Product ideas")


def ids(hits):
    return [hit.id for hit in hits]


def test_rrf_adds_one_over_k_plus_rank_across_lists():
    fused = dict(fuse([["a", "b", "c"], ["b", "d"]]))

    assert fused["b"] == pytest.approx(1 / (RRF_K + 2) + 1 / (RRF_K + 1))
    assert fused["a"] == pytest.approx(1 / (RRF_K + 1))
    assert fused["d"] == pytest.approx(1 / (RRF_K + 2))
    assert [pk for pk, _ in fuse([["a", "b", "c"], ["b", "d"]])] == ["b", "a", "d", "c"]


def test_full_text_ranks_denser_matches_first_and_ignores_the_rest(user, conversation):
    sparse = message(conversation, "The booking flow needs a calendar; maybe mountain huts later.")
    dense = message(conversation, "Mountain huts: list the mountain huts and book mountain huts by date.")
    message(conversation, "Invoices and taxes are out of scope.")

    results = selectors.hybrid_search(user, "mountain huts", types=["message"], use_vectors=False)

    assert ids(results.groups["message"]) == [dense.pk, sparse.pk]
    assert [hit.fts_rank for hit in results.groups["message"]] == [1, 2]
    assert all(hit.vector_rank is None for hit in results.groups["message"])
    assert results.model == ""


def test_full_text_stems_words_in_english(user, conversation):
    found = message(conversation, "We were booking cabins for the hikers.")

    results = selectors.hybrid_search(user, "book cabin hiker", types=["message"], use_vectors=False)

    assert ids(results.groups["message"]) == [found.pk]


def test_vector_search_ranks_by_similarity_and_drops_what_is_not_similar(user, conversation, settings):
    settings.SEARCH_MIN_SIMILARITY = 0.3
    query = "cosy shelters in the alps"
    close = message(conversation, "Refuges above the tree line, warm and small.")
    closer = message(conversation, "Huts to sleep in after a long day of walking.")
    unrelated = message(conversation, "Quarterly revenue projections.")
    set_vector(close, vector_with_similarity(query, 0.6, seed=1))
    set_vector(closer, vector_with_similarity(query, 0.9, seed=2))
    set_vector(unrelated, vector_with_similarity(query, 0.1, seed=3))

    results = selectors.hybrid_search(user, query, types=["message"], use_fulltext=False)

    hits = results.groups["message"]
    assert ids(hits) == [closer.pk, close.pk]
    assert [hit.vector_rank for hit in hits] == [1, 2]
    assert hits[0].similarity == pytest.approx(0.9, abs=1e-5)
    assert results.model == "fake-embedding"


def test_vectors_of_another_model_are_never_compared(user, conversation):
    query = "cosy shelters in the alps"
    same = message(conversation, "Refuges above the tree line.")
    set_vector(same, fake_vector(query), model="another-model")

    results = selectors.hybrid_search(user, query, types=["message"], use_fulltext=False)

    assert results.groups["message"] == []


def test_fusion_puts_a_hit_found_both_ways_above_hits_found_one_way(user, conversation, settings):
    settings.SEARCH_MIN_SIMILARITY = 0.3
    query = "mountain huts"
    words_only = message(conversation, "Mountain huts, mountain huts, mountain huts everywhere.")
    both = message(conversation, "A few mountain huts near the pass.")
    meaning_only = message(conversation, "Refuges above the tree line for tired walkers.")
    set_vector(both, vector_with_similarity(query, 0.95, seed=1))
    set_vector(meaning_only, vector_with_similarity(query, 0.7, seed=2))
    set_vector(words_only, vector_with_similarity(query, 0.0, seed=3))

    results = selectors.hybrid_search(user, query, types=["message"])

    hits = results.groups["message"]
    assert ids(hits) == [both.pk, words_only.pk, meaning_only.pk]
    assert [(hit.fts_rank, hit.vector_rank) for hit in hits] == [(2, 1), (1, None), (None, 2)]
    assert hits[0].score == pytest.approx(1 / (RRF_K + 2) + 1 / (RRF_K + 1))
    assert hits[1].score == pytest.approx(1 / (RRF_K + 1))
    assert hits[2].score == pytest.approx(1 / (RRF_K + 2))


def test_results_are_grouped_by_type_and_filtered_by_types(user, conversation):
    conversation.title = "Mountain hut booking"
    conversation.save(update_fields=["title"])
    found = message(conversation, "Where are the mountain huts?")

    everything = selectors.hybrid_search(user, "mountain hut", use_vectors=False)
    only_conversations = selectors.hybrid_search(
        user, "mountain hut", types=["conversation"], use_vectors=False
    )

    assert ids(everything.groups["conversation"]) == [conversation.pk]
    assert ids(everything.groups["message"]) == [found.pk]
    assert list(only_conversations.groups) == ["conversation"]


def test_snippets_highlight_matches_and_escape_everything_else(user, conversation):
    message(
        conversation,
        'Compare 5 < 6 & "mountain" tips \ue000 for <script>alert(1)</script> huts \ue001 on the ridge.',
    )

    results = selectors.hybrid_search(user, "mountain huts", types=["message"], use_vectors=False)

    snippet = str(results.groups["message"][0].snippet)
    assert "<mark>mountain</mark>" in snippet
    assert "<mark>huts</mark>" in snippet
    assert "&lt; 6 &amp; &quot;" in snippet
    assert "<script" not in snippet
    assert snippet.count("<mark>") == snippet.count("</mark>") == 2


def test_german_rows_are_indexed_with_german_stemming(user, fake_llm):
    persona = persona_for(user)
    persona.subject.locale = "de-CH"
    persona.subject.save(update_fields=["locale"])
    german = conversation_for(user, persona)
    found = message(german, "Wir wandern gern in den Bergen und übernachten in Hütten.")

    results = selectors.hybrid_search(user, "Berg Hütte", types=["message"], use_vectors=False)

    assert german.language == "de"
    found.refresh_from_db()
    assert found.language == "de"
    assert ids(results.groups["message"]) == [found.pk]
