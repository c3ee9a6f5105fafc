"""Real Chromium: search from the header box, see highlighted hits by type, remove a recent search."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.chat.factories import conversation_for
from tests.chat.search_factories import artifact, message, run_embedding_tasks
from tests.chat.test_browser_chat import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/personai-shots")


def test_search_from_the_header_and_forget_it(
    allow_db_in_browser_tests, fake_llm, user, live_server, page: Page
):
    conversation = conversation_for(user, title="Hut booking")
    message(conversation, "Hikers want to book <mountain huts> a week ahead.")
    artifact(user, conversation, "# PRD\nBook mountain huts online.", filename="huts-prd-v1.md")
    run_embedding_tasks()
    log_in(page, live_server, user)
    errors: list[str] = []
    page.on("console", lambda entry: errors.append(entry.text) if entry.type == "error" else None)

    page.goto(f"{live_server.url}/chat/")
    page.fill("#site-search-q", "mountain huts")
    page.press("#site-search-q", "Enter")

    expect(page.locator("#results-title")).to_have_text("2 results for “mountain huts”")
    expect(page.locator(".search-group-message mark")).to_have_text(["mountain", "huts"])
    expect(page.locator(".search-group-artifact .search-hit-title")).to_have_text("huts-prd-v1.md")
    expect(page.locator(".search-group-message .search-snippet")).to_contain_text("<mountain huts>")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "search-desktop.png"), full_page=True)

    recent = page.locator(".search-recent-list li")
    expect(recent).to_have_count(1)
    recent.get_by_role("button", name="Remove").click()
    expect(page.locator(".search-recent-list li")).to_have_count(0)
    expect(page.locator(".messages")).to_contain_text("Removed “mountain huts”")
    assert errors == []

    # Bad input: the page answers 400 (Chromium logs that) with the reason beside the box.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/search/?q=the+of")
    expect(page.locator("#search-q-error")).to_contain_text("stop words")
    page.screenshot(path=str(SHOTS / "search-mobile-error.png"), full_page=True)
