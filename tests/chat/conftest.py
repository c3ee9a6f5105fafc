"""Fixtures of the chat tests."""

from __future__ import annotations

import os

import pytest

from tests.chat.factories import conversation_for, persona_for
from tests.factories import UserFactory

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def chat_llm(fake_llm, settings):
    """The fake chat server, with the real local embedding model for analysis and retrieval."""
    settings.EMBEDDING_BASE_URL = ""
    settings.EMBEDDING_MODEL = ""
    settings.CHAT_LLM_TITLES = False  # keep the fake's request log to the replies under test
    return fake_llm


@pytest.fixture
def persona(user):
    return persona_for(user)


@pytest.fixture
def conversation(user, persona):
    return conversation_for(user, persona)


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


@pytest.fixture(scope="session")
def allow_db_in_browser_tests():
    """Playwright's sync API runs an event loop in the test thread; allow plain ORM calls there."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
