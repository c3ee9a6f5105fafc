"""Embeddings of messages and artifacts are computed after commit through the outbox; every
searchable row carries the language its text is indexed in."""

from __future__ import annotations

from io import StringIO

import pytest
from django.db import connection

from chat.models import Message
from chat.search import indexing
from personai.outbox import OutboxTask, relay, run_task
from tests.chat.factories import conversation_for, persona_for
from tests.chat.search_factories import FAKE_MODEL, artifact, message, pending, run_embedding_tasks
from tests.fakes.openai_server import fake_vector
from tests.personas.narrative_factories import own_subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(user, fake_llm):
    return conversation_for(user)


def test_user_and_assistant_messages_are_embedded_through_the_outbox(conversation):
    asked = message(conversation, "Where do we sleep?")
    answered = message(conversation, "In the huts.", role="assistant")
    assert [task.payload["message_id"] for task in pending()] == [str(asked.pk), str(answered.pk)]

    # What the worker does: the relay claims the rows, run_task runs the registered handler.
    sent: list = []
    relay(send=lambda task_id, attempt: sent.append((task_id, attempt)))
    for task_id, attempt in sent:
        run_task(task_id, attempt=attempt)

    asked.refresh_from_db()
    assert asked.embedding_model == FAKE_MODEL
    assert list(asked.embedding) == pytest.approx(fake_vector("Where do we sleep?"), abs=1e-6)
    assert asked.embedded_at is not None
    assert set(OutboxTask.objects.values_list("status", flat=True)) >= {OutboxTask.Status.DONE}


def test_system_messages_are_not_embedded(conversation):
    message(conversation, "You are a helpful persona.", role="system")

    assert pending() == []


def test_a_rolled_back_message_leaves_no_task(conversation):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        message(conversation, "Never saved.")
        raise RuntimeError

    assert pending() == []


def test_saving_other_fields_does_not_re_embed(conversation):
    saved = message(conversation, "Where do we sleep?")
    run_embedding_tasks()
    saved.feedback = Message.Feedback.UP
    saved.save(update_fields=["feedback"])

    assert pending() == []
    saved.refresh_from_db()
    assert saved.embedding is not None


def test_changed_content_drops_the_old_vector_and_embeds_the_new_text(conversation):
    saved = message(conversation, "Where do we sleep?")
    run_embedding_tasks()
    saved.content = "Where do we eat?"
    saved.save(update_fields=["content"])

    saved.refresh_from_db()
    assert saved.embedding is None
    assert run_embedding_tasks() == 1
    saved.refresh_from_db()
    assert list(saved.embedding) == pytest.approx(fake_vector("Where do we eat?"), abs=1e-6)


def test_embedding_twice_is_a_no_op(conversation, fake_llm):
    saved = message(conversation, "Where do we sleep?")
    indexing.message_embed(message_id=saved.pk)
    requests = len(fake_llm.requests)

    indexing.message_embed(message_id=saved.pk)

    assert len(fake_llm.requests) == requests


def test_artifacts_are_embedded_once_ready(user, conversation):
    draft = artifact(user, conversation, "", status="pending")
    assert pending() == []

    draft.generated_data = "# PRD\nBook huts."
    draft.filename = "prd-v1.md"
    draft.status = "ready"
    draft.save(update_fields=["generated_data", "filename", "status"])

    assert [task.payload["artifact_id"] for task in pending()] == [str(draft.pk)]
    run_embedding_tasks()
    draft.refresh_from_db()
    assert draft.embedding_model == FAKE_MODEL
    assert list(draft.embedding) == pytest.approx(fake_vector("prd-v1.md\n# PRD\nBook huts."), abs=1e-6)


def test_progress_updates_of_an_artifact_do_not_enqueue(user, conversation):
    draft = artifact(user, conversation, "", status="running")
    draft.progress = 50
    draft.save(update_fields=["progress"])

    assert pending() == []


def test_backfill_enqueues_rows_without_a_vector_of_the_configured_model(user, conversation):
    rows = Message.objects.bulk_create(  # bulk inserts send no signals
        [Message(conversation=conversation, role="user", content=f"note {i}") for i in range(3)]
    )

    assert indexing.embeddings_backfill() == 3
    assert run_embedding_tasks() == 3
    assert all(
        row.embedding_model == FAKE_MODEL for row in Message.objects.filter(pk__in=[r.pk for r in rows])
    )
    assert indexing.embeddings_backfill() == 0


def test_rows_take_the_language_of_where_they_live(user, other_user, fake_llm):
    persona = persona_for(user)
    persona.subject.locale = "de"
    persona.subject.save(update_fields=["locale"])
    german = conversation_for(user, persona)
    english = conversation_for(other_user)  # their subject keeps the default locale
    from personas.services import narratives

    subject = own_subject(user)
    narrative = narratives.narrative_create(
        subject=subject, narrative_type="self_observation", raw_text="Berge"
    )

    assert german.language == "de"
    assert message(german, "Hallo").language == "de"
    assert artifact(user, german, "Text").language == "de"
    assert english.language == "en"
    assert message(english, "Hello").language == "en"
    assert narrative.language == "de"  # the same subject (the user's own) speaks German


def test_the_generated_column_uses_the_rows_configuration(user, other_user, fake_llm):
    persona = persona_for(user)
    persona.subject.locale = "de"
    persona.subject.save(update_fields=["locale"])
    german = message(conversation_for(user, persona), "Die Hütten")
    english = message(conversation_for(other_user), "The huts")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, search_vector::text FROM chat_message WHERE id IN (%s, %s)", [german.pk, english.pk]
        )
        vectors = {str(pk): text for pk, text in cursor.fetchall()}

    assert vectors[str(german.pk)] == "'hutt':2A"  # German: "die" is a stop word, Hütten → hutt
    assert vectors[str(english.pk)] == "'hut':2A"


def test_the_backfill_command_queues_in_batches(user, conversation):
    from django.core.management import call_command

    Message.objects.bulk_create(
        [Message(conversation=conversation, role="user", content=f"note {i}") for i in range(5)]
    )
    out = StringIO()

    call_command("search_backfill", "--batch-size", "2", stdout=out)

    assert "Queued 5 embedding task(s)." in out.getvalue()
    assert len(pending()) == 5


def test_chat_queries_leave_the_search_columns_out(conversation):
    saved = message(conversation, "Where do we sleep?")

    loaded = Message.objects.get(pk=saved.pk)

    assert loaded.get_deferred_fields() == {"embedding", "search_vector"}
    assert conversation.messages.get().get_deferred_fields() == {"embedding", "search_vector"}
