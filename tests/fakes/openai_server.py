"""A fake OpenAI-compatible server on a real socket, for tests.

It speaks the wire protocol ``personai.llm`` uses: ``POST /v1/chat/completions`` (JSON, or SSE
with ``stream: true``, including the usage chunk that ``stream_options.include_usage`` asks for),
``POST /v1/embeddings`` (deterministic 384-dimensional unit vectors derived from a hash of each
text) and ``GET /v1/models``. It records every request and can be scripted to misbehave::

    fake.fail_next(2, status=500)   # the next two requests get HTTP 500, then normal service
    fake.hang_next(1, seconds=5)    # the next request waits 5 s before it is answered
    fake.drop_next(1)               # the next request's connection is closed without an answer
    fake.garble_next(1)             # the next request gets 200 with a body that is not JSON

Scripted behaviours apply to the next requests in arrival order, whatever their path.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

DIMENSIONS = 384


@dataclass(frozen=True)
class Behaviour:
    kind: str  # "status" | "hang" | "drop" | "garble"
    status: int = 500
    seconds: float = 0.0
    body: dict | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: dict | None


def fake_vector(text: str) -> list[float]:
    """The unit vector the fake returns for ``text``: the same text always gives the same vector."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    vector = np.random.default_rng(seed).standard_normal(DIMENSIONS)
    return (vector / np.linalg.norm(vector)).tolist()


class FakeOpenAIServer:
    def __init__(
        self,
        *,
        api_key: str = "test-key",
        model: str = "fake-model",
        reply: str = "Hello from the fake model.",
    ) -> None:
        self.api_key = api_key  # requests without "Authorization: Bearer <api_key>" get 401
        self.model = model
        self.reply = reply  # streamed word by word
        self.stream_usage = True  # send the usage chunk when the client asks for it
        self._script: deque[Behaviour] = deque()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _QuietHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAIServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers that are hanging
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # ------------------------------------------------------------------ scripting

    def fail_next(self, n: int = 1, *, status: int = 500, body: dict | None = None, headers=None) -> None:
        self._push(n, Behaviour("status", status=status, body=body, headers=dict(headers or {})))

    def hang_next(self, n: int = 1, *, seconds: float = 30.0) -> None:
        self._push(n, Behaviour("hang", seconds=seconds))

    def drop_next(self, n: int = 1) -> None:
        self._push(n, Behaviour("drop"))

    def garble_next(self, n: int = 1) -> None:
        self._push(n, Behaviour("garble"))

    def _push(self, n: int, behaviour: Behaviour) -> None:
        with self._lock:
            self._script.extend([behaviour] * n)

    def _next_behaviour(self) -> Behaviour | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    # ------------------------------------------------------------------ inspection

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)


class _QuietHTTPServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that timed out or gave up resets its connection: expected here, not news.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _handler_for(fake: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        server_fake = fake

    return Handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like real servers; streams use chunked encoding
    server_fake: FakeOpenAIServer

    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass

    # ------------------------------------------------------------------ dispatch

    def do_GET(self):  # noqa: N802
        self._dispatch(None)

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self._dispatch(body)

    def _dispatch(self, body: dict | None) -> None:
        fake = self.server_fake
        path = self.path.split("?", 1)[0]
        fake._record(
            RecordedRequest(
                method=self.command,
                path=path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
        )
        behaviour = fake._next_behaviour()
        if behaviour is not None:
            if behaviour.kind == "drop":
                self.close_connection = True
                return
            if behaviour.kind == "hang":
                if fake._stopping.wait(behaviour.seconds):
                    self.close_connection = True
                    return
            elif behaviour.kind == "status":
                error = behaviour.body or {
                    "error": {"message": f"Scripted failure {behaviour.status}", "type": "fake_error"}
                }
                self._send_json(behaviour.status, error, behaviour.headers)
                return
            elif behaviour.kind == "garble":
                self._send_bytes(200, b"<html>this is not json", "application/json")
                return

        if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
            self._send_json(401, {"error": {"message": "Incorrect API key provided.", "type": "auth_error"}})
            return
        if self.command == "GET" and path == "/v1/models":
            self._send_json(
                200,
                {
                    "object": "list",
                    "data": [{"id": fake.model, "object": "model", "created": 0, "owned_by": "fake"}],
                },
            )
        elif self.command == "POST" and path == "/v1/chat/completions" and isinstance(body, dict):
            self._chat(body)
        elif self.command == "POST" and path == "/v1/embeddings" and isinstance(body, dict):
            self._embeddings(body)
        else:
            self._send_json(
                404, {"error": {"message": f"No route for {self.command} {path}", "type": "not_found"}}
            )

    # ------------------------------------------------------------------ endpoints

    def _chat(self, body: dict) -> None:
        fake = self.server_fake
        model = body.get("model") or fake.model
        prompt_tokens = sum(len(str(m.get("content") or "").split()) for m in body.get("messages", []))
        words = fake.reply.split(" ")
        deltas = [word if i == 0 else f" {word}" for i, word in enumerate(words)]
        max_tokens = body.get("max_tokens")
        finish_reason = "stop"
        if isinstance(max_tokens, int) and max_tokens < len(deltas):
            deltas, finish_reason = deltas[:max_tokens], "length"
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(deltas),
            "total_tokens": prompt_tokens + len(deltas),
        }
        ident, created = "chatcmpl-fake", int(time.time())
        if not body.get("stream"):
            self._send_json(
                200,
                {
                    "id": ident,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "".join(deltas)},
                            "finish_reason": finish_reason,
                        }
                    ],
                    "usage": usage,
                },
            )
            return

        def chunk(delta: dict, finish: str | None) -> dict:
            return {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }

        events = [chunk({"role": "assistant", "content": ""}, None)]
        events += [chunk({"content": delta}, None) for delta in deltas]
        events.append(chunk({}, finish_reason))
        include_usage = (body.get("stream_options") or {}).get("include_usage")
        if include_usage and fake.stream_usage:
            events.append(
                {
                    "id": ident,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [],
                    "usage": usage,
                }
            )
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for event in events:
                self._write_chunk(f"data: {json.dumps(event)}\n\n".encode())
            self._write_chunk(b"data: [DONE]\n\n")
            self._write_chunk(b"")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _embeddings(self, body: dict) -> None:
        inputs = body.get("input")
        texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
        as_base64 = body.get("encoding_format") == "base64"
        data = []
        for index, text in enumerate(texts):
            vector = fake_vector(str(text))
            embedding = (
                base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode() if as_base64 else vector
            )
            data.append({"object": "embedding", "index": index, "embedding": embedding})
        tokens = sum(len(str(t).split()) for t in texts)
        self._send_json(
            200,
            {
                "object": "list",
                "data": data,
                "model": body.get("model") or "fake-embedding",
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )

    # ------------------------------------------------------------------ writing

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _send_json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(payload).encode(), "application/json", headers)

    def _send_bytes(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None):
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. it timed out while we hung)
