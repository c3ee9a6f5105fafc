"""Real Chromium: an anonymous responder answers a survey; a second attempt is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from assessments import services
from assessments.models import AssessmentSession
from tests.assessments.factories import (
    PAGE_ANSWERS,
    import_page_instrument,
    score_now,
    self_session,
    survey_response,
)
from tests.assessments.test_browser_take import DESKTOP, log_in, question, shot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_anonymous_responder_answers_once_per_browser(page: Page, live_server, allow_db_in_browser_tests):
    owner = UserFactory(username="sam")
    version = import_page_instrument()
    survey = services.survey_create(owner=owner, version=version, title="Sam after the spring project")
    link = f"{live_server.url}/s/{survey.share_token}/"
    page.set_viewport_size(DESKTOP)

    page.goto(link)
    expect(page.get_by_role("heading", name="How do you see sam?")).to_be_visible()
    shot(page, "survey-landing")
    page.get_by_role("button", name="Start").click()

    expect(page.get_by_role("heading", name="About you")).to_be_visible()
    question(page, "likes-people").get_by_role("radio", name="Accurate", exact=True).check()
    question(page, "hosts").get_by_role("radio", name="No", exact=True).check()
    expect(page.locator("#save-status")).to_have_text("Saved")
    page.get_by_role("button", name="Save and continue").click()
    question(page, "tidy").get_by_role("radio", name="6", exact=True).check()
    question(page, "hobbies").get_by_role("checkbox", name="Reading").check()
    expect(page.locator("#save-status")).to_have_text("Saved")
    page.get_by_role("button", name="Review answers").click()
    page.get_by_role("button", name="Submit answers").click()

    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    expect(page.get_by_text("recorded anonymously")).to_be_visible()
    assert AssessmentSession.objects.get(survey=survey).status == "submitted"

    # The same browser opens the link again: refused, kindly.
    page.goto(link)
    expect(page.get_by_role("heading", name="You have already answered this survey")).to_be_visible()
    assert page.get_by_role("button", name="Start").count() == 0
    shot(page, "survey-answered")
    assert AssessmentSession.objects.filter(survey=survey).count() == 1


def test_the_owner_sees_others_beside_their_own_view(page: Page, live_server, allow_db_in_browser_tests):
    owner = UserFactory(username="sam")
    version = import_page_instrument()
    survey = services.survey_create(owner=owner, version=version, title="Sam after the spring project")
    for number, tidy in enumerate((2, 4, 9, 5, 3)):
        survey_response(
            survey, {**PAGE_ANSWERS, "tidy": tidy, "hosts": number % 2 == 0}, responder=f"r{number}"
        )
    score_now(self_session(owner, version, PAGE_ANSWERS))
    log_in(page, live_server, owner)
    page.set_viewport_size(DESKTOP)

    page.goto(f"{live_server.url}/surveys/{survey.pk}/")

    expect(page.get_by_role("heading", name="Sam after the spring project")).to_be_visible()
    expect(page.get_by_text("Others (n=5)").first).to_be_visible()
    expect(page.locator("#share-link")).to_have_text(f"{live_server.url}/s/{survey.share_token}/")
    shot(page, "survey-owner")
    page.get_by_role("button", name="Copy link").click()
    expect(page.locator("#live-region")).to_have_text("Copied")
