"""The taking, review and result pages cost the same number of queries for 10 or 60 questions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.assessments.factories import import_page_instrument, score_now, self_session, valid_answers_for

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


@pytest.fixture
def small_and_large(user):
    small = import_page_instrument(slug="page-small", extra=4)  # 10 questions
    large = import_page_instrument(slug="page-large", extra=54)  # 60 questions
    assert small.items.count() == 10 and large.items.count() == 60
    return small, large


def test_the_take_page_costs_the_same_for_10_and_60_questions(user_client, user, small_and_large):
    small, large = small_and_large
    sessions = [self_session(user, version, valid_answers_for(version)) for version in small_and_large]

    # Page 3 holds 4 of the small instrument's questions and 9 of the large one's.
    counts = [_queries(user_client, f"/assessments/{session.pk}/q/3/") for session in sessions]

    assert counts[0] == counts[1], counts


def test_the_review_page_costs_the_same_for_10_and_60_questions(user_client, user, small_and_large):
    sessions = [self_session(user, version, valid_answers_for(version)) for version in small_and_large]

    counts = [_queries(user_client, f"/assessments/{session.pk}/review/") for session in sessions]

    assert counts[0] == counts[1], counts


def test_the_results_page_costs_the_same_for_10_and_60_questions(user_client, user, small_and_large):
    sessions = []
    for version in small_and_large:
        session = self_session(user, version, valid_answers_for(version))
        score_now(session)
        sessions.append(session)

    counts = [_queries(user_client, f"/assessments/{session.pk}/results/") for session in sessions]

    assert counts[0] == counts[1], counts


def test_autosave_costs_the_same_for_10_and_60_questions(user_client, user, small_and_large, htmx):
    sessions = [self_session(user, version) for version in small_and_large]

    counts = []
    for session in sessions:
        with CaptureQueriesContext(connection) as context:
            user_client.post(
                f"/assessments/{session.pk}/autosave/",
                {"item": "tidy", "a-tidy": "5", "shown": "tidy,hobbies,notes"},
                **htmx,
            )
        counts.append(len(context.captured_queries))

    assert counts[0] == counts[1], counts


def test_the_dashboard_costs_the_same_for_one_or_many_sessions(user_client, user, small_and_large):
    small, large = small_and_large
    self_session(user, small, {"tidy": 3})
    one = _queries(user_client, "/dashboard/")
    for _ in range(4):
        self_session(user, large, {"tidy": 3})

    assert _queries(user_client, "/dashboard/") == one


@pytest.mark.parametrize("answer", ["5", ""], ids=["saved", "invalid (required, emptied)"])
def test_an_autosave_shows_the_answers_its_save_read_back(user_client, user, small_and_large, htmx, answer):
    from assessments.models import Response

    session = self_session(user, small_and_large[0], {"tidy": 3, "hosts": True})
    table = Response._meta.db_table

    with CaptureQueriesContext(connection) as context:
        response = user_client.post(
            f"/assessments/{session.pk}/autosave/",
            {"item": "tidy", "a-tidy": answer, "shown": "tidy,hobbies,notes"},
            **htmx,
        )

    assert response.status_code == 200
    statements = [query["sql"] for query in context.captured_queries]
    writes = [n for n, sql in enumerate(statements) if "INSERT INTO" in sql and table in sql]
    if answer:
        # The statement that saves returns the answers: nothing reads them after it.
        [write] = writes
        assert not any(table in sql for sql in statements[write + 1 :]), statements[write + 1 :]
        assert "<strong>2 of" in response.content.decode()
        assert session.responses.get(item__key="tidy").value_number == 5
    else:
        assert writes == []
        assert "<strong>1 of" in response.content.decode()  # the emptied answer was removed
