"""Real Chromium: a failed autosave is shown, retried and recovered; offline, "Save and
continue" stays on the page with the answers."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from assessments import selectors
from tests.assessments.factories import self_session
from tests.assessments.test_browser_take import DESKTOP, log_in, question

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECOVERY = 20_000  # ms: the retry backoff grows to 8 s after a few failures


def test_a_server_error_on_autosave_is_shown_and_retried_until_saved(
    page: Page, live_server, allow_db_in_browser_tests, page_version, user
):
    session = self_session(user, page_version)
    log_in(page, live_server, user)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/assessments/{session.pk}/q/1/")
    failures = []

    def fail(route):
        failures.append(route.request.url)
        route.fulfill(status=500, body="Server error")

    page.route("**/autosave/", fail)
    question(page, "likes-people").get_by_role("radio", name="Accurate", exact=True).check()

    expect(page.locator("#save-status")).to_have_text("Not saved — retrying")
    expect(question(page, "likes-people").get_by_role("radio", name="Accurate", exact=True)).to_be_checked()
    assert "likes-people" not in selectors.session_answers(session)
    assert failures

    page.unroute("**/autosave/")
    expect(page.locator("#save-status")).to_have_text("Saved", timeout=RECOVERY)
    assert selectors.session_answers(session)["likes-people"].option == "4"


def test_offline_the_answer_waits_and_save_and_continue_stays_on_the_page(
    page: Page, live_server, allow_db_in_browser_tests, page_version, user
):
    session = self_session(user, page_version)
    log_in(page, live_server, user)
    page.set_viewport_size(DESKTOP)
    url = f"{live_server.url}/assessments/{session.pk}/q/1/"
    page.goto(url)

    page.context.set_offline(True)
    question(page, "likes-people").get_by_role("radio", name="Accurate", exact=True).check()
    question(page, "hosts").get_by_role("radio", name="No", exact=True).check()
    expect(page.locator("#save-status")).to_have_text("Not saved — retrying")
    page.get_by_role("button", name="Save and continue").click()

    alert = page.locator(".take-offline")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("offline")
    assert page.url == url  # no browser error page
    expect(question(page, "hosts").get_by_role("radio", name="No", exact=True)).to_be_checked()

    page.context.set_offline(False)
    expect(page.locator("#save-status")).to_have_text("Saved", timeout=RECOVERY)
    answers = selectors.session_answers(session)
    assert answers["likes-people"].option == "4"
    assert answers["hosts"].boolean is False
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(f"{live_server.url}/assessments/{session.pk}/q/2/")
