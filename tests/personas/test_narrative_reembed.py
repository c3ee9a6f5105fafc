"""manage.py reembed_narratives: enqueues (through the outbox) what needs a new embedding."""

from __future__ import annotations

import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from personai.outbox import OutboxTask
from personas.models import Narrative
from personas.services import narratives as services
from tests.personas.narrative_factories import own_subject, run_embed_tasks

pytestmark = pytest.mark.django_db

CURRENT = "all-MiniLM-L6-v2"
VECTOR = [1.0] + [0.0] * 383


@pytest.fixture
def narratives(settings, user, other_user):
    settings.EMBEDDING_BASE_URL = ""  # configured: the in-process MiniLM
    mine, theirs = own_subject(user), own_subject(other_user)

    def make(subject, text, model):
        narrative = services.narrative_create(
            subject=subject, narrative_type="self_observation", raw_text=text
        )
        if model:
            Narrative.objects.filter(pk=narrative.pk).update(
                embedding=VECTOR, embedding_model=model, embedded_at=timezone.now()
            )
        return narrative.pk

    made = {
        "current": make(mine, "Already embedded by the configured model.", CURRENT),
        "pending": make(mine, "Never embedded.", None),
        "old": make(mine, "Embedded by the old model.", "old-model"),
        "theirs_old": make(theirs, "Someone else's, old model.", "old-model"),
    }
    OutboxTask.objects.all().delete()  # as if the creation tasks had run
    return {"mine": mine, **made}


def reembed(*args) -> str:
    out = StringIO()
    call_command("reembed_narratives", *args, stdout=out)
    return out.getvalue()


def enqueued() -> set:
    return {
        uuid.UUID(task.payload["narrative_id"])
        for task in OutboxTask.objects.filter(task_type="personas.embed_narrative", status="pending")
    }


def test_it_enqueues_missing_and_other_model_embeddings(narratives):
    output = reembed()

    assert enqueued() == {narratives["pending"], narratives["old"], narratives["theirs_old"]}
    assert "3 of 3 enqueued" in output
    assert "all-MiniLM-L6-v2" in output


def test_it_limits_itself_to_one_subject(narratives):
    output = reembed("--subject", str(narratives["mine"].pk))

    assert enqueued() == {narratives["pending"], narratives["old"]}
    assert "2 of 2 enqueued" in output


def test_all_enqueues_every_narrative_and_keeps_the_vectors_searchable(narratives):
    output = reembed("--all", "--batch-size", "3")

    assert enqueued() == {narratives[key] for key in ("current", "pending", "old", "theirs_old")}
    assert "3 of 4 enqueued" in output and "4 of 4 enqueued" in output
    current = Narrative.objects.get(pk=narratives["current"])
    assert current.embedding is not None and current.embedding_model == CURRENT
    assert current.embedded_at is None  # marked for renewal: the task re-embeds it


def test_the_enqueued_tasks_bring_everything_to_the_configured_model(narratives):
    reembed("--all")
    run_embed_tasks()

    assert set(Narrative.objects.values_list("embedding_model", flat=True)) == {CURRENT}
    assert not Narrative.objects.filter(embedded_at__isnull=True).exists()
    assert list(Narrative.objects.get(pk=narratives["current"]).embedding) != VECTOR


def test_a_second_run_enqueues_nothing_twice(narratives):
    reembed()
    reembed()

    assert OutboxTask.objects.count() == 3


def test_nothing_to_do_is_said(narratives):
    reembed()
    run_embed_tasks()

    assert reembed().startswith("Nothing to do")


@pytest.mark.parametrize("subject", ["not-a-uuid", str(uuid.uuid4())])
def test_a_bad_subject_is_refused(narratives, subject):
    with pytest.raises(CommandError):
        reembed("--subject", subject)
    assert not OutboxTask.objects.exists()
