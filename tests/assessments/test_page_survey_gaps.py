"""The self-vs-others view points out the biggest gaps, with the questions others answered most
differently: averages only, never for a question fewer than min-n people answered."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services
from tests.assessments.factories import PAGE_ANSWERS, score_now, self_session, survey_response

pytestmark = pytest.mark.django_db

TIDY = "How tidy is your desk?"
HOST_SIZE = "How many guests, usually?"


def _without(answers: dict, *keys: str) -> dict:
    return {key: value for key, value in answers.items() if key not in keys}


@pytest.fixture
def survey(user, page_version):
    """Three friends find the person untidy (2 of 10, the person says 7); two of them say the
    person hosts no guests (the person says 6), the third says the person never hosts."""
    survey = services.survey_create(owner=user, version=page_version)
    score_now(self_session(user, page_version, PAGE_ANSWERS))
    survey_response(survey, {**PAGE_ANSWERS, "tidy": 2, "host-size": 0}, responder="r1")
    survey_response(survey, {**PAGE_ANSWERS, "tidy": 2, "host-size": 0}, responder="r2")
    survey_response(
        survey, {**_without(PAGE_ANSWERS, "host-size"), "tidy": 2, "hosts": False}, responder="r3"
    )
    return survey


def test_the_biggest_gap_is_put_in_words(user_client, survey):
    html = user_client.get(f"/surveys/{survey.pk}/").content.decode()

    assert "Where others see you differently" in html
    assert "Others see you as lower in Orderliness than you do (" in html


def test_the_questions_others_answered_most_differently_are_listed_as_averages(user_client, survey):
    html = user_client.get(f"/surveys/{survey.pk}/").content.decode()

    table = html[html.index("Questions where others answered most differently") :]
    assert TIDY in table
    assert '<td data-label="You">7 on 0–10</td>' in table
    assert '<td data-label="Others (average)">2 on 0–10</td>' in table
    assert '<td class="num" data-label="n">3</td>' in table
    assert "Others answered lower" in table


def test_a_question_fewer_than_min_n_people_answered_is_left_out(user_client, survey):
    html = user_client.get(f"/surveys/{survey.pk}/").content.decode()

    # Only two responders saw "How many guests" (the third said they never host): no mean of two.
    assert HOST_SIZE not in html[html.index("Where others see you differently") :]


def test_below_min_n_there_are_no_gaps_at_all(user_client, user, page_version):
    survey = services.survey_create(owner=user, version=page_version)
    score_now(self_session(user, page_version, PAGE_ANSWERS))
    for responder in ("r1", "r2"):
        survey_response(survey, {**PAGE_ANSWERS, "tidy": 0}, responder=responder)

    html = user_client.get(f"/surveys/{survey.pk}/").content.decode()

    assert "Where others see you differently" not in html
    assert TIDY not in html


def test_without_a_self_assessment_there_is_nothing_to_compare(user_client, user, page_version):
    survey = services.survey_create(owner=user, version=page_version)
    for responder in ("r1", "r2", "r3"):
        survey_response(survey, {**PAGE_ANSWERS, "tidy": 0}, responder=responder)

    html = user_client.get(f"/surveys/{survey.pk}/").content.decode()

    assert "Where others see you differently" not in html


def test_another_user_cannot_see_the_gaps(client, other_user, survey):
    client.force_login(other_user)

    assert client.get(f"/surveys/{survey.pk}/").status_code == 404


def _queries(client, url: str) -> int:
    connection.queries_log.clear()  # a full log (9000 entries) would shift the captured slice
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_survey_page_costs_the_same_for_three_or_six_responders(user_client, survey):
    url = f"/surveys/{survey.pk}/"
    three = _queries(user_client, url)
    for responder in ("r4", "r5", "r6"):
        survey_response(survey, {**PAGE_ANSWERS, "tidy": 1}, responder=responder)

    assert _queries(user_client, url) == three
