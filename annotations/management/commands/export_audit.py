"""Export a team's audit log (every Event) as CSV or NDJSON, to stdout or a file, streamed."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.exports import audit as audit_export
from annotations.management.lookups import team_named, write_chunks


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} takes a date as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Export a team's audit log as csv (one row per changed field) or ndjson (one event per "
        "line), oldest first, to stdout or --output FILE. --since and --until are whole days "
        "(both included)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", required=True, help="Team slug.")
        parser.add_argument("--format", required=True, choices=list(audit_export.FORMATS))
        parser.add_argument("--since", help="First day to include (YYYY-MM-DD).")
        parser.add_argument("--until", help="Last day to include (YYYY-MM-DD).")
        parser.add_argument("--output", "-o", help="Write to this file instead of stdout.")

    def handle(
        self,
        *args,
        team: str,
        format: str,  # noqa: A002 - the option's public name
        since: str | None,
        until: str | None,
        output: str | None,
        **options,
    ) -> None:
        team_obj = team_named(team)
        chunks = audit_export.stream(
            team_obj, format, since=_day(since, "--since"), until=_day(until, "--until")
        )
        write_chunks(self, chunks, output)
