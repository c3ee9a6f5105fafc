"""Surveys about me, the owner's side: create, share, close and reopen, and the aggregate."""

import datetime as dt

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import Survey
from tests.assessments.factories import PAGE_ANSWERS, score_now, self_session, survey_response

pytestmark = pytest.mark.django_db


def test_the_survey_form_lists_published_questionnaires(user_client, page_version):
    html = user_client.get("/surveys/new/").content.decode()

    assert f'<option value="{page_version.pk}"' in html
    assert "Page check" in html
    assert 'name="min_responses_to_show" value="3"' in html


def test_creating_a_survey_leads_to_its_page(user_client, user, page_version):
    closes = timezone.localdate() + dt.timedelta(days=7)

    response = user_client.post(
        "/surveys/new/",
        {
            "version": page_version.pk,
            "title": "Feedback after the spring project",
            "closes_on": closes.isoformat(),
            "max_responses": "20",
            "min_responses_to_show": "4",
        },
    )

    survey = Survey.objects.get()
    assert response["Location"] == f"/surveys/{survey.pk}/"
    assert survey.owner == user
    assert survey.subject.user == user
    assert survey.title == "Feedback after the spring project"
    assert timezone.localtime(survey.closes_at).date() == closes
    assert survey.max_responses == 20
    assert survey.min_responses_to_show == 4


def test_the_privacy_threshold_cannot_go_below_three(user_client, page_version):
    response = user_client.post("/surveys/new/", {"version": page_version.pk, "min_responses_to_show": "1"})

    assert response.status_code == 200
    assert "greater than or equal to 3" in response.content.decode()
    assert not Survey.objects.exists()


def test_a_closing_date_in_the_past_is_refused(user_client, page_version):
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    response = user_client.post(
        "/surveys/new/",
        {"version": page_version.pk, "closes_on": yesterday.isoformat(), "min_responses_to_show": "3"},
    )

    assert "Choose today or a later day." in response.content.decode()
    assert not Survey.objects.exists()


def test_the_survey_page_shows_an_absolute_share_link_with_a_copy_button(user_client, user, page_version):
    survey = services.survey_create(owner=user, version=page_version)

    html = user_client.get(f"/surveys/{survey.pk}/").content.decode()

    assert '<div class="copy-row">' in html
    assert f'<code id="share-link">http://testserver/s/{survey.share_token}/</code>' in html
    assert 'data-copy="#share-link"' in html


def test_below_the_threshold_the_survey_page_shows_no_results(user_client, user, page_version):
    survey = services.survey_create(owner=user, version=page_version)
    for responder in ("r1", "r2"):
        survey_response(survey, PAGE_ANSWERS, responder=responder)

    html = user_client.get(f"/surveys/{survey.pk}/").content.decode()

    assert "Results appear once 3 people have answered (2 so far)." in html
    assert '<svg class="chart-svg"' not in html
    assert "<strong>2</strong>" in html  # the response count


def test_at_the_threshold_others_are_shown_beside_the_self_assessment(user_client, user, page_version):
    survey = services.survey_create(owner=user, version=page_version)
    for responder in ("r1", "r2", "r3"):
        survey_response(survey, {**PAGE_ANSWERS, "tidy": 2}, responder=responder)
    score_now(self_session(user, page_version, PAGE_ANSWERS))

    html = user_client.get(f"/surveys/{survey.pk}/").content.decode()

    assert "Others (n=3)" in html
    assert html.count('<svg class="chart-svg"') == 2
    assert 'class="chart-bar chart-bar-self"' in html
    assert 'class="chart-bar chart-bar-others"' in html
    assert "Take Page check yourself" not in html
    assert '<th scope="col">Others (n=3)</th>' in html  # the table alternative


def test_without_a_self_assessment_the_page_invites_to_take_it(user_client, user, page_version):
    survey = services.survey_create(owner=user, version=page_version)
    for responder in ("r1", "r2", "r3"):
        survey_response(survey, PAGE_ANSWERS, responder=responder)

    html = user_client.get(f"/surveys/{survey.pk}/").content.decode()

    assert 'href="/questionnaires/page-check/"' in html
    assert "yourself to see your own view beside theirs" in html


def test_closing_and_reopening_a_survey(user_client, user, page_version):
    survey = services.survey_create(owner=user, version=page_version)

    closed = user_client.post(f"/surveys/{survey.pk}/status/", {"action": "close"})
    survey.refresh_from_db()
    assert closed["Location"] == f"/surveys/{survey.pk}/"
    assert not survey.is_active
    assert "Reopen survey" in user_client.get(f"/surveys/{survey.pk}/").content.decode()

    user_client.post(f"/surveys/{survey.pk}/status/", {"action": "reopen"})
    survey.refresh_from_db()
    assert survey.is_active


def test_the_survey_list_shows_counts_and_status(user_client, user, page_version):
    survey = services.survey_create(owner=user, version=page_version, title="Team view")
    survey_response(survey, PAGE_ANSWERS, responder="r1")

    html = user_client.get("/surveys/").content.decode()

    assert "Team view" in html
    assert '<td class="num">1</td>' in html
    assert "Open" in html
