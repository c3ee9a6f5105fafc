"""The embedded PostgreSQL server: pgvector available, restarts after a stale handle file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from personai import embedded

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_the_database_has_pgvector_enabled_by_migration():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        (version,) = cursor.fetchone()
    assert version.startswith("0.8")


@pytest.mark.parametrize("handle_content", ["", "[", '{"pid": 1}', "[999999999]"])
def test_it_restarts_after_a_stale_or_empty_handle_file(tmp_path, handle_content):
    base = tmp_path / "data"
    base.mkdir()
    try:
        first_uri = embedded.ensure_postgres(base)
        assert embedded.stop_postgres(base) is True
        (embedded.pg_data_path(base) / ".handle_pids.json").write_text(handle_content)

        uri = embedded.ensure_postgres(base)

        assert uri == first_uri
        pids = json.loads((embedded.pg_data_path(base) / ".handle_pids.json").read_text())
        assert 999999999 not in pids
        import psycopg

        with psycopg.connect(uri) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        embedded.stop_postgres(base)


def test_a_server_killed_with_sigkill_comes_back(tmp_path):
    base = tmp_path / "data"
    base.mkdir()
    try:
        embedded.ensure_postgres(base)
        info_pid = int((embedded.pg_data_path(base) / "postmaster.pid").read_text().split()[0])
        os.kill(info_pid, 9)
        # A crashed client also leaves the handle file truncated.
        (embedded.pg_data_path(base) / ".handle_pids.json").write_text("")
        _wait_until_dead(info_pid)

        uri = embedded.ensure_postgres(base)

        import psycopg

        with psycopg.connect(uri) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        embedded.stop_postgres(base)


def _wait_until_dead(pid: int) -> None:
    import contextlib

    import psutil

    with contextlib.suppress(psutil.NoSuchProcess):
        psutil.Process(pid).wait(timeout=10)


def test_a_database_url_without_pgvector_fails_with_a_clear_message():
    # The machine's stock PostgreSQL has no pgvector; a fake URL to a missing server also
    # must produce a sentence, not a traceback.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from personai import embedded; "
            "embedded.verify_pgvector('postgresql://nobody@/nodb?host=/nonexistent')",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "Cannot use the database at DATABASE_URL" in result.stderr
