"""Helpers for tests that run the project in subprocesses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Variables of the test process that must not leak into a subprocess meant to read its own env.
_PROJECT_VARIABLES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "PORT",
    "DJANGO_SETTINGS_MODULE",
    # Set for the session once a browser test ran (tests/assessments/conftest.py); a deployed
    # process never has it, and `check --deploy` rightly fails on it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def subprocess_env(**overrides: str) -> dict[str, str]:
    """The current environment (PERSONAI_DATA_DIR included) without project settings, plus overrides."""
    env = {name: value for name, value in os.environ.items() if name not in _PROJECT_VARIABLES}
    env.update(overrides)
    return env


def run_python(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
