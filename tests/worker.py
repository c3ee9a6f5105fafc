"""Run a real Celery worker against the current test database and the test Redis.

Usage (the test must commit its rows, so it needs a transactional database)::

    from tests.worker import running_worker, wait_until

    @pytest.mark.worker
    @pytest.mark.django_db(transaction=True)
    def test_it_scores_in_the_background():
        with running_worker() as worker:
            with transaction.atomic():
                session = ...  # enqueue outbox work here
            wait_until(lambda: Session.objects.get(pk=session.pk).scored, message="never scored")

``running_worker`` starts ``celery -A personai worker`` as a subprocess (prefork pool,
concurrency 1, the app's default queue) with ``DATABASE_URL`` pointing at the test database
this test session created and ``REDIS_URL`` at ``settings.REDIS_URL``, waits until the worker
answers a control ping (at most ``ready_timeout`` seconds), and on exit stops it: SIGTERM
(warm shutdown: a running task finishes, unacknowledged messages go back to the queue), then
SIGKILL of its whole process group after 10 seconds.

The worker imports every app's ``tasks.py``, so outbox handlers registered there exist in it.
Handlers a test registers in its own process do not; to give the worker test-only code,
pass ``include=["tests.<app>.<module>"]`` (Celery's ``--include``) and register it at import
time in that module. Settings the worker should see differently go in ``env_overrides``
(for example ``{"OUTBOX_BACKOFF_SECONDS": "0"}``). Its log is ``worker.log_text()``.

Note that the autouse ``_clear_cache`` fixture flushes the shared Redis database (broker
queues included) at the start of every test, so nothing queued by an earlier test reaches
the worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parent.parent
STOP_GRACE_SECONDS = 10


@dataclass
class Worker:
    process: subprocess.Popen
    hostname: str
    log_path: Path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def pool_pids(self) -> list[int]:
        """Pids of the prefork pool's child processes (the ones that run tasks)."""
        import psutil

        try:
            return [child.pid for child in psutil.Process(self.process.pid).children()]
        except psutil.NoSuchProcess:
            return []

    def kill(self) -> None:
        """SIGKILL the worker and its pool at once, as a crash or an OOM kill would."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_GRACE_SECONDS)


def test_database_url() -> str:
    """A libpq URL for the database the current test uses (``test_<name>``)."""
    params = connection.settings_dict
    options = params.get("OPTIONS") or {}
    query = {}
    host = params.get("HOST") or options.get("host", "")
    port = params.get("PORT") or options.get("port", "")
    netloc_host = ""
    if host.startswith("/"):
        query["host"] = host  # a unix socket directory
    else:
        netloc_host = host
    user = quote(params.get("USER") or "", safe="")
    password = quote(params.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if user else ""
    netloc = f"{credentials}{netloc_host}"
    if port and netloc_host:
        netloc += f":{port}"
    elif port:
        query["port"] = str(port)
    suffix = f"?{urlencode(query)}" if query else ""
    return f"postgresql://{netloc}/{quote(params['NAME'], safe='')}{suffix}"


@contextmanager
def running_worker(
    env_overrides: Mapping[str, str] | None = None,
    *,
    include: Sequence[str] = (),
    concurrency: int = 1,
    ready_timeout: float = 30.0,
) -> Iterator[Worker]:
    """Start a real Celery worker for the duration of the block (see the module docstring)."""
    from personai.celery import app

    hostname = f"test-{uuid.uuid4().hex[:8]}@pytest"
    env = os.environ.copy()
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "personai.settings",
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(env_overrides or {})
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "personai",
        "worker",
        "--loglevel",
        "INFO",
        "--pool",
        "prefork",
        "--concurrency",
        str(concurrency),
        "--queues",
        app.conf.task_default_queue,
        "--hostname",
        hostname,
        # Nothing to synchronise with in a test: start faster.
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if include:
        command += ["--include", ",".join(include)]
    log_file = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)  # noqa: SIM115
    log_path = Path(log_file.name)
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
    )
    log_file.close()
    worker = Worker(process=process, hostname=hostname, log_path=log_path)
    ok = False
    try:
        _wait_until_ready(app, worker, ready_timeout)
        yield worker
        ok = True
    finally:
        _stop(process)
        if ok:
            log_path.unlink(missing_ok=True)
        else:
            sys.stderr.write(f"Celery worker log kept at {log_path}:\n{worker.log_text()[-4000:]}\n")


def _wait_until_ready(app, worker: Worker, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            code = worker.process.returncode
            raise RuntimeError(f"The Celery worker exited with code {code}:\n{worker.log_text()[-4000:]}")
        if app.control.ping(destination=[worker.hostname], timeout=0.5):
            return
    raise TimeoutError(
        f"The Celery worker did not answer within {timeout:.0f}s:\n{worker.log_text()[-4000:]}"
    )


def _stop(process: subprocess.Popen) -> None:
    import psutil

    if process.poll() is not None:
        return
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        # Still unreaped, so the process group is certainly ours.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_GRACE_SECONDS)
    # Pool children the main process left behind (psutil checks they are the same processes).
    for child in children:
        with suppress(psutil.NoSuchProcess):
            child.kill()


def wait_until(
    predicate: Callable[[], object], *, timeout: float = 30.0, interval: float = 0.1, message: str = ""
) -> object:
    """Poll ``predicate`` until it returns something truthy (returned) or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(message or f"condition not met within {timeout:.0f}s")
        time.sleep(interval)
