"""Chat streaming under load: do 50 slow streams starve the page-serving?

Issue 10, point 3: 50 concurrent chat replies streamed from a slow LLM (10 tokens/s) must not
push the p99 of the questionnaire page above 2× its idle p99. Also measured: the time to first
token through our stack minus the LLM server's own time to first token (our overhead: auth,
message analysis with the local embedding model, saving the message, prompt building).

A real server is started in a subprocess on a throwaway database (``bench_<name>``):
the one ``make run`` starts — gunicorn with 2 uvicorn workers on ``personai.asgi`` and a
psycopg pool (BENCH_CHAT_SERVER=asgi, the default) — or for comparison the former WSGI setup,
gunicorn with 2 workers × 4 threads (BENCH_CHAT_SERVER=wsgi). The fake LLM (tests/chat/slow_fake.py) runs in this process.

Run: .venv/bin/python -m bench bench_chat_streams
"""

from __future__ import annotations

import logging
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench._database import throwaway_database

STREAMS = int(os.environ.get("BENCH_CHAT_STREAMS", "50"))
TOKENS = 400  # per reply: 40 s at 10 tokens/s
TOKENS_PER_SECOND = 10
PAGE_SAMPLES_IDLE = 100  # before and again after the streams (the machine's load drifts)
PAGE_SAMPLES_LOAD = 200
FAILED_PAGES: list[str] = []
ROOT = Path(__file__).resolve().parent.parent
INSTRUMENT = ROOT / "questionnaires" / "instruments" / "ipip-neo-120.json"


def main() -> None:
    with throwaway_database():
        _run()


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _server_command(kind: str, port: int) -> list[str]:
    """The server of ``make run`` (personai/runner.py): gunicorn with uvicorn workers (ASGI), or
    for comparison the former WSGI setup with threads."""
    common = ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "120"]
    if kind == "wsgi":
        return [sys.executable, "-m", "gunicorn", "personai.wsgi:application", *common, "--threads", "4"]
    return [
        sys.executable, "-m", "gunicorn", "personai.asgi:application",
        "--worker-class", "uvicorn_worker.UvicornWorker", *common,
    ]  # fmt: skip


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run() -> None:
    import httpx2 as httpx
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    from accounts.models import User
    from assessments import services as assessment_services
    from assessments.models import AssessmentSession
    from chat import services as chat_services
    from personas.models import Persona
    from questionnaires.importing import import_json
    from tests.chat.slow_fake import SlowFakeServer

    logging.getLogger("httpx2").setLevel(logging.WARNING)
    kind = os.environ.get("BENCH_CHAT_SERVER", "asgi")
    if kind == "asgi":
        try:
            import uvicorn_worker  # noqa: F401
        except ImportError:
            print("chat_streams: skipped (uvicorn-worker is not installed: make install)")
            return

    # ---------------------------------------------------------------- data
    version = import_json(INSTRUMENT.read_bytes(), publish=True).version

    def cookie_for(user) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "accounts.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return session.session_key

    reader = User.objects.create_user(username="bench-reader", email="reader@example.com", password="x" * 20)
    taking = assessment_services.session_start(
        subject=assessment_services.subject_get_or_create_for_user(user=reader),
        version=version,
        respondent_kind=AssessmentSession.RespondentKind.SELF,
        respondent_user=reader,
    )
    page_url = f"/assessments/{taking.pk}/q/1/"
    chatters = []
    for i in range(STREAMS + 1):
        user = User.objects.create_user(
            username=f"bench-chat-{i}", email=f"c{i}@example.com", password="x" * 20
        )
        persona = Persona.objects.create(
            subject=assessment_services.subject_get_or_create_for_user(user=user),
            status="ready",
            name=f"Bench {i}",
            persona_prompt="You are a calm, concise persona.",
        )
        conversation = chat_services.conversation_create(owner=user, persona=persona)
        chatters.append((cookie_for(user), conversation.pk))
    reader_cookie = cookie_for(reader)

    db = connection.settings_dict
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host", "")
    port_part = f":{db['PORT']}" if db.get("PORT") else ""
    if host.startswith("/"):  # a socket directory
        database_url = (
            f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@{port_part}/{db['NAME']}?host={host}"
        )
    else:
        database_url = f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@{host}{port_part}/{db['NAME']}"
    words = " ".join(f"tok{i}" for i in range(TOKENS))

    with SlowFakeServer(reply=words, delay=1 / TOKENS_PER_SECOND) as slow:
        port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": settings.REDIS_URL,
            "LLM_BASE_URL": slow.base_url,
            "LLM_API_KEY": slow.api_key,
            "LLM_MODEL": slow.model,
            "EMBEDDING_BASE_URL": "",
            # DEBUG stays on: production's manifest static storage would need collectstatic first.
            "DB_CONN_MAX_AGE": "60",
            "DB_POOL_MAX_SIZE": "16" if kind == "asgi" else "0",  # as make run
        }
        log_path = Path(os.environ.get("BENCH_CHAT_SERVER_LOG", "/tmp/bench-chat-server.log"))
        log_file = log_path.open("wb")
        server = subprocess.Popen(
            _server_command(kind, port), cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(httpx, base, server)
            _measure(httpx, base, page_url, reader_cookie, chatters, slow, kind, settings.SESSION_COOKIE_NAME)
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
            log_file.close()


def _wait_ready(httpx, base: str, server) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("The server exited; see BENCH_CHAT_SERVER_LOG (/tmp/bench-chat-server.log)")
        try:
            if httpx.get(f"{base}/accounts/login/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("The server did not start within 60 s")


def _client(httpx, base: str, cookie_name: str, session_key: str):
    client = httpx.Client(base_url=base, timeout=60, cookies={cookie_name: session_key})
    token = client.get("/chat/").text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    client.headers["X-CSRFToken"] = token
    client.headers["Referer"] = base + "/chat/"
    return client


def _page_latencies(client, url: str, n: int, keep_going=lambda: True) -> list[float]:
    timings = []
    for _ in range(n):
        if not keep_going():
            break
        started = time.perf_counter()
        try:
            response = client.get(url)
            failed = response.status_code != 200
        except Exception:  # noqa: BLE001 - a timeout counts with the time it took
            failed = True
        timings.append((time.perf_counter() - started) * 1000)
        if failed:
            FAILED_PAGES.append(url)
        time.sleep(random.uniform(0.005, 0.02))
    return timings


def _first_token(stream_iter) -> float | None:
    for line in stream_iter:
        if line.startswith("event: token"):
            return time.perf_counter()
    return None


def _measure(httpx, base, page_url, reader_cookie, chatters, slow, kind, cookie_name) -> None:
    reader = httpx.Client(base_url=base, timeout=30, cookies={cookie_name: reader_cookie})
    _page_latencies(reader, page_url, 20)  # warm up
    idle = _page_latencies(reader, page_url, PAGE_SAMPLES_IDLE)

    # ---------------------------------------------------------------- TTFB overhead
    ttfb_cookie, ttfb_conversation = chatters[-1]
    probe = _client(httpx, base, cookie_name, ttfb_cookie)
    ours = []
    original_delay = slow.delay
    slow.delay = 0.0
    for i in range(10):
        started = time.perf_counter()
        with probe.stream(
            "POST", f"/chat/{ttfb_conversation}/stream/", data={"content": f"Hello number {i}"}
        ) as response:
            lines = response.iter_lines()
            first = _first_token(lines)
            for _ in lines:
                pass
        ours.append((first - started) * 1000)
    slow.delay = original_delay
    theirs = list(slow.first_chunk_ms)
    ours, theirs = ours[2:], theirs[2:]  # the first ones load the embedding model

    # ---------------------------------------------------------------- 50 streams
    results: list[tuple[bool, float]] = []
    lock = threading.Lock()
    active = [0]

    def stream(cookie: str, conversation_id) -> None:
        began = time.perf_counter()
        ok = False
        waited = False
        try:
            client = _client(httpx, base, cookie_name, cookie)
            with client.stream(
                "POST", f"/chat/{conversation_id}/stream/", data={"content": "Tell me a long story"}
            ) as response:
                for line in response.iter_lines():
                    if line.startswith("event: token") and not waited:
                        waited = True
                        with lock:
                            active[0] += 1
                    if line.startswith("event: done"):
                        ok = True
        except Exception:  # noqa: BLE001 - counted as a failed stream
            pass
        finally:
            with lock:
                active[0] -= 1 if waited else 0
                results.append((ok, time.perf_counter() - began))

    threads = [threading.Thread(target=stream, args=chatter, daemon=True) for chatter in chatters[:-1]]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60  # until every stream is receiving tokens (or a minute)
    while time.monotonic() < deadline:
        with lock:
            if active[0] >= len(threads):
                break
        time.sleep(0.05)
    with lock:
        streaming_at_start = active[0]

    def all_streaming() -> bool:
        with lock:
            return active[0] >= min(len(threads), streaming_at_start)

    loaded = _page_latencies(reader, page_url, PAGE_SAMPLES_LOAD, all_streaming)
    with lock:
        streaming_at_end = active[0]
    for thread in threads:
        thread.join(120)
    completed = sum(1 for ok, _ in results if ok)
    idle += _page_latencies(reader, page_url, PAGE_SAMPLES_IDLE)

    idle_p99, load_p99 = _p(idle, 0.99), _p(loaded, 0.99)
    print(
        f"chat TTFB through our stack {statistics.median(ours):.0f} ms − the LLM's own "
        f"{statistics.median(theirs):.1f} ms = {statistics.median(ours) - statistics.median(theirs):.0f} ms "
        f"overhead (median of {len(ours)}; auth, analysis with the local embedding model, saves, prompt)"
    )
    print(
        f"questionnaire page ({kind}): idle ({len(idle)} samples, before and after) p50 {_p(idle, 0.5):.1f} ms p99 {idle_p99:.1f} ms; with "
        f"{len(threads)} streams at {TOKENS_PER_SECOND} tokens/s ({streaming_at_start} streaming at the first "
        f"sample, {streaming_at_end} at the last, {len(loaded)} samples): p50 {_p(loaded, 0.5):.1f} ms p99 {load_p99:.1f} ms; "
        f"{completed}/{len(threads)} streams completed, {len(FAILED_PAGES)} page requests failed or timed out"
    )
    print(f"chat_streams {len(threads)} streams ({kind}) ratio {load_p99 / idle_p99:.2f} goal <=2")
