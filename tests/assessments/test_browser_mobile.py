"""Real Chromium at 390 px: no page scrolls sideways, and the header collapses to a menu."""

from __future__ import annotations

import pytest
from django.core.management import call_command
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
from tests.assessments.test_browser_take import MOBILE, log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The widest element beyond the viewport, if any: named so a failure says what to fix.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")].filter((el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > width + 1 && getComputedStyle(el).position !== "fixed";
  });
  return {
    scrolls: document.documentElement.scrollWidth > width,
    offenders: wide.slice(0, 5).map((el) => el.tagName.toLowerCase() + "." + [...el.classList].join(".")),
  };
}"""


def assert_no_sideways_scroll(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    result = page.evaluate(OVERFLOW)
    assert not result["scrolls"], f"{url} scrolls sideways at 390 px: {result['offenders']}"


def test_main_pages_fit_a_390_px_phone(page: Page, live_server, allow_db_in_browser_tests):
    call_command("load_instruments", stdout=open("/dev/null", "w"))  # noqa: SIM115
    owner = UserFactory(username="sam-with-a-rather-long-username")
    version = import_page_instrument()
    survey = services.survey_create(owner=owner, version=version, title="Sam after the spring project")
    for number, tidy in enumerate((2, 4, 9, 5, 3)):
        survey_response(
            survey, {**PAGE_ANSWERS, "tidy": tidy, "hosts": number % 2 == 0}, responder=f"r{number}"
        )
    scored = score_now(self_session(owner, version, PAGE_ANSWERS)).session
    in_progress = self_session(owner, version, {"likes-people": "3"})
    german = self_session(UserFactory(), version, {"likes-people": "3"})
    AssessmentSession.objects.filter(pk=german.pk).update(locale="de", respondent_user=owner)
    page.set_viewport_size(MOBILE)
    base = live_server.url

    for path in (
        "/",
        "/questionnaires/",
        "/questionnaires/disc/",
        f"/s/{survey.share_token}/",
        "/accounts/login/",
    ):
        assert_no_sideways_scroll(page, base + path)
    log_in(page, live_server, owner)
    for path in (
        "/dashboard/",
        "/questionnaires/ipip-neo-120/",
        f"/assessments/{in_progress.pk}/q/1/",
        f"/assessments/{in_progress.pk}/q/2/",
        f"/assessments/{in_progress.pk}/review/",
        f"/assessments/{german.pk}/q/2/?return=review",  # longer German labels
        f"/assessments/{german.pk}/review/",
        f"/assessments/{scored.pk}/done/",
        f"/assessments/{scored.pk}/results/",
        "/surveys/",
        "/surveys/new/",
        f"/surveys/{survey.pk}/",
        "/persona/",
        "/chat/",
        "/accounts/profile/",
        "/api/docs/",
    ):
        assert_no_sideways_scroll(page, base + path)


def test_the_header_collapses_to_a_menu_on_a_phone(page: Page, live_server, allow_db_in_browser_tests):
    user = UserFactory()
    log_in(page, live_server, user)
    page.set_viewport_size(MOBILE)

    page.goto(f"{live_server.url}/dashboard/")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(page.get_by_role("link", name="Questionnaires", exact=True)).to_be_hidden()
    header_height = page.locator(".site-header").bounding_box()["height"]

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.get_by_role("link", name="Questionnaires", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/questionnaires/")

    assert header_height < 80  # one row: brand and menu button

    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("link", name="Questionnaires", exact=True)).to_be_visible()
