"""Real Chromium: send a message, watch the reply stream in, stop a second one midway."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from chat.models import Message
from tests.chat.factories import conversation_for, persona_for
from tests.chat.slow_fake import SlowFakeServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/personai-shots")


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


def test_reply_streams_in_and_stop_keeps_the_partial(
    allow_db_in_browser_tests, chat_llm, user, live_server, page: Page
):
    persona_for(user, name="Ada", illustration_url="/static/img/logo.svg")
    conversation_for(user, persona_for(user, name="Bo"), title="An older chat")
    words = [f"word{i}" for i in range(25)]
    with SlowFakeServer(reply="Here is **my** answer: " + " ".join(words), delay=0.08) as slow:
        settings.LLM_BASE_URL, settings.LLM_API_KEY, settings.LLM_MODEL = (
            slow.base_url,
            slow.api_key,
            slow.model,
        )
        log_in(page, live_server, user)
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(f"{live_server.url}/chat/")
        expect(page.locator(".chat-conversation-title")).to_have_text("An older chat")
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "chat-list-desktop.png"), full_page=True)
        page.select_option("#new-persona", label="Ada — " + user.username)
        page.click("text=Start chatting")
        expect(page.locator(".chat-persona-name")).to_have_text("Ada")
        expect(page.locator(".chat-avatar")).to_be_visible()
        # Visible is not scripted: a send before chat.js attached its handler posts the plain
        # form (the page without JavaScript), and nothing streams.
        page.wait_for_load_state("load")

        page.fill("#chat-input", "Tell me something")
        page.click("#chat-send")
        streaming = page.locator(".chat-msg-assistant.is-streaming")
        expect(streaming).to_contain_text("word3", timeout=10_000)
        partial = streaming.inner_text()
        assert "word24" not in partial  # seen while still arriving
        expect(page.locator("#chat-stop")).to_be_visible()
        final = page.locator(".chat-msg-assistant").last
        expect(final).to_contain_text("word24", timeout=15_000)
        expect(final.locator("strong")).to_have_text("my")  # the server's safe Markdown replaced the text
        expect(final.locator(".chat-feedback")).to_be_visible()
        expect(page.locator(".chat-msg-user").last).to_contain_text("Tell me something")
        expect(page.locator("#chat-stop")).to_be_hidden()
        expect(page.locator("#chat-heading")).to_have_text("Tell me something")
        page.screenshot(path=str(SHOTS / "chat-desktop.png"), full_page=True)

        page.fill("#chat-input", "And another story")
        page.keyboard.press("Enter")
        expect(page.locator(".chat-msg-assistant.is-streaming")).to_contain_text("word2", timeout=10_000)
        page.click("#chat-stop")
        expect(page.locator("#chat-status")).to_contain_text("Stopped")
        deadline = time.monotonic() + 10
        while Message.objects.filter(role="assistant").count() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        stopped = Message.objects.filter(role="assistant").order_by("-created_at").first()
        assert stopped.is_incomplete and "word2" in stopped.content and "word24" not in stopped.content

        page.reload()
        expect(page.locator(".chat-msg-assistant.is-incomplete")).to_have_count(1)
        expect(page.locator("#chat-retry")).to_be_visible()
        assert not [e for e in errors if "Content Security Policy" not in e], errors
