"""Import every built-in instrument (questionnaires/instruments/*.json); safe to run repeatedly."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from questionnaires.management.commands.import_questionnaire import import_file

INSTRUMENTS_DIR = Path(__file__).resolve().parents[2] / "instruments"


class Command(BaseCommand):
    help = "Import and publish the built-in instruments; files already imported are left as they are."

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory",
            default=str(INSTRUMENTS_DIR),
            help="Where the *.json files are (default: built-in).",
        )

    def handle(self, *args, directory: str, **options):
        files = sorted(Path(directory).glob("*.json"))
        if not files:
            self.stdout.write(f"No instrument files in {directory}.")
            return
        failed = []
        for path in files:
            try:
                self.stdout.write(import_file(path, publish=True, stderr=self.stderr))
            except CommandError as exc:
                self.stderr.write(str(exc))
                failed.append(path.name)
        if failed:
            raise CommandError(f"Could not import {', '.join(failed)}; the other instruments were loaded.")
