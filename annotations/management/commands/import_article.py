"""Import articles from files and URLs into a team, reporting each failure and going on."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from annotations import services
from annotations.errors import NotAnArticle, ServiceError
from annotations.management.lookups import team_named, user_named
from annotations.models import Article, Team


def _is_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


class Command(BaseCommand):
    help = (
        "Import each PATH_OR_URL into the team; a URL that is already an article's becomes its "
        "new revision. Exits non-zero if any failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sources", nargs="+", metavar="PATH_OR_URL")
        parser.add_argument("--team", required=True, help="Team slug.")
        parser.add_argument("--user", help="Import as this user (checks their role).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Import pages that do not look like articles (too short, a login form, a "
            "list of links) instead of reporting them as failures.",
        )

    def handle(
        self,
        *args,
        sources: list[str],
        team: str,
        user: str | None,
        force: bool = False,
        **options,
    ) -> None:
        team_obj = team_named(team, hint=" Create it with add_member.")
        importer = user_named(user)

        created = existing = revised = 0
        failures: list[str] = []
        for index, source in enumerate(sources, start=1):
            self._progress(index - 1, len(sources), source)
            try:
                result = self._import(team_obj, importer, source, force=force)
            except (ServiceError, OSError) as error:
                message = getattr(error, "message", None) or str(error)
                if isinstance(error, NotAnArticle):
                    message = "not an article: " + " ".join(error.reasons) + " (--force imports it)"
                failures.append(source)
                self._clear_progress()
                self.stderr.write(f"FAILED {source}: {message}")
                continue
            if isinstance(result, services.RevisionResult):
                # A URL already in the team: the page's new version, its claims re-anchored.
                revised += result.created
                existing += not result.created
                self._clear_progress()
                self.stdout.write(f"{source}: {result.message}")
            elif result.created:
                created += 1
            else:
                existing += 1
                self._clear_progress()
                self.stdout.write(f"{source}: {result.message}")
        self._progress(len(sources), len(sources), "")
        self._clear_progress()
        new_revisions = f"{revised} new revision(s), " if revised else ""
        summary = (
            f"{created} imported, {new_revisions}{existing} already present, "
            f"{len(failures)} failed (of {len(sources)})."
        )
        if failures:
            self.stderr.write(self.style.ERROR(summary))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(summary))

    def _import(  # noqa: ANN001
        self, team: Team, user, source: str, *, force: bool
    ) -> services.ImportResult | services.RevisionResult:
        if _is_url(source):
            article = Article.objects.filter(team=team, url=source.strip()).order_by("id").first()
            if article is not None:
                return services.article_revise(article=article, actor=user, url=source)
            return services.article_import(team=team, actor=user, url=source, force=force)
        path = Path(source)
        if not path.is_file():
            raise ServiceError(f"No such file: {source}", code="not_found")
        return services.article_import(
            team=team, actor=user, file_name=path.name, file_data=path.read_bytes(), force=force
        )

    def _progress(self, done: int, total: int, current: str) -> None:
        """A one-line progress bar on stderr, redrawn in place."""
        width = 30
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "-" * (width - filled)
        label = current if len(current) <= 40 else "…" + current[-39:]
        self.stderr.write(f"\r[{bar}] {done}/{total} {label}".ljust(90), ending="")
        self.stderr.flush()

    def _clear_progress(self) -> None:
        self.stderr.write("\r" + " " * 90 + "\r", ending="")
        self.stderr.flush()
