"""Real Chromium under the Content-Security-Policy: pages work and the browser blocks nothing."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from assessments import services
from tests.assessments.conftest import allow_db_in_browser_tests, browser_type_launch_args  # noqa: F401
from tests.assessments.factories import (
    VALID_ANSWERS,
    import_api_instrument,
    import_page_instrument,
    scored_session,
    self_session,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def test_pages_work_under_the_policy_without_violations(page: Page, live_server, allow_db_in_browser_tests):  # noqa: F811
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(f"page error: {error}"))
    user = UserFactory(is_staff=True, is_superuser=True)
    take_version = import_page_instrument()
    taking = self_session(user, take_version)
    results = scored_session(user, import_api_instrument(), VALID_ANSWERS)
    survey = services.survey_create(owner=user, version=take_version)
    base = live_server.url

    page.goto(f"{base}/")
    expect(page.locator("link[rel=stylesheet]").first).to_have_attribute("href", "/static/css/personai.css")
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    page.goto(f"{base}/accounts/login/")

    log_in(page, live_server, user)
    page.goto(f"{base}/dashboard/")
    # Taking: answering autosaves through htmx, and the progress bar grows.
    response = page.goto(f"{base}/assessments/{taking.pk}/q/1/")
    assert response.headers["content-security-policy"] == settings.CONTENT_SECURITY_POLICY
    page.get_by_role("radio").first.check()
    expect(page.locator("#save-status")).to_have_text("Saved")
    bar = page.locator(".progress-bar").first
    assert page.evaluate("(bar) => bar.getBoundingClientRect().width", bar.element_handle()) > 0
    page.goto(f"{base}/assessments/{results.pk}/results/")
    expect(page.locator("[data-print]")).to_be_visible()
    page.goto(f"{base}/surveys/{survey.pk}/")
    # The API docs render their operations (their start-up script is a separate file now).
    page.goto(f"{base}/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
    page.goto(f"{base}/admin/questionnaires/questionnaireversion/{take_version.pk}/change/")
    expect(page.get_by_role("button", name="New draft from this version")).to_be_visible()

    assert violations == []
