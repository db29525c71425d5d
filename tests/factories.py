"""factory_boy factories. Teams come with the default rating scale, as in the product."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from annotations import services
from annotations.models import (
    Article,
    ArticleAssignment,
    Claim,
    Comment,
    Membership,
    Role,
    Team,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    """Built through the service so every team has its rating scale."""

    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Desk {n}")
    slug = factory.Sequence(lambda n: f"desk-{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.team_create(name=kwargs["name"], slug=kwargs["slug"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Role.REVIEWER


SAMPLE_TEXT = (
    "Troops in Kursk\n\n"
    "President Zelensky said that 11.000 North Korean soldiers had arrived in the region.\n\n"
    "The Pentagon estimated that there are 10.000 North Korean soldiers in the Kursk region."
)
QUOTE = "11.000 North Korean soldiers"  # in SAMPLE_TEXT once


def make_article(team: Team, text: str = SAMPLE_TEXT, title: str = "") -> Article:
    result = services.article_import(team=team, actor=None, text=text, title=title)
    return result.article


def make_discussed_claim(team: Team, actor) -> tuple[Article, Claim, Comment]:
    """An article of `team` with one draft claim on QUOTE by `actor`, who gave it a verdict,
    a source and a comment (the claim is read again after the comment)."""
    article = make_article(team)
    claim = services.claim_create(
        article=article,
        actor=actor,
        exact=QUOTE,
        claimant="Zelensky",
        rating="mostly-true",
        rationale="Close to other estimates.",
        sources=[{"url": "https://example.org/kursk", "title": "Kursk report"}],
    )
    comment = services.comment_add(claim=claim, actor=actor, body="Check the Pentagon.")
    claim.refresh_from_db()
    return article, claim, comment


def days(n: int) -> date:
    """The date `n` days from today (before it when `n` is negative)."""
    return timezone.localdate() + timedelta(days=n)


def fill_queue(desk: Any, to: int, *, actor: Any, first_due: int) -> None:
    """Articles of the desk's team, each with the reviewer's claim waiting for review, both
    assigned to the desk's editor by `actor`, until the team has `to` article assignments; the
    one numbered n (from 0) is due `days(n + first_due)`."""
    for number in range(ArticleAssignment.objects.count(), to):
        article = make_article(desk.team, text=f"Story {number}: {QUOTE}.")
        claim = services.claim_create(article=article, actor=desk.reviewer, exact=QUOTE)
        services.claim_transition(claim=claim, actor=desk.reviewer, to="in_review")
        services.article_assign(
            article=article, assignee=desk.editor, due_on=days(number + first_due), actor=actor
        )
        services.claim_assign(claim=claim, assignee=desk.editor, actor=actor)


def make_claim_in_review(article: Article, reviewer: Any) -> Claim:
    """The reviewer's claim on QUOTE (Zelensky's, rated half true), submitted for review."""
    claim = services.claim_create(
        article=article, actor=reviewer, exact=QUOTE, claimant="Zelensky", rating="half-true"
    )
    services.claim_transition(claim=claim, actor=reviewer, to="in_review")
    claim.refresh_from_db()
    return claim
