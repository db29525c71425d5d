"""Export a team's audit log (every Event) as CSV or NDJSON, to stdout or a file, streamed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.exports import audit as audit_export
from annotations.models import Team


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
        team_obj = Team.objects.filter(slug=team).first()
        if team_obj is None:
            raise CommandError(f"No team {team!r}.")
        chunks = audit_export.stream(
            team_obj, format, since=_day(since, "--since"), until=_day(until, "--until")
        )
        if output is None:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            self.stdout.flush()
            return
        target = Path(output)
        try:
            # newline="": the CSV's CRLF line ends are written as they are.
            with target.open("w", encoding="utf-8", newline="") as handle:
                for chunk in chunks:
                    handle.write(chunk)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror or error}.") from None
        self.stderr.write(f"Wrote {target} ({target.stat().st_size:,} bytes).")
