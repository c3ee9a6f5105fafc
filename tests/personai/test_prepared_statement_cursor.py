"""`prepared_statement_cursor`: PostgreSQL plans a hot statement once per connection."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.backends.postgresql.base import Cursor as ClientBindingCursor
from django.test.utils import CaptureQueriesContext

from assessments import selectors
from personai.db import prepared_statement_cursor
from questionnaires import plan as version_plans
from tests.assessments.factories import import_page_instrument, self_session

pytestmark = pytest.mark.django_db

STATEMENT = "SELECT %s::int + 1 AS prepared_statement_probe"


def _prepared(fragment: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{fragment}%"]
        )
        return [row[0] for row in cursor.fetchall()]


def test_the_statement_is_prepared_once_and_reused():
    for value in (1, 2, 3):
        with prepared_statement_cursor() as cursor:
            cursor.execute(STATEMENT, [value])
            assert cursor.fetchone() == (value + 1,)

    # One server-side statement, with a parameter in place of the values.
    assert len(_prepared("prepared_statement_probe")) == 1
    assert "$1" in _prepared("prepared_statement_probe")[0]


def test_other_cursors_stay_as_django_makes_them():
    with prepared_statement_cursor() as cursor:
        cursor.execute(STATEMENT, [1])

    assert connection.connection.cursor_factory is ClientBindingCursor
    assert connection.connection.prepare_threshold is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::int AS not_prepared_probe", [5])
    assert _prepared("not_prepared_probe") == []


def test_the_settings_come_back_after_a_failed_statement():
    with pytest.raises(Exception), prepared_statement_cursor() as cursor:  # noqa: B017, PT011
        cursor.execute("SELECT * FROM no_such_table_anywhere")

    assert connection.connection.cursor_factory is ClientBindingCursor
    assert connection.connection.prepare_threshold is None


def test_query_logs_still_see_its_statements():
    with CaptureQueriesContext(connection) as context, prepared_statement_cursor() as cursor:
        cursor.execute(STATEMENT, [1])
        cursor.execute(STATEMENT, [2])  # the second run reuses the prepared statement

    expected = STATEMENT.replace("%s", "$1")
    assert [query["sql"] for query in context.captured_queries] == [expected, expected]


def test_the_take_pages_session_statement_is_prepared(user):
    version_plans.clear()
    session = self_session(user, import_page_instrument())
    selectors.session_plan(selectors.session_for_user(user, session.pk))  # the plan, as a page builds it

    for _ in range(2):
        read, _answers = selectors.session_and_answers_for_user(user, session.pk)
        assert read.pk == session.pk
    with pytest.raises(type(session).DoesNotExist):
        selectors.session_and_answers_for_user(user, uuid.uuid4())

    assert len(_prepared("answers ON true")) == 1


def test_the_setting_turns_preparing_off(settings):
    settings.DB_PREPARED_STATEMENTS = False

    with prepared_statement_cursor() as cursor:
        cursor.execute("SELECT %s::int + 1 AS unprepared_probe", [1])
        assert cursor.fetchone() == (2,)

    assert _prepared("unprepared_probe") == []
