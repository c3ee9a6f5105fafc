"""GET /api/v1/surveys/{id}/results/: others' means only past the privacy threshold, beside my own."""

import pytest

from assessments import services
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, scored_session, survey_response

pytestmark = pytest.mark.django_db

LOW = {"q1": False, "q2": "1", "q3": "5", "q4": [], "q7": 0}


def results(client, survey):
    return client.get(f"/api/v1/surveys/{survey.pk}/results/")


def test_others_are_hidden_below_the_threshold_but_my_own_scores_show(api_client, user):
    version = import_api_instrument()
    scored_session(user, version, VALID_ANSWERS)
    survey = services.survey_create(owner=user, version=version, min_responses_to_show=3)
    survey_response(survey, LOW, responder="r1")
    survey_response(survey, LOW, responder="r2")
    api_client.force_login(user)

    response = results(api_client, survey)

    assert response.status_code == 200
    body = response.json()
    assert body["responses"] == 2
    assert body["threshold"] == 3
    assert body["shown"] is False
    by_slug = {row["dimension"]: row for row in body["dimensions"]}
    assert set(by_slug) == {"extraversion", "sociability", "calm"}
    assert all(row["others"] is None for row in body["dimensions"])
    assert by_slug["extraversion"]["self"]["raw"] == 8
    assert by_slug["sociability"]["parent"] == "extraversion"


def test_others_means_show_once_enough_people_responded(api_client, user):
    version = import_api_instrument()
    survey = services.survey_create(owner=user, version=version, min_responses_to_show=3)
    survey_response(survey, LOW, responder="r1")
    survey_response(survey, VALID_ANSWERS, responder="r2")
    survey_response(survey, VALID_ANSWERS, responder="r3")
    api_client.force_login(user)

    body = results(api_client, survey).json()

    assert body["shown"] is True
    by_slug = {row["dimension"]: row for row in body["dimensions"]}
    assert by_slug["extraversion"]["others"]["n"] == 3
    assert by_slug["extraversion"]["others"]["mean_raw"] == pytest.approx((1 + 8 + 8) / 3)
    assert by_slug["extraversion"]["self"] is None
