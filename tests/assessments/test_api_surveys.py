"""Surveys about me over the API: create, list, detail, close and reopen."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import Survey
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, survey_response

pytestmark = pytest.mark.django_db

URL = "/api/v1/surveys/"


def test_it_creates_a_survey_with_an_absolute_share_url(api_client, user):
    import_api_instrument()
    api_client.force_login(user)
    closes_at = timezone.now() + timedelta(days=7)

    response = api_client.post(
        URL,
        {
            "questionnaire": "api-check",
            "title": "How do I come across?",
            "closes_at": closes_at.isoformat(),
            "max_responses": 20,
            "min_responses_to_show": 4,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    survey = Survey.objects.get()
    data = response.json()
    assert data["id"] == str(survey.pk)
    assert survey.owner == user
    assert survey.subject.user == user
    assert data["share_url"] == f"http://testserver/s/{survey.share_token}/"
    assert data["title"] == "How do I come across?"
    assert data["questionnaire"] == {"slug": "api-check", "version": 1, "title": "API check"}
    assert data["response_count"] == 0
    assert data["is_active"] is True
    assert data["is_open"] is True
    assert data["max_responses"] == 20
    assert data["min_responses_to_show"] == 4


def test_defaults_fill_in_what_was_left_out(api_client, user):
    import_api_instrument()
    api_client.force_login(user)

    data = api_client.post(URL, {"questionnaire": "api-check"}, format="json").json()

    assert data["title"] == ""
    assert data["closes_at"] is None
    assert data["max_responses"] is None
    assert data["min_responses_to_show"] == 3


def test_a_closing_date_in_the_past_is_a_400(api_client, user):
    import_api_instrument()
    api_client.force_login(user)

    response = api_client.post(
        URL,
        {"questionnaire": "api-check", "closes_at": (timezone.now() - timedelta(hours=1)).isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"closes_at": ["The closing date must be in the future."]}
    assert not Survey.objects.exists()


def test_an_unknown_questionnaire_is_a_400(api_client, user):
    api_client.force_login(user)

    response = api_client.post(URL, {"questionnaire": "nope"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"questionnaire": ['There is no published questionnaire "nope".']}


def test_it_lists_my_surveys_with_their_response_counts(api_client, user, other_user):
    version = import_api_instrument()
    mine = services.survey_create(owner=user, version=version, title="Mine")
    services.survey_create(owner=other_user, version=version, title="Theirs")
    survey_response(mine, VALID_ANSWERS, responder="r1")
    survey_response(mine, VALID_ANSWERS, responder="r2", score=False)
    api_client.force_login(user)

    body = api_client.get(URL).json()

    assert body["count"] == 1
    assert body["results"][0]["id"] == str(mine.pk)
    assert body["results"][0]["response_count"] == 2


def test_it_shows_one_survey(api_client, user):
    survey = services.survey_create(owner=user, version=import_api_instrument())
    api_client.force_login(user)

    response = api_client.get(f"{URL}{survey.pk}/")

    assert response.status_code == 200
    assert response.json()["share_url"].endswith(f"/s/{survey.share_token}/")


def test_a_full_survey_is_not_open(api_client, user):
    survey = services.survey_create(owner=user, version=import_api_instrument(), max_responses=1)
    survey_response(survey, VALID_ANSWERS, responder="r1")
    api_client.force_login(user)

    data = api_client.get(f"{URL}{survey.pk}/").json()

    assert data["is_active"] is True
    assert data["is_open"] is False


def test_closing_and_reopening(api_client, user):
    survey = services.survey_create(owner=user, version=import_api_instrument())
    api_client.force_login(user)

    closed = api_client.post(f"{URL}{survey.pk}/close/")
    survey.refresh_from_db()
    assert closed.status_code == 200
    assert closed.json()["is_active"] is False
    assert closed.json()["is_open"] is False
    assert survey.is_active is False

    reopened = api_client.post(f"{URL}{survey.pk}/reopen/")
    survey.refresh_from_db()
    assert reopened.status_code == 200
    assert reopened.json()["is_active"] is True
    assert survey.is_active is True
