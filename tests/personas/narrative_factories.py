"""Helpers for the narrative tests: subjects, random unit vectors, and running embedding tasks."""

from __future__ import annotations

import numpy as np

from assessments import services as assessment_services
from personai.outbox import OutboxTask
from personas.models import Narrative
from personas.services import narratives as services

DIMENSIONS = 384


def own_subject(user):
    return assessment_services.subject_get_or_create_for_user(user=user)


def unit_vectors(n: int, *, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, DIMENSIONS))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def bulk_narratives(subject, vectors, *, model: str = "bench-model", type_for=None, tags_for=None):
    """Insert narratives with precomputed vectors (no model, no outbox)."""
    rows = [
        Narrative(
            subject=subject,
            narrative_type=type_for(i) if type_for else Narrative.NarrativeType.SELF_OBSERVATION,
            raw_text=f"narrative {i}",
            tags=tags_for(i) if tags_for else [],
            embedding=vector.tolist(),
            embedding_model=model,
        )
        for i, vector in enumerate(vectors)
    ]
    return Narrative.objects.bulk_create(rows, batch_size=500)


def pending_embed_tasks() -> list[OutboxTask]:
    return list(
        OutboxTask.objects.filter(task_type=services.EMBED_TASK, status=OutboxTask.Status.PENDING).order_by(
            "created_at"
        )
    )


def run_embed_tasks() -> int:
    """Run every pending embedding task's work synchronously (as the worker would); return how many."""
    tasks = pending_embed_tasks()
    for task in tasks:
        services.narrative_embed(narrative_id=task.payload["narrative_id"])
        OutboxTask.objects.filter(pk=task.pk).update(status=OutboxTask.Status.DONE)
    return len(tasks)
