"""Message analysis golden cases with the real local embedding model (all-MiniLM-L6-v2)."""

from __future__ import annotations

import pytest

from chat import analysis
from personai import llm


@pytest.fixture(scope="module")
def prototypes():
    result = llm.embed(analysis.prototype_sentences())
    return analysis.prototypes_from_vectors(result.vectors, result.model)


@pytest.fixture(autouse=True)
def _local_embeddings(settings):
    settings.EMBEDDING_BASE_URL = ""


def run(text, prototypes):
    return analysis.analyse(text, llm.embed([text]).vectors[0], prototypes)


GOLDEN = [
    # text, context_type, needs_knowledge, tone, behavior
    ("Hey! How's it going?", "small_talk", 0, "casual", "normal"),
    ("Lol thanks, you're great", "small_talk", 0, "casual", "normal"),
    ("What am I like when I'm under pressure?", "about_me", 1, "casual", "normal"),
    ("What are my biggest strengths?", "about_me", 1, "casual", "normal"),
    ("How should I prepare for my performance review?", "advice", 1, "casual", "normal"),
    ("Can you recommend how to deal with my manager micromanaging me?", "advice", 1, "casual", "normal"),
    ("What did I tell you about my sister's wedding?", "knowledge", 1, "casual", "normal"),
    ("When did I move to Berlin?", "knowledge", 1, "casual", "normal"),
    ("Why does my Python function raise a KeyError when I query the database?", "knowledge", 1, "technical", "normal"),
    ("I feel really down and alone tonight.", "emotional", 0, "casual", "normal"),
    ("I've been having chest pains, should I worry?", "emotional", 0, "casual", "cautious"),
    ("Should I put all my savings into bitcoin?", "advice", 1, "casual", "cautious"),
    ("Sometimes I think everyone would be better off without me.", "emotional", 0, "casual", "cautious"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "context_type", "needs_knowledge", "tone", "behavior"), GOLDEN)
def test_golden_cases(prototypes, text, context_type, needs_knowledge, tone, behavior):
    result = run(text, prototypes)
    assert (result.context_type, result.needs_knowledge, result.tone, result.behavior) == (
        context_type,
        needs_knowledge,
        tone,
        behavior,
    ), result.scores
    assert 0.0 <= result.signal_strength <= 1.0
    assert result.signal_strength == pytest.approx(max(result.scores.values()), abs=1e-3)
    assert result.context_clarity in (0, 1)
    assert bool(result.care_note) == (behavior == "cautious")


def test_sensitive_topics_and_care_notes(prototypes):
    assert (
        run("Sometimes I think everyone would be better off without me.", prototypes).sensitive_topic
        == "self_harm"
    )
    assert (
        run("I just want to disappear forever", prototypes).sensitive_topic == "self_harm"
    )  # prototype, no keyword
    assert run("I've been having chest pains, should I worry?", prototypes).sensitive_topic == "health"
    note = run("I'm deep in debt, what now?", prototypes)
    assert note.sensitive_topic == "finances" and "financial adviser" in note.care_note
    assert run("I love hiking in the mountains", prototypes).behavior == "normal"


def test_clear_versus_ambiguous(prototypes):
    clear = run("What are my biggest strengths?", prototypes)
    assert clear.context_clarity == 1 and clear.signal_strength > 0.7
    vague = run("ok", prototypes)
    assert vague.context_clarity == 0 and vague.signal_strength < 0.35


def test_pure_functions_without_a_model():
    # Two-dimensional toy prototypes: the nearest prototype wins, the margin decides clarity.
    sentences = analysis.prototype_sentences()
    vectors = [[1.0, 0.0]] * len(sentences)
    protos = analysis.prototypes_from_vectors(vectors)
    result = analysis.analyse("hello", [0.0, 1.0], protos)
    assert result.signal_strength == 0.0 and result.context_clarity == 0
    assert analysis.tone_of("my_func() returns None; why?") == "technical"
    assert analysis.tone_of("I had a lovely day at the beach") == "casual"
    with pytest.raises(ValueError):
        analysis.prototypes_from_vectors(vectors[:-1])
