"""``make run``: one command that starts the whole product on one machine.

Starts the embedded PostgreSQL+pgvector and Redis-compatible servers (unless DATABASE_URL /
REDIS_URL point elsewhere) and the embedded demo LLM (unless LLM_BASE_URL is set), migrates,
loads the built-in data, collects the static files, then runs gunicorn, a Celery worker and
Celery beat.

It serves like production unless told otherwise (``DEBUG=true make run`` for development):
``DEBUG=false``, a secret key generated once and kept in ``$PERSONAI_DATA_DIR/secret_key``,
``ALLOWED_HOSTS`` from ``HOST``, static files from whitenoise, the custom error pages. It
speaks plain HTTP on a local address, so HTTPS redirects and secure-only cookies are off
unless set in the environment.

A child that exits is started again after a pause that doubles with each crash (a log line
says so); only Ctrl-C or SIGTERM, or a child crashing ``MAX_CRASHES`` times within
``CRASH_WINDOW_SECONDS``, stops every child and the embedded servers this run started.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from personai import embedded

BASE_DIR = Path(__file__).resolve().parent.parent


def _log(message: str) -> None:
    print(f"[personai] {message}", flush=True)


SECRET_KEY_FILE = "secret_key"
# Django's deploy check (security.W009) wants at least 50 characters; this gives 67.
SECRET_KEY_BYTES = 50
_WILDCARD_HOSTS = {"0.0.0.0", "::", "[::]", ""}


def secret_key(data_dir: Path) -> str:
    """The secret key kept in ``data_dir``; created (readable by the owner only) on first use."""
    path = data_dir / SECRET_KEY_FILE
    if not path.exists():
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another runner made it just now
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(SECRET_KEY_BYTES) + "\n")
    return path.read_text().strip()


def allowed_hosts(host: str) -> str:
    """ALLOWED_HOSTS for serving on ``host``: it and the loopback names; the machine's names too
    when ``host`` is every interface."""
    # An IPv6 address is matched in its bracketed form, as in the Host header.
    names = [f"[{host.strip('[]')}]" if ":" in host else host] if host not in _WILDCARD_HOSTS else []
    names += ["127.0.0.1", "localhost", "[::1]"]
    if host in _WILDCARD_HOSTS:
        hostname = socket.gethostname()
        names += [hostname, socket.getfqdn()]
        with contextlib.suppress(OSError):
            names += [info[4][0] for info in socket.getaddrinfo(hostname, None)]
    return ",".join(dict.fromkeys(name for name in names if name))


def is_debug(env: dict[str, str]) -> bool:
    # Anything else that is not a boolean word is refused by settings.py with a clear message.
    return env.get("DEBUG", "").strip().lower() in {"true", "yes", "on", "1"}


def serving_env(env: dict[str, str], data_dir: Path) -> dict[str, str]:
    """``env`` completed for ``make run``: production-like unless DEBUG is set to true."""
    env = dict(env)
    env.setdefault("DEBUG", "false")
    if is_debug(env):
        return env
    if not env.get("SECRET_KEY"):
        env["SECRET_KEY"] = secret_key(data_dir)
    env.setdefault("ALLOWED_HOSTS", allowed_hosts(env.get("HOST", "127.0.0.1")))
    # Plain HTTP on this machine: no redirect to HTTPS, cookies sent without TLS, no HSTS.
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        env.setdefault(name, "false")
    env.setdefault("SECURE_HSTS_SECONDS", "0")
    return env


def _port_from_env() -> int:
    raw = os.environ.get("PORT", "8000")
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SystemExit(f"PORT must be a number between 1 and 65535, got {raw!r}")
    return int(raw)


def web_command(host: str, port: int, env: dict[str, str]) -> list[str]:
    """How `make run` starts the web server (the hot-path bench starts it the same way)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        # ASGI (uvicorn workers): a streamed chat reply waits on the event loop instead
        # of holding a thread; every synchronous view runs on a fixed pool of WEB_THREADS
        # threads through Django's WSGI handler (personai/asgi.py says why).
        "personai.asgi:application",
        "--worker-class",
        "uvicorn_worker.UvicornWorker",
        "--bind",
        f"[{host.strip('[]')}]:{port}" if ":" in host else f"{host}:{port}",
        "--workers",
        env.get("WEB_CONCURRENCY", "2"),
        "--timeout",
        "120",
        "--graceful-timeout",
        "10",
        "--access-logfile",
        "-",
    ]


def web_env(env: dict[str, str]) -> dict[str, str]:
    """What the web process gets on top of the runner's environment."""
    # Async views' database work runs on short-lived threads (sync_to_async), so per-thread
    # persistent connections would pile up: the web process borrows from a pool instead.
    return {"DB_POOL_MAX_SIZE": env.get("DB_POOL_MAX_SIZE", "16")}


@dataclass
class Child:
    """One supervised process: how to start it, and its recent crashes."""

    name: str
    command: list[str]
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    crashes: deque[float] = field(default_factory=deque)
    restart_at: float | None = None


class Runner:
    MAX_CRASHES = 5
    CRASH_WINDOW_SECONDS = 60.0
    BACKOFF_START_SECONDS = 1.0
    BACKOFF_MAX_SECONDS = 30.0
    POLL_SECONDS = 0.5

    def __init__(self) -> None:
        self.children: list[Child] = []
        self.stopping = False
        self.started_postgres = False
        self.started_redis = False
        self.env = serving_env(os.environ, embedded.data_dir())
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

    def spawn(self, name: str, command: list[str], extra_env: dict[str, str] | None = None) -> Child:
        child = Child(name=name, command=command, extra_env=extra_env or {})
        self._start(child)
        self.children.append(child)
        return child

    def _start(self, child: Child) -> None:
        # Each child gets its own process group so Ctrl-C in the terminal reaches only us,
        # and we stop the children in order.
        child.process = subprocess.Popen(
            child.command, cwd=BASE_DIR, env={**self.env, **child.extra_env}, start_new_session=True
        )
        child.restart_at = None

    def check_children(self, now: float) -> bool:
        """Restart children that exited, after their backoff. False once one keeps crashing."""
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self._start(child)
                    _log(f"{child.name} restarted (pid {child.process.pid})")
                continue
            code = child.process.poll()
            if code is None:
                continue
            child.crashes.append(now)
            while child.crashes and child.crashes[0] < now - self.CRASH_WINDOW_SECONDS:
                child.crashes.popleft()
            count = len(child.crashes)
            if count >= self.MAX_CRASHES:
                _log(
                    f"{child.name} exited with code {code}, its {count}th crash within "
                    f"{self.CRASH_WINDOW_SECONDS:g}s; stopping everything."
                )
                return False
            delay = min(self.BACKOFF_START_SECONDS * 2 ** (count - 1), self.BACKOFF_MAX_SECONDS)
            child.restart_at = now + delay
            _log(
                f"{child.name} exited with code {code}; restarting it in {delay:g}s "
                f"(crash {count} of {self.MAX_CRASHES} allowed within {self.CRASH_WINDOW_SECONDS:g}s)"
            )
        return True

    def install_signal_handlers(self) -> None:
        """Ctrl-C and SIGTERM end :meth:`supervise`; the caller then calls :meth:`stop`."""

        def request_stop(signum, frame):  # noqa: ARG001
            self.stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)

    def supervise(self) -> int:
        """Keep the children running until asked to stop (0) or one keeps crashing (1)."""
        while not self.stopping:
            if not self.check_children(time.monotonic()):
                return 1
            time.sleep(self.POLL_SECONDS)
        return 0

    def start_app(self, port: int) -> None:
        host = self.env.get("HOST", "127.0.0.1")
        self.spawn(
            "web",
            web_command(host, port, self.env),
            extra_env=web_env(self.env),
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
        running = [child for child in self.children if child.process and child.process.poll() is None]
        for child in reversed(running):
            _log(f"Stopping {child.name}…")
            os.killpg(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in running:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
        if self.started_redis:
            embedded.stop_redis()
            _log("Embedded Redis stopped")
        if self.started_postgres:
            embedded.stop_postgres()
            _log("Embedded PostgreSQL stopped")

    def run(self) -> int:
        began = time.monotonic()
        port = _port_from_env()

        self.install_signal_handlers()
        try:
            self.start_data_services()
            self.manage("migrate", "--noinput")
            self.manage("load_builtin_data")
            if not is_debug(self.env):
                # whitenoise serves the collected, hashed and compressed files.
                self.manage("collectstatic", "--noinput", "--verbosity", "0")
            self.start_embedded_llm()
            self.start_app(port)
            host = self.env.get("HOST", "127.0.0.1")
            shown = "127.0.0.1" if host in _WILDCARD_HOSTS else host
            mode = "DEBUG=true (development)" if is_debug(self.env) else "DEBUG=false"
            _log(
                f"Personai is running at http://{shown}:{port} with {mode} "
                f"(ready in {time.monotonic() - began:.1f}s). Press Ctrl-C to stop."
            )
            return self.supervise()
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
