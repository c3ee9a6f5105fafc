"""Real Chromium: a questionnaire started in German has German chrome around German items."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from assessments.models import AssessmentSession
from tests.assessments.test_browser_take import DESKTOP, MOBILE, log_in, question

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_german_session_has_german_buttons_headings_and_menu(
    page: Page, live_server, allow_db_in_browser_tests, page_version, user
):
    log_in(page, live_server, user)
    page.set_viewport_size(DESKTOP)

    page.goto(f"{live_server.url}/questionnaires/page-check/?lang=de")
    expect(page.get_by_role("heading", name="Bevor Sie beginnen")).to_be_visible()
    page.get_by_role("button", name="Beginnen").click()

    expect(page.get_by_role("heading", name="Über Sie")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "de"
    question(page, "likes-people").get_by_role("radio", name="Trifft voll zu").check()
    expect(page.locator("#save-status")).to_have_text("Gespeichert")
    expect(page.get_by_text("1 von 4 beantwortet")).to_be_visible()
    expect(page.get_by_role("button", name="Später fortsetzen")).to_be_visible()
    expect(page.get_by_role("link", name="Fragebögen", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Save and continue")).to_have_count(0)

    page.set_viewport_size(MOBILE)
    expect(page.get_by_role("button", name="Menü")).to_be_visible()
    page.set_viewport_size(DESKTOP)

    page.get_by_role("button", name="Speichern und weiter").click()  # "hosts" left unanswered
    expect(page.get_by_text("Eine Pflichtfrage auf der vorigen Seite ist unbeantwortet")).to_be_visible()
    session = AssessmentSession.objects.get(subject__user=user)
    assert session.locale == "de"
    page.goto(f"{live_server.url}/assessments/{session.pk}/review/")
    expect(page.get_by_role("heading", name="Antworten überprüfen", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Antworten abschicken")).to_be_visible()
