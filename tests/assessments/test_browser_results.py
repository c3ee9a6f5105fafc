"""Real Chromium: the results page's radar chart downloads as SVG and as PNG (drawn in the
browser), and a share link opens for someone without an account."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from assessments.models import ResultShare
from questionnaires.models import QuestionnaireVersion
from tests.assessments.factories import scored_session
from tests.assessments.test_browser_take import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ipip_result(allow_db_in_browser_tests):
    call_command("load_instruments", verbosity=0)
    version = QuestionnaireVersion.objects.get(questionnaire__slug="ipip-50", is_active=True)
    user = UserFactory()
    answers = {item.key: "4" for item in version.items.all()}
    return user, scored_session(user, version, answers)


def test_the_chart_downloads_as_svg_and_as_png(page: Page, live_server, ipip_result):
    user, session = ipip_result
    log_in(page, live_server, user)
    page.goto(f"{live_server.url}/assessments/{session.pk}/results/")
    expect(page.locator("svg.radar-svg")).to_be_visible()

    with page.expect_download() as svg_download:
        page.get_by_role("link", name="SVG").click()
    svg = Path(svg_download.value.path()).read_bytes()
    assert svg.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert svg.count(b'<circle class="radar-dot"') == 5

    with page.expect_download() as png_download:
        page.get_by_role("button", name="PNG").click()
    assert png_download.value.suggested_filename.endswith("-chart.png")
    png = Path(png_download.value.path()).read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 5000  # a drawn chart, not an empty canvas


def test_a_share_link_opens_without_an_account_and_stops_after_revoking(page: Page, live_server, ipip_result):
    user, session = ipip_result
    log_in(page, live_server, user)
    page.goto(f"{live_server.url}/assessments/{session.pk}/results/")
    page.get_by_role("button", name="Create a share link").click()
    link = page.locator(".share-list code").first.inner_text()
    share = ResultShare.objects.get(session=session)
    assert link.endswith(f"/r/{share.token}/")

    stranger = page.context.browser.new_context()
    shared = stranger.new_page()
    shared.goto(link)
    expect(shared.get_by_text("Shared result")).to_be_visible()
    expect(shared.locator("svg.radar-svg")).to_be_visible()
    assert shared.locator('meta[name="robots"]').get_attribute("content") == "noindex, nofollow, noarchive"

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").click()
    expect(page.locator(".share-list")).to_have_count(0)
    response = shared.goto(link)
    assert response.status == 404
    stranger.close()
