"""Redis down: submits stay fast and succeed, login and anonymous answering work, /healthz says so.

Redis is pointed at a local port where nothing listens (and, for the nudge, at one that
accepts connections but never answers): the cache, the Celery broker the post-commit nudge
publishes to, and the health check all use it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from assessments import services
from assessments.models import AnalysisRun
from personai import outbox
from personai.celery import app
from personai.outbox import OutboxTask
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, self_session
from tests.factories import DEFAULT_PASSWORD, UserFactory

# The nudge may take ~0.1 s per connect/publish; a request with it must stay well under a second.
FAST_SECONDS = 1.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def point_redis_at(url: str, settings, monkeypatch) -> None:
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": url, "KEY_PREFIX": "redis-down-test"}
    }
    monkeypatch.setattr(app.conf, "broker_url", url)
    # broker_write_url falls back to broker_url through a property: setattr's undo would pin the
    # dead URL for every later test, so it is set (and removed again) as a plain override.
    monkeypatch.setitem(app.conf.changes, "broker_write_url", url)


@pytest.fixture
def redis_down(settings, monkeypatch) -> str:
    url = f"redis://127.0.0.1:{free_port()}/0"
    point_redis_at(url, settings, monkeypatch)
    return url


@contextmanager
def silent_server() -> Iterator[str]:
    """A TCP server that accepts connections and never answers (a hung Redis)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in accepted:
            conn.close()
        listener.close()


def timed(call):
    began = time.monotonic()
    result = call()
    return result, time.monotonic() - began


@pytest.mark.django_db(transaction=True)
def test_submitting_is_fast_and_succeeds_while_redis_is_down(redis_down):
    user = UserFactory()
    version = import_api_instrument()
    first, session = (self_session(user, version, VALID_ANSWERS) for _ in range(2))
    client = APIClient()
    client.force_login(user)
    # The first request of a process imports and compiles what the others reuse: time the next.
    assert client.post(f"/api/v1/sessions/{first.pk}/submit/").status_code == 202

    response, elapsed = timed(lambda: client.post(f"/api/v1/sessions/{session.pk}/submit/"))

    assert response.status_code == 202, response.content
    assert elapsed < FAST_SECONDS, f"submit took {elapsed:.2f}s"
    # The work waits in the outbox for beat's relay once Redis is back.
    run = AnalysisRun.objects.get(session=session)
    assert (
        OutboxTask.objects.get(task_type=services.SCORE_TASK, payload__run_id=str(run.pk)).status == "pending"
    )


@pytest.mark.django_db(transaction=True)
def test_the_post_commit_nudge_gives_up_quickly_on_a_redis_that_hangs(settings, monkeypatch):
    with silent_server() as url:
        point_redis_at(url, settings, monkeypatch)

        _, elapsed = timed(outbox._nudge_relay)

    assert elapsed < 0.5, f"the nudge took {elapsed:.2f}s"


@pytest.mark.django_db(transaction=True)
def test_login_works_while_redis_is_down(client, redis_down):
    user = UserFactory()

    response, elapsed = timed(
        lambda: client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD})
    )

    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == reverse("dashboard")
    assert elapsed < 2 * FAST_SECONDS, f"login took {elapsed:.2f}s"  # a cold first request included
    assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_login_works_while_redis_hangs(client, settings, monkeypatch):
    user = UserFactory()
    with silent_server() as url:
        point_redis_at(url, settings, monkeypatch)

        response, elapsed = timed(
            lambda: client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD})
        )

    assert response.status_code == 302
    # One socket timeout (0.5 s), then the cache leaves Redis alone for a moment.
    assert elapsed < 2 * FAST_SECONDS, f"login took {elapsed:.2f}s"


@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_is_still_refused_while_redis_is_down(client, redis_down):
    user = UserFactory()

    response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong-password"})

    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_responder_can_answer_and_submit_while_redis_is_down(redis_down):
    owner = UserFactory()
    survey = services.survey_create(owner=owner, version=import_api_instrument())
    client = APIClient()
    base = f"/api/v1/s/{survey.share_token}/responses/"

    started = client.post(base, {}, format="json")
    assert started.status_code == 201, started.content
    session_id, token = started.json()["session"], started.json()["responder_token"]
    saved = client.put(
        f"{base}{session_id}/", {"answers": VALID_ANSWERS}, format="json", HTTP_X_RESPONDER_TOKEN=token
    )
    assert saved.status_code == 200, saved.content
    submitted, elapsed = timed(
        lambda: client.post(f"{base}{session_id}/submit/", HTTP_X_RESPONDER_TOKEN=token)
    )

    assert submitted.status_code == 202, submitted.content
    assert elapsed < FAST_SECONDS
    assert AnalysisRun.objects.filter(session_id=session_id).count() == 1


@pytest.mark.django_db(transaction=True)
def test_healthz_shows_the_degraded_cache_while_redis_is_down(client, redis_down):
    # A failed login consults the rate limits in the cache, which finds Redis unreachable.
    assert (
        client.post(reverse("account_login"), {"login": "nobody@example.com", "password": "x"}).status_code
        == 200
    )
    client.force_login(UserFactory(is_staff=True))

    body = client.get("/healthz").json()

    assert body["status"] == "degraded"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["cache"]["failures"] >= 1
