""" "Yours or 404": the team-scoped lookups every page and endpoint starts from. An object outside
the caller's teams is NotFound, never Forbidden, so its existence does not leak.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Count,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from annotations.models import (
    Article,
    Claim,
    Membership,
    Team,
)


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
        .defer("text", "blocks", "links")
    )


def article_for_user(user: AbstractBaseUser, pk: int) -> Article:
    """One article the user may see; anything else is a 404, never a 403."""
    article = (
        Article.objects.filter(pk=pk, team__memberships__user=user)
        .select_related("team", "imported_by", "archived_by")
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


def claim_for_user(user: AbstractBaseUser, pk: int) -> Claim:
    """One claim in the user's teams, with its article and team; anything else is a 404."""
    claim = (
        Claim.objects.filter(pk=pk, article__team__memberships__user=user)
        .select_related("article__team", "created_by", "final_verdict__rating")
        .first()
        if user.is_authenticated
        else None
    )
    if claim is None:
        raise Http404("No such claim.")
    return claim


def claim_by_number(user: AbstractBaseUser, slug: str, number: int) -> Claim:
    """The claim with this number (#123) in a team of the user's; anything else is a 404."""
    claim = (
        Claim.objects.filter(team__slug=slug, number=number, team__memberships__user=user)
        .only("id", "article_id", "start")
        .first()
        if user.is_authenticated and 0 < number < 2**31
        else None
    )
    if claim is None:
        raise Http404(f"No claim #{number} in this team.")
    return claim
