"""Exports and scores cost a constant number of queries, however many sessions or items."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services
from tests.assessments.factories import (
    VALID_ANSWERS,
    import_api_instrument,
    self_session,
    survey_response,
    valid_answers_for,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
        b"".join(response.streaming_content)  # the export runs while it streams
    return len(queries)


def test_the_questionnaire_export_does_not_query_per_session(api_client):
    version = import_api_instrument()
    api_client.force_login(UserFactory(is_staff=True))
    url = "/api/v1/questionnaires/api-check/export.csv"
    survey = services.survey_create(owner=UserFactory(), version=version)
    survey_response(survey, VALID_ANSWERS, responder="r0")
    self_session(UserFactory(), version, VALID_ANSWERS)

    few = queries_for(api_client, url)
    for number in range(1, 16):
        survey_response(survey, VALID_ANSWERS, responder=f"r{number}", score=number % 2 == 0)
    many = queries_for(api_client, url)

    assert few == many
    assert many <= 20


def test_the_survey_export_does_not_query_per_session(api_client, user):
    survey = services.survey_create(owner=user, version=import_api_instrument())
    for responder in ("r0", "r00", "r000"):
        survey_response(survey, VALID_ANSWERS, responder=responder)
    api_client.force_login(user)
    url = f"/api/v1/surveys/{survey.pk}/export.csv"

    few = queries_for(api_client, url)
    for number in range(1, 11):
        survey_response(survey, VALID_ANSWERS, responder=f"r{number}")
    many = queries_for(api_client, url)

    assert few == many


def test_the_session_export_does_not_query_per_item(api_client):
    def count_for(items: int) -> int:
        user = UserFactory()
        version = import_api_instrument(slug=f"size-{items}", items=items)
        session = self_session(user, version, valid_answers_for(version))
        services.session_submit(session=session)
        api_client.force_login(user)
        return queries_for(api_client, f"/api/v1/sessions/{session.pk}/export.csv")

    assert count_for(0) == count_for(40)
