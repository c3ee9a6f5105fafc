"""The dashboard's assessment and survey cards."""

import pytest

from assessments import services
from tests.assessments.factories import PAGE_ANSWERS, score_now, self_session, survey_response

pytestmark = pytest.mark.django_db


def test_an_assessment_in_progress_can_be_continued_with_its_progress(user_client, user, page_version):
    session = self_session(user, page_version, {"likes-people": "3", "hosts": False, "tidy": 1})

    html = user_client.get("/dashboard/").content.decode()

    assert "Page check" in html
    assert "3 of 4 questions answered" in html  # the follow-up to "hosts" is hidden, notes optional
    assert f'href="/assessments/{session.pk}/"' in html
    assert "Continue" in html
    assert 'class="progress-bar pct-75"' in html


def test_a_scored_assessment_links_to_its_results(user_client, user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    score_now(session)

    html = user_client.get("/dashboard/").content.decode()

    assert f'href="/assessments/{session.pk}/results/"' in html
    assert "View results" in html


def test_surveys_show_their_response_counts_and_status(user_client, user, page_version):
    survey = services.survey_create(owner=user, version=page_version, title="Team view")
    survey_response(survey, PAGE_ANSWERS, responder="r1")
    survey_response(survey, PAGE_ANSWERS, responder="r2")

    html = user_client.get("/dashboard/").content.decode()

    assert "Team view" in html
    assert "2 responses" in html
    assert f'href="/surveys/{survey.pk}/"' in html
    assert "Open" in html


def test_quick_links_and_empty_states(user_client):
    html = user_client.get("/dashboard/").content.decode()

    assert "No assessments yet" in html and "No surveys yet" in html
    assert 'href="/questionnaires/">Take a questionnaire' in html
    assert 'href="/surveys/new/">Create a survey' in html
    assert 'Coming soon</span>\n    </div>\n    <h2 id="assessments-title">' not in html


def test_other_peoples_assessments_are_not_listed(user_client, other_user, page_version):
    self_session(other_user, page_version)

    assert "No assessments yet" in user_client.get("/dashboard/").content.decode()


def test_the_header_links_to_the_catalogue_and_surveys(user_client):
    html = user_client.get("/dashboard/").content.decode()

    assert '<a href="/questionnaires/">Questionnaires</a>' in html
    assert '<a href="/surveys/">Surveys</a>' in html


def test_sessions_of_agents_the_user_manages_are_not_their_assessments(user_client, user, page_version):
    from assessments.models import AssessmentSession, SubjectProfile

    agent = SubjectProfile.objects.create(
        subject_type=SubjectProfile.SubjectType.AGENT, owner=user, display_name="Helper bot"
    )
    services.session_start(
        subject=agent, version=page_version, respondent_kind=AssessmentSession.RespondentKind.AGENT
    )

    assert "No assessments yet" in user_client.get("/dashboard/").content.decode()
    assert "In progress" not in user_client.get("/questionnaires/").content.decode()
