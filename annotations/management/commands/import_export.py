"""Recreate a `json` export (from `manage.py export --format json`) in an empty team."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations import services
from annotations.errors import ServiceError
from annotations.management.lookups import team_named, user_named


class Command(BaseCommand):
    help = (
        "Import FILE (our JSON export; - for stdin) into the team SLUG, which must have no "
        "articles yet. All or nothing: on any error nothing is saved."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--team", required=True, help="Slug of the (empty) target team.")
        parser.add_argument("--user", help="Import as this user (must be an admin of the team).")

    def handle(self, *args, file: str, team: str, user: str | None, **options) -> None:
        team_obj = team_named(team, hint=" Create it first with add_member.")
        importer = user_named(user)
        try:
            if file == "-":
                data = json.load(sys.stdin)
            else:
                with Path(file).open(encoding="utf-8-sig") as handle:
                    data = json.load(handle)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text.") from None
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{file} is not valid JSON (line {error.lineno}, column {error.colno}: "
                f"{error.msg})."
            ) from None
        try:
            result = services.team_import_json(team=team_obj, data=data, actor=importer)
        except ServiceError as error:
            raise CommandError(error.message) from None
        self.stdout.write(self.style.SUCCESS(f"{team}: {result.message}"))
