"""A fake OpenAI chat server that streams slowly: ``delay`` seconds between tokens, and
optionally stalls for ``stall_seconds`` after ``stall_after`` tokens (an upstream timeout)."""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a client that went away: expected here
        super().handle_error(request, client_address)


class SlowFakeServer:
    def __init__(
        self,
        *,
        reply: str = "Hello from the slow fake.",
        delay: float = 0.0,
        stall_after: int | None = None,
        stall_seconds: float = 0.0,
        model: str = "slow-fake",
        api_key: str = "test-key",
    ) -> None:
        self.reply, self.delay, self.model, self.api_key = reply, delay, model, api_key
        self.stall_after, self.stall_seconds = stall_after, stall_seconds
        self.stopping = threading.Event()
        self.requests = 0
        self.first_chunk_ms: list[float] = []  # per request: arrival to first content chunk sent
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # each SSE chunk leaves at once, as from a real server

            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                arrived = time.perf_counter()
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests += 1
                words = server.reply.split(" ")
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()

                def chunk(payload: dict) -> None:
                    data = f"data: {json.dumps(payload)}\n\n".encode()
                    self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                    self.wfile.flush()

                base = {"id": "slow", "object": "chat.completion.chunk", "created": 0, "model": server.model}
                try:
                    for i, word in enumerate(words):
                        if server.stall_after is not None and i == server.stall_after:
                            if server.stopping.wait(server.stall_seconds):
                                return
                        elif server.delay and server.stopping.wait(server.delay):
                            return
                        text = word if i == 0 else f" {word}"
                        chunk(
                            {
                                **base,
                                "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
                            }
                        )
                        if i == 0:
                            server.first_chunk_ms.append((time.perf_counter() - arrived) * 1000)
                    chunk({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                    if (body.get("stream_options") or {}).get("include_usage"):
                        usage = {
                            "prompt_tokens": 10,
                            "completion_tokens": len(words),
                            "total_tokens": 10 + len(words),
                        }
                        chunk({**base, "choices": [], "usage": usage})
                    data = b"data: [DONE]\n\n"
                    self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n\r\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> SlowFakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
