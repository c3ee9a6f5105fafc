"""Search test data: messages, artifacts and narratives, and running their embedding tasks."""

from __future__ import annotations

import numpy as np

from chat.models import Artifact, Conversation, Message
from chat.search import indexing
from personai.outbox import OutboxTask
from personas.services import narratives as narrative_services
from tests.fakes.openai_server import fake_vector

FAKE_MODEL = "fake-embedding"  # what the fake server reports (fixture fake_llm)


def message(conversation: Conversation, content: str, *, role: str = "user") -> Message:
    return Message.objects.create(conversation=conversation, role=role, content=content)


def artifact(
    owner, conversation, data: str, *, filename: str = "", status: str = "ready", **extra
) -> Artifact:
    return Artifact.objects.create(
        owner=owner,
        conversation=conversation,
        artifact_type=extra.pop("artifact_type", "prd"),
        version=extra.pop("version", 1),
        filename=filename,
        generated_data=data,
        status=status,
        **extra,
    )


def set_vector(row, vector, *, model: str = FAKE_MODEL) -> None:
    type(row).objects.filter(pk=row.pk).update(embedding=list(vector), embedding_model=model)


def vector_with_similarity(query: str, similarity: float, *, seed: int = 7) -> list[float]:
    """A unit vector whose cosine similarity to the fake embedding of ``query`` is ``similarity``."""
    target = np.array(fake_vector(query))
    noise = np.random.default_rng(seed).standard_normal(target.size)
    noise -= noise.dot(target) * target
    noise /= np.linalg.norm(noise)
    return (similarity * target + np.sqrt(1 - similarity**2) * noise).tolist()


def pending(task_types=(indexing.EMBED_MESSAGE_TASK, indexing.EMBED_ARTIFACT_TASK)) -> list[OutboxTask]:
    return list(
        OutboxTask.objects.filter(task_type__in=task_types, status=OutboxTask.Status.PENDING).order_by(
            "created_at"
        )
    )


def run_embedding_tasks() -> int:
    """What the worker does for every pending message, artifact and narrative embedding task."""
    tasks = pending(
        (indexing.EMBED_MESSAGE_TASK, indexing.EMBED_ARTIFACT_TASK, narrative_services.EMBED_TASK)
    )
    for task in tasks:
        if task.task_type == indexing.EMBED_MESSAGE_TASK:
            indexing.message_embed(message_id=task.payload["message_id"])
        elif task.task_type == indexing.EMBED_ARTIFACT_TASK:
            indexing.artifact_embed(artifact_id=task.payload["artifact_id"])
        else:
            narrative_services.narrative_embed(narrative_id=task.payload["narrative_id"])
        OutboxTask.objects.filter(pk=task.pk).update(status=OutboxTask.Status.DONE)
    return len(tasks)
