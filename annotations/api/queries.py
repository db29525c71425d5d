"""Read shaping for the API: every queryset scoped to the caller's teams, pre-joined for the
serializers so that no row costs a query of its own. Anything outside the caller's teams is
a 404 (Http404), never a 403.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from annotations.api.filters import MAX_ID
from annotations.models import (
    Article,
    ArticleRevision,
    Claim,
    Comment,
    Event,
    Membership,
    Rating,
    Source,
    Team,
    Verdict,
)
from annotations.queries.scope import teams_for

# Orphaned claims (no position) sort after every anchored one in text order.
ORPHAN_POSITION = 2**31 - 1


def _valid_id(pk: object) -> int:
    try:
        value = int(pk)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Http404("Not found.") from None
    if not 1 <= value <= MAX_ID:
        raise Http404("Not found.")
    return value


# --- teams -------------------------------------------------------------------------------------


def api_teams_for(user: AbstractBaseUser) -> QuerySet[Team]:
    """The user's teams, each with the user's role in it as `my_role`."""
    role = Membership.objects.filter(team=OuterRef("pk"), user=user).values("role")[:1]
    return teams_for(user).annotate(my_role=Subquery(role))


def team_for_user(user: AbstractBaseUser, slug: str) -> Team:
    team = api_teams_for(user).filter(slug=slug).first()
    if team is None:
        raise Http404("No such team.")
    return team


def ratings_for_team(team: Team) -> QuerySet[Rating]:
    return Rating.objects.filter(team=team)


def members_of(team: Team) -> QuerySet[Membership]:
    return Membership.objects.filter(team=team).select_related("user")


# --- articles ----------------------------------------------------------------------------------


def _claim_count() -> Subquery:
    return Coalesce(
        Subquery(
            Claim.objects.filter(article=OuterRef("pk"))
            .order_by()
            .values("article")
            .annotate(n=Count("id"))
            .values("n")
        ),
        0,
    )


def api_articles_for(user: AbstractBaseUser) -> QuerySet[Article]:
    """Articles of the user's teams, without their text, for lists."""
    return (
        Article.objects.filter(team__in=teams_for(user))
        .select_related("team", "imported_by")
        .prefetch_related("assignees")
        .annotate(claim_count=_claim_count())
        .defer("text", "blocks", "links")
    )


def article_for_user(user: AbstractBaseUser, pk: object) -> Article:
    """One article of the user's teams, with its text (404 otherwise)."""
    article = (
        Article.objects.filter(pk=_valid_id(pk), team__in=teams_for(user))
        .select_related("team", "imported_by")
        .prefetch_related("assignees")
        .annotate(claim_count=_claim_count())
        .first()
    )
    if article is None:
        raise Http404("No such article.")
    return article


def revisions_of(article: Article) -> QuerySet[ArticleRevision]:
    return ArticleRevision.objects.filter(article=article).select_related("created_by")


# --- claims ------------------------------------------------------------------------------------


VERDICT_ROW = {
    "reviewer_username": F("reviewer__username"),
    "rating_slug": F("rating__slug"),
    "rating_label": F("rating__label"),
    "rating_value": F("rating__value"),
    "rating_colour": F("rating__colour"),
}
SOURCE_ROW = (
    "id", "claim_id", "url", "title", "publisher", "excerpt", "stance", "accessed_at",
    "archived_url",
)  # fmt: skip


def attach_nested(claims: list[Claim]) -> list[Claim]:
    """Give each claim its current verdicts (`current_verdicts`) and sources (`source_rows`)
    as values() rows: two queries for the whole page, whatever its size, and no model
    instances for the rows (the claim lists are the API's hottest path)."""
    ids = [claim.pk for claim in claims]
    verdicts: dict[int, list[dict]] = defaultdict(list)
    sources: dict[int, list[dict]] = defaultdict(list)
    if ids:
        for row in (
            Verdict.objects.filter(claim_id__in=ids, is_current=True)
            .order_by("created_at", "id")
            .values("id", "claim_id", "rationale", "is_current", "created_at", **VERDICT_ROW)
        ):
            verdicts[row["claim_id"]].append(row)
        for row in (
            Source.objects.filter(claim_id__in=ids).order_by("created_at", "id").values(*SOURCE_ROW)
        ):
            sources[row["claim_id"]].append(row)
    for claim in claims:
        claim.current_verdicts = verdicts[claim.pk]
        claim.source_rows = sources[claim.pk]
    return claims


def _with_nested(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Claims with what the claim JSON shows but the nested rows: after paginating, call
    attach_nested() on the page."""
    return claims.select_related("final_verdict__rating", "final_verdict__reviewer").annotate(
        created_by_username=F("created_by__username"),
        position=Coalesce("start", Value(ORPHAN_POSITION), output_field=IntegerField()),
    )


def api_claims_for(user: AbstractBaseUser) -> QuerySet[Claim]:
    """Claims of the user's teams with current verdicts, final verdict and sources."""
    return _with_nested(Claim.objects.filter(article__team__in=teams_for(user)))


def claims_of_article(article: Article) -> QuerySet[Claim]:
    return _with_nested(Claim.objects.filter(article=article))


def claim_for_user(user: AbstractBaseUser, pk: object) -> Claim:
    """One claim of the user's teams, with its nested rows attached (404 otherwise)."""
    claim = api_claims_for(user).filter(pk=_valid_id(pk)).first()
    if claim is None:
        raise Http404("No such claim.")
    return attach_nested([claim])[0]


def verdicts_of(claim: Claim) -> QuerySet[Verdict]:
    return Verdict.objects.filter(claim=claim).select_related("rating", "reviewer")


def sources_of(claim: Claim) -> QuerySet[Source]:
    return Source.objects.filter(claim=claim)


def source_of(claim: Claim, pk: object) -> Source:
    source = sources_of(claim).filter(pk=_valid_id(pk)).select_related("claim").first()
    if source is None:
        raise Http404("No such source on this claim.")
    source.claim = claim  # already checked and pre-joined
    return source


def comments_of(claim: Claim) -> QuerySet[Comment]:
    return Comment.objects.filter(claim=claim).select_related("author")


def comment_of(claim: Claim, pk: object) -> Comment:
    comment = comments_of(claim).filter(pk=_valid_id(pk)).first()
    if comment is None:
        raise Http404("No such comment on this claim.")
    comment.claim = claim
    return comment


def history_of(claim: Claim) -> QuerySet[Event]:
    return Event.objects.filter(claim_id=claim.pk, team_id=claim.article.team_id).select_related(
        "actor"
    )


def claim_ref_for_user(user: AbstractBaseUser, pk: object) -> Claim:
    """A claim of the user's teams with its article and team, for writes and child lists."""
    claim = (
        Claim.objects.filter(pk=_valid_id(pk), article__team__in=teams_for(user))
        .select_related("article__team")
        .first()
    )
    if claim is None:
        raise Http404("No such claim.")
    return claim


def current_verdict_id(claim: Claim, user: AbstractBaseUser) -> int | None:
    return (
        Verdict.objects.filter(claim=claim, reviewer=user, is_current=True)
        .values_list("pk", flat=True)
        .first()
    )


def article_ref_for_user(user: AbstractBaseUser, pk: object) -> Article:
    """An article of the user's teams with its team, for writes and child lists: without the
    counts and assignees the detail shows (404 otherwise)."""
    article = (
        Article.objects.filter(pk=_valid_id(pk), team__in=teams_for(user))
        .select_related("team")
        .first()
    )
    if article is None:
        raise Http404("No such article.")
    return article
