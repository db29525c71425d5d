"""Each person's queue: what is assigned to them (articles and claims, overdue first) and what waits
for their review, in a fixed number of queries; and the assignment lists of an article or claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from annotations.lib.text import shorten
from annotations.models import (
    Article,
    ArticleAssignment,
    ArticleStatus,
    Claim,
    ClaimAssignment,
    ClaimStatus,
    Membership,
    Role,
    Verdict,
)
from annotations.queries.scope import teams_for

EDITOR_ROLES = (Role.EDITOR, Role.ADMIN)


# Claims a reviewer's verdict is still wanted on.
OPEN_FOR_REVIEW = (ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW)


# --- wording -----------------------------------------------------------------------------------


def due_text(due_on: date | None, today: date | None = None) -> str:
    """ "3 December" this year, "3 December 2027" another year."""
    if due_on is None:
        return ""
    today = today or timezone.localdate()
    return format_date(due_on, "j F" if due_on.year == today.year else "j F Y")


def claim_wording(claim: Claim) -> str:
    return shorten(claim.summary or claim.exact)


def _name(user: AbstractBaseUser | None) -> str | None:
    return None if user is None else user.get_username()


# --- reads: one object's assignees --------------------------------------------------------------


def article_assignments(article: Article) -> QuerySet[ArticleAssignment]:
    return (
        ArticleAssignment.objects.filter(article=article)
        .select_related("user", "assigned_by")
        .order_by(F("due_on").asc(nulls_last=True), "created_at", "id")
    )


def claim_assignments(claim: Claim | int) -> QuerySet[ClaimAssignment]:
    return (
        ClaimAssignment.objects.filter(claim=claim)
        .select_related("user", "assigned_by")
        .order_by(F("due_on").asc(nulls_last=True), "created_at", "id")
    )


def mark_overdue(rows: list, today: date | None = None) -> list:
    """Give each row (with `due_on`) `overdue` and `due_label`, for pages and the API."""
    today = today or timezone.localdate()
    for row in rows:
        row.overdue = row.due_on is not None and row.due_on < today
        row.due_label = due_text(row.due_on, today)
    return rows


# --- reads: a person's queue --------------------------------------------------------------------


def _my_teams(user: AbstractBaseUser, roles: tuple[str, ...]) -> QuerySet:
    return Membership.objects.filter(user=user, role__in=roles).values("team_id")


def _due_order() -> list:
    # Overdue items have the earliest dates, so "overdue first, then by due date" is one
    # ascending order; items without a date come last, then the oldest first.
    return [F("due_on").asc(nulls_last=True)]


def assigned_articles(user: AbstractBaseUser) -> QuerySet[ArticleAssignment]:
    """The user's assignments to articles of their teams that are not published yet."""
    if not user.is_authenticated:
        return ArticleAssignment.objects.none()
    return (
        ArticleAssignment.objects.filter(
            user=user, article__team__in=teams_for(user), article__archived_at__isnull=True
        )
        .exclude(article__status=ArticleStatus.PUBLISHED)
        .select_related("article__team", "assigned_by")
        .defer("article__text", "article__blocks")
        .order_by(*_due_order(), "created_at", "id")
    )


def assigned_claims(user: AbstractBaseUser) -> QuerySet[ClaimAssignment]:
    """The user's assignments to single claims of their teams that are not published yet."""
    if not user.is_authenticated:
        return ClaimAssignment.objects.none()
    return (
        ClaimAssignment.objects.filter(
            user=user,
            claim__article__team__in=teams_for(user),
            claim__article__archived_at__isnull=True,
        )
        .exclude(claim__status=ClaimStatus.PUBLISHED)
        .select_related("claim__article__team", "assigned_by")
        .defer("claim__article__text", "claim__article__blocks")
        .order_by(*_due_order(), "created_at", "id")
    )


def _waiting_filter(user: AbstractBaseUser) -> Q:
    """Claims that wait for this user's review.

    Editors and admins: every claim in review in the teams where they have that role (their
    own included: the page marks them). Reviewers: the claims given to them, directly or
    through their article, that are still open and carry no current verdict of theirs.
    Claims of archived articles wait for nobody.
    """
    assigned_claim = Exists(ClaimAssignment.objects.filter(claim=OuterRef("pk"), user=user))
    assigned_article = Exists(
        ArticleAssignment.objects.filter(article=OuterRef("article_id"), user=user)
    )
    my_verdict = Exists(
        Verdict.objects.filter(claim=OuterRef("pk"), reviewer=user, is_current=True)
    )
    as_editor = Q(status=ClaimStatus.IN_REVIEW, article__team__in=_my_teams(user, EDITOR_ROLES))
    as_reviewer = (
        Q(status__in=OPEN_FOR_REVIEW, article__team__in=_my_teams(user, (Role.REVIEWER,)))
        & (assigned_claim | assigned_article)
        & ~my_verdict
    )
    return (as_editor | as_reviewer) & Q(article__archived_at__isnull=True)


def waiting_for_review(user: AbstractBaseUser) -> QuerySet[Claim]:
    """The claims that wait for the user's review (see _waiting_filter), each with `due_on`:
    the user's own due date for it (on the claim, else on its article), else the earliest one
    anybody has for it."""
    if not user.is_authenticated:
        return Claim.objects.none()

    def first_due(rows: QuerySet) -> Subquery:
        return Subquery(rows.filter(due_on__isnull=False).order_by("due_on").values("due_on")[:1])

    claim_rows = ClaimAssignment.objects.filter(claim=OuterRef("pk"))
    article_rows = ArticleAssignment.objects.filter(article=OuterRef("article_id"))
    return (
        Claim.objects.filter(_waiting_filter(user))
        .annotate(
            due_on=Coalesce(
                first_due(claim_rows.filter(user=user)),
                first_due(article_rows.filter(user=user)),
                first_due(claim_rows),
                first_due(article_rows),
            )
        )
        .select_related("article__team", "created_by")
        .defer("article__text", "article__blocks")
        .order_by(*_due_order(), "created_at", "id")
    )


@dataclass
class Queue:
    """A person's queue, as the page and the API show it."""

    articles: list[ArticleAssignment]
    claims: list[ClaimAssignment]
    waiting: list[Claim]

    @property
    def assigned_total(self) -> int:
        return len(self.articles) + len(self.claims)

    @property
    def total(self) -> int:
        """Open items: the assigned ones and the waiting claims not already among them."""
        assigned = {row.claim_id for row in self.claims}
        return self.assigned_total + sum(1 for c in self.waiting if c.pk not in assigned)

    @property
    def overdue_total(self) -> int:
        rows = [*self.articles, *self.claims, *self.waiting]
        return sum(1 for row in rows if row.overdue)


def queue_for(user: AbstractBaseUser, today: date | None = None) -> Queue:
    """Three queries, whatever the number of items."""
    today = today or timezone.localdate()
    articles = mark_overdue(list(assigned_articles(user)), today)
    claims = mark_overdue(list(assigned_claims(user)), today)
    waiting = mark_overdue(list(waiting_for_review(user)), today)
    for claim in waiting:
        claim.mine = claim.created_by_id == user.pk
    return Queue(articles=articles, claims=claims, waiting=waiting)


def claim_url(claim: Claim) -> str:
    """Where the workspace shows a claim: its card on the article page."""
    return reverse("article_detail", args=[claim.article_id]) + f"#claim-{claim.pk}"


# --- the navigation count ----------------------------------------------------------------------


class _Count(Func):
    """COUNT(*) in a subquery without GROUP BY (Count() would group by the outer row)."""

    function = "COUNT"
    template = "%(function)s(*)"
    output_field = IntegerField()

    def __init__(self) -> None:
        super().__init__()


def open_item_count(user: AbstractBaseUser) -> int:
    """How many items the user's queue holds (queue_for(user).total), in one query."""
    if not user.is_authenticated:
        return 0
    teams = teams_for(user)
    articles = (
        ArticleAssignment.objects.filter(
            user=user, article__team__in=teams, article__archived_at__isnull=True
        )
        .exclude(article__status=ArticleStatus.PUBLISHED)
        .order_by()
        .annotate(n=_Count())
        .values("n")
    )
    assigned_open = (
        Exists(ClaimAssignment.objects.filter(claim=OuterRef("pk"), user=user))
        & ~Q(status=ClaimStatus.PUBLISHED)
        & Q(article__archived_at__isnull=True)
    )
    claims = (
        Claim.objects.filter(article__team__in=teams)
        .filter(assigned_open | _waiting_filter(user))
        .order_by()
        .annotate(n=_Count())
        .values("n")
    )
    counts = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(articles=Subquery(articles), claims=Subquery(claims))
        .values_list("articles", "claims")
        .first()
    )
    return sum(n or 0 for n in counts) if counts else 0
