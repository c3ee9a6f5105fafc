"""Read one questionnaire file; idempotent, and all-or-nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from questionnaires import importing


class Command(BaseCommand):
    help = "Import a personai.questionnaire/1 JSON file and publish it (or keep it a draft with --draft)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the JSON file.")
        parser.add_argument("--draft", action="store_true", help="Import without publishing.")

    def handle(self, *args, file: str, draft: bool, **options):
        self.stdout.write(import_file(Path(file), publish=not draft, stderr=self.stderr))


def import_file(path: Path, *, publish: bool, stderr) -> str:
    """Import one file and return the line to print; on errors print them all and raise CommandError."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
    try:
        result = importing.import_json(text, publish=publish)
    except importing.ImportValidationError as exc:
        for error in exc.errors:
            stderr.write(error)
        count = len(exc.errors)
        raise CommandError(
            f"{path}: {count} error{'s' if count != 1 else ''}; nothing was imported."
        ) from exc
    version = result.version
    label = f"{version.questionnaire.slug} v{version.version}"
    if result.created:
        return f"Imported {label}" + ("" if version.published_at else " (draft)")
    if result.updated:
        return f"{label} is already up to date; updated its questionnaire and analysis model details"
    return f"{label} is already up to date"
