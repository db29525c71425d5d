"""Assignments: articles and single claims given to team members, with an optional due date,
and each person's queue of what is assigned to them and what waits for their review.

Writes (assign, change the due date, unassign) check the role, record an Event with before and
after values, and notify the assignee. Reads are scoped to the user's teams and cost the same
few queries however long the queue is; `navigation_counts` (a context processor) costs one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import (
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from annotations.errors import InvalidInput, NotFound
from annotations.models import (
    Article,
    ArticleAssignment,
    ArticleStatus,
    Claim,
    ClaimAssignment,
    ClaimStatus,
    Membership,
    Notification,
    Role,
    Team,
    Verdict,
)
from annotations.queries import teams_for
from annotations.services import event_record, require_not_archived, require_role

# Roles that may be given work, and roles that review others' claims in their teams.
ASSIGNABLE_ROLES = (Role.REVIEWER, Role.EDITOR, Role.ADMIN)
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


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def claim_wording(claim: Claim) -> str:
    return _shorten(claim.summary or claim.exact)


def _name(user: AbstractBaseUser | None) -> str | None:
    return None if user is None else user.get_username()


# --- who may be assigned --------------------------------------------------------------------------


def assignable_members(team: Team) -> QuerySet[Membership]:
    """The team's members who may be given work (reviewers and up), by username."""
    return (
        Membership.objects.filter(team=team, role__in=ASSIGNABLE_ROLES)
        .select_related("user")
        .order_by("user__username")
    )


def _assignee(team: Team, assignee: AbstractBaseUser | str) -> AbstractBaseUser:
    """The user to assign: a member of the team with at least the reviewer role.

    Someone of another team gets the same answer as a name nobody has, so nothing about other
    teams leaks.
    """
    if isinstance(assignee, str):
        lookup = Q(user__username=assignee.strip())
        shown = assignee.strip()
    else:
        lookup = Q(user=assignee)
        shown = assignee.get_username()
    membership = Membership.objects.filter(lookup, team=team).select_related("user").first()
    if membership is None:
        raise InvalidInput(
            f"{shown or 'That person'} is not a member of {team.name}.", field="user"
        )
    if not membership.has_role(Role.REVIEWER):
        raise InvalidInput(
            f"{shown} is a {membership.get_role_display().lower()} in {team.name}: only "
            "reviewers, editors and admins can be assigned.",
            field="user",
        )
    return membership.user


def _check_due(due_on: Any) -> date | None:
    if due_on in (None, ""):
        return None
    if isinstance(due_on, str):
        try:
            return date.fromisoformat(due_on)
        except ValueError:
            raise InvalidInput("due_on: give a date as YYYY-MM-DD.", field="due_on") from None
    if not isinstance(due_on, date):
        raise InvalidInput("due_on: give a date as YYYY-MM-DD.", field="due_on")
    return due_on


# --- writes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignResult:
    assignment: ArticleAssignment | ClaimAssignment
    created: bool
    changed: bool

    @property
    def message(self) -> str:
        who = self.assignment.user.get_username()
        due = due_text(self.assignment.due_on)
        if self.created:
            return f"Assigned to {who}" + (f", due {due}." if due else ".")
        if self.changed:
            return f"{who}'s due date is now {due}." if due else f"{who} has no due date now."
        return f"{who} was already assigned" + (f", due {due}." if due else ".")


def _notify(
    *,
    user: AbstractBaseUser,
    by: AbstractBaseUser,
    team: Team,
    kind: str,
    message: str,
    article: Article,
    claim: Claim | None = None,
) -> None:
    if user.pk == by.pk:
        return  # nobody needs telling what they did themselves
    Notification.objects.create(
        user=user,
        team=team,
        kind=kind,
        actor=by,
        article=article,
        claim=claim,
        message=message,
    )


def _what(article: Article, claim: Claim | None) -> str:
    if claim is None:
        return f"the article “{_shorten(article.title)}”"
    return f"claim #{claim.number} “{claim_wording(claim)}” in “{_shorten(article.title, 60)}”"


def _assign(
    *,
    article: Article,
    claim: Claim | None,
    assignee: AbstractBaseUser | str,
    due_on: date | str | None,
    by: AbstractBaseUser,
) -> AssignResult:
    team = article.team
    require_role(by, team, Role.EDITOR)
    # An archived article has left every queue: giving out work on it would be lost there.
    require_not_archived(article, "assigning work on it")
    person = _assignee(team, assignee)
    due_on = _check_due(due_on)
    if claim is None:
        model, scope, noun = ArticleAssignment, {"article": article}, "article"
    else:
        model, scope, noun = ClaimAssignment, {"claim": claim}, "claim"
    existing = model.objects.select_for_update().filter(user=person, **scope).first()
    what = _what(article, claim)
    actor = by.get_username()
    if existing is None:
        assignment = model.objects.create(user=person, due_on=due_on, assigned_by=by, **scope)
        event_record(
            team=team,
            verb=f"{noun}.assigned",
            actor=by,
            article=article,
            claim=claim,
            changes={"assignee": (None, person.get_username()), "due_on": (None, due_on)},
        )
        due = f" (due {due_text(due_on)})" if due_on else ""
        _notify(
            user=person,
            by=by,
            team=team,
            kind="assigned",
            message=f"{actor} assigned you {what}{due}.",
            article=article,
            claim=claim,
        )
        return AssignResult(assignment, created=True, changed=True)
    if existing.due_on == due_on:
        return AssignResult(existing, created=False, changed=False)
    before = existing.due_on
    existing.due_on = due_on
    existing.save(update_fields=["due_on"])
    event_record(
        team=team,
        verb=f"{noun}.due_changed",
        actor=by,
        article=article,
        claim=claim,
        changes={
            "assignee": (person.get_username(), person.get_username()),
            "due_on": (before, due_on),
        },
    )
    wording = f"to {due_text(due_on)}" if due_on else "away (no due date now)"
    _notify(
        user=person,
        by=by,
        team=team,
        kind="assigned",
        message=f"{actor} moved the due date of {what} {wording}.",
        article=article,
        claim=claim,
    )
    return AssignResult(existing, created=False, changed=True)


def _unassign(
    *, article: Article, claim: Claim | None, assignee: AbstractBaseUser | str, by: AbstractBaseUser
) -> None:
    team = article.team
    require_role(by, team, Role.EDITOR)
    name = assignee if isinstance(assignee, str) else assignee.get_username()
    if claim is None:
        rows, noun = ArticleAssignment.objects.filter(article=article), "article"
    else:
        rows, noun = ClaimAssignment.objects.filter(claim=claim), "claim"
    # A person who has left the team may still be assigned, and can still be removed.
    found = rows.select_related("user").filter(user__username=name.strip()).first()
    if found is None:
        raise NotFound(f"{name or 'That person'} is not assigned to this {noun}.")
    person = found.user
    due_on = found.due_on
    found.delete()
    event_record(
        team=team,
        verb=f"{noun}.unassigned",
        actor=by,
        article=article,
        claim=claim,
        changes={"assignee": (person.get_username(), None), "due_on": (due_on, None)},
    )
    if Membership.objects.filter(team=team, user=person).exists():
        _notify(
            user=person,
            by=by,
            team=team,
            kind="unassigned",
            message=f"{by.get_username()} took you off {_what(article, claim)}.",
            article=article,
            claim=claim,
        )


@transaction.atomic
def assign_article(
    *,
    article: Article,
    assignee: AbstractBaseUser | str,
    due_on: date | str | None = None,
    by: AbstractBaseUser,
) -> AssignResult:
    """Give an article to a reviewer (or editor, or admin) of its team, with an optional due
    date. Assigning someone already assigned sets their due date (None clears it)."""
    return _assign(article=article, claim=None, assignee=assignee, due_on=due_on, by=by)


@transaction.atomic
def unassign_article(
    *, article: Article, assignee: AbstractBaseUser | str, by: AbstractBaseUser
) -> None:
    _unassign(article=article, claim=None, assignee=assignee, by=by)


@transaction.atomic
def assign_claim(
    *,
    claim: Claim,
    assignee: AbstractBaseUser | str,
    due_on: date | str | None = None,
    by: AbstractBaseUser,
) -> AssignResult:
    """Give a single claim to a member, as assign_article does for a whole article."""
    return _assign(article=claim.article, claim=claim, assignee=assignee, due_on=due_on, by=by)


@transaction.atomic
def unassign_claim(*, claim: Claim, assignee: AbstractBaseUser | str, by: AbstractBaseUser) -> None:
    _unassign(article=claim.article, claim=claim, assignee=assignee, by=by)


def set_article_due_date(
    *,
    article: Article,
    assignee: AbstractBaseUser | str,
    due_on: date | str | None,
    by: AbstractBaseUser,
) -> AssignResult:
    """Change an assignee's due date (the same as assigning them again with it)."""
    return assign_article(article=article, assignee=assignee, due_on=due_on, by=by)


def set_claim_due_date(
    *,
    claim: Claim,
    assignee: AbstractBaseUser | str,
    due_on: date | str | None,
    by: AbstractBaseUser,
) -> AssignResult:
    return assign_claim(claim=claim, assignee=assignee, due_on=due_on, by=by)


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


class QueueCount:
    """The navigation's count, read once per page and only when the page shows it."""

    def __init__(self, user: AbstractBaseUser) -> None:
        self.user = user

    @functools.cached_property
    def total(self) -> int:
        return open_item_count(self.user)

    def __str__(self) -> str:
        return str(self.total)


def navigation_counts(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `queue_count` for the "My queue" link (one query, when shown)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"queue_count": QueueCount(user)}


__all__ = [
    "AssignResult",
    "Queue",
    "assign_article",
    "assign_claim",
    "assigned_articles",
    "assigned_claims",
    "navigation_counts",
    "open_item_count",
    "queue_for",
    "unassign_article",
    "unassign_claim",
    "waiting_for_review",
]
