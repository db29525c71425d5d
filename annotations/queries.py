"""Read-side query shaping: team-scoped querysets that pre-join what pages and the API show."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from .models import Article, Claim, Membership, Rating, Source, Team, Verdict


def teams_for(user: AbstractBaseUser) -> QuerySet[Team]:
    if not user.is_authenticated:
        return Team.objects.none()
    return Team.objects.filter(memberships__user=user)


def articles_for(user: AbstractBaseUser) -> QuerySet[Article]:
    """Articles in the user's teams, with what the article list shows."""
    if not user.is_authenticated:
        return Article.objects.none()
    # A correlated subquery counts claims only for the rows on the page, where a join with
    # GROUP BY would count them for every article before paginating.
    claim_count = (
        Claim.objects.filter(article=OuterRef("pk"))
        .order_by()
        .values("article")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Article.objects.filter(team__in=teams_for(user))
        .select_related("team")
        .annotate(claim_count=Coalesce(Subquery(claim_count), 0))
        .defer("text", "blocks")
    )


def article_for_user(user: AbstractBaseUser, pk: int) -> Article:
    """One article the user may see; anything else is a 404, never a 403."""
    article = (
        Article.objects.filter(pk=pk, team__memberships__user=user)
        .select_related("team", "imported_by")
        .first()
        if user.is_authenticated
        else None
    )
    if article is None:
        raise Http404("No such article.")
    return article


def membership(user: AbstractBaseUser, team: Team) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, team=team).first()


def current_verdicts() -> Prefetch:
    return Prefetch(
        "verdicts",
        queryset=Verdict.objects.filter(is_current=True).select_related("rating", "reviewer"),
        to_attr="current_verdicts",
    )


def claims_for_article(article: Article) -> QuerySet[Claim]:
    """The article's claims in text order (orphans last) with verdicts and sources."""
    return (
        Claim.objects.filter(article=article)
        .select_related("created_by", "final_verdict__rating")
        .prefetch_related(
            current_verdicts(),
            Prefetch("sources", queryset=Source.objects.order_by("created_at", "id")),
        )
        .order_by("start", "end", "id")
    )


def active_ratings(team: Team) -> QuerySet[Rating]:
    return Rating.objects.filter(team=team, active=True).order_by("order", "id")
