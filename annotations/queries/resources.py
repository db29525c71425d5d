"""The API's resources as querysets: every queryset scoped to the caller's teams, pre-joined for the
serializers so that no row costs a query of its own. Anything outside the caller's teams is
a 404 (Http404), never a 403.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

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
from annotations.queries import scope
from annotations.queries.scope import teams_for

# Orphaned claims (no position) sort after every anchored one in text order.
ORPHAN_POSITION = 2**31 - 1


# --- teams -------------------------------------------------------------------------------------


def api_teams_for(user: AbstractBaseUser) -> QuerySet[Team]:
    """The user's teams, each with the user's role in it as `my_role`."""
    return scope.role_annotated(teams_for(user), user)


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


def article_detail(articles: QuerySet[Article]) -> QuerySet[Article]:
    """The shape of one article's JSON for scope.article_for_user: with its text, team,
    importer, assignees and claim count."""
    return (
        articles.select_related("team", "imported_by")
        .prefetch_related("assignees")
        .annotate(claim_count=_claim_count())
    )


def with_team(articles: QuerySet[Article]) -> QuerySet[Article]:
    """The shape of an article for writes and child lists (scope.article_for_user): its team,
    without the counts and assignees the detail shows."""
    return articles.select_related("team")


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


def claim_detail(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """The shape of one claim's JSON for scope.claim_for_user (then attach_nested())."""
    return _with_nested(claims)


def with_article(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """The shape of a claim for writes and child lists (scope.claim_for_user): its article and
    team."""
    return claims.select_related("article__team")


def verdicts_of(claim: Claim) -> QuerySet[Verdict]:
    return Verdict.objects.filter(claim=claim).select_related("rating", "reviewer")


def sources_of(claim: Claim) -> QuerySet[Source]:
    return Source.objects.filter(claim=claim)


def comments_of(claim: Claim) -> QuerySet[Comment]:
    return Comment.objects.filter(claim=claim).select_related("author")


def history_of(claim: Claim) -> QuerySet[Event]:
    return Event.objects.filter(claim_id=claim.pk, team_id=claim.article.team_id).select_related(
        "actor"
    )


def current_verdict_id(claim: Claim, user: AbstractBaseUser) -> int | None:
    return (
        Verdict.objects.filter(claim=claim, reviewer=user, is_current=True)
        .values_list("pk", flat=True)
        .first()
    )
