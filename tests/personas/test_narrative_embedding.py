"""Outbox → embedding → search, with the real in-process MiniLM model (no fake server)."""

from __future__ import annotations

from unittest import mock

import pytest

from personai import llm
from personai.outbox import OutboxTask, relay, run_task
from personas.models import Narrative
from personas.selectors import narratives as selectors
from personas.services import narratives as services
from tests.personas.narrative_factories import own_subject, run_embed_tasks

pytestmark = pytest.mark.django_db

TEXTS = [
    "Weekends I climb peaks and walk trails.",
    "I keep my inbox at zero and plan every week on Sunday evening.",
    "Loud parties drain me; I recharge alone with a book.",
    "I get impatient in long meetings and want to decide quickly.",
    "Cooking elaborate dinners for my friends is my favourite way to relax.",
]


@pytest.fixture(autouse=True)
def local_embeddings(settings):
    settings.EMBEDDING_BASE_URL = ""  # the real in-process model
    services.clear_description_cache()


def write(subject, user, text, **extra) -> Narrative:
    return services.narrative_create(
        subject=subject, narrative_type="self_observation", raw_text=text, created_by=user, **extra
    )


def test_the_semantically_closest_narrative_ranks_first(user):
    subject = own_subject(user)
    for text in TEXTS:
        write(subject, user, text)
    assert OutboxTask.objects.filter(task_type="personas.embed_narrative").count() == len(TEXTS)

    # What the worker does: the relay claims the rows, run_task runs the registered handler.
    sent: list = []
    relay(send=lambda task_id, attempt: sent.append((task_id, attempt)))
    for task_id, attempt in sent:
        run_task(task_id, attempt=attempt)

    assert len(sent) == len(TEXTS)
    assert set(OutboxTask.objects.values_list("status", flat=True)) == {OutboxTask.Status.DONE}
    result = selectors.narrative_search(subject=subject, query="I love hiking in the mountains", k=3)
    assert result.model == "all-MiniLM-L6-v2"
    assert result.not_searchable == 0
    assert len(result.hits) == 3
    assert result.hits[0].narrative.raw_text == TEXTS[0]
    assert result.hits[0].score > result.hits[1].score


def test_the_search_api_ranks_by_meaning(api_client, user):
    subject = own_subject(user)
    for text in TEXTS:
        write(subject, user, text)
    run_embed_tasks()
    api_client.force_login(user)

    response = api_client.get(
        f"/api/v1/subjects/{subject.pk}/narratives/search",
        {"q": "I need time alone to recharge after social events", "k": 2},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["model"] == "all-MiniLM-L6-v2"
    assert body["not_searchable"] == 0
    assert [hit["narrative"]["raw_text"] for hit in body["hits"]][0] == TEXTS[2]
    assert body["hits"][0]["narrative"]["embedding_status"] == "searchable"
    assert abs(body["hits"][0]["score"] - (1 - body["hits"][0]["distance"])) < 1e-9


def test_the_curated_text_is_what_gets_embedded(user):
    subject = own_subject(user)
    narrative = write(subject, user, "asdf qwerty", curated_text="Weekends I climb peaks and walk trails.")
    write(subject, user, TEXTS[1])
    run_embed_tasks()

    result = selectors.narrative_search(subject=subject, query="mountain hiking", k=1)

    assert result.hits[0].narrative.pk == narrative.pk


def test_embedding_twice_changes_nothing(user):
    narrative = write(own_subject(user), user, TEXTS[0])
    first = services.narrative_embed(narrative_id=narrative.pk)

    with mock.patch.object(llm, "embed", side_effect=AssertionError("must not embed again")):
        second = services.narrative_embed(narrative_id=narrative.pk)

    assert second.embedded_at == first.embedded_at
    assert second.embedding_model == "all-MiniLM-L6-v2"


def test_a_deleted_narrative_is_skipped(user):
    narrative = write(own_subject(user), user, TEXTS[0])
    services.narrative_delete(narrative=narrative)

    assert services.narrative_embed(narrative_id=narrative.pk) is None


def test_a_text_changed_while_embedding_is_embedded_again(user):
    subject = own_subject(user)
    narrative = write(subject, user, "I love loud parties.")
    real_embed = llm.embed
    calls: list[list[str]] = []

    def embed_and_edit(texts):
        calls.append(texts)
        if len(calls) == 1:  # someone edits the narrative while the model runs
            Narrative.objects.filter(pk=narrative.pk).update(raw_text=TEXTS[0])
        return real_embed(texts)

    with mock.patch.object(llm, "embed", side_effect=embed_and_edit):
        stored = services.narrative_embed(narrative_id=narrative.pk)

    assert calls[0] == ["I love loud parties."]
    assert [TEXTS[0]] in calls[1:]
    expected = real_embed([TEXTS[0]]).vectors[0]
    assert list(stored.embedding) == pytest.approx(expected, abs=1e-5)


def test_editing_the_text_clears_the_embedding_and_enqueues_it_again(user):
    narrative = write(own_subject(user), user, TEXTS[0])
    run_embed_tasks()

    services.narrative_update(narrative=narrative, raw_text=TEXTS[1])

    narrative.refresh_from_db()
    assert narrative.embedding is None and narrative.embedding_model == "" and narrative.embedded_at is None
    task = OutboxTask.objects.get(task_type="personas.embed_narrative", status=OutboxTask.Status.PENDING)
    assert task.payload == {"narrative_id": str(narrative.pk)}
    assert task.dedupe_key == f"narrative-embed:{narrative.pk}"


def test_editing_only_the_tags_keeps_the_embedding(user):
    narrative = write(own_subject(user), user, TEXTS[0])
    run_embed_tasks()

    services.narrative_update(narrative=narrative, tags=["Outdoors", "outdoors", "weekend"])

    narrative.refresh_from_db()
    assert narrative.tags == ["outdoors", "weekend"]
    assert narrative.embedding is not None
    assert not OutboxTask.objects.filter(status=OutboxTask.Status.PENDING).exists()


def test_an_edit_while_the_embedding_task_finishes_is_still_embedded(user):
    # The race the dedupe key opens: the running task has stored the old text's vector but its
    # row is not marked done yet when the edit arrives, so dedupe hands the edit that row.
    narrative = write(own_subject(user), user, TEXTS[0])
    sent: list = []
    relay(send=lambda task_id, attempt: sent.append((task_id, attempt)))  # claimed: in progress
    services.narrative_embed(narrative_id=narrative.pk)  # the handler's work, done

    services.narrative_update(narrative=narrative, raw_text=TEXTS[1])
    OutboxTask.objects.filter(pk=sent[0][0]).update(status=OutboxTask.Status.DONE)  # run_task's last step

    follow_up = OutboxTask.objects.get(status=OutboxTask.Status.PENDING)
    assert follow_up.dedupe_key == f"narrative-embed:{narrative.pk}:again"
    run_embed_tasks()
    narrative.refresh_from_db()
    expected = llm.embed([TEXTS[1]]).vectors[0]
    assert list(narrative.embedding) == pytest.approx(expected, abs=1e-5)


def test_the_search_api_runs_the_same_queries_for_any_k(api_client, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    subject = own_subject(user)
    for text in TEXTS:
        narrative = write(subject, user, text)
        narrative.links.create(trait_path="disc.d.score", link_type="supports")
    run_embed_tasks()
    api_client.force_login(user)
    counts = []
    for k in (1, 5):
        with CaptureQueriesContext(connection) as captured:
            response = api_client.get(
                f"/api/v1/subjects/{subject.pk}/narratives/search", {"q": "hiking", "k": k}
            )
        assert len(response.json()["hits"]) == k
        assert all(hit["narrative"]["links"] for hit in response.json()["hits"])
        counts.append(len(captured))

    assert counts[0] == counts[1]
