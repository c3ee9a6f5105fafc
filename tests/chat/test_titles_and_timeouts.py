"""Titles after the first exchange (LLM through the outbox, deterministic fallback) and the
overall time bound of a streamed reply."""

from __future__ import annotations

import time

import pytest

from chat import replies, services
from chat.models import Conversation, Message
from personai import outbox
from personai.outbox import OutboxTask
from tests.chat.slow_fake import SlowFakeServer

pytestmark = pytest.mark.django_db


def run_title_tasks() -> None:
    tasks = list(OutboxTask.objects.filter(task_type="chat.title_conversation"))
    assert tasks
    for task in tasks:  # the handler, as the worker would call it
        outbox.get_handler(task.task_type)(task.payload)


def test_fallback_title_then_llm_title(chat_llm, user, conversation, settings):
    settings.CHAT_LLM_TITLES = True
    services.reply_collect(
        replies.message_send(
            conversation=conversation, content="How can I  plan my week better with two kids?", user=user
        )
    )
    conversation.refresh_from_db()
    assert (
        conversation.title == "How can I plan my week…" and conversation.context["title_source"] == "fallback"
    )
    chat_llm.reply = '"Planning a family week"'
    run_title_tasks()
    conversation.refresh_from_db()
    assert conversation.title == "Planning a family week" and conversation.context["title_source"] == "llm"
    title_request = chat_llm.requests_to("/v1/chat/completions")[-1].body
    assert "How can I" in title_request["messages"][-1]["content"]


def test_llm_title_failure_keeps_the_fallback_and_user_titles_win(chat_llm, user, conversation, settings):
    settings.CHAT_LLM_TITLES = True
    services.reply_collect(replies.message_send(conversation=conversation, content="Short one", user=user))
    chat_llm.fail_next(3, status=500)
    run_title_tasks()
    conversation.refresh_from_db()
    assert conversation.title == "Short one"
    services.conversation_rename(conversation=conversation, title="Mine")
    services.conversation_title_generate(conversation_id=conversation.pk)
    conversation.refresh_from_db()
    assert conversation.title == "Mine"
    # Only the first exchange names the conversation.
    services.reply_collect(replies.message_send(conversation=conversation, content="Another", user=user))
    assert Conversation.objects.get(pk=conversation.pk).title == "Mine"


def test_fallback_title_function():
    assert services.fallback_title("  one two\nthree ") == "one two three"
    assert services.fallback_title("a b c d e f g h") == "a b c d e f…"
    assert services.fallback_title("") == "New conversation"


def test_a_trickling_reply_is_cut_at_the_stream_time_limit(chat_llm, user, conversation, settings):
    settings.CHAT_STREAM_TIMEOUT_SECONDS = 0.6
    with SlowFakeServer(reply=" ".join(f"x{i}" for i in range(50)), delay=0.1) as slow:
        settings.LLM_BASE_URL, settings.LLM_API_KEY, settings.LLM_MODEL = (
            slow.base_url,
            slow.api_key,
            slow.model,
        )
        started = time.monotonic()
        message, error = services.reply_collect(
            replies.message_send(conversation=conversation, content="Tell me everything", user=user)
        )
        elapsed = time.monotonic() - started
    assert elapsed < 3
    assert "too long" in error
    assert message.is_incomplete and message.content.startswith("x0 x1") and "x49" not in message.content
    assert Message.objects.get(role="assistant").flags["error"].startswith("The reply took too long")
