"""``make run``: one command that starts the whole product on one machine.

Starts the embedded PostgreSQL+pgvector and Redis-compatible servers (unless DATABASE_URL /
REDIS_URL point elsewhere) and the embedded demo LLM (unless LLM_BASE_URL is set), migrates,
loads the built-in data, then runs gunicorn, a Celery worker and Celery beat. Ctrl-C or SIGTERM
stops every child and the embedded servers this run started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from personai import embedded

BASE_DIR = Path(__file__).resolve().parent.parent


def _log(message: str) -> None:
    print(f"[personai] {message}", flush=True)


def _port_from_env() -> int:
    raw = os.environ.get("PORT", "8000")
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SystemExit(f"PORT must be a number between 1 and 65535, got {raw!r}")
    return int(raw)


class Runner:
    def __init__(self) -> None:
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.stopping = False
        self.started_postgres = False
        self.started_redis = False
        self.env = os.environ.copy()
        self.env.setdefault("DJANGO_SETTINGS_MODULE", "personai.settings")
        self.env["PYTHONUNBUFFERED"] = "1"

    # ------------------------------------------------------------------ services

    def start_data_services(self) -> None:
        if self.env.get("DATABASE_URL"):
            _log("Using the PostgreSQL server at DATABASE_URL")
        else:
            self.started_postgres = not embedded.postgres_running()
            self.env["DATABASE_URL"] = embedded.ensure_postgres()
            _log(f"Embedded PostgreSQL 18 + pgvector ready (data in {embedded.pg_data_path()})")
        embedded.verify_pgvector(self.env["DATABASE_URL"])
        if self.env.get("REDIS_URL"):
            _log("Using the Redis server at REDIS_URL")
        else:
            self.started_redis = not embedded.redis_running()
            self.env["REDIS_URL"] = embedded.ensure_redis()
            _log(f"Embedded Redis-compatible server ready ({self.env['REDIS_URL']})")

    def start_embedded_llm(self) -> None:
        if self.env.get("LLM_BASE_URL"):
            _log(f"Using the LLM at {self.env['LLM_BASE_URL']}")
            return
        port = self.env.get("EMBEDDED_LLM_PORT", "8765")
        self.spawn(
            "llm",
            [sys.executable, "-m", "personai.local_llm", "--host", "127.0.0.1", "--port", port],
        )
        self.env["LLM_BASE_URL"] = f"http://127.0.0.1:{port}/v1"
        _log(f"Embedded demo LLM (SmolLM2-135M, demo quality) starting on 127.0.0.1:{port}")

    # ------------------------------------------------------------------ processes

    def manage(self, *args: str) -> None:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=self.env)
        if result.returncode != 0:
            raise SystemExit(f"'manage.py {' '.join(args)}' failed (exit {result.returncode})")

    def spawn(self, name: str, command: list[str]) -> None:
        # Each child gets its own process group so Ctrl-C in the terminal reaches only us,
        # and we stop the children in order.
        process = subprocess.Popen(command, cwd=BASE_DIR, env=self.env, start_new_session=True)
        self.children.append((name, process))

    def start_app(self, port: int) -> None:
        host = self.env.get("HOST", "127.0.0.1")
        self.spawn(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "personai.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                self.env.get("WEB_CONCURRENCY", "2"),
                "--threads",
                "4",
                "--timeout",
                "120",
                "--graceful-timeout",
                "10",
                "--access-logfile",
                "-",
            ],
        )
        self.spawn(
            "worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "personai",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                self.env.get("CELERY_CONCURRENCY", "2"),
                "--hostname",
                "worker@%h",
            ],
        )
        schedule = embedded.data_dir() / "celerybeat-schedule"
        self.spawn(
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "personai",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(schedule),
            ],
        )

    def stop(self) -> None:
        for name, process in reversed(self.children):
            if process.poll() is None:
                _log(f"Stopping {name}…")
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _name, process in self.children:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.started_redis:
            embedded.stop_redis()
            _log("Embedded Redis stopped")
        if self.started_postgres:
            embedded.stop_postgres()
            _log("Embedded PostgreSQL stopped")

    def run(self) -> int:
        began = time.monotonic()
        port = _port_from_env()

        def request_stop(signum, frame):  # noqa: ARG001
            self.stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        try:
            self.start_data_services()
            self.manage("migrate", "--noinput")
            self.manage("load_builtin_data")
            self.start_embedded_llm()
            self.start_app(port)
            _log(
                f"Personai is running at http://127.0.0.1:{port} "
                f"(ready in {time.monotonic() - began:.1f}s). Press Ctrl-C to stop."
            )
            exit_code = 0
            while not self.stopping:
                for name, process in self.children:
                    if process.poll() is not None:
                        _log(f"{name} exited with code {process.returncode}; stopping everything.")
                        self.stopping = True
                        exit_code = 1
                        break
                time.sleep(0.5)
            return exit_code
        finally:
            self.stop()
            _log("Stopped.")


def main() -> None:
    try:
        sys.exit(Runner().run())
    except embedded.EmbeddedServiceError as exc:
        sys.exit(f"[personai] {exc}")


if __name__ == "__main__":
    main()
