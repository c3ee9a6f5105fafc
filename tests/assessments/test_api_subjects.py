"""GET /api/v1/subjects/ and /subjects/{id}/averages/ (the subject_trait_average_v view)."""

import pytest

from assessments import services
from assessments.models import SubjectProfile
from tests.assessments.factories import (
    VALID_ANSWERS,
    SubjectProfileFactory,
    import_api_instrument,
    scored_session,
    survey_response,
)

pytestmark = pytest.mark.django_db

LOW = {"q1": False, "q2": "1", "q3": "5", "q4": [], "q7": 0}


def test_it_lists_the_subjects_i_am_or_manage(api_client, user, other_user):
    me = services.subject_get_or_create_for_user(user=user)
    agent = SubjectProfile.objects.create(
        subject_type=SubjectProfile.SubjectType.AGENT, owner=user, display_name="gpt-test"
    )
    SubjectProfileFactory(user=other_user)
    api_client.force_login(user)

    body = api_client.get("/api/v1/subjects/").json()

    assert body["count"] == 2
    rows = {row["id"]: row for row in body["results"]}
    assert rows[str(me.pk)]["is_me"] is True
    assert rows[str(agent.pk)]["is_me"] is False
    assert rows[str(agent.pk)]["subject_type"] == "agent"


def test_averages_are_the_mean_of_each_sessions_latest_run(api_client, user):
    version = import_api_instrument()
    scored_session(user, version, VALID_ANSWERS)
    scored_session(user, version, LOW)
    subject = services.subject_get_or_create_for_user(user=user)
    api_client.force_login(user)

    response = api_client.get(f"/api/v1/subjects/{subject.pk}/averages/")

    assert response.status_code == 200
    body = response.json()
    assert body["subject"]["id"] == str(subject.pk)
    rows = {(row["respondent_kind"], row["dimension"]): row for row in body["averages"]}
    extraversion = rows[("self", "extraversion")]
    assert extraversion["questionnaire"] == "api-check"
    assert extraversion["version"] == 1
    assert extraversion["session_count"] == 2
    assert extraversion["mean_raw"] == pytest.approx((8 + 1) / 2)
    assert extraversion["sd_raw"] == pytest.approx(4.949747, abs=1e-5)
    assert rows[("self", "sociability")]["parent"] == "extraversion"


def test_anonymous_averages_wait_for_the_surveys_privacy_threshold(api_client, user):
    version = import_api_instrument()
    survey = services.survey_create(owner=user, version=version, min_responses_to_show=3)
    subject = survey.subject
    survey_response(survey, LOW, responder="r1")
    survey_response(survey, VALID_ANSWERS, responder="r2")
    api_client.force_login(user)

    before = api_client.get(f"/api/v1/subjects/{subject.pk}/averages/").json()["averages"]
    survey_response(survey, VALID_ANSWERS, responder="r3")
    after = api_client.get(f"/api/v1/subjects/{subject.pk}/averages/").json()["averages"]

    assert [row for row in before if row["respondent_kind"] == "anonymous"] == []
    anonymous = [row for row in after if row["respondent_kind"] == "anonymous"]
    assert {row["dimension"] for row in anonymous} == {"extraversion", "sociability", "calm"}
    assert all(row["session_count"] == 3 for row in anonymous)


def test_another_users_subject_is_a_404(api_client, user, other_user):
    theirs = services.subject_get_or_create_for_user(user=other_user)
    api_client.force_login(user)

    response = api_client.get(f"/api/v1/subjects/{theirs.pk}/averages/")

    assert response.status_code == 404
