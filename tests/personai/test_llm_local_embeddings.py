"""In-process embeddings with the real all-MiniLM-L6-v2 model (no server, no fake)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from personai import embeddings, llm


@pytest.fixture
def local_embeddings(settings):
    settings.EMBEDDING_BASE_URL = ""


def test_local_embeddings_are_384_dimensional_unit_vectors(local_embeddings):
    result = llm.embed(["A cat sits on the mat", "", "word " * 1000])

    assert result.model == embeddings.MODEL_NAME
    assert [len(v) for v in result.vectors] == [384, 384, 384]
    assert np.linalg.norm(np.array(result.vectors), axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=1e-5)
    assert result.prompt_tokens == 8 + 2 + embeddings.MAX_TOKENS  # [CLS] … [SEP]; long text truncated


def test_similar_sentences_are_closer_than_unrelated_ones(local_embeddings):
    cat, kitten, revenue = llm.embed(
        ["A cat sits on the mat", "A kitten is sitting on a rug", "Quarterly revenue grew by 5%"]
    ).vectors

    similar = embeddings.cosine(cat, kitten)
    unrelated = embeddings.cosine(cat, revenue)

    assert similar > 0.5
    assert unrelated < 0.2
    assert similar - unrelated > 0.4


def test_a_text_gets_the_same_vector_alone_or_in_a_batch(local_embeddings):
    alone = llm.embed(["A kitten is sitting on a rug"]).vectors[0]
    batch = llm.embed(["short", "A kitten is sitting on a rug", "a much longer sentence " * 20]).vectors

    assert embeddings.cosine(alone, batch[1]) == pytest.approx(1.0, abs=1e-5)


def test_no_texts_means_no_vectors(local_embeddings):
    assert llm.embed([]).vectors == []


def test_the_model_loads_once_when_threads_race(local_embeddings, monkeypatch):
    monkeypatch.setattr(embeddings, "_engine", None)
    results = []

    def work():
        results.append(embeddings.encode(["concurrent text"])[0])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 4
    assert all(np.allclose(r, results[0]) for r in results)
    engine = embeddings._engine
    assert engine is not None
    assert embeddings._load() is engine
