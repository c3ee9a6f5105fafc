"""Real Chromium: a friend answering a survey about Alice reads about Alice, not about themselves."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from assessments import services
from questionnaires.importing import import_document
from questionnaires.management.commands.load_instruments import INSTRUMENTS_DIR
from tests.assessments.test_browser_take import DESKTOP, question, shot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_friend_answering_about_alice_reads_observer_wording(
    page: Page, live_server, allow_db_in_browser_tests
):
    document = json.loads((INSTRUMENTS_DIR / "ipip-50.json").read_text(encoding="utf-8"))
    version = import_document(document).version
    survey = services.survey_create(owner=UserFactory(username="Alice"), version=version)
    page.set_viewport_size(DESKTOP)

    page.goto(f"{live_server.url}/s/{survey.share_token}/")
    expect(page.get_by_role("heading", name="How do you see Alice?")).to_be_visible()
    expect(page.get_by_text("choose how accurately it describes Alice")).to_be_visible()
    page.get_by_role("button", name="Start").click()

    expect(page.get_by_role("heading", name="About Alice")).to_be_visible()
    first = question(page, "q1")
    expect(first).to_contain_text("Is the life of the party.")
    expect(question(page, "q6")).to_contain_text("Doesn't talk a lot.")
    expect(page.get_by_text("Am the life of the party.")).to_have_count(0)
    expect(page.get_by_role("heading", name="About you")).to_have_count(0)
    shot(page, "survey-observer")
    first.get_by_role("radio", name="Very Accurate", exact=True).check()
    expect(page.locator("#save-status")).to_have_text("Saved")

    page.goto(f"{live_server.url}/s/{survey.share_token}/review/")
    expect(page.get_by_text("Is the life of the party.")).to_be_visible()
    expect(page.get_by_text("Am the life of the party.")).to_have_count(0)


def test_a_german_friend_reads_the_german_observer_wording(
    page: Page, live_server, allow_db_in_browser_tests
):
    document = json.loads((INSTRUMENTS_DIR / "ipip-50.json").read_text(encoding="utf-8"))
    version = import_document(document).version
    survey = services.survey_create(owner=UserFactory(username="Alice"), version=version)
    page.set_viewport_size(DESKTOP)

    page.goto(f"{live_server.url}/s/{survey.share_token}/?lang=de")
    page.get_by_role("button", name="Start").click()

    expect(page.get_by_role("heading", name="Über Alice")).to_be_visible()
    expect(question(page, "q1")).to_contain_text("Ist die Stimmungskanone auf Partys.")
    expect(page.get_by_text("Bin die Stimmungskanone auf Partys.")).to_have_count(0)
