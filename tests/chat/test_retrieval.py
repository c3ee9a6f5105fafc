"""Retrieval: the right narrative of the persona's own subject, with the real embedding model."""

from __future__ import annotations

import pytest

from assessments.services import subject_get_or_create_for_user
from chat import replies, services
from chat.models import Message
from personai import llm
from personas.models import Narrative, PersonaNarrativeUsage

pytestmark = pytest.mark.django_db


def narrative(user, text: str) -> Narrative:
    embedded = llm.embed([text])
    return Narrative.objects.create(
        subject=subject_get_or_create_for_user(user=user),
        narrative_type="self_observation",
        raw_text=text,
        embedding=embedded.vectors[0],
        embedding_model=embedded.model,
    )


def test_knowledge_question_retrieves_the_right_narrative(chat_llm, user, other_user, conversation):
    wedding = narrative(
        user, "At my sister Lena's wedding in Porto I gave a speech and cried halfway through."
    )
    narrative(
        user, "I switched from Java to Rust for side projects because I like the compiler's strictness."
    )
    narrative(user, "Every morning I run five kilometres along the river before work.")
    theirs = narrative(
        other_user, "My sister's wedding was in a castle; I gave a speech at my sister's wedding."
    )
    services.reply_collect(
        replies.message_send(
            conversation=conversation, content="What did I tell you about my sister's wedding?", user=user
        )
    )
    user_message = Message.objects.get(role="user")
    assert user_message.needs_knowledge == 1
    usages = list(PersonaNarrativeUsage.objects.filter(usage_type="chat_retrieval"))
    assert usages and {u.persona_id for u in usages} == {conversation.persona_id}
    best = max(usages, key=lambda u: u.relevance_score)
    assert best.narrative_id == wedding.pk and 0 < best.relevance_score <= 1
    assert best.usage_context["message_id"] == str(user_message.pk)
    assert theirs.pk not in {u.narrative_id for u in usages}  # only the persona's own subject
    prompt = chat_llm.requests_to("/v1/chat/completions")[0].body["messages"]
    memories = [m["content"] for m in prompt if m["role"] == "system" and "narratives" in m["content"]]
    assert memories and f"[narrative {wedding.pk}]" in memories[0] and "Porto" in memories[0]
    assert "castle" not in str(prompt)
    assert str(wedding.pk) in Message.objects.get(role="assistant").flags["narratives"]


def test_small_talk_retrieves_nothing(chat_llm, user, conversation):
    narrative(user, "I love hiking in the Alps with my dog.")
    services.reply_collect(
        replies.message_send(conversation=conversation, content="Hi! How are you?", user=user)
    )
    assert Message.objects.get(role="user").needs_knowledge == 0
    assert not PersonaNarrativeUsage.objects.exists()
    assert len(chat_llm.requests_to("/v1/chat/completions")[0].body["messages"]) == 2


def test_retrieval_failure_does_not_block_the_reply(chat_llm, user, conversation, monkeypatch):
    from personas.selectors import narratives as narrative_selectors

    def down(**kwargs):
        raise llm.LLMUnavailable("embeddings down")

    monkeypatch.setattr(narrative_selectors, "narrative_search_vector", down, raising=False)
    monkeypatch.setattr(narrative_selectors, "narrative_search", down)
    message, error = services.reply_collect(
        replies.message_send(conversation=conversation, content="What are my biggest strengths?", user=user)
    )
    assert error is None and message.content == chat_llm.reply
