"""Load the demo desk: team `demo`, one user per role, the demo article and example claims.

Idempotent: running it again resets the demo passwords and adds only what is missing.
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

from annotations import assignments, services
from annotations.models import Role, Team

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DEMO_USERS = [Role.ADMIN, Role.EDITOR, Role.REVIEWER, Role.VIEWER]


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

        text = (FIXTURES / "demo_article.txt").read_text(encoding="utf-8")
        result = services.article_import(team=team, user=users["editor"], text=text, title="")
        article = result.article
        if result.created:
            article.language = "en"
            article.save(update_fields=["language"])
        if not article.claims.exists():
            self._add_claims(article, users)

        self.stdout.write(self.style.SUCCESS(f"Demo desk ready: {article.title!r}."))
        self.stdout.write(
            f"Log in as admin, editor, reviewer or viewer with password {password!r}."
        )

    def _add_claims(self, article, users) -> None:  # noqa: ANN001
        examples = json.loads((FIXTURES / "demo_claims.json").read_text(encoding="utf-8"))
        for example in examples:
            verdicts = example["verdicts"]
            first = verdicts[0]
            claim = services.claim_create(
                article=article,
                user=users[first["reviewer"]],
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
                    user=users[verdict["reviewer"]],
                    rating=verdict["rating"],
                    rationale=verdict["rationale"],
                )
        # A short discussion on the first claim; its mention gives the editor a notification.
        first_claim = article.claims.order_by("start", "end", "id").first()
        if first_claim is not None:
            question = services.comment_add(
                claim=first_claim,
                user=users["reviewer"],
                body="@editor the estimates differ: which source do we rate this against?",
            )
            services.comment_add(
                claim=first_claim,
                user=users["editor"],
                body="The official briefing; add it as a source and mention the others.",
                reply_to=question,
            )
            # Submitted for review, so it waits in the editor's queue.
            services.claim_transition(claim=first_claim, user=users["reviewer"], to="in_review")
        # The article is the reviewer's to finish, due in three days.
        assignments.assign_article(
            article=article,
            assignee=users["reviewer"],
            due_on=timezone.localdate() + timedelta(days=3),
            by=users["editor"],
        )
