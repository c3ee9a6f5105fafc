"""Synchronous views on the event loop's server: one hand-off to a thread, one back.

`a2wsgi.WSGIMiddleware` runs a WSGI app on a thread pool and streams everything between the
loop and the thread: each read of the request body, the response's start, each body chunk and
the final empty chunk is a blocking round trip from the thread to the event loop. An API
autosave made five of them, and under load the web process spent more of its time on those
hand-offs than in Django (bench/README.md, eighth round).

`WSGIBridge` reads a small request body on the loop before the hand-off and, when the response
is not streamed (every page and API reply is a plain `HttpResponse`), builds it whole on the
thread and sends it from the loop in one piece: one hand-off each way per request. A large or
chunked request body streams through a2wsgi as it arrives (on the same thread pool), and a
streamed response (a file download) is sent chunk by chunk from the thread, so neither is ever
held whole in memory.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import io
import itertools
from collections.abc import Callable, Iterable

from a2wsgi import WSGIMiddleware
from a2wsgi.wsgi import build_environ

# A request body up to this size is read on the loop before the hand-off (an autosave or a
# form post is a few kB); a larger one streams through a2wsgi as it arrives.
BUFFERED_BODY_MAX_BYTES = 256 * 1024

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class WSGIBridge:
    """An ASGI app running the WSGI app `app` on `workers` threads."""

    def __init__(self, app: WSGIApp, workers: int) -> None:
        self.app = app
        self.streaming = WSGIMiddleware(app, workers=workers)
        self.executor = self.streaming.executor  # one pool for both ways

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not _body_is_small(scope["headers"]):
            return await self.streaming(scope, receive, send)
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away before sending its request
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        environ = build_environ(scope, io.BytesIO(bytes(body)))
        loop = asyncio.get_running_loop()
        run = functools.partial(contextvars.copy_context().run, self._respond, environ, loop, send)
        whole = await loop.run_in_executor(self.executor, run)
        if whole is not None:
            status, headers, content = whole
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": content})

    def _respond(self, environ: dict, loop: asyncio.AbstractEventLoop, send) -> tuple | None:
        """On a pool thread: (status, headers, body), or None once a streamed reply is sent."""
        response = _Response()
        iterable = self.app(environ, response.start)
        try:
            if isinstance(iterable, list | tuple) or getattr(iterable, "streaming", True) is False:
                body = b"".join([*response.written, *iterable])
                return response.status, response.headers, body
            self._stream(response, iterable, loop, send)
            return None
        finally:
            getattr(iterable, "close", lambda: None)()

    @staticmethod
    def _stream(response: _Response, iterable: Iterable[bytes], loop, send) -> None:
        def send_now(message: dict) -> None:
            asyncio.run_coroutine_threadsafe(send(message), loop).result()

        response.sent = True
        send_now({"type": "http.response.start", "status": response.status, "headers": response.headers})
        for chunk in itertools.chain(response.written, iterable):
            if chunk:
                send_now({"type": "http.response.body", "body": chunk, "more_body": True})
        send_now({"type": "http.response.body", "body": b""})


class _Response:
    """What the app passed to `start_response` (and wrote through its legacy `write`)."""

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.written: list[bytes] = []
        self.sent = False

    def start(self, status: str, headers: list[tuple[str, str]], exc_info=None):
        if exc_info is not None and self.sent:
            raise exc_info[1].with_traceback(exc_info[2])  # too late to change the status
        self.status = int(status.split(" ", 1)[0])
        self.headers = [
            (name.strip().lower().encode("latin1"), value.strip().encode("latin1")) for name, value in headers
        ]
        return self.written.append


def _body_is_small(headers: list[tuple[bytes, bytes]]) -> bool:
    length = b"0"
    for name, value in headers:
        if name == b"content-length":
            length = value
        elif name == b"transfer-encoding":
            return False  # chunked: its size is unknown until it has all arrived
    return length.isdigit() and int(length) <= BUFFERED_BODY_MAX_BYTES
