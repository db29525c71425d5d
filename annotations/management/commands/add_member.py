"""Add a user to a team with a role (creating the team, and with --create the user)."""

from __future__ import annotations

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.text import slugify

from annotations import services
from annotations.errors import ServiceError
from annotations.models import Role, Team


class Command(BaseCommand):
    help = "Give USERNAME a role in a team. Creates the team if it does not exist."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--team", required=True, help="Team slug (created if missing).")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--create",
            action="store_true",
            help="Also create the user; password from FACTCHECK_PASSWORD or a prompt.",
        )

    def handle(self, *args, username: str, team: str, role: str, create: bool, **options) -> None:
        slug = slugify(team)
        if not slug or slug != team:
            raise CommandError(f"{team!r} is not a valid team slug (try {slug!r}).")
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None and not create:
            raise CommandError(f"No user {username!r}. Add --create to create it.")
        password = None
        if user is None:
            password = self._password(username)
        with transaction.atomic():
            if user is None:
                user = User.objects.create_user(username=username, password=password)
                self.stdout.write(f"Created user {username}.")
            team_obj = Team.objects.filter(slug=slug).first()
            if team_obj is None:
                team_obj = services.team_create(name=slug.replace("-", " ").title(), slug=slug)
                self.stdout.write(f"Created team {slug} with the default rating scale.")
            try:
                services.membership_set(team=team_obj, user=user, role=role)
            except ServiceError as error:
                raise CommandError(error.message) from None
        self.stdout.write(self.style.SUCCESS(f"{username} is {role} in {slug}."))

    def _password(self, username: str) -> str:
        password = os.environ.get("FACTCHECK_PASSWORD")
        if password is None:
            if not os.isatty(0):
                raise CommandError(
                    "Set FACTCHECK_PASSWORD, or run in a terminal to be asked for a password."
                )
            password = getpass.getpass(f"Password for {username}: ")
            if password != getpass.getpass("Again: "):
                raise CommandError("The passwords do not match.")
        try:
            validate_password(password, get_user_model()(username=username))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        return password
