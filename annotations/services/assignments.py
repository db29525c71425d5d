"""Assignments: articles and single claims given to team members, with an optional due date.
Assign, unassign and change the due date check the role, record an Event with before and after
values, and notify the assignee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet

from annotations import policies, verbs
from annotations.errors import InvalidInput, NotFound
from annotations.lib.text import shorten
from annotations.models import (
    Article,
    ArticleAssignment,
    Claim,
    ClaimAssignment,
    Membership,
    Notification,
    Role,
    Team,
)
from annotations.queries.queue import claim_wording, due_text
from annotations.services._base import event_record, require, require_not_archived

# Roles that may be given work, and roles that review others' claims in their teams.
ASSIGNABLE_ROLES = (Role.REVIEWER, Role.EDITOR, Role.ADMIN)


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
    actor: AbstractBaseUser,
    team: Team,
    kind: str,
    message: str,
    article: Article,
    claim: Claim | None = None,
) -> None:
    if user.pk == actor.pk:
        return  # nobody needs telling what they did themselves
    Notification.objects.create(
        user=user,
        team=team,
        kind=kind,
        actor=actor,
        article=article,
        claim=claim,
        message=message,
    )


def _what(article: Article, claim: Claim | None) -> str:
    if claim is None:
        return f"the article “{shorten(article.title)}”"
    return f"claim #{claim.number} “{claim_wording(claim)}” in “{shorten(article.title, 60)}”"


def _assign(
    *,
    article: Article,
    claim: Claim | None,
    assignee: AbstractBaseUser | str,
    due_on: date | str | None,
    actor: AbstractBaseUser,
) -> AssignResult:
    team = article.team
    require(actor, team, policies.ASSIGN)
    # An archived article has left every queue: giving out work on it would be lost there.
    require_not_archived(article, "assigning work on it")
    person = _assignee(team, assignee)
    due_on = _check_due(due_on)
    if claim is None:
        model, scope = ArticleAssignment, {"article": article}
        assigned, due_changed = verbs.ARTICLE_ASSIGNED, verbs.ARTICLE_DUE_CHANGED
    else:
        model, scope = ClaimAssignment, {"claim": claim}
        assigned, due_changed = verbs.CLAIM_ASSIGNED, verbs.CLAIM_DUE_CHANGED
    # The article's (or claim's) row is the lock: a second assignment of the same person
    # waits, then finds the first one and only changes its due date.
    locked = Article if claim is None else Claim
    locked.objects.select_for_update().filter(pk=(article if claim is None else claim).pk).first()
    existing = model.objects.filter(user=person, **scope).first()
    what = _what(article, claim)
    actor_name = actor.get_username()
    if existing is None:
        assignment = model.objects.create(user=person, due_on=due_on, assigned_by=actor, **scope)
        event_record(
            team=team,
            verb=assigned,
            actor=actor,
            article=article,
            claim=claim,
            changes={"assignee": (None, person.get_username()), "due_on": (None, due_on)},
        )
        due = f" (due {due_text(due_on)})" if due_on else ""
        _notify(
            user=person,
            actor=actor,
            team=team,
            kind="assigned",
            message=f"{actor_name} assigned you {what}{due}.",
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
        verb=due_changed,
        actor=actor,
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
        actor=actor,
        team=team,
        kind="assigned",
        message=f"{actor_name} moved the due date of {what} {wording}.",
        article=article,
        claim=claim,
    )
    return AssignResult(existing, created=False, changed=True)


def _unassign(
    *,
    article: Article,
    claim: Claim | None,
    assignee: AbstractBaseUser | str,
    actor: AbstractBaseUser,
) -> None:
    team = article.team
    require(actor, team, policies.ASSIGN)
    name = assignee if isinstance(assignee, str) else assignee.get_username()
    if claim is None:
        rows, noun = ArticleAssignment.objects.filter(article=article), "article"
        unassigned = verbs.ARTICLE_UNASSIGNED
    else:
        rows, noun = ClaimAssignment.objects.filter(claim=claim), "claim"
        unassigned = verbs.CLAIM_UNASSIGNED
    # A person who has left the team may still be assigned, and can still be removed.
    found = rows.select_related("user").filter(user__username=name.strip()).first()
    if found is None:
        raise NotFound(f"{name or 'That person'} is not assigned to this {noun}.")
    person = found.user
    due_on = found.due_on
    # Conditional: of two removals at once, the second deletes nothing and is told so.
    if not type(found).objects.filter(pk=found.pk).delete()[0]:
        raise NotFound(f"{name or 'That person'} is not assigned to this {noun}.")
    event_record(
        team=team,
        verb=unassigned,
        actor=actor,
        article=article,
        claim=claim,
        changes={"assignee": (person.get_username(), None), "due_on": (due_on, None)},
    )
    if Membership.objects.filter(team=team, user=person).exists():
        _notify(
            user=person,
            actor=actor,
            team=team,
            kind="unassigned",
            message=f"{actor.get_username()} took you off {_what(article, claim)}.",
            article=article,
            claim=claim,
        )


@transaction.atomic
def article_assign(
    *,
    article: Article,
    assignee: AbstractBaseUser | str,
    due_on: date | str | None = None,
    actor: AbstractBaseUser,
) -> AssignResult:
    """Give an article to a reviewer (or editor, or admin) of its team, with an optional due
    date. Assigning someone already assigned sets their due date (None clears it)."""
    return _assign(article=article, claim=None, assignee=assignee, due_on=due_on, actor=actor)


@transaction.atomic
def article_unassign(
    *, article: Article, assignee: AbstractBaseUser | str, actor: AbstractBaseUser
) -> None:
    _unassign(article=article, claim=None, assignee=assignee, actor=actor)


@transaction.atomic
def claim_assign(
    *,
    claim: Claim,
    assignee: AbstractBaseUser | str,
    due_on: date | str | None = None,
    actor: AbstractBaseUser,
) -> AssignResult:
    """Give a single claim to a member, as article_assign does for a whole article."""
    return _assign(
        article=claim.article, claim=claim, assignee=assignee, due_on=due_on, actor=actor
    )


@transaction.atomic
def claim_unassign(
    *, claim: Claim, assignee: AbstractBaseUser | str, actor: AbstractBaseUser
) -> None:
    _unassign(article=claim.article, claim=claim, assignee=assignee, actor=actor)


def article_due_date_set(
    *,
    article: Article,
    assignee: AbstractBaseUser | str,
    due_on: date | str | None,
    actor: AbstractBaseUser,
) -> AssignResult:
    """Change an assignee's due date (the same as assigning them again with it)."""
    return article_assign(article=article, assignee=assignee, due_on=due_on, actor=actor)


def claim_due_date_set(
    *,
    claim: Claim,
    assignee: AbstractBaseUser | str,
    due_on: date | str | None,
    actor: AbstractBaseUser,
) -> AssignResult:
    return claim_assign(claim=claim, assignee=assignee, due_on=due_on, actor=actor)
