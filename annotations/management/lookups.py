"""What the commands share: finding the team and user named on the command line, and writing
an export to stdout or a file."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError

from annotations.models import Team


def team_named(slug: str, *, hint: str = "") -> Team:
    """The team with this slug; a CommandError saying so (and `hint`) when there is none."""
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise CommandError(f"No team {slug!r}.{hint}")
    return team


def user_named(username: str | None) -> AbstractBaseUser | None:
    """The user --user names (None when it is not given); a CommandError when there is none."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user {username!r}.")
    return user


def write_chunks(command: BaseCommand, chunks: Iterable[str], output: str | None) -> None:
    """Write an export to stdout, or to the file `output` (its size then said on stderr)."""
    if output is None:
        for chunk in chunks:
            command.stdout.write(chunk, ending="")
        command.stdout.flush()
        return
    target = Path(output)
    try:
        # newline="": the CSV's CRLF line ends are written as they are.
        with target.open("w", encoding="utf-8", newline="") as handle:
            for chunk in chunks:
                handle.write(chunk)
    except OSError as error:
        raise CommandError(f"Cannot write {output}: {error.strerror or error}.") from None
    command.stderr.write(f"Wrote {target} ({target.stat().st_size:,} bytes).")
