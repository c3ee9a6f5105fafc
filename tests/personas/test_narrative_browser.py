"""Real Chromium: write a narrative on the subject page, then find it with the search box (htmx)."""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Page, expect

from personas.models import TraitNarrativeLink
from tests.factories import UserFactory
from tests.personas.narrative_factories import own_subject, run_embed_tasks

SHOTS = Path("/tmp/personai-shots")
CHROMIUM = "/usr/bin/chromium"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, headless, without a sandbox (tests run as root in a container)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


@pytest.fixture(scope="session")
def orm_in_test_thread():
    """Playwright's sync API runs an event loop in the test thread; Django's ORM calls between
    page actions (and the database set-up and flush) must be allowed there. Session-scoped, so it
    is set before the database and page fixtures."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


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


def test_write_then_search_by_meaning(orm_in_test_thread, page: Page, live_server, settings):
    settings.EMBEDDING_BASE_URL = ""  # the real in-process model
    call_command("load_instruments", stdout=StringIO(), stderr=StringIO())  # traits to suggest
    user = UserFactory()
    subject = own_subject(user)
    log_in(page, live_server, user)

    page.goto(f"{live_server.url}/subjects/{subject.pk}/")
    section = page.locator("#narratives")
    for text, tags in (
        ("Weekends I climb peaks and walk trails.", "outdoors, weekend"),
        ("I keep my inbox at zero and plan every Sunday.", "work"),
    ):
        if section.locator("details.narrative-add").get_attribute("open") is None:
            section.get_by_text("Add a narrative").click()  # the form folds away once there are some
        section.locator("textarea[name=raw_text]").fill(text)
        section.locator("input[name=tags]").fill(tags)
        section.get_by_role("button", name="Save narrative").click()
        expect(page.locator(".narrative-text", has_text=text)).to_be_visible()
    expect(section.locator(".badge-warning", has_text="pending")).to_have_count(2)

    run_embed_tasks()
    link = TraitNarrativeLink.objects.filter(status="suggested").order_by("-confidence").first()
    assert link is not None
    page.reload()
    expect(section.locator(".badge-success", has_text="searchable")).to_have_count(2)
    expect(section.locator(".narrative-suggestion").first).to_contain_text("suggested")

    section.get_by_label("Search by meaning").fill("I love hiking in the mountains")
    section.get_by_role("button", name="Search").click()
    first_hit = page.locator("#narrative-search-results li").first
    expect(first_hit).to_contain_text("Weekends I climb peaks")
    expect(first_hit).to_contain_text("score 0.")
    assert page.url.rstrip("/").endswith(str(subject.pk))  # htmx: no navigation

    SHOTS.mkdir(exist_ok=True)
    section.screenshot(path=str(SHOTS / "narratives-section.png"))
    section.locator(f'form[action="/trait-links/{link.pk}/accept/"]').get_by_role(
        "button", name=f"Accept link to {link.trait_path}"
    ).click()
    expect(page.locator(".message-success")).to_contain_text("accepted")
    link.refresh_from_db()
    assert link.status == "accepted"

    # The same search as a whole page (what the box does without JS), and the full form.
    page.goto(f"{live_server.url}/subjects/{subject.pk}/narratives/search/?q=mountain+hiking&k=5")
    expect(page.locator(".narrative-hits li").first).to_contain_text("Weekends I climb peaks")
    page.screenshot(path=str(SHOTS / "narrative-search-page.png"), full_page=True)
    page.goto(f"{live_server.url}/subjects/{subject.pk}/narratives/add/")
    page.get_by_label("Kind").select_option("curation")
    page.get_by_label("Narrative").fill("More open than the test says.")
    page.get_by_role("button", name="Save narrative").click()
    expect(page.locator(".errorlist")).to_contain_text("must name the trait")
    page.screenshot(path=str(SHOTS / "narrative-form-error.png"), full_page=True)
