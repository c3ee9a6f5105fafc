"""Re-embed narratives through the outbox, e.g. after a change of embedding model."""

from __future__ import annotations

import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from assessments.models import SubjectProfile
from personas.models import Narrative
from personas.services import narratives as services


class Command(BaseCommand):
    help = (
        "Enqueue embedding tasks (through the outbox) for narratives without a vector of the "
        "configured embedding model — or for every narrative with --all. Vectors already stored "
        "stay searchable until their replacement arrives."
    )

    def add_arguments(self, parser):
        parser.add_argument("--subject", help="Only this subject's narratives (its UUID).")
        parser.add_argument(
            "--all", action="store_true", help="Every narrative, even those embedded by the configured model."
        )
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Tasks per transaction (default 500)."
        )

    def handle(self, *args, subject: str | None, all: bool, batch_size: int, **options):  # noqa: A002
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        model = services.configured_embedding_model()
        narratives = Narrative.objects.all()
        if subject:
            try:
                subject_id = uuid.UUID(subject)
            except ValueError:
                raise CommandError(f"--subject must be a UUID, got {subject!r}.") from None
            if not SubjectProfile.objects.filter(pk=subject_id).exists():
                raise CommandError(f"There is no subject {subject_id}.")
            narratives = narratives.filter(subject_id=subject_id)
        if not all:
            narratives = narratives.filter(~Q(embedding_model=model) | Q(embedding__isnull=True))
        ids = list(narratives.order_by("created_at", "id").values_list("id", flat=True))
        total = len(ids)
        what = "narratives" if all else f"narratives without a {model} embedding"
        if not total:
            self.stdout.write(f"Nothing to do: no {what}.")
            return
        self.stdout.write(f"Enqueuing embedding tasks for {total} {what} (model {model}).")
        done = 0
        for start in range(0, total, batch_size):
            done += services.narrative_request_reembed(narrative_ids=ids[start : start + batch_size])
            self.stdout.write(f"{done} of {total} enqueued")
        self.stdout.write(
            self.style.SUCCESS(f"Done: {done} of {total} enqueued; the outbox workers embed them.")
        )
