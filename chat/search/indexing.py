"""Keeping the search columns filled: languages and embeddings.

The messages and artifacts are written by the chat services (and by whoever else creates them:
admin, team turns, artifact generation), so the hooks are model signals rather than calls
sprinkled through every writer:

* ``pre_save`` on a new row sets its ``language`` from where it lives: a conversation takes its
  persona's subject locale, a message its conversation's language, an artifact its
  conversation's, a narrative its subject's locale. The generated ``search_vector`` column reads
  it, so the row is indexed in the right language from its first insert.
* ``post_save`` of a user or assistant message whose content may have changed, or of an artifact
  that is ready, enqueues an embedding task in the same transaction (the outbox runs it after
  commit). Saves that name other ``update_fields`` (feedback, mistakes, progress) do not.

The tasks (:func:`message_embed`, :func:`artifact_embed`) are idempotent: a row that already has
a vector of the configured model is left alone, and a vector is stored only if the text is still
the text that was embedded (compare-and-set in one UPDATE).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from assessments.models import SubjectProfile
from chat.models import Artifact, Conversation, Message
from personai import fulltext, llm
from personai.outbox import OutboxTask, enqueue, outbox_handler
from personas.models import Narrative
from personas.selectors.narratives import configured_embedding_model

log = logging.getLogger(__name__)

EMBED_MESSAGE_TASK = "chat.embed_message"
EMBED_ARTIFACT_TASK = "chat.embed_artifact"
EMBEDDED_ROLES = (Message.Role.USER, Message.Role.ASSISTANT)
# The embedding model reads about 256 tokens; the head of a long artifact says what it is about.
MAX_EMBED_CHARS = 2_000
_CONTENT_FIELDS = {"message": {"content", "role"}, "artifact": {"generated_data", "filename", "status"}}


# --------------------------------------------------------------------------- languages


def _subject_language(subject_id) -> str:
    locale = SubjectProfile.objects.filter(pk=subject_id).values_list("locale", flat=True).first()
    return fulltext.language_for_locale(locale)


def conversation_language(conversation: Conversation) -> str:
    if conversation.persona_id is None:
        return fulltext.DEFAULT_LANGUAGE
    persona = conversation.persona
    subject = persona._state.fields_cache.get("subject")  # no query when the caller loaded it
    if subject is not None:
        return fulltext.language_for_locale(subject.locale)
    return _subject_language(persona.subject_id)


def _set_conversation_language(sender, instance: Conversation, raw=False, **kwargs) -> None:
    if raw or not instance._state.adding or instance.language != fulltext.DEFAULT_LANGUAGE:
        return
    instance.language = conversation_language(instance)


def _set_message_language(sender, instance: Message, raw=False, **kwargs) -> None:
    if raw or not instance._state.adding or instance.language != fulltext.DEFAULT_LANGUAGE:
        return
    instance.language = instance.conversation.language


def _set_artifact_language(sender, instance: Artifact, raw=False, **kwargs) -> None:
    if raw or not instance._state.adding or instance.language != fulltext.DEFAULT_LANGUAGE:
        return
    if instance.conversation_id is not None:
        instance.language = instance.conversation.language


def _set_narrative_language(sender, instance: Narrative, raw=False, **kwargs) -> None:
    if raw or not instance._state.adding or instance.language != fulltext.DEFAULT_LANGUAGE:
        return
    subject = instance._state.fields_cache.get("subject")
    locale = subject.locale if subject is not None else None
    instance.language = (
        fulltext.language_for_locale(locale)
        if subject is not None
        else _subject_language(instance.subject_id)
    )


# --------------------------------------------------------------------------- enqueueing


def _touches(update_fields, kind: str) -> bool:
    return update_fields is None or bool(set(update_fields) & _CONTENT_FIELDS[kind])


def _enqueue(task_type: str, key: str, payload: dict) -> None:
    task = enqueue(task_type, payload, dedupe_key=key)
    if task.status == OutboxTask.Status.IN_PROGRESS:
        # A run is under way and may have read the old text: one follow-up run embeds the new one.
        enqueue(task_type, payload, dedupe_key=f"{key}:again")


def _message_saved(sender, instance: Message, created: bool, raw=False, update_fields=None, **kwargs) -> None:
    if raw or instance.role not in EMBEDDED_ROLES or not _touches(update_fields, "message"):
        return
    if not created:
        # The content may have changed: the old vector must not answer for the new text. (The
        # instance may not know it has one: the task stores vectors with a queryset update.)
        Message.objects.filter(pk=instance.pk, embedding__isnull=False).update(
            embedding=None, embedding_model="", embedded_at=None
        )
        instance.embedding, instance.embedding_model, instance.embedded_at = None, "", None
    if instance.content.strip():
        _enqueue(EMBED_MESSAGE_TASK, f"message-embed:{instance.pk}", {"message_id": str(instance.pk)})


def _artifact_saved(
    sender, instance: Artifact, created: bool, raw=False, update_fields=None, **kwargs
) -> None:
    if raw or not _touches(update_fields, "artifact"):
        return
    if not created:
        Artifact.objects.filter(pk=instance.pk, embedding__isnull=False).update(
            embedding=None, embedding_model="", embedded_at=None
        )
        instance.embedding, instance.embedding_model, instance.embedded_at = None, "", None
    if instance.status == Artifact.Status.READY and artifact_text(instance).strip():
        _enqueue(EMBED_ARTIFACT_TASK, f"artifact-embed:{instance.pk}", {"artifact_id": str(instance.pk)})


def connect() -> None:
    """Called once from ChatConfig.ready()."""
    pre_save.connect(_set_conversation_language, sender=Conversation, dispatch_uid="search-lang-conv")
    pre_save.connect(_set_message_language, sender=Message, dispatch_uid="search-lang-message")
    pre_save.connect(_set_artifact_language, sender=Artifact, dispatch_uid="search-lang-artifact")
    pre_save.connect(_set_narrative_language, sender=Narrative, dispatch_uid="search-lang-narrative")
    post_save.connect(_message_saved, sender=Message, dispatch_uid="search-embed-message")
    post_save.connect(_artifact_saved, sender=Artifact, dispatch_uid="search-embed-artifact")


# --------------------------------------------------------------------------- embedding


def artifact_text(artifact: Artifact) -> str:
    return f"{artifact.filename}\n{artifact.generated_data}".strip()[:MAX_EMBED_CHARS]


def message_text(message: Message) -> str:
    return message.content[:MAX_EMBED_CHARS]


def _embed_row(model_class, row_id, *, text_of, text_filter, eligible) -> object | None:
    """Embed one row's text with the configured model and store it if the text is unchanged."""
    for _ in range(3):
        row = model_class.objects.filter(pk=row_id).first()
        if row is None or not eligible(row):
            return None
        model = configured_embedding_model()
        if row.embedding is not None and row.embedding_model == model:
            return row
        text = text_of(row)
        if not text.strip():
            return None
        result = llm.embed([text])  # outside any transaction: it may take a while
        with transaction.atomic():
            stored = model_class.objects.filter(pk=row_id, **text_filter(row)).update(
                embedding=result.vectors[0], embedding_model=result.model, embedded_at=timezone.now()
            )
        if stored:
            return model_class.objects.filter(pk=row_id).first()
        # Changed (or deleted) while we embedded: read it again.
    raise RuntimeError(f"{model_class.__name__} {row_id} kept changing while it was embedded; will retry.")


def message_embed(*, message_id) -> Message | None:
    """The outbox's ``chat.embed_message``: raises llm.LLMError when the model is unavailable
    (the outbox retries with backoff; the message stays findable by full text meanwhile)."""
    return _embed_row(
        Message,
        message_id,
        text_of=message_text,
        text_filter=lambda message: {"content": message.content},
        eligible=lambda message: message.role in EMBEDDED_ROLES,
    )


def artifact_embed(*, artifact_id) -> Artifact | None:
    """The outbox's ``chat.embed_artifact`` (only ready artifacts are embedded)."""
    return _embed_row(
        Artifact,
        artifact_id,
        text_of=artifact_text,
        text_filter=lambda artifact: {
            "generated_data": artifact.generated_data,
            "filename": artifact.filename,
            "status": Artifact.Status.READY,
        },
        eligible=lambda artifact: artifact.status == Artifact.Status.READY,
    )


def embeddings_backfill(*, batch_size: int = 1_000) -> int:
    """Enqueue embedding tasks for every user/assistant message and ready artifact without a
    vector of the configured model (rows written before search existed, by bulk inserts that send
    no signals, or embedded by another model), ``batch_size`` per transaction. Returns how many
    (a row whose task is already queued is counted but not queued twice: dedupe keys)."""
    model = configured_embedding_model()
    sources = (
        (Message.objects.filter(role__in=EMBEDDED_ROLES), EMBED_MESSAGE_TASK, "message"),
        (Artifact.objects.filter(status=Artifact.Status.READY), EMBED_ARTIFACT_TASK, "artifact"),
    )
    count = 0
    for queryset, task_type, kind in sources:
        missing = (
            queryset.exclude(embedding__isnull=False, embedding_model=model)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        batch: list = []
        for pk in missing.iterator(chunk_size=batch_size):
            batch.append(pk)
            if len(batch) == batch_size:
                count += _enqueue_batch(task_type, kind, batch)
                batch = []
        count += _enqueue_batch(task_type, kind, batch)
    return count


def _enqueue_batch(task_type: str, kind: str, ids: list) -> int:
    with transaction.atomic():
        for pk in ids:
            _enqueue(task_type, f"{kind}-embed:{pk}", {f"{kind}_id": str(pk)})
    return len(ids)


# --------------------------------------------------------------------------- outbox handlers


@outbox_handler(EMBED_MESSAGE_TASK)
def embed_message(payload: dict) -> None:
    message_embed(message_id=payload["message_id"])


@outbox_handler(EMBED_ARTIFACT_TASK)
def embed_artifact(payload: dict) -> None:
    artifact_embed(artifact_id=payload["artifact_id"])
