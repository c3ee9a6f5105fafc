"""Real Chromium: a team conversation, then a PRD generated, shown and downloaded; an ERD drawn
by the vendored Mermaid under the page's Content-Security-Policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from chat.models import Artifact, Message
from tests.chat.factories import persona_for
from tests.chat.test_artifact_generation import run_outbox
from tests.chat.test_browser_chat import SHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLE_REPLY = (
    "Let's start with invoices.\nEntity: Invoice (id, amount, client_id)\nQuestion: Which currencies?"
)


def test_team_conversation_to_a_downloaded_prd(
    allow_db_in_browser_tests, chat_llm, user, live_server, page: Page
):
    chat_llm.reply = ROLE_REPLY
    persona_for(user, name="Ada", description="A freelance designer.")
    log_in(page, live_server, user)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(f"{live_server.url}/chat/")
    page.click("text=plan a product with the team")
    page.check("input[name=personas]")
    page.fill("#team-title", "Invoice tool")
    page.click("text=Start the team conversation")
    expect(page.locator("#chat-heading")).to_have_text("Invoice tool")
    page.wait_for_load_state("load")  # the team's script is attached before the send

    page.fill("#chat-input", "We want to help freelancers get paid on time.")
    page.click("#chat-send")
    authors = page.locator("#chat-log .chat-msg-author")
    expect(authors).to_have_text(["Product manager", "UX researcher", "Architect"], timeout=20_000)
    expect(page.locator("#team-goals")).to_contain_text("We want to help freelancers get paid on time.")
    expect(page.locator("#team-open_questions")).to_contain_text("Which currencies?")
    expect(page.locator("#chat-send")).to_be_enabled()
    assert Message.objects.filter(role="assistant").count() == 3
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "team-conversation.png"), full_page=True)

    page.click("#generate-prd")
    expect(page.locator("#artifact-progress")).to_contain_text("Waiting for a worker")
    run_outbox()  # the worker's part; the page notices through its progress polling
    expect(page.locator("#section-overview")).to_be_visible(timeout=10_000)
    expect(page.locator("#section-open_questions")).to_contain_text("Which currencies?")
    artifact = Artifact.objects.get(artifact_type="prd")
    with page.expect_download() as download_info:
        page.click("#artifact-download")
    download = download_info.value
    assert download.suggested_filename == "invoice-tool-prd-v1.md" == artifact.filename
    assert Path(download.path()).read_text() == artifact.generated_data
    assert artifact.generated_data.startswith("# Invoice tool — Product requirements\n")
    page.screenshot(path=str(SHOTS / "artifact-prd.png"), full_page=True)

    page.click("text=Invoice tool")  # breadcrumb back to the conversation
    page.click("#generate-erd")
    run_outbox()
    expect(page.locator("#erd-diagram[data-rendered=true] svg")).to_be_visible(timeout=15_000)
    expect(page.locator(".artifact-problems")).to_contain_text("The model's diagram was not valid")
    expect(page.locator("#erd-table")).not_to_have_attribute("open", "")
    page.screenshot(path=str(SHOTS / "artifact-erd.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
