"""`make run` end to end: production-like by default, and a killed worker is started again.

Runs ``python -m personai.runner`` against the test database and Redis (no embedded servers,
no demo LLM), then checks what a visitor sees, kills the Celery worker with SIGKILL, and
stops the runner with SIGTERM.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping

import psutil
import pytest
from django.conf import settings

from tests import worker as worker_helpers
from tests.web.helpers import REPO, free_port, subprocess_env
from tests.worker import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

START_SECONDS = 180


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is the answer


def get(url: str) -> tuple[int, str, Mapping]:
    """Status, body and headers (an HTTPMessage: header names match in any case)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(errors="replace"), response.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace"), exc.headers
    except OSError:  # not listening (yet)
        return 0, "", {}


def children_named(runner: subprocess.Popen, *words: str) -> list[psutil.Process]:
    found = []
    for child in psutil.Process(runner.pid).children():
        try:
            command = " ".join(child.cmdline())
        except psutil.NoSuchProcess:
            continue
        if all(word in command for word in words):
            found.append(child)
    return found


def test_make_run_serves_like_production_and_survives_a_killed_worker(tmp_path):
    port = free_port()
    log_path = tmp_path / "runner.log"
    env = subprocess_env(
        DATABASE_URL=worker_helpers.test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        LLM_BASE_URL="http://127.0.0.1:9/v1",  # no demo LLM: not what this test is about
        PORT=str(port),
        PERSONAI_DATA_DIR=str(tmp_path / "data"),
        STATIC_ROOT=str(tmp_path / "static"),
        WEB_CONCURRENCY="1",
        CELERY_CONCURRENCY="1",
    )
    with open(log_path, "w") as log:
        runner = subprocess.Popen(
            [sys.executable, "-m", "personai.runner"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: "Personai is running at" in log_path.read_text() or runner.poll() is not None,
            timeout=START_SECONDS,
            interval=0.5,
            message="the runner did not start",
        )
        assert runner.poll() is None, log_path.read_text()[-3000:]
        assert "with DEBUG=false" in log_path.read_text()
        wait_until(lambda: get(f"{base}/healthz")[0] == 200, timeout=60, interval=0.5, message="no web")

        # A mistyped share link: the product's own 404 page, not Django's debug page.
        status, body, _headers = get(f"{base}/s/not-a-real-link/")
        assert status == 404
        assert 'id="error-title"' in body
        assert "URLconf" not in body and "DEBUG = True" not in body
        # Static files come from whitenoise, collected with hashed names.
        status, home, _headers = get(f"{base}/")
        assert status == 200
        stylesheet = re.search(r'href="(/static/css/personai\.[0-9a-f]{12}\.css)"', home)
        assert stylesheet, home[:2000]
        status, _css, headers = get(base + stylesheet.group(1))
        assert status == 200
        assert "immutable" in headers.get("Cache-Control", "")
        assert (tmp_path / "data" / "secret_key").exists()

        _signed_out_everywhere_when_the_session_row_goes(base)

        [worker] = children_named(runner, "celery", "worker")
        os.killpg(worker.pid, signal.SIGKILL)

        wait_until(
            lambda: "worker restarted" in log_path.read_text(), timeout=30, message="worker not restarted"
        )
        log_text = log_path.read_text()
        assert "worker exited with code -9; restarting it in 1s" in log_text
        [restarted] = children_named(runner, "celery", "worker")
        assert restarted.pid != worker.pid and restarted.is_running()
        assert get(f"{base}/healthz")[0] == 200  # the rest kept running
        assert runner.poll() is None

        runner.send_signal(signal.SIGTERM)
        assert runner.wait(timeout=60) == 0
        assert "Stopped." in log_path.read_text()
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()
        for process in psutil.process_iter(["environ"]):
            # Anything this runner started and left behind (there should be nothing).
            try:
                if (process.info["environ"] or {}).get("STATIC_ROOT") == str(tmp_path / "static"):
                    process.kill()
            except psutil.Error:
                continue


def _signed_out_everywhere_when_the_session_row_goes(base: str) -> None:
    """The web process remembers a session it has read (personai/row_memory.py), and forgets it
    when PostgreSQL announces the row's deletion: made here, in another process, as an admin's
    delete or `clearsessions` would be."""
    from django.contrib.sessions.models import Session
    from django.db import connection

    from personai import row_memory

    with connection.cursor() as cursor:  # the web process listens (it started at boot)
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [row_memory.APPLICATION_NAME]
        )
        assert cursor.fetchone()[0] >= 1
    cookies = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies), _NoRedirects)

    def status(path: str, data: dict | None = None) -> int:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with browser.open(f"{base}{path}", body, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    status("/accounts/signup/")
    csrf = next(cookie.value for cookie in cookies if cookie.name == settings.CSRF_COOKIE_NAME)
    password = "a-long-passphrase-for-this-test-42"
    signup = {"email": "remembered@example.com", "password1": password, "password2": password}
    assert status("/accounts/signup/", {**signup, "csrfmiddlewaretoken": csrf}) == 302  # signed in
    session_key = next(cookie.value for cookie in cookies if cookie.name == settings.SESSION_COOKIE_NAME)
    for _ in range(2):  # the second is answered from the web process's memory
        assert status("/dashboard/") == 200

    Session.objects.filter(session_key=session_key).delete()

    # The notice reaches the web process within milliseconds; a remembered session would stay.
    wait_until(
        lambda: status("/dashboard/") == 302,
        timeout=10,
        interval=0.05,
        message="the deleted session still signs its visitor in",
    )
