"""Real Chromium: a second person on the same network and browser answers (flagged, not refused);
a personal invitation link works once, then says so; a revoked link is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from assessments import services
from assessments.models import AssessmentSession
from tests.assessments.factories import import_page_instrument
from tests.assessments.test_browser_take import DESKTOP, log_in, question, shot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAME_BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 SharedFamilyLaptop"


def answer_everything(page: Page, link: str) -> None:
    page.goto(link)
    page.get_by_role("button", name="Start").click()
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


def fresh_page(browser: Browser) -> Page:
    """Another person's browser: the same User-Agent and address, an empty cookie jar."""
    context = browser.new_context(user_agent=SAME_BROWSER, viewport=DESKTOP)
    return context.new_page()


def test_a_second_person_on_the_same_network_and_browser_can_answer(
    browser: Browser, live_server, allow_db_in_browser_tests
):
    owner = UserFactory(username="sam")
    survey = services.survey_create(owner=owner, version=import_page_instrument(), title="Sam at home")
    link = f"{live_server.url}/s/{survey.share_token}/"

    first = fresh_page(browser)
    answer_everything(first, link)
    second = fresh_page(browser)
    answer_everything(second, link)  # not "You have already answered"

    sessions = list(AssessmentSession.objects.filter(survey=survey).order_by("submitted_at"))
    assert [session.status for session in sessions] == ["submitted", "submitted"]
    assert sessions[0].responder_fingerprint == sessions[1].responder_fingerprint
    assert [session.likely_duplicate for session in sessions] == [False, True]

    # The first person's own browser is still recognised by its cookie.
    first.goto(link)
    expect(first.get_by_role("heading", name="You have already answered this survey")).to_be_visible()

    owner_page = fresh_page(browser)
    log_in(owner_page, live_server, owner)
    owner_page.goto(f"{live_server.url}/surveys/{survey.pk}/")
    expect(owner_page.locator("#likely-duplicates")).to_contain_text("1 — same network and browser")
    owner_page.get_by_label("Leave likely duplicates out of the results").check()
    owner_page.get_by_role("button", name="Save settings").click()
    expect(owner_page.locator("#likely-duplicates")).to_contain_text("left out of the results")
    shot(owner_page, "survey-owner-duplicates")


def test_an_invitation_link_works_once_and_a_revoked_one_is_refused(
    page: Page, browser: Browser, live_server, allow_db_in_browser_tests
):
    owner = UserFactory(username="sam")
    survey = services.survey_create(owner=owner, version=import_page_instrument(), title="Sam's team")
    log_in(page, live_server, owner)
    page.set_viewport_size(DESKTOP)

    # The owner makes the survey invitation only and creates two personal links.
    page.goto(f"{live_server.url}/surveys/{survey.pk}/")
    page.get_by_label("Invitation only").check()
    page.get_by_role("button", name="Save settings").click()
    page.get_by_role("link", name="Personal invitation links").click()
    page.get_by_label("Number of links").fill("2")
    page.get_by_role("button", name="Create links").click()
    expect(page.get_by_role("heading", name="Your links (2)")).to_be_visible()
    used_link, revoked_link = page.locator("td code").all_inner_texts()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke link 2").click()
    expect(page.locator("tbody tr").nth(1)).to_contain_text("Revoked")
    shot(page, "survey-invitations")

    # The general share link takes no answers now.
    stranger = fresh_page(browser)
    stranger.goto(f"{live_server.url}/s/{survey.share_token}/")
    expect(stranger.get_by_role("heading", name="This survey is by invitation only")).to_be_visible()

    # The personal link works once...
    invited = fresh_page(browser)
    invited.goto(used_link)
    expect(invited.get_by_text("This is your personal link")).to_be_visible()
    answer_everything(invited, used_link)
    session = AssessmentSession.objects.get(survey=survey)
    assert session.status == "submitted" and session.invitation is not None

    # ...then tells anyone else who opens it, clearly.
    forwarded = fresh_page(browser)
    forwarded.goto(used_link)
    expect(
        forwarded.get_by_role("heading", name="This invitation link has already been used")
    ).to_be_visible()
    assert forwarded.get_by_role("button", name="Start").count() == 0
    shot(forwarded, "survey-invitation-used")

    # A revoked link is refused.
    forwarded.goto(revoked_link)
    expect(forwarded.get_by_role("heading", name="This invitation link no longer works")).to_be_visible()
    assert AssessmentSession.objects.filter(survey=survey).count() == 1

    page.reload()
    expect(page.locator("tbody tr").first).to_contain_text("Used")
