"""Server-Sent Events for a streamed reply, under ASGI (async) and WSGI (sync).

Events (each ``event: <name>\\ndata: <json>\\n\\n``):

- ``start``  ``{"user_message": {...}}`` — the saved user message with its analysis
- ``token``  ``{"text": "..."}`` — the next piece of the reply, in order
- ``done``   ``{"message": {...}}`` — the saved assistant message with every metadata column and
  its safe HTML (``message.html``)
- ``error``  ``{"detail": "...", "message": {...} | null}`` — the stream ended early; ``message``
  is the partial reply saved with ``is_incomplete`` (null when nothing arrived)

A team conversation's stream (``chat.team_services``) has, for each role in turn, ``turn``
``{"role", "persona"}``, its ``token`` events, ``message`` ``{"message": {...}}`` (the role's saved
reply) and ``context`` ``{"team": {...}}`` (the shared state after it); ``done`` carries the last
role's message.

Under ASGI the reply runs in a dedicated thread that only waits on the model's socket and feeds
an asyncio queue, so no request-serving thread is held while tokens trickle in; when the client
disconnects, the server cancels the response and the reply is cancelled (partial saved). Under
WSGI the same events come from a plain generator in the request's thread (the server closes it
when the client goes away, which also saves the partial).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator, Iterator

from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import StreamingHttpResponse

from chat import markdown
from chat.models import Message
from chat.services import ReplyStream

log = logging.getLogger(__name__)

_END = object()


def message_data(message: Message) -> dict:
    """Every column of a message, as the API and the stream send it."""
    return {
        "id": str(message.pk),
        "conversation": str(message.conversation_id),
        "role": message.role,
        "content": message.content,
        "html": str(markdown.render(message.content)),
        "persona": message.persona,
        "tone": message.tone,
        "behavior": message.behavior,
        "context_type": message.context_type,
        "confidence": message.confidence,
        "signal_strength": message.signal_strength,
        "context_clarity": message.context_clarity,
        "needs_knowledge": message.needs_knowledge,
        "model_name": message.model_name,
        "prompt_tokens": message.prompt_tokens,
        "completion_tokens": message.completion_tokens,
        "is_mistake": message.is_mistake,
        "mistake_note": message.mistake_note,
        "is_incomplete": message.is_incomplete,
        "feedback": message.feedback,
        "care_note": (message.flags or {}).get("care_note", ""),
        "canary_leak": bool((message.flags or {}).get("canary_leak")),
        "narratives": (message.flags or {}).get("narratives", []),
        "created_at": message.created_at.isoformat(),
    }


def release_connections() -> None:
    """Give this thread's database connections back (to the pool, under ``make run``).

    A streamed request lasts as long as its reply; without this, the connection used to start
    it would stay checked out for the whole stream and 50 streams would drain the pool that
    every other page needs. Connections inside a transaction (tests) are left alone."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


def sse(event: str, data: dict) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def _encode(kind: str, payload) -> bytes:
    if kind == "token":
        return sse("token", {"text": payload})
    if kind == "turn":  # team conversations: the next role starts
        return sse("turn", payload)
    if kind == "message":  # team conversations: one role's reply is saved
        return sse("message", {"message": message_data(payload)})
    if kind == "context":  # team conversations: the shared state after a reply
        return sse("context", {"team": payload})
    if kind == "done":
        conversation = {"id": str(payload.conversation_id), "title": payload.conversation.title}
        return sse("done", {"message": message_data(payload), "conversation": conversation})
    detail, message = payload
    return sse("error", {"detail": detail, "message": message_data(message) if message else None})


def _opening(reply: ReplyStream) -> bytes:
    # A comment line first, so proxies and the browser see the response start at once.
    return b": stream\n\n" + sse("start", {"user_message": message_data(reply.user_message)})


def events_sync(reply: ReplyStream) -> Iterator[bytes]:
    events = iter(reply)
    try:
        yield _opening(reply)
        for kind, payload in events:
            yield _encode(kind, payload)
    finally:
        events.close()  # an early close (client gone) saves the partial reply


async def events_async(reply: ReplyStream) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    def put(item) -> None:
        # RuntimeError: the loop is gone (server shutting down), nobody is listening.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def pump() -> None:
        try:
            for kind, payload in reply:
                put(_encode(kind, payload))
        except Exception:
            log.exception("Chat reply thread failed")
            put(sse("error", {"detail": "The reply failed.", "message": None}))
        finally:
            put(_END)
            release_connections()  # this thread's database connection

    thread = threading.Thread(target=pump, name="chat-reply", daemon=True)
    try:
        yield _opening(reply)
        thread.start()
        while True:
            item = await queue.get()
            if item is _END:
                break
            yield item
    finally:
        reply.cancel()  # the client went away (or we are done): the thread saves what arrived


def streaming_response(request, reply: ReplyStream) -> StreamingHttpResponse:
    content = events_async(reply) if isinstance(request, ASGIRequest) else events_sync(reply)
    response = StreamingHttpResponse(content, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response
