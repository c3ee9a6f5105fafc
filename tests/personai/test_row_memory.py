"""Sessions, users and API keys remembered per process until the database announces a change.

These tests commit their rows (transactional tests): PostgreSQL sends a notification only when
a change commits. "Another process" is a connection of its own (`other_process`), as a second
web worker, a Celery worker or `psql` would be: nothing in this process hears of its writes
except through the database.
"""

from __future__ import annotations

import psycopg
import pytest
from asgiref.sync import sync_to_async as real_sync_to_async
from django.contrib.auth import aget_user
from django.db import connection, connections, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from accounts import backends, selectors, services, sessions
from accounts.models import User
from personai import row_memory
from tests.accounts.conftest import api_key_header
from tests.conftest import ROW_MEMORY_NOTICE_SECONDS
from tests.event_loop import run_in_own_thread
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("row_memory_on")]

NOTICE_SECONDS = ROW_MEMORY_NOTICE_SECONDS
ME = "/api/v1/me"


@pytest.fixture
def user(row_memory_on):
    """A committed user, once the notices of its creation have been heard (the factory saves it
    twice; a late notice would make this process drop what it read of it, as it should)."""
    made = UserFactory()
    assert row_memory.sync(NOTICE_SECONDS)
    return made


@pytest.fixture
def other_process():
    """Runs one statement on a connection of its own and waits until this process heard of it."""
    with psycopg.connect(**{**row_memory._connection_params(), "application_name": "other"}) as other:

        def run(sql: str, params=()) -> None:
            before = row_memory.generation()
            other.execute(sql, params)
            assert row_memory.wait_for_generation(before, NOTICE_SECONDS), "no notification arrived"

        yield run


def _sign_in(client, user) -> None:
    client.force_login(user)
    # Signing in writes `last_login`: once that is heard, what the first page reads is kept.
    assert row_memory.sync(NOTICE_SECONDS)


def _queries_on(table: str, context: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in context.captured_queries if f'"{table}"' in query["sql"]]


def test_a_signed_in_page_seen_again_reads_neither_session_nor_user(client, user):
    _sign_in(client, user)
    assert client.get("/dashboard/").status_code == 200

    with CaptureQueriesContext(connection) as context:
        assert client.get("/dashboard/").status_code == 200

    assert _queries_on("django_session", context) == []
    assert _queries_on("accounts_user", context) == []


def test_a_session_deleted_by_another_process_signs_the_visitor_out(client, user, other_process):
    _sign_in(client, user)
    assert client.get("/dashboard/").status_code == 200

    other_process("DELETE FROM django_session")

    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_signing_out_here_is_seen_by_the_next_request_at_once(client, user):
    _sign_in(client, user)
    cookie = client.cookies["sessionid"].value
    assert client.get("/dashboard/").status_code == 200

    client.post("/accounts/logout/")
    client.cookies["sessionid"] = cookie  # someone replays the old cookie

    assert client.get("/dashboard/").status_code == 302


def test_an_account_deactivated_by_another_process_is_signed_out(client, user, other_process):
    _sign_in(client, user)
    assert client.get("/dashboard/").status_code == 200

    other_process("UPDATE accounts_user SET is_active = false WHERE id = %s", [user.pk])

    assert client.get("/dashboard/").status_code == 302


def test_a_name_changed_by_another_process_is_shown(user, other_process):
    assert selectors.user_by_id(user.pk).first_name == user.first_name
    other_process("UPDATE accounts_user SET first_name = 'Renamed' WHERE id = %s", [user.pk])

    assert selectors.user_by_id(user.pk).first_name == "Renamed"


def test_an_api_key_used_again_costs_no_query(api_client, user):
    _api_key, raw_key = services.api_key_create(user=user, name="script")
    assert api_client.get(ME, **api_key_header(raw_key)).status_code == 200
    # Its first use wrote `last_used_at`; once that is heard, the next use reads it anew.
    assert row_memory.sync(NOTICE_SECONDS)
    assert api_client.get(ME, **api_key_header(raw_key)).status_code == 200

    with CaptureQueriesContext(connection) as context:
        assert api_client.get(ME, **api_key_header(raw_key)).status_code == 200

    assert _queries_on("accounts_apikey", context) == []
    assert _queries_on("accounts_user", context) == []


def test_an_api_key_revoked_by_another_process_is_refused(api_client, user, other_process):
    api_key, raw_key = services.api_key_create(user=user, name="script")
    assert api_client.get(ME, **api_key_header(raw_key)).status_code == 200

    other_process("UPDATE accounts_apikey SET revoked_at = now() WHERE id = %s", [api_key.pk])

    response = api_client.get(ME, **api_key_header(raw_key))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_an_api_key_revoked_here_is_refused_at_once(api_client, user):
    api_key, raw_key = services.api_key_create(user=user, name="script")
    assert api_client.get(ME, **api_key_header(raw_key)).status_code == 200

    services.api_key_revoke(api_key=api_key)

    assert api_client.get(ME, **api_key_header(raw_key)).status_code == 401


def test_an_api_key_owner_deactivated_by_another_process_is_refused(api_client, user, other_process):
    _api_key, raw_key = services.api_key_create(user=user, name="script")
    assert api_client.get(ME, **api_key_header(raw_key)).status_code == 200

    other_process("UPDATE accounts_user SET is_active = false WHERE id = %s", [user.pk])

    assert api_client.get(ME, **api_key_header(raw_key)).status_code == 401


def test_a_truncated_table_is_forgotten_whole(client, user, other_process):
    _sign_in(client, user)
    assert client.get("/dashboard/").status_code == 200

    other_process("TRUNCATE django_session")

    assert client.get("/dashboard/").status_code == 302


def test_a_read_that_raced_a_change_is_not_kept(user, other_process):
    since = row_memory.generation()
    stale = selectors.user_by_id(user.pk)  # read before the change below...
    selectors._users.forget(user.pk)
    other_process("UPDATE accounts_user SET first_name = 'Changed' WHERE id = %s", [user.pk])

    selectors._users.remember(user.pk, ("stale row",), since=since)  # ...kept after it

    assert stale is not None
    assert selectors._users.get(user.pk) is None
    assert selectors.user_by_id(user.pk).first_name == "Changed"


def test_a_lost_listener_connection_stops_the_memory_until_it_listens_again(user):
    assert selectors.user_by_id(user.pk) is not None
    assert selectors._users.get(user.pk) is not None
    went = row_memory.generation()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            [row_memory.APPLICATION_NAME],
        )
        assert cursor.fetchone() == (True,)
    assert row_memory.wait_for_generation(went, NOTICE_SECONDS)  # it noticed, and forgot

    assert selectors._users.get(user.pk) is None
    # Whatever changed while nobody listened went unannounced: it starts again from nothing.
    assert row_memory.wait_until_live(NOTICE_SECONDS)
    assert len(selectors._users) == 0
    with CaptureQueriesContext(connection) as context:
        assert selectors.user_by_id(user.pk) is not None
    assert len(_queries_on("accounts_user", context)) == 1


def test_nothing_is_remembered_with_the_setting_off(settings, user):
    row_memory.stop_listening()
    settings.ROW_MEMORY = False

    assert selectors.user_by_id(user.pk) is not None

    assert not row_memory.is_live()
    assert len(selectors._users) == 0
    with CaptureQueriesContext(connection) as context:
        selectors.user_by_id(user.pk)
    assert len(_queries_on("accounts_user", context)) == 1


def test_a_session_past_its_remembered_expiry_is_read_again(client, user):
    _sign_in(client, user)
    assert client.get("/dashboard/").status_code == 200
    key = client.cookies["sessionid"].value
    memory = row_memory._memories["session"]
    valid_until, (data, expire_date) = memory._rows[key]
    memory._rows[key] = (valid_until, (data, expire_date.replace(year=2000)))  # its expiry passed

    with CaptureQueriesContext(connection) as context:
        assert client.get("/dashboard/").status_code == 200  # the database says it is still valid

    assert len(_queries_on("django_session", context)) == 1


def test_a_row_read_inside_a_transaction_is_not_kept(user):
    """It may be the transaction's own uncommitted change, and a rollback announces nothing."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(first_name="Never committed")
        assert selectors.user_by_id(user.pk).first_name == "Never committed"
        transaction.set_rollback(True)

    assert selectors._users.get(user.pk) is None
    assert selectors.user_by_id(user.pk).first_name == user.first_name


def _aget_user(request):
    """`await request.auser()` as an async view does it, on an event loop of its own."""

    async def signed_in_user():
        try:
            return await aget_user(request)
        finally:
            # A read that went to the database did so on asgiref's thread: close its connection,
            # which would otherwise keep the test database from being dropped.
            await real_sync_to_async(connections.close_all)()

    return run_in_own_thread(signed_in_user())


def test_an_async_view_reads_a_remembered_session_and_user_on_the_event_loop(client, user, monkeypatch):
    """A chat stream (`await request.auser()`): no thread hop, no query, when both are remembered."""
    _sign_in(client, user)
    assert client.get("/dashboard/").status_code == 200  # remembers both
    key = client.cookies["sessionid"].value

    def no_database(*args, **kwargs):
        raise AssertionError("went to the database")

    monkeypatch.setattr(sessions, "sync_to_async", no_database)
    monkeypatch.setattr(backends, "sync_to_async", no_database)
    request = RequestFactory().get("/")
    request.session = sessions.SessionStore(key)

    found = _aget_user(request)

    assert found.pk == user.pk


def test_an_async_view_reads_and_then_remembers_what_it_did_not_have(client, user):
    _sign_in(client, user)
    key = client.cookies["sessionid"].value
    request = RequestFactory().get("/")
    request.session = sessions.SessionStore(key)

    found = _aget_user(request)

    assert found.pk == user.pk
    assert row_memory._memories["session"].get(key) is not None
    assert selectors.user_remembered(user.pk).pk == user.pk


def test_an_async_view_does_not_sign_in_a_remembered_user_since_deactivated_here(client, user):
    _sign_in(client, user)
    assert client.get("/dashboard/").status_code == 200
    key = client.cookies["sessionid"].value
    user.is_active = False
    user.save()  # forgotten here at once; the database's notice tells the other processes
    request = RequestFactory().get("/")
    request.session = sessions.SessionStore(key)

    assert not _aget_user(request).is_authenticated
