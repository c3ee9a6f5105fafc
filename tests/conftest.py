"""Shared fixtures. Tests run against the real (embedded) PostgreSQL and Redis servers."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from personai import embedded
from tests.factories import UserFactory

# The fake OpenAI-compatible server fixture (`fake_llm`), usable by every app's tests.
pytest_plugins = ["tests.fakes.fixtures"]


def pytest_sessionfinish(session, exitstatus):
    # Stop only the embedded servers this test session started itself; a developer's running
    # `make run` keeps its servers.
    if ("redis", embedded.redis_dir()) in embedded.STARTED_IN_THIS_PROCESS:
        embedded.stop_redis()
    if ("postgres", embedded.pg_data_path()) in embedded.STARTED_IN_THIS_PROCESS:
        embedded.stop_postgres()


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate-limit counters live in the shared Redis cache; every test starts from zero.
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


ROW_MEMORY_NOTICE_SECONDS = 10  # a bound on a notification's trip; tests go on once it arrives


@pytest.fixture
def row_memory_on(settings, transactional_db):
    """Sessions, users and API keys remembered as web processes run (`personai.row_memory`).

    Only with committed rows (a transactional test): PostgreSQL announces a change when it
    commits, and a test's rolled-back transaction never does. Waits until every change made so
    far has been heard, so that a late notice does not make the test's first reads go unkept.
    """
    from personai import row_memory

    settings.ROW_MEMORY = True
    assert row_memory.wait_until_live(ROW_MEMORY_NOTICE_SECONDS)
    assert row_memory.sync(ROW_MEMORY_NOTICE_SECONDS)
    yield
    row_memory.stop_listening()  # its connection would keep the test database from being dropped
