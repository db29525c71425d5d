"""Export a team's (or one article's) claims to stdout or a file, streamed."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.exports import streams
from annotations.exports.claims import base_url
from annotations.management.lookups import team_named, write_chunks
from annotations.models import Article, Team


class Command(BaseCommand):
    help = (
        "Export the claims of a team (or of one article) as json, csv, ndjson, w3c or "
        "claimreview, to stdout or --output FILE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", required=True, help="Team slug.")
        parser.add_argument("--format", required=True, choices=list(streams.FORMATS))
        parser.add_argument("--article", type=int, help="Export only this article (its id).")
        parser.add_argument("--output", "-o", help="Write to this file instead of stdout.")
        parser.add_argument(
            "--include-archived",
            action="store_true",
            help="Include the team's archived articles (left out otherwise).",
        )

    def handle(
        self,
        *args,
        team: str,
        format: str,  # noqa: A002 - the option's public name
        article: int | None,
        output: str | None,
        include_archived: bool = False,
        **options,
    ) -> None:
        team_obj = team_named(team)
        article_obj = None
        if article is not None:
            article_obj = Article.objects.filter(team=team_obj, pk=article).first()
            if article_obj is None:
                raise CommandError(f"No article {article} in team {team!r}.")
        chunks = streams.FORMATS[format].stream(
            team_obj, article=article_obj, base_url=base_url(), include_archived=include_archived
        )
        write_chunks(self, chunks, output)
        self._summary(format, team_obj, article_obj, include_archived)

    def _summary(
        self, fmt: str, team: Team, article: Article | None, include_archived: bool
    ) -> None:
        """For ClaimReview: how many reviews lack a public URL (on stderr, beside the file)."""
        if fmt != "claimreview":
            return
        missing = streams.without_public_url(
            team, article=article, include_archived=include_archived
        )
        if missing:
            self.stderr.write(
                f"{missing} claim review{'s have' if missing != 1 else ' has'} no public URL "
                "(no `url`): search engines ignore "
                f"{'them' if missing != 1 else 'it'}. Set the public URL on the claim, or a "
                "URL pattern in the team's publishing settings."
            )
        else:
            self.stderr.write("Every claim review has a public URL.")
