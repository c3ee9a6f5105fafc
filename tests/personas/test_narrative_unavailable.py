"""Embedding model unavailable: the narrative is saved and pending, the outbox retries with
backoff, and search says how many narratives are not searchable yet."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from personai.outbox import OutboxTask, relay, run_task
from personas.models import Narrative
from personas.services import narratives as services
from tests.personas.narrative_factories import own_subject

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def model_down(settings):
    def down():
        settings.EMBEDDING_BASE_URL = f"http://127.0.0.1:{closed_port()}/v1"
        settings.EMBEDDING_MODEL = "all-MiniLM-L6-v2"
        settings.LLM_MAX_RETRIES = 0
        settings.LLM_TIMEOUT_SECONDS = 2.0

    def up():
        settings.EMBEDDING_BASE_URL = ""  # the real in-process model

    up()
    return down, up


def work_off_the_outbox() -> list[OutboxTask]:
    sent: list = []
    relay(send=lambda task_id, attempt: sent.append((task_id, attempt)))
    for task_id, attempt in sent:
        run_task(task_id, attempt=attempt)
    return list(OutboxTask.objects.filter(pk__in=[task_id for task_id, _ in sent]))


def test_an_unavailable_model_leaves_the_narrative_pending_and_the_search_counts_it(
    api_client, user, model_down
):
    down, up = model_down
    subject = own_subject(user)
    api_client.force_login(user)
    url = f"/api/v1/subjects/{subject.pk}/narratives/"
    first = api_client.post(url, {"narrative_type": "self_observation", "raw_text": "I hike."}, format="json")
    work_off_the_outbox()

    down()
    created = api_client.post(
        url, {"narrative_type": "self_observation", "raw_text": "Weekends I climb peaks."}, format="json"
    )
    [task] = work_off_the_outbox()
    search_while_down = api_client.get(f"{url}search", {"q": "mountains"})

    assert first.status_code == 201 and created.status_code == 201
    assert created.json()["embedding_status"] == "pending"
    narrative = Narrative.objects.get(pk=created.json()["id"])
    assert narrative.embedding is None
    assert task.status == OutboxTask.Status.PENDING  # to be retried
    assert task.attempts == 1
    assert task.run_after > timezone.now()  # with backoff
    assert "Could not connect" in task.last_error
    assert search_while_down.status_code == 503
    assert "embedding model is unavailable" in search_while_down.json()["detail"]

    up()
    search_before_retry = api_client.get(f"{url}search", {"q": "mountains"}).json()
    OutboxTask.objects.filter(pk=task.pk).update(run_after=timezone.now() - timedelta(seconds=1))
    [retried] = work_off_the_outbox()
    search_after_retry = api_client.get(f"{url}search", {"q": "mountains"}).json()

    assert search_before_retry["not_searchable"] == 1
    assert [hit["narrative"]["raw_text"] for hit in search_before_retry["hits"]] == ["I hike."]
    assert retried.status == OutboxTask.Status.DONE
    assert search_after_retry["not_searchable"] == 0
    assert {hit["narrative"]["raw_text"] for hit in search_after_retry["hits"]} == {
        "I hike.",
        "Weekends I climb peaks.",
    }


def test_the_service_raises_so_the_outbox_retries(user, model_down):
    down, _up = model_down
    narrative = services.narrative_create(
        subject=own_subject(user), narrative_type="self_observation", raw_text="Hello.", created_by=user
    )
    down()

    from personai import llm

    with pytest.raises(llm.LLMUnavailable):
        services.narrative_embed(narrative_id=narrative.pk)
    assert Narrative.objects.get(pk=narrative.pk).embedding is None


def test_vectors_of_another_model_count_as_not_searchable(api_client, user, model_down):
    subject = own_subject(user)
    services.narrative_create(
        subject=subject, narrative_type="self_observation", raw_text="Hi.", created_by=user
    )
    Narrative.objects.update(embedding=[1.0] + [0.0] * 383, embedding_model="old-model")
    api_client.force_login(user)

    body = api_client.get(f"/api/v1/subjects/{subject.pk}/narratives/search", {"q": "hello"}).json()
    listed = api_client.get(f"/api/v1/subjects/{subject.pk}/narratives/").json()

    assert body["hits"] == []
    assert body["not_searchable"] == 1
    assert listed["results"][0]["embedding_status"] == "pending"
