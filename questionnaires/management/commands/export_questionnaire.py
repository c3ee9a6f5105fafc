"""Write one questionnaire version as a JSON file (docs/questionnaire-format.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from questionnaires import importing, selectors


class Command(BaseCommand):
    help = "Export a questionnaire version (default: the active one) as personai.questionnaire/1 JSON."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `--version N` picks a questionnaire version; it replaces Django's "--version" (print Django's).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Questionnaire slug, e.g. ipip-neo-120.")
        parser.add_argument(
            "--version", dest="number", type=int, help="Version number (default: the active one)."
        )
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")

    def handle(self, *args, slug: str, number: int | None, output: str | None, **options):
        if number is None:
            version = selectors.version_active(questionnaire_slug=slug)
            if version is None:
                raise CommandError(f'Questionnaire "{slug}" has no active version; pass --version N.')
        else:
            version = selectors.version_get(questionnaire_slug=slug, number=number)
            if version is None:
                raise CommandError(f'Questionnaire "{slug}" has no version {number}.')
        text = importing.export_json(version)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {version} to {output}")
        else:
            self.stdout.write(text, ending="")
