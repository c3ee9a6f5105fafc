"""Load every app's built-in data idempotently (run by ``make run`` after migrating)."""

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

# Loader commands in the order they must run; each is idempotent and may not exist yet.
BUILTIN_LOADERS = ["load_instruments", "load_mapper_configs"]


class Command(BaseCommand):
    help = "Load built-in instruments and configuration (idempotent)."

    def handle(self, *args, **options):
        available = get_commands()
        for loader in BUILTIN_LOADERS:
            if loader in available:
                call_command(loader, stdout=self.stdout, stderr=self.stderr)
