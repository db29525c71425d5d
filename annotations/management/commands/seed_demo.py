"""Load the demo desk: team `demo`, one user per role, the demo article and example claims.

Idempotent: running it again resets the demo passwords and adds only what is missing.

The demo shows a desk as it should work: the team's publishing settings are filled (an example
organisation at example.org addresses), two example claims are published at their public URLs
(from the team's pattern), so the demo's ClaimReview export is publishable as it is.

The article is the project's seed text (shared/articles/), without the leftovers of the page
it was scraped from (a view counter, a photo caption twice, a translation disclaimer, "Bonus
video:", a stray "=" of an encoded line break). Its metadata: the title is its headline and its
language English (a translation); the text names no publisher, author, date or address, so
those are not invented: publisher, author and date stay empty, and its original URL is an
example.org stand-in, as the demo's own addresses are.

A database seeded before the text was cleaned is upgraded: the cleaned text becomes the demo
article's next revision (its claims re-anchored, every quote is still in the text), and the
example claims still in draft are published.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from annotations import services
from annotations.models import Article, ArticleRevision, ClaimStatus, Role, Team

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DEMO_USERS = [Role.ADMIN, Role.EDITOR, Role.REVIEWER, Role.VIEWER]

# What the demo article says about itself (see the module docstring: nothing invented).
ARTICLE_URL = "https://news.example.org/world/zelensky-north-korean-soldiers-kursk-11000"
ARTICLE_LANGUAGE = "en"
# The example organisation that publishes the demo desk's fact checks.
PUBLISHING = {
    "organisation_name": "Example Fact Check",
    "site_url": "https://factcheck.example.org/",
    "logo_url": "https://factcheck.example.org/logo.png",
    "public_url_pattern": "https://factcheck.example.org/fact-checks/{claim}",
}
# The content hash of the demo text as seeded before it was cleaned: such an article gets
# the cleaned text as a new revision.
LEGACY_TEXT_HASHES = frozenset({"ab5dffa2010cb260c78115d9789858a889b1f1572675071c1cc06bf36a8324d0"})


class Command(BaseCommand):
    help = "Create (or refresh) the demo team, its users and the demo article with claims."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        password = settings.DEMO_PASSWORD
        team = Team.objects.filter(slug="demo").first()
        if team is None:
            team = services.team_create(name="Demo desk", slug="demo")
        users = {}
        User = get_user_model()
        for role in DEMO_USERS:
            user, _ = User.objects.get_or_create(
                username=role.value, defaults={"email": f"{role.value}@example.org"}
            )
            user.set_password(password)
            if role == Role.ADMIN:
                user.is_staff = True
                user.is_superuser = True
            user.save()
            services.membership_set(team=team, user=user, role=role)
            users[role.value] = user

        self._publishing(team, users["admin"])
        article = self._article(team, users)
        examples = json.loads((FIXTURES / "demo_claims.json").read_text(encoding="utf-8"))
        if not article.claims.exists():
            self._add_claims(article, users, examples)
        self._publish_examples(article, users, examples)

        self.stdout.write(self.style.SUCCESS(f"Demo desk ready: {article.title!r}."))
        self.stdout.write(
            f"Log in as admin, editor, reviewer or viewer with password {password!r}."
        )

    def _publishing(self, team: Team, admin) -> None:  # noqa: ANN001
        """The example organisation, unless the team's settings were filled in already."""
        if not any(getattr(team, field) for field in PUBLISHING):
            services.team_publishing_update(team=team, actor=admin, **PUBLISHING)

    def _article(self, team: Team, users) -> Article:  # noqa: ANN001
        text = (FIXTURES / "demo_article.txt").read_text(encoding="utf-8")
        legacy = (
            Article.objects.filter(team=team, content_hash__in=LEGACY_TEXT_HASHES)
            .order_by("id")
            .first()
        )
        if legacy is not None:
            services.article_revise(article=legacy, actor=None, text=text)
            article = Article.objects.get(pk=legacy.pk)
            self.stdout.write("Loaded the cleaned demo text as a new revision of the article.")
        else:
            article = services.article_import(
                team=team, actor=users["editor"], text=text, title=""
            ).article
        # Fill what is missing only: an edit made in the demo stays.
        missing = {
            field: value
            for field, value in (("url", ARTICLE_URL), ("language", ARTICLE_LANGUAGE))
            if not getattr(article, field)
        }
        if missing:
            article = services.article_update(actor=users["editor"], article=article, **missing)
            if "url" in missing:
                ArticleRevision.objects.filter(article=article, source_url="").update(
                    source_url=ARTICLE_URL
                )
        return article

    def _add_claims(self, article, users, examples) -> None:  # noqa: ANN001
        for example in examples:
            verdicts = example["verdicts"]
            first = verdicts[0]
            claim = services.claim_create(
                article=article,
                actor=users[first["reviewer"]],
                exact=example["exact"],
                prefix=example.get("prefix", ""),
                claimant=example["claimant"],
                summary=example["summary"],
                rating=first["rating"],
                rationale=first["rationale"],
                sources=example["sources"],
            )
            for verdict in verdicts[1:]:
                services.verdict_set(
                    claim=claim,
                    actor=users[verdict["reviewer"]],
                    rating=verdict["rating"],
                    rationale=verdict["rationale"],
                )
        # A short discussion on the first claim; its mention gives the editor a notification.
        first_claim = article.claims.order_by("start", "end", "id").first()
        if first_claim is not None:
            question = services.comment_add(
                claim=first_claim,
                actor=users["reviewer"],
                body="@editor the estimates differ: which source do we rate this against?",
            )
            services.comment_add(
                claim=first_claim,
                actor=users["editor"],
                body="The official briefing; add it as a source and mention the others.",
                reply_to=question,
            )
            # Submitted for review, so it waits in the editor's queue.
            services.claim_transition(claim=first_claim, actor=users["reviewer"], to="in_review")
        # The article is the reviewer's to finish, due in three days.
        services.article_assign(
            article=article,
            assignee=users["reviewer"],
            due_on=timezone.localdate() + timedelta(days=3),
            actor=users["editor"],
        )

    def _publish_examples(self, article, users, examples) -> None:  # noqa: ANN001
        """The examples marked "publish", still in draft: submitted by their author, approved
        by the editor with the editor's own verdict, and published at the team's pattern."""
        editor = users["editor"]
        for example in examples:
            if not example.get("publish"):
                continue
            claim = article.claims.filter(exact=example["exact"]).first()
            if claim is None or claim.status != ClaimStatus.DRAFT:
                continue
            author = claim.created_by or editor
            services.claim_transition(claim=claim, actor=author, to=ClaimStatus.IN_REVIEW)
            services.claim_transition(claim=claim, actor=editor, to=ClaimStatus.APPROVED)
            services.claim_transition(claim=claim, actor=editor, to=ClaimStatus.PUBLISHED)
