"""Real Chromium: take DISC from start to finish, leave and resume, submit, watch it score."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Page, expect

from assessments import services
from assessments.models import AnalysisRun, AssessmentSession
from tests.factories import UserFactory

SHOTS = Path("/tmp/personai-shots")
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def shot(page: Page, name: str) -> None:
    """Full-page screenshots at desktop and phone width (looked at by hand while building)."""
    SHOTS.mkdir(exist_ok=True)
    scroll = page.evaluate("window.scrollY")
    for label, size in (("desktop", DESKTOP), ("mobile", MOBILE)):
        page.set_viewport_size(size)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
        page.screenshot(path=str(SHOTS / f"{name}-{label}-screen.png"))
    page.set_viewport_size(DESKTOP)
    page.evaluate(f"window.scrollTo(0, {scroll})")


def question(page: Page, key: str):
    return page.locator(f'[id="q-{key}"]')


def expect_saved(page: Page) -> None:
    expect(page.locator("#save-status")).to_have_text("Saved")


def test_disc_from_start_to_results_with_leaving_and_resuming(
    page: Page, live_server, allow_db_in_browser_tests
):
    call_command("load_instruments", stdout=open("/dev/null", "w"))  # noqa: SIM115
    user = UserFactory(username="dana")
    log_in(page, live_server, user)
    page.set_viewport_size(DESKTOP)

    # Catalogue → start page → start.
    page.goto(f"{live_server.url}/questionnaires/")
    page.get_by_role("link", name="Start DISC work styles").click()
    expect(page.get_by_role("heading", name="DISC work styles")).to_be_visible()
    page.get_by_role("button", name="Start").click()

    # Page 1: five situations, single choice. Each click autosaves (htmx).
    expect(page.get_by_role("heading", name="Everyday situations")).to_be_visible()
    # The leadership follow-up is hidden and the closing comment optional: 15 count.
    expect(page.get_by_text("0 of 15 answered")).to_be_visible()
    for key, label in [
        ("meeting-stalls", "propose a decision and push things forward."),
        ("new-project", None),
        ("disagreement", None),
    ]:
        group = question(page, key)
        (group.get_by_role("radio", name=label) if label else group.get_by_role("radio").first).check()
        expect_saved(page)
    expect(page.get_by_text("3 of 15 answered")).to_be_visible()
    shot(page, "take")

    # Leave in the middle (no button: just go elsewhere), then resume from the dashboard.
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.get_by_text("3 of 15 questions answered")).to_be_visible()
    page.get_by_role("link", name="Continue DISC work styles").click()
    expect(page.get_by_role("heading", name="Everyday situations")).to_be_visible()
    expect(
        question(page, "meeting-stalls").get_by_role(
            "radio", name="propose a decision and push things forward."
        )
    ).to_be_checked()

    # Keyboard only: arrow keys move between radios and each move saves.
    question(page, "deadline-moved").get_by_role("radio").first.focus()
    page.keyboard.press("Space")
    expect_saved(page)
    question(page, "giving-feedback").get_by_role("radio").first.focus()
    page.keyboard.press("ArrowDown")
    expect_saved(page)
    page.get_by_role("button", name="Save and continue").click()

    # Page 2: yes/no, 0–10 scales and a choice.
    expect(page.get_by_role("heading", name="Your preferences")).to_be_visible()
    for key, answer in [
        ("step-in", "Yes"),
        ("speak-to-group", "No"),
        ("prefer-routine", "No"),
        ("double-check", "Yes"),
    ]:
        question(page, key).get_by_role("radio", name=answer, exact=True).check()
        expect_saved(page)
    for key, point in [("decision-speed", "8"), ("people-energy", "3"), ("stability-need", "5")]:
        question(page, key).get_by_role("radio", name=point, exact=True).check()
        expect_saved(page)
    question(page, "work-rhythm").get_by_role("radio").first.check()
    expect_saved(page)
    page.get_by_role("button", name="Save and continue").click()

    # Page 3: the branch rule. Answering "yes" brings up the follow-up; focus stays put.
    expect(page.get_by_role("heading", name="Leading and what energises you")).to_be_visible()
    expect(page.get_by_text("When you lead, how do you usually reach decisions?")).to_have_count(0)
    question(page, "leads-team").get_by_role("radio", name="Yes", exact=True).check()
    expect(page.get_by_text("When you lead, how do you usually reach decisions?")).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "a-leads-team-yes"
    question(page, "lead-decisions").get_by_role("radio", name="7", exact=True).check()
    expect_saved(page)
    # An invalid answer (four energisers, at most three) is explained next to the question.
    energisers = question(page, "energisers")
    for name in (
        "Winning against a tough challenge",
        "Meeting new people",
        "Solving a tricky problem properly",
    ):
        energisers.get_by_role("checkbox", name=name).check()
        expect_saved(page)
    energisers.get_by_role("checkbox", name="Getting the details exactly right").check()
    expect(energisers.get_by_role("alert")).to_have_text("Choose at most 3 options.")
    expect(energisers.get_by_role("checkbox", name="Getting the details exactly right")).to_have_attribute(
        "aria-invalid", "true"
    )
    assert page.evaluate("document.activeElement.id") == "a-energisers-quality"
    energisers.get_by_role("checkbox", name="Meeting new people").uncheck()
    expect(energisers.get_by_role("alert")).to_have_count(0)
    page.get_by_label("Anything else about how you work?").fill("Clear goals help me.")
    page.get_by_label("Anything else about how you work?").blur()
    expect_saved(page)
    expect(page.get_by_text("17 of 17 answered")).to_be_visible()
    page.get_by_role("button", name="Review answers").click()

    # Review, then submit: "Scoring…" until the run is done, then the results open by themselves.
    expect(page.get_by_role("heading", name="Review your answers")).to_be_visible()
    expect(page.get_by_text("Every required question is answered.")).to_be_visible()
    shot(page, "review")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("Scoring…")).to_be_visible()
    shot(page, "scoring")
    session = AssessmentSession.objects.get(subject__user=user)
    services.run_score(run_id=AnalysisRun.objects.get(session=session).pk)
    expect(page).to_have_url(f"{live_server.url}/assessments/{session.pk}/results/", timeout=10_000)

    expect(page.get_by_role("heading", name="Dominance")).to_be_visible()
    for style in ("Influence", "Steadiness", "Conscientiousness"):
        expect(page.get_by_role("heading", name=style, exact=True)).to_be_visible()
    why = page.locator("details.why").first
    why.locator("summary").click()
    expect(why.get_by_text("A team meeting has stalled and nothing is moving.")).to_be_visible()
    shot(page, "results")
    assert AnalysisRun.objects.get(session=session).status == "done"
