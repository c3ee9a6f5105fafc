"""Streaming through the real HTTP stack (live server + httpx) against the fake LLM server."""

from __future__ import annotations

import json
import threading
import time

import httpx2 as httpx
import pytest
from django.conf import settings
from django.test import Client

from chat.models import Message
from tests.chat.factories import conversation_for, persona_for
from tests.chat.slow_fake import SlowFakeServer

pytestmark = pytest.mark.django_db(transaction=True)


def session_client(live_server, user) -> httpx.Client:
    django_client = Client()
    django_client.force_login(user)
    client = httpx.Client(base_url=live_server.url, timeout=30)
    client.cookies.set(
        settings.SESSION_COOKIE_NAME, django_client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    token = client.get("/chat/").text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    client.headers["X-CSRFToken"] = token
    return client


def parse_sse(lines):
    """(event, data) pairs from an iterator of text lines, as they arrive."""
    name, data = "message", []
    for line in lines:
        if line == "":
            if data:
                yield name, json.loads("\n".join(data))
            name, data = "message", []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())


def test_tokens_arrive_in_order_and_the_reply_is_saved(live_server, chat_llm, user):
    chat_llm.reply = " ".join(f"w{i}" for i in range(30))
    conversation = conversation_for(user)
    client = session_client(live_server, user)
    with client.stream(
        "POST", f"/chat/{conversation.pk}/stream/", data={"content": "Hello there!"}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = list(parse_sse(response.iter_lines()))
    names = [name for name, _ in events]
    assert names[0] == "start" and names[-1] == "done" and set(names[1:-1]) == {"token"}
    text = "".join(data["text"] for name, data in events if name == "token")
    assert text == chat_llm.reply
    assert len([n for n in names if n == "token"]) > 5  # really in pieces
    done = events[-1][1]["message"]
    saved = Message.objects.get(pk=done["id"])
    assert saved.content == chat_llm.reply and not saved.is_incomplete
    assert done["model_name"] == "fake-model" and done["completion_tokens"] == 30
    assert events[0][1]["user_message"]["context_type"] == "small_talk"


def test_upstream_timeout_saves_the_partial_and_ends_with_an_error_event(
    live_server, chat_llm, user, settings
):
    settings.LLM_TIMEOUT_SECONDS = 0.5
    settings.LLM_MAX_RETRIES = 0
    conversation = conversation_for(user)
    with SlowFakeServer(reply=" ".join(f"t{i}" for i in range(10)), stall_after=4, stall_seconds=5) as slow:
        settings.LLM_BASE_URL = slow.base_url
        settings.LLM_API_KEY = slow.api_key
        settings.LLM_MODEL = slow.model
        client = session_client(live_server, user)
        started = time.monotonic()
        with client.stream(
            "POST", f"/chat/{conversation.pk}/stream/", data={"content": "Tell me"}
        ) as response:
            events = list(parse_sse(response.iter_lines()))
        elapsed = time.monotonic() - started
    assert elapsed < 4  # bounded by the timeout, never hung
    assert events[-1][0] == "error"
    partial = events[-1][1]["message"]
    assert partial["is_incomplete"] is True and partial["content"] == "t0 t1 t2 t3"
    assert Message.objects.get(pk=partial["id"]).content == "t0 t1 t2 t3"


def test_client_disconnect_saves_the_partial(live_server, chat_llm, user, settings):
    conversation = conversation_for(user)
    with SlowFakeServer(reply=" ".join(f"s{i}" for i in range(100)), delay=0.05) as slow:
        settings.LLM_BASE_URL = slow.base_url
        settings.LLM_API_KEY = slow.api_key
        settings.LLM_MODEL = slow.model
        client = session_client(live_server, user)
        with client.stream("POST", f"/chat/{conversation.pk}/stream/", data={"content": "Go on"}) as response:
            tokens = 0
            for name, _ in parse_sse(response.iter_lines()):
                tokens += name == "token"
                if tokens == 5:
                    break  # leaving the block closes the connection
        deadline = time.monotonic() + 10
        while not Message.objects.filter(role="assistant").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    message = Message.objects.get(role="assistant")
    assert message.is_incomplete
    assert message.content.startswith("s0 s1 s2")
    assert len(message.content.split()) < 100


def test_stream_errors_before_the_stream_are_json(live_server, chat_llm, user, other_user, settings):
    conversation = conversation_for(user)
    client = session_client(live_server, user)
    response = client.post(f"/chat/{conversation.pk}/stream/", data={"content": "x" * 4001})
    assert response.status_code == 400 and "4,000" in response.json()["detail"]
    theirs = conversation_for(other_user)
    assert client.post(f"/chat/{theirs.pk}/stream/", data={"content": "hi"}).status_code == 404
    pending = conversation_for(user, persona_for(user, status="generating", name="Bo"))
    response = client.post(f"/chat/{pending.pk}/stream/", data={"content": "hi"})
    assert response.status_code == 409 and "generated" in response.json()["detail"]
    settings.CHAT_RATE_LIMIT_MESSAGES = 1
    assert client.post(f"/chat/{conversation.pk}/stream/", data={"content": "one"}).status_code == 200
    response = client.post(f"/chat/{conversation.pk}/stream/", data={"content": "two"})
    assert response.status_code == 429 and int(response.headers["retry-after"]) >= 1
    anonymous = httpx.Client(base_url=live_server.url)
    assert anonymous.post(f"/chat/{conversation.pk}/stream/", data={"content": "hi"}).status_code == 403
    assert not Message.objects.filter(content="hi").exists()


def test_concurrent_streams_all_complete(live_server, chat_llm, user):
    conversations = [conversation_for(user) for _ in range(4)]
    client = session_client(live_server, user)
    results = {}

    def run(conversation):
        with client.stream("POST", f"/chat/{conversation.pk}/stream/", data={"content": "Hi"}) as response:
            results[conversation.pk] = [name for name, _ in parse_sse(response.iter_lines())][-1]

    threads = [threading.Thread(target=run, args=(c,)) for c in conversations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert list(results.values()) == ["done"] * 4
