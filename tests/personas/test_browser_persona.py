"""Real Chromium: from a results page, one click on "Generate my persona"; the persona page
updates itself once the worker is done and shows the illustration and the description."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Page, expect

from personai.outbox import relay, run_task
from personas.models import Persona
from tests.assessments.factories import PAGE_ANSWERS, import_page_instrument, score_now, self_session
from tests.factories import UserFactory

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path("/tmp/personai-shots")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROSE = {
    "description": "Dana is warm, orderly and steady; she likes a plan and people she can rely on.",
    "voice_sample": "Give me a clear plan and a friendly team, and I'll get it done.",
}


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
def allow_db_in_browser_test():
    """Playwright's sync API runs an event loop in the test thread; Django's ORM calls between
    page actions (and the flush after the test) must be allowed there. Session-scoped, so it is
    set before the database and page fixtures of any test that asks for it."""
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


def run_outbox() -> None:
    """What the worker does: claim the due outbox rows and run their handlers."""
    sent = []
    relay(send=lambda task_id, attempt: sent.append((task_id, attempt)))
    for task_id, attempt in sent:
        run_task(task_id, attempt=attempt)


def test_results_page_to_a_ready_persona_in_one_click(
    page: Page, live_server, fake_llm, allow_db_in_browser_test
):
    call_command("load_mapper_configs", stdout=open(os.devnull, "w"))  # noqa: SIM115
    fake_llm.reply = json.dumps(PROSE)
    user = UserFactory(username="dana")
    session = self_session(user, import_page_instrument(), PAGE_ANSWERS)
    score_now(session)
    run_outbox()  # the mindscape rebuild that scoring queued
    log_in(page, live_server, user)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/assessments/{session.pk}/results/")
    page.get_by_role("button", name="Generate my persona").click()

    expect(page.get_by_text("Generating the persona…")).to_be_visible()
    persona = Persona.objects.get(subject__user=user)
    assert page.url == f"{live_server.url}/personas/{persona.pk}/"
    run_outbox()  # the generation, as a worker would run it

    # The page polls its status and reloads itself once the persona is ready.
    avatar = page.get_by_role("img", name="Avatar of dana, drawn from their traits")
    expect(avatar).to_be_visible(timeout=15_000)
    expect(page.get_by_text(PROSE["description"])).to_be_visible()
    expect(page.get_by_text(PROSE["voice_sample"])).to_be_visible()
    # Visible is not loaded: wait until the browser is done with the image (loaded or broken).
    page.wait_for_function("document.querySelector('img.persona-avatar').complete", timeout=15_000)
    assert page.evaluate("document.querySelector('img.persona-avatar').naturalWidth") == 200
    expect(page.get_by_role("heading", name="What shaped this persona")).to_be_visible()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "persona-desktop.png"), full_page=True)

    # The subject page shows the same persona as its current one.
    page.goto(f"{live_server.url}/persona/")
    expect(page.get_by_role("link", name="Open persona")).to_be_visible()
    page.screenshot(path=str(SHOTS / "subject-desktop.png"), full_page=True)
    persona.refresh_from_db()
    assert persona.status == Persona.Status.READY and persona.metadata["prose"] == "llm"
