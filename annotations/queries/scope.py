""" "Yours or 404": the team-scoped lookups every page and endpoint starts from. An object outside
the caller's teams is NotFound, never Forbidden, so its existence does not leak.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Count,
    Model,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from annotations.models import (
    Article,
    Claim,
    Comment,
    Membership,
    Notification,
    Source,
    Team,
)

# The largest id a database column holds: larger values are refused as invalid, not sent on.
MAX_ID = 2**63 - 1


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


# --- one lookup per object kind: yours, or a 404 -----------------------------------------------
#
# Anything outside the user's teams is a 404, never a 403: an outsider learns nothing, not even
# that it exists. Each lookup shapes its queryset for the pages by default; `prepare` gives
# another shape (the API's prefetches and counts, or just the team for a write).

M = TypeVar("M", bound=Model)
# A queryset's shape: what to select, prefetch or annotate with the object.
Shape = Callable[[QuerySet[M]], QuerySet[M]] | None


def valid_id(pk: object) -> int:
    """`pk` as a database id; anything else (not a number, out of range) is a 404."""
    try:
        value = int(pk)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Http404("Not found.") from None
    if not 1 <= value <= MAX_ID:
        raise Http404("Not found.")
    return value


def _first_or_404(queryset: QuerySet[M], prepare: Shape[M], message: str) -> M:
    found = (prepare(queryset) if prepare is not None else queryset).first()
    if found is None:
        raise Http404(message)
    return found


def role_annotated(teams: QuerySet[Team], user: AbstractBaseUser) -> QuerySet[Team]:
    """The teams, each with the user's role in it as `my_role`."""
    role = Membership.objects.filter(team=OuterRef("pk"), user=user).values("role")[:1]
    return teams.annotate(my_role=Subquery(role))


def team_for_user(user: AbstractBaseUser, slug: str, *, with_role: bool = False) -> Team:
    """A team of the user's (any role), by its slug; `with_role`: with the user's role in it
    as `my_role`."""
    teams = teams_for(user).filter(slug=slug)
    return _first_or_404(role_annotated(teams, user) if with_role else teams, None, "No such team.")


def membership_for_user(user: AbstractBaseUser, slug: str) -> Membership:
    """The user's membership of the team named by `slug`, with the team."""
    memberships = (
        Membership.objects.filter(user=user, team__slug=slug).select_related("team")
        if user.is_authenticated
        else Membership.objects.none()
    )
    return _first_or_404(memberships, None, "No such team.")


def membership(user: AbstractBaseUser, team: Team) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, team=team).first()


def article_for_user(
    user: AbstractBaseUser, pk: object, *, prepare: Shape[Article] = None
) -> Article:
    """One article of the user's teams, archived ones included; by default with its team and
    the people the page names."""
    articles = (
        Article.objects.filter(pk=valid_id(pk), team__memberships__user=user)
        if user.is_authenticated
        else Article.objects.none()
    )
    if prepare is None:
        articles = articles.select_related("team", "imported_by", "archived_by")
    return _first_or_404(articles, prepare, "No such article.")


def claim_for_user(user: AbstractBaseUser, pk: object, *, prepare: Shape[Claim] = None) -> Claim:
    """One claim of the user's teams; by default with its article, team, author and final
    verdict."""
    claims = (
        Claim.objects.filter(pk=valid_id(pk), article__team__memberships__user=user)
        if user.is_authenticated
        else Claim.objects.none()
    )
    if prepare is None:
        claims = claims.select_related("article__team", "created_by", "final_verdict__rating")
    return _first_or_404(claims, prepare, "No such claim.")


def claim_by_number(user: AbstractBaseUser, slug: str, number: int) -> Claim:
    """The claim with this number (#123) in a team of the user's."""
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


def _on_claim_for_user(rows: QuerySet[M], user: AbstractBaseUser, pk: object, message: str) -> M:
    """One of `rows` on a claim of the user's teams (none for an anonymous user)."""
    if not user.is_authenticated:
        return _first_or_404(rows.none(), None, message)
    rows = rows.filter(pk=valid_id(pk), claim__article__team__memberships__user=user)
    return _first_or_404(rows, None, message)


def _on_claim(rows: QuerySet[M], claim: Claim, pk: object, message: str) -> M:
    """One of `rows` on `claim` (one the caller has already found through claim_for_user)."""
    found = _first_or_404(rows.filter(claim=claim, pk=valid_id(pk)), None, message)
    found.claim = claim
    return found


def comment_for_user(user: AbstractBaseUser, pk: object) -> Comment:
    """A comment on a claim of the user's teams, with its claim, article, team and author."""
    comments = Comment.objects.select_related("claim__article__team", "author")
    return _on_claim_for_user(comments, user, pk, "No such comment.")


def comment_of(claim: Claim, pk: object) -> Comment:
    """A comment on `claim` (one the caller has already found through claim_for_user)."""
    comments = Comment.objects.select_related("author")
    return _on_claim(comments, claim, pk, "No such comment on this claim.")


def source_for_user(user: AbstractBaseUser, pk: object) -> Source:
    """An evidence source on a claim of the user's teams, with its claim, article and team."""
    sources = Source.objects.select_related("claim__article__team")
    return _on_claim_for_user(sources, user, pk, "No such source.")


def source_of(claim: Claim, pk: object) -> Source:
    """A source on `claim` (one the caller has already found through claim_for_user)."""
    return _on_claim(Source.objects.all(), claim, pk, "No such source on this claim.")


def notification_for_user(user: AbstractBaseUser, pk: object) -> Notification:
    """The user's own notification; anyone else's is a 404."""
    notifications = Notification.objects.filter(pk=valid_id(pk), user_id=user.pk)
    return _first_or_404(notifications, None, "No such notification.")
