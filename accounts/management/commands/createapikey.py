"""Create an API key for a user from the shell: manage.py createapikey --email E --name N."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import User


class Command(BaseCommand):
    help = "Create an API key for the user with the given email and print it (shown only once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", required=True, help="Email address of the key's owner.")
        parser.add_argument("--name", required=True, help="A name that says where the key is used.")

    def handle(self, *args, email: str, name: str, **options) -> None:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user has the email address {email!r}.")
        if not user.is_active:
            raise CommandError(f"The account {user.email} is deactivated; its API keys would not work.")
        try:
            api_key, raw_key = services.api_key_create(user=user, name=name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(raw_key)
        self.stderr.write(
            f"Created API key “{api_key.name}” ({api_key.prefix}) for {user.email}. "
            "Store it now: it will not be shown again."
        )
