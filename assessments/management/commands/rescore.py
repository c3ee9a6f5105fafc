"""Score every submitted session of a questionnaire version again, in batches, with progress."""

from django.core.management.base import BaseCommand, CommandError

from assessments import services
from questionnaires import selectors


class Command(BaseCommand):
    help = "Re-score every submitted session of a questionnaire version (default: the active one)."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `--version N` picks a questionnaire version; it replaces Django's "--version".
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Questionnaire slug, e.g. ipip-neo-120.")
        parser.add_argument(
            "--version", dest="number", type=int, help="Version number (default: the active one)."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=services.SCORE_BATCH_SIZE,
            help=f"Runs scored per transaction (default {services.SCORE_BATCH_SIZE}).",
        )

    def handle(self, *args, slug: str, number: int | None, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if number is None:
            version = selectors.version_active(questionnaire_slug=slug)
            if version is None:
                raise CommandError(f'Questionnaire "{slug}" has no active version; pass --version N.')
        else:
            version = selectors.version_get(questionnaire_slug=slug, number=number)
            if version is None:
                raise CommandError(f'Questionnaire "{slug}" has no version {number}.')

        def progress(done: int, total: int) -> None:
            width = 30
            filled = width * done // total
            self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}", ending="")
            self.stderr.flush()

        count = services.version_rescore(version=version, batch_size=batch_size, progress=progress)
        if count:
            self.stderr.write("")
        self.stdout.write(f"Re-scored {count:,} sessions of {version}.")
