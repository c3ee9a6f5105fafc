"""The team's stream under ASGI: each role's turn arrives in order, and a client that leaves
mid-turn stops the team (the partial reply is saved, the later roles are not asked)."""

from __future__ import annotations

import threading
from urllib.parse import urlencode

import pytest

from chat.models import Message
from tests.chat.factories import team_conversation_for
from tests.chat.slow_fake import SlowFakeServer
from tests.chat.test_stream_asgi import drive, scope_for
from tests.event_loop import run_in_own_thread

pytestmark = pytest.mark.django_db(transaction=True)


def use(slow, settings) -> None:
    settings.LLM_BASE_URL, settings.LLM_API_KEY, settings.LLM_MODEL = slow.base_url, slow.api_key, slow.model


def test_the_roles_stream_in_turn(chat_llm, user, settings):
    conversation = team_conversation_for(user)
    with SlowFakeServer(reply="Decision: Keep it small.", delay=0.01) as slow:
        use(slow, settings)
        scope, body = scope_for(
            user, f"/chat/{conversation.pk}/stream/", urlencode({"content": "Plan it"}).encode()
        )
        status, chunks = run_in_own_thread(drive(scope, body))
    stream = b"".join(chunk for _, chunk in chunks).decode()
    turns = [block for block in stream.split("\n\n") if block.startswith("event: turn")]
    assert status == 200
    assert [t.split('"persona": ', 1)[1].split('"')[1] for t in turns] == [
        "Product manager",
        "UX researcher",
        "Architect",
    ]
    assert stream.count("event: context") == 3
    assert stream.rstrip().rsplit("\n\n", 1)[-1].startswith("event: done")
    assert Message.objects.filter(role="assistant").count() == 3


def test_leaving_mid_turn_saves_the_partial_and_asks_no_one_else(chat_llm, user, settings):
    conversation = team_conversation_for(user)
    with SlowFakeServer(reply=" ".join(f"w{i}" for i in range(200)), delay=0.05) as slow:
        use(slow, settings)
        scope, body = scope_for(
            user, f"/chat/{conversation.pk}/stream/", urlencode({"content": "Go"}).encode()
        )
        status, _ = run_in_own_thread(drive(scope, body, disconnect_after_tokens=3))
        for thread in threading.enumerate():  # the reply thread ends once the team has stopped
            if thread.name == "chat-reply":
                thread.join(10)
        requests = slow.requests
    replies = list(Message.objects.filter(role="assistant"))
    assert status == 200
    assert [m.persona for m in replies] == ["Product manager"]
    assert replies[0].is_incomplete and replies[0].flags["error"] == "cancelled"
    assert requests == 1
