"""Every autosave writes each index of the answers table (and of the event log): none twice."""

import pytest
from django.db import connection

from assessments.models import QuestionnaireEventLog, Response

pytestmark = pytest.mark.django_db


def _indexed_columns(model) -> list[tuple[str, ...]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return sorted(tuple(c["columns"]) for c in constraints.values() if c["index"] or c["unique"])


def test_the_answers_table_indexes_each_column_list_once():
    columns = _indexed_columns(Response)

    assert len(columns) == len(set(columns)), columns
    # Lookups by session use the unique (session, item) index: no index on session alone.
    assert ("session_id",) not in columns
    assert ("session_id", "item_id") in columns


def test_the_event_log_has_no_index_on_the_session_alone():
    columns = _indexed_columns(QuestionnaireEventLog)

    assert ("session_id",) not in columns
    assert ("session_id", "created_at") in columns
