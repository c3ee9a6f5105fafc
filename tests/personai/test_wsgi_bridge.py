"""The bridge `make run` serves synchronous views through: whole replies in one piece, streams
streamed, big request bodies never held whole before the app reads them."""

from __future__ import annotations

import asyncio
import io
import threading

import pytest

from personai.wsgi_bridge import BUFFERED_BODY_MAX_BYTES, WSGIBridge
from tests.event_loop import run_in_own_thread


def scope_for(method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/échos/",
        "raw_path": b"/%C3%A9chos/",
        "query_string": b"a=1",
        "root_path": "",
        "headers": headers or [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


def serve(app, scope: dict, body_parts: list[bytes] | None = None, *, disconnect: bool = False):
    """Run the bridge on `scope`; return (messages sent, thread names the app ran on)."""
    bridge = WSGIBridge(app, workers=2)
    parts = list(body_parts or [b""])
    sent: list[dict] = []

    async def receive():
        if disconnect:
            return {"type": "http.disconnect"}
        if not parts:
            await asyncio.Event().wait()  # nothing more: a real server waits for a disconnect
        part = parts.pop(0)
        return {"type": "http.request", "body": part, "more_body": bool(parts)}

    async def send(message):
        sent.append(message)

    try:
        run_in_own_thread(asyncio.wait_for(bridge(scope, receive, send), 10))
    finally:
        bridge.executor.shutdown(wait=True)
    return sent


class Echo:
    """A WSGI app answering with what it was sent, and recording how it was called."""

    def __init__(self, response_class=list):
        self.response_class = response_class
        self.threads: list[str] = []
        self.environ: dict = {}
        self.closed = threading.Event()

    def __call__(self, environ, start_response):
        self.threads.append(threading.current_thread().name)
        self.environ = environ
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else environ["wsgi.input"].read()
        write = start_response("201 Created", [("Content-Type", "text/plain"), ("X-Seen", str(len(body)))])
        write(b"written:")
        return self.response_class([b"got:", body], self.closed)


class Whole(list):
    """Like Django's HttpResponse: iterable, `streaming = False`, closed after it is sent."""

    streaming = False

    def __init__(self, chunks, closed):
        super().__init__(chunks)
        self._closed = closed

    def close(self):
        self._closed.set()


class Streamed:
    """Like Django's StreamingHttpResponse."""

    streaming = True

    def __init__(self, chunks, closed):
        self.chunks = chunks
        self._closed = closed

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        self._closed.set()


def with_length(body: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"host", b"testserver"), (b"content-length", str(len(body)).encode())]


def test_a_whole_reply_is_sent_in_one_piece_after_one_hand_off():
    app = Echo(Whole)
    body = b'{"item": "E1", "value": 4}'

    sent = serve(app, scope_for("PUT", with_length(body)), [body[:10], body[10:]])

    assert sent == [
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [(b"content-type", b"text/plain"), (b"x-seen", str(len(body)).encode())],
        },
        {"type": "http.response.body", "body": b"written:got:" + body},
    ]
    assert app.closed.is_set()  # Django's request_finished runs (it returns the DB connection)
    assert app.threads[0].startswith("WSGI") and app.threads[0] != threading.current_thread().name
    environ = app.environ
    assert (environ["REQUEST_METHOD"], environ["PATH_INFO"], environ["QUERY_STRING"]) == (
        "PUT",
        "/échos/".encode().decode("latin1"),
        "a=1",
    )


def test_a_plain_list_reply_is_sent_whole():
    sent = serve(Echo(lambda chunks, closed: list(chunks)), scope_for())

    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
    assert sent[1]["body"] == b"written:got:"


def test_a_streamed_reply_is_sent_chunk_by_chunk_and_closed():
    app = Echo(Streamed)

    sent = serve(app, scope_for())

    assert sent[0]["status"] == 201
    assert [(message.get("body"), message.get("more_body", False)) for message in sent[1:]] == [
        (b"written:", True),
        (b"got:", True),
        (b"", False),
    ]
    assert app.closed.is_set()


@pytest.mark.parametrize(
    "headers",
    [
        with_length(b"x" * (BUFFERED_BODY_MAX_BYTES + 1)),
        [(b"host", b"testserver"), (b"transfer-encoding", b"chunked")],
    ],
    ids=["larger than the buffer", "chunked"],
)
def test_a_big_or_chunked_body_streams_to_the_app_as_it_arrives(headers):
    big = b"x" * (BUFFERED_BODY_MAX_BYTES + 1)
    app = Echo(Whole)

    sent = serve(app, scope_for("POST", headers), [big[:1000], big[1000:]])

    assert not isinstance(app.environ["wsgi.input"], io.BytesIO)  # a2wsgi's reader
    assert sent[0]["status"] == 201
    assert b"".join(message.get("body", b"") for message in sent[1:]) == b"written:got:" + big


def test_a_client_gone_before_its_body_arrived_never_reaches_the_app():
    app = Echo(Whole)

    sent = serve(app, scope_for("POST", with_length(b"abc")), disconnect=True)

    assert sent == [] and app.threads == []


def test_an_error_in_the_app_reaches_the_server():
    def broken(environ, start_response):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        serve(broken, scope_for())
