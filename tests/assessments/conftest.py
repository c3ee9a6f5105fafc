"""Fixtures of the assessment page and browser tests (shared: append, do not rewrite)."""

from __future__ import annotations

import os

import pytest

from assessments import services as assessment_services
from tests.assessments.factories import (
    VALID_ANSWERS,
    import_api_instrument,
    import_page_instrument,
    scored_session,
)
from tests.factories import UserFactory

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def page_version(db):
    """The page-test instrument: sections "about" (with a branch rule) and "habits", German texts."""
    return import_page_instrument()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def htmx():
    """Request headers of an htmx request."""
    return {"HTTP_HX_REQUEST": "true"}


# --------------------------------------------------------------------------- browser tests (Playwright)


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
def allow_db_in_browser_tests():
    """Playwright's sync API runs an event loop in the test thread, so Django would refuse the
    (plain, synchronous) ORM calls a browser test makes between page actions, and the database
    flush after it. Allowed for the rest of the session once a browser test runs."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def human(user):
    """A person (the user's own subject) with a scored self-assessment: (subject, version)."""
    version = import_api_instrument()
    scored_session(user, version, {**VALID_ANSWERS, "q2": "5", "q3": "1"})
    subject = assessment_services.subject_get_or_create_for_user(user=user)
    return subject, version
