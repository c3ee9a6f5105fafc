"""Queue embeddings (through the outbox) for messages and artifacts that have none of the
configured model: rows written before search existed, by bulk inserts, or by another model."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from chat.search import indexing


class Command(BaseCommand):
    help = (
        "Enqueue embedding tasks for user/assistant messages and ready artifacts without a vector of "
        "the configured embedding model, in batches of --batch-size per transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=1_000, help="Tasks per transaction (default 1000)."
        )

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        total = indexing.embeddings_backfill(batch_size=batch_size)
        self.stdout.write(f"Queued {total} embedding task(s).")
