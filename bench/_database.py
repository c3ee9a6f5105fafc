"""A throwaway database for benchmarks: they neither need nor touch your data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock


@contextmanager
def throwaway_database() -> Iterator[None]:
    """Set up Django, create ``bench_<name>``, run the body with the outbox's post-commit nudge
    replaced by a no-op (no broker needed), then drop the database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "personai.settings")
    import django

    django.setup()
    from django.db import connection

    from personai import outbox, row_memory

    original_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{original_name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with mock.patch.object(outbox, "_nudge_relay", lambda: None):
            yield
    finally:
        row_memory.stop_listening()  # its connection would keep the database from being dropped
        connection.creation.destroy_test_db(original_name, verbosity=0)
