"""The streaming view under ASGI (Django's ASGI handler driven directly, as an ASGI server would):
tokens are sent as they arrive, and a client disconnect cancels the reply and saves the partial."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from urllib.parse import urlencode

import pytest
from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from chat.models import Message
from personai.asgi import application
from tests.chat.factories import conversation_for
from tests.chat.slow_fake import SlowFakeServer
from tests.event_loop import run_in_own_thread

pytestmark = pytest.mark.django_db(transaction=True)


def scope_for(user, path: str, body: bytes) -> tuple[dict, bytes]:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    token = _get_new_csrf_string()
    headers = [
        (b"host", b"testserver"),
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"content-length", str(len(body)).encode()),
        (
            b"cookie",
            f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={token}".encode(),
        ),
        (b"x-csrftoken", token.encode()),
        (b"accept", b"text/event-stream"),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    return scope, body


async def drive(scope, body, *, disconnect_after_tokens: int | None = None, timeout: float = 20):
    """Run the ASGI app; returns (status, [(monotonic time, body chunk)])."""
    sent_body = False
    disconnected = asyncio.Event()
    status = None
    chunks: list[tuple[float, bytes]] = []

    async def receive():
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append((time.monotonic(), message.get("body", b"")))
            tokens = sum(chunk.count(b"event: token") for _, chunk in chunks)
            if disconnect_after_tokens is not None and tokens >= disconnect_after_tokens:
                disconnected.set()

    await asyncio.wait_for(application(scope, receive, send), timeout)
    return status, chunks


def test_asgi_stream_sends_tokens_as_they_arrive(chat_llm, user, settings):
    conversation = conversation_for(user)
    with SlowFakeServer(reply=" ".join(f"a{i}" for i in range(10)), delay=0.1) as slow:
        settings.LLM_BASE_URL, settings.LLM_API_KEY, settings.LLM_MODEL = (
            slow.base_url,
            slow.api_key,
            slow.model,
        )
        scope, body = scope_for(
            user, f"/chat/{conversation.pk}/stream/", urlencode({"content": "Hi!"}).encode()
        )
        status, chunks = run_in_own_thread(drive(scope, body))
    assert status == 200
    token_times = [at for at, chunk in chunks if b"event: token" in chunk]
    assert len(token_times) >= 8
    assert token_times[-1] - token_times[0] > 0.5  # spread over time: streamed, not buffered
    stream = b"".join(chunk for _, chunk in chunks).decode()
    tokens = [
        json.loads(block.split("data: ", 1)[1])["text"]
        for block in stream.split("\n\n")
        if "event: token" in block
    ]
    assert "".join(tokens) == " ".join(f"a{i}" for i in range(10))  # in order
    assert stream.rstrip().rsplit("\n\n", 1)[-1].startswith("event: done")
    assert Message.objects.get(role="assistant").content == " ".join(f"a{i}" for i in range(10))


def test_asgi_disconnect_cancels_and_saves_the_partial(chat_llm, user, settings):
    conversation = conversation_for(user)
    with SlowFakeServer(reply=" ".join(f"b{i}" for i in range(200)), delay=0.05) as slow:
        settings.LLM_BASE_URL, settings.LLM_API_KEY, settings.LLM_MODEL = (
            slow.base_url,
            slow.api_key,
            slow.model,
        )
        scope, body = scope_for(
            user, f"/chat/{conversation.pk}/stream/", urlencode({"content": "Go"}).encode()
        )
        started = time.monotonic()
        status, _ = run_in_own_thread(drive(scope, body, disconnect_after_tokens=3))
        assert time.monotonic() - started < 5  # the request ended when the client left
        deadline = time.monotonic() + 10
        while not Message.objects.filter(role="assistant").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    message = Message.objects.get(role="assistant")
    assert status == 200 and message.is_incomplete and message.flags["error"] == "cancelled"
    assert message.content.startswith("b0 b1") and len(message.content.split()) < 200


def test_only_async_views_run_on_the_event_loop(user):
    """Streams wait on the loop; every synchronous view goes to the WSGI thread pool."""
    from personai.asgi import runs_on_event_loop

    conversation = conversation_for(user)
    assert runs_on_event_loop(f"/chat/{conversation.pk}/stream/")
    assert not runs_on_event_loop(f"/chat/{conversation.pk}/")
    assert not runs_on_event_loop("/api/v1/me")
    assert not runs_on_event_loop("/no/such/page/")
    assert not runs_on_event_loop("/static/css/app.css")
    assert runs_on_event_loop(f"/api/v1/conversations/{conversation.pk}/messages/")
    assert not runs_on_event_loop(f"/api/v1/conversations/{conversation.pk}/")
    assert not runs_on_event_loop(f"/api/v1/sessions/{conversation.pk}/responses/")


def test_the_event_loop_routes_decide_as_the_whole_url_tree_does():
    """The pruned tree `runs_on_event_loop` resolves against agrees with Django's resolver on
    every route of the project (each with sample values for its parameters)."""
    import uuid

    from django.urls import URLResolver, get_resolver, resolve
    from django.urls.resolvers import RoutePattern

    from personai.asgi import runs_on_event_loop

    samples = {"uuid": str(uuid.uuid4()), "int": "3", "slug": "a-slug", "str": "text", "path": "a/b"}

    def paths(resolver, prefix):
        for entry in resolver.url_patterns:
            if not isinstance(entry.pattern, RoutePattern):
                continue  # regex routes (admin internals) have no sample to fill in
            route = prefix + str(entry.pattern)
            for name, converter in entry.pattern.converters.items():
                kind = type(converter).__name__.replace("Converter", "").lower()
                route = route.replace(f"<{kind}:{name}>", samples.get(kind, "x"))
                route = route.replace(f"<{name}>", samples["str"])
            if isinstance(entry, URLResolver):
                yield from paths(entry, route)
            else:
                yield "/" + route

    checked = 0
    for path in paths(get_resolver(), ""):
        expected = iscoroutinefunction(resolve(path).func)
        assert runs_on_event_loop(path) is expected, path
        checked += 1
    assert checked > 100


def test_a_synchronous_page_is_served_through_the_thread_pool(user):
    """The same session cookie, through the application `make run` serves: a sync page answers
    (the dashboard, signed in), and the request ran on one of the pool's threads."""
    import personai.asgi

    scope, _ = scope_for(user, "/dashboard/", b"")
    scope["method"] = "GET"
    seen = []
    original = personai.asgi.django_wsgi

    def spy(environ, start_response):
        seen.append(threading.current_thread().name)
        return original(environ, start_response)

    personai.asgi.sync_views.app = spy
    try:
        status, chunks = run_in_own_thread(drive(scope, b""))
    finally:
        personai.asgi.sync_views.app = original
    assert status == 200  # signed in: without the session the dashboard redirects to log-in
    assert seen and seen[0].startswith("WSGI")
    assert b"</html>" in b"".join(chunk for _, chunk in chunks)
