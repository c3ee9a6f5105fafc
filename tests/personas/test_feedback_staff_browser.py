"""Real Chromium: staff filter the feedback list; htmx swaps the results and keeps the URL in step."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from assessments.services import subject_get_or_create_for_user

# Debian's Chromium and the ORM-in-browser-tests switch, as the assessments browser tests use them.
from tests.assessments.conftest import allow_db_in_browser_tests, browser_type_launch_args  # noqa: F401
from tests.assessments.test_browser_take import DESKTOP, log_in
from tests.factories import UserFactory
from tests.personas import mapper_fixtures as fx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("PERSONAI_SHOTS", "/tmp/personai-shots"))


@pytest.mark.usefixtures("allow_db_in_browser_tests")
def test_staff_filter_feedback_and_download_the_same_rows(page: Page, live_server):
    staff = UserFactory(username="staffer", is_staff=True)
    person = UserFactory(username="rated")
    subject = subject_get_or_create_for_user(user=person)
    v1 = fx.mapper("persona-guidance", active=True)
    v2 = fx.mapper("persona-guidance", active=True)
    fx.feedback_on(
        fx.persona_for(subject, v1, name="Early Rae"), rating=2, helpful=False, comment="Too generic"
    )
    fx.feedback_on(fx.persona_for(subject, v2, name="Later Rae"), rating=5, helpful=True, comment="Spot on")
    log_in(page, live_server, staff)
    page.set_viewport_size(DESKTOP)

    page.goto(f"{live_server.url}/staff/feedback/")
    expect(page.get_by_role("heading", name="Persona feedback")).to_be_visible()
    expect(page.get_by_text("Spot on")).to_be_visible()
    expect(page.get_by_text("Too generic")).to_be_visible()

    page.get_by_label("Helpful", exact=True).select_option("false")

    expect(page.get_by_text("Spot on")).to_have_count(0)
    expect(page.get_by_text("Too generic")).to_be_visible()
    expect(page).to_have_url(
        f"{live_server.url}/staff/feedback/?rating=&helpful=false&config_id=&mapper_version=&since=&until="
    )
    csv_link = page.get_by_role("link", name="Download CSV")
    assert csv_link.get_attribute("href") == "/api/v1/feedback/export.csv?helpful=false"
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "staff-feedback-desktop.png"), full_page=True)

    with page.expect_download() as download_info:
        csv_link.click()
    text = Path(download_info.value.path()).read_text()
    assert "Too generic" in text and "Spot on" not in text
