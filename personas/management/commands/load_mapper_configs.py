"""Load the built-in mapper configurations (personas/builtin/*.json); safe to run repeatedly."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from personas.builtin import BUILTIN_DIR, load_builtin_mappers
from personas.services.mappers import MapperError


class Command(BaseCommand):
    help = "Load and activate the built-in mapper configurations; unchanged files add nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory", default=str(BUILTIN_DIR), help="Where the *.json files are (default: built-in)."
        )

    def handle(self, *args, directory: str, **options):
        try:
            results = load_builtin_mappers(Path(directory))
        except MapperError as exc:
            errors = getattr(exc, "errors", None)
            raise CommandError(f"{exc.message} {errors or ''}".strip()) from exc
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if not results:
            self.stdout.write(f"No mapper files in {directory}.")
        for result in results:
            self.stdout.write(str(result))
