"""Print a new API token for a user (shown once: only its hash is stored)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations import services
from annotations.errors import ServiceError


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it. It cannot be shown again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--name", default="command line", help="A label, to tell your tokens apart."
        )

    def handle(self, *args, username: str, name: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username} is inactive: a token would not work.")
        try:
            token, raw = services.token_create(actor=user, name=name)
        except ServiceError as error:
            raise CommandError(error.message) from None
        # The token alone on stdout, so `TOKEN=$(manage.py api_token alice)` works.
        self.stdout.write(raw)
        self.stderr.write(
            f"Token “{token.name}” for {username} ({token.key_prefix}…). Keep it secret: it "
            "cannot be shown again. Use it as `Authorization: Token <token>`."
        )
