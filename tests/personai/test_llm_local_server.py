"""The embedded demo LLM as a real subprocess, driven through personai.llm."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings as django_settings

from personai import llm
from personai.local_llm import DEMO_MODEL_NAME


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_ready(process: subprocess.Popen, url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"personai.local_llm exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # not listening yet, or 503 while the model loads
        time.sleep(0.25)
    pytest.fail(f"personai.local_llm did not answer {url} within the deadline")


def test_local_llm_serves_chat_and_streaming_and_stops_cleanly(settings):
    port = _unused_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "personai.local_llm",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--threads",
            "2",
        ],
        cwd=django_settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_ready(process, f"http://127.0.0.1:{port}/v1/models", time.monotonic() + 60)
        settings.LLM_BASE_URL = f"http://127.0.0.1:{port}/v1"
        settings.LLM_API_KEY = ""
        settings.LLM_MODEL = DEMO_MODEL_NAME
        settings.LLM_TIMEOUT_SECONDS = 30.0

        assert llm.check() is True
        result = llm.chat([{"role": "user", "content": "Say hello."}], max_tokens=8, temperature=0)
        assert result.text.strip()
        assert result.model == DEMO_MODEL_NAME
        assert 0 < result.completion_tokens <= 8
        assert result.prompt_tokens > 0

        chunks = list(llm.stream_chat([{"role": "user", "content": "Name a colour."}], max_tokens=8))
        assert "".join(c.text for c in chunks).strip()
        assert chunks[-1].done
        assert 0 < chunks[-1].completion_tokens <= 8
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            exit_code = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail("personai.local_llm did not exit within 10 s of SIGTERM")
    stdout = process.stdout.read()
    assert exit_code == 0, process.stderr.read()
    assert "ready at" in stdout
