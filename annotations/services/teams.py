"""Teams and their people: creating a team, members and their roles, invitations, and the team's
publishing settings. Team-level events carry no article.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from annotations import policies, verbs
from annotations.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
)
from annotations.lib import publishing
from annotations.models import (
    ArticleAssignment,
    ClaimAssignment,
    Invite,
    Membership,
    Rating,
    Role,
    Team,
)
from annotations.services import _base, teams
from annotations.services._base import (
    DEFAULT_SCALE,
    created_values,
    event_record,
    require,
    validate_model,
)

# --- teams --------------------------------------------------------------------------------


@transaction.atomic
def team_create(*, name: str, slug: str, actor: AbstractBaseUser | None = None) -> Team:
    """A new team with the default rating scale; `actor` becomes its admin.

    The trusted form (commands, the demo, tests: `actor` may be None, the slug is taken as
    given); a person creating a team from a page or the API goes through team_start."""
    team = Team(name=name.strip(), slug=slug.strip())
    validate_model(team)
    team.save()
    for order, (rating_slug, label, value, colour, description) in enumerate(DEFAULT_SCALE):
        Rating.objects.create(
            team=team,
            slug=rating_slug,
            label=label,
            value=value,
            colour=colour,
            description=description,
            order=order,
        )
    event_record(
        team=team, verb=verbs.TEAM_CREATED, actor=actor, changes=created_values(team, ["name"])
    )
    if actor is not None and actor.is_authenticated:
        Membership.objects.create(team=team, user=actor, role=Role.ADMIN)
    return team


@transaction.atomic
def membership_set(
    *, team: Team, user: AbstractBaseUser, role: str, actor: AbstractBaseUser | None = None
) -> Membership:
    """Add `user` to `team` with `role`, or change their role.

    `actor=None` is the command line (trusted); otherwise the actor must be a team admin.
    """
    if role not in Role.values:
        raise InvalidInput(f"Unknown role {role!r}: use one of {', '.join(Role.values)}.")
    _lock_admins(team)
    if actor is not None:
        require(actor, team, policies.MEMBERS_MANAGE)
    membership, created = Membership.objects.get_or_create(
        team=team, user=user, defaults={"role": role}
    )
    before = None if created else membership.role
    if (
        before == Role.ADMIN
        and role != Role.ADMIN
        and not Membership.objects.filter(team=team, role=Role.ADMIN).exclude(pk=membership.pk)
    ):
        raise Conflict(
            f"{user.get_username()} is the last admin of {team.name}; make someone else admin "
            "first.",
            code="last_admin",
        )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    if created or before != role:
        event_record(
            team=team,
            verb=verbs.MEMBER_ADDED if created else verbs.MEMBER_ROLE_CHANGED,
            actor=actor,
            changes={"user": (None, user.get_username()), "role": (before, role)},
        )
    return membership


def _lock_admins(team: Team) -> None:
    """Lock the team's admin memberships until the transaction ends, before any role check.

    Two admins demoting (or removing) each other at once would each count the other as the
    admin who stays; with the lock the second waits, then finds itself no longer an admin."""
    list(
        Membership.objects.select_for_update()
        .filter(team=team, role=Role.ADMIN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


UNSET: Any = _base.UNSET


# Paths under /teams/ that a team slug must not shadow.
RESERVED_SLUGS = frozenset({"switch", "new"})


INVITE_PREFIX = "fci_"


DEFAULT_INVITE_DAYS = 7


MAX_INVITE_DAYS = 30


def _username(user: AbstractBaseUser) -> str:
    return user.get_username()


# --- teams ----------------------------------------------------------------------------------------


@transaction.atomic
def team_start(*, actor: AbstractBaseUser, name: str, slug: str = "") -> Team:
    """A new team started by a logged-in person (`actor`), who becomes its admin.

    The slug (the team's address) comes from the name unless given; a taken one is refused
    with a message saying so, never silently changed.
    """
    if not actor.is_authenticated:
        raise Forbidden("Log in to create a team.")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Give the team a name.", field="name")
    slug = slugify((slug or "").strip() or name)[:60].strip("-")
    if not slug:
        raise InvalidInput(
            "Give the team an address made of letters, digits or hyphens (e.g. “politics-desk”).",
            field="slug",
        )
    if slug in RESERVED_SLUGS or Team.objects.filter(slug=slug).exists():
        raise Conflict(
            f"The address “{slug}” is already taken by another team: choose another name or "
            "address.",
            code="slug_taken",
            field="slug",
        )
    try:
        with transaction.atomic():
            return teams.team_create(name=name, slug=slug, actor=actor)
    except IntegrityError:
        raise Conflict(
            f"The address “{slug}” was just taken by another team: choose another.",
            code="slug_taken",
            field="slug",
        ) from None


# --- publishing settings ------------------------------------------------------------------------


@transaction.atomic
def team_publishing_update(
    *,
    team: Team,
    actor: AbstractBaseUser,
    organisation_name: Any = UNSET,
    site_url: Any = UNSET,
    logo_url: Any = UNSET,
    public_url_pattern: Any = UNSET,
) -> Team:
    """Change who publishes the team's fact checks and where (admins). Only what is given
    changes; one `team.publishing_changed` Event records each field's before and after.

    URLs must be http(s); the pattern must contain {claim} and no unknown placeholder
    (publishing.check_pattern). Empty values clear a setting.
    """
    _base.require(actor, team, policies.PUBLISHING_MANAGE)
    team = Team.objects.select_for_update().get(pk=team.pk)
    before = publishing.settings_of(team)
    if organisation_name is not UNSET:
        name = (organisation_name or "").strip()
        if len(name) > 200:
            raise InvalidInput(
                "Keep the organisation name under 200 characters.", field="organisation_name"
            )
        team.organisation_name = name
    if site_url is not UNSET:
        team.site_url = publishing.check_url(site_url, field="site_url", label="The site URL")
    if logo_url is not UNSET:
        team.logo_url = publishing.check_url(logo_url, field="logo_url", label="The logo URL")
    if public_url_pattern is not UNSET:
        team.public_url_pattern = publishing.check_pattern(public_url_pattern)
    after = publishing.settings_of(team)
    changed = [field for field in publishing.SETTINGS_FIELDS if before[field] != after[field]]
    if changed:
        team.save(update_fields=changed)
        _base.event_record(
            team=team,
            verb=verbs.TEAM_PUBLISHING_CHANGED,
            actor=actor,
            changes={field: (before[field], after[field]) for field in changed},
        )
    return team


# --- invitations ----------------------------------------------------------------------------------


def invite_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _invite_days(expires_in_days: Any) -> int:
    try:
        days = int(expires_in_days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_INVITE_DAYS:
        raise InvalidInput(
            f"An invitation expires after 1 to {MAX_INVITE_DAYS} days.", field="expires_in_days"
        )
    return days


def _check_role(role: str) -> str:
    if role not in Role.values:
        raise InvalidInput(
            f"Unknown role “{role}”: use one of {', '.join(Role.values)}.", field="role"
        )
    return role


@transaction.atomic
def invite_create(
    *,
    team: Team,
    actor: AbstractBaseUser,
    role: str = Role.REVIEWER,
    expires_in_days: int = DEFAULT_INVITE_DAYS,
    note: str = "",
) -> tuple[Invite, str]:
    """A single-use link into `team` with `role`. The secret is returned once; only its hash
    is stored."""
    _base.require(actor, team, policies.MEMBERS_INVITE)
    _check_role(role)
    days = _invite_days(expires_in_days)
    note = (note or "").strip()
    if len(note) > 200:
        raise InvalidInput("Keep the note under 200 characters.", field="note")
    raw = INVITE_PREFIX + secrets.token_urlsafe(24)
    invite = Invite.objects.create(
        team=team,
        role=role,
        key_prefix=raw[:10],
        key_hash=invite_hash(raw),
        note=note,
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=days),
    )
    _base.event_record(
        team=team,
        verb=verbs.INVITE_CREATED,
        actor=actor,
        changes={
            "invite": (None, invite.pk),
            "role": (None, role),
            "note": (None, note),
            "expires_at": (None, invite.expires_at),
        },
    )
    return invite, raw


def invite_state(invite: Invite, now: Any = None) -> str:
    """`open`, `used`, `revoked` or `expired`."""
    now = now or timezone.now()
    if invite.used_at is not None:
        return "used"
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at <= now:
        return "expired"
    return "open"


def _refuse_unusable(invite: Invite) -> None:
    state = invite_state(invite)
    if state == "used":
        raise Conflict(
            "This invitation link has already been used; ask a team admin for a new one.",
            code="invite_used",
        )
    if state == "revoked":
        raise Conflict(
            "This invitation link was revoked by a team admin; ask them for a new one.",
            code="invite_revoked",
        )
    if state == "expired":
        raise Conflict(
            "This invitation link has expired; ask a team admin for a new one.",
            code="invite_expired",
        )


def invite_for_token(raw: str) -> Invite:
    """The invitation a raw link names (any state), or NotFound."""
    raw = (raw or "").strip()
    invite = (
        Invite.objects.select_related("team", "created_by")
        .filter(key_hash=invite_hash(raw))
        .first()
        if raw.startswith(INVITE_PREFIX)
        else None
    )
    if invite is None:
        raise NotFound(
            "This invitation link is not valid. Check that you copied all of it.",
            code="invite_unknown",
        )
    return invite


@transaction.atomic
def invite_revoke(*, invite: Invite, actor: AbstractBaseUser) -> Invite:
    _base.require(actor, invite.team, policies.MEMBERS_INVITE)
    invite = Invite.objects.select_for_update().get(pk=invite.pk)
    if invite.used_at is not None:
        raise Conflict(
            "This invitation was already used; it cannot be revoked.", code="invite_used"
        )
    if invite.revoked_at is None:
        invite.revoked_at = timezone.now()
        invite.save(update_fields=["revoked_at"])
        _base.event_record(
            team=invite.team,
            verb=verbs.INVITE_REVOKED,
            actor=actor,
            changes={"invite": (invite.pk, invite.pk), "revoked_at": (None, invite.revoked_at)},
        )
    return invite


@transaction.atomic
def invite_accept(*, raw: str, actor: AbstractBaseUser) -> Membership:
    """Join the invitation's team with its role. The link works once; a user already in the
    team is told so and the link stays unused (an invitation never changes an existing role,
    so nobody is demoted by one)."""
    if not actor.is_authenticated:
        raise Forbidden("Log in to accept an invitation.")
    found = invite_for_token(raw)
    invite = Invite.objects.select_for_update().select_related("team").get(pk=found.pk)
    _refuse_unusable(invite)
    team = invite.team
    existing = Membership.objects.filter(team=team, user=actor).first()
    if existing is not None:
        message = (
            f"You are already a member of {team.name}, as {existing.get_role_display().lower()}."
        )
        if Role.rank(invite.role) > Role.rank(existing.role):
            message += " Ask a team admin to change your role; the link is left unused."
        raise Conflict(message, code="already_member")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(team=team, user=actor, role=invite.role)
    except IntegrityError:  # joined the same team through another link at the same moment
        raise Conflict(f"You are already a member of {team.name}.", code="already_member") from None
    invite.used_by = actor
    invite.used_at = timezone.now()
    invite.save(update_fields=["used_by", "used_at"])
    _base.event_record(
        team=team,
        verb=verbs.MEMBER_JOINED,
        actor=actor,
        changes={
            "user": (None, _username(actor)),
            "role": (None, invite.role),
            "invite": (None, invite.pk),
        },
        note="Joined with an invitation link.",
    )
    return membership


# --- members --------------------------------------------------------------------------------------


def _member(team: Team, user: AbstractBaseUser) -> Membership:
    membership = Membership.objects.filter(team=team, user=user).first()
    if membership is None:
        raise NotFound(f"{_username(user)} is not a member of {team.name}.")
    return membership


@transaction.atomic
def member_role_set(
    *, team: Team, user: AbstractBaseUser, role: str, actor: AbstractBaseUser
) -> Membership:
    """Change a member's role (admins only). The last admin stays admin."""
    _base.require(actor, team, policies.MEMBERS_MANAGE)
    _check_role(role)
    _member(team, user)
    return teams.membership_set(team=team, user=user, role=role, actor=actor)


@transaction.atomic
def member_remove(*, team: Team, user: AbstractBaseUser, actor: AbstractBaseUser) -> None:
    """Take a member out of the team (admins only). Their claims, verdicts and comments stay
    theirs; their open assignments in this team are dropped, each with an Event."""
    _lock_admins(team)
    _base.require(actor, team, policies.MEMBERS_MANAGE)
    membership = _member(team, user)
    if (
        membership.role == Role.ADMIN
        and not Membership.objects.filter(team=team, role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise Conflict(
            f"{_username(user)} is the last admin of {team.name}; make someone else admin first.",
            code="last_admin",
        )
    username = _username(user)
    article_rows = list(
        ArticleAssignment.objects.filter(user=user, article__team=team).select_related("article")
    )
    claim_rows = list(
        ClaimAssignment.objects.filter(user=user, claim__article__team=team).select_related(
            "claim__article"
        )
    )
    for row in article_rows:
        _base.event_record(
            team=team,
            verb=verbs.ASSIGNMENT_REMOVED,
            actor=actor,
            article=row.article,
            changes={"assignee": (username, None), "due_on": (row.due_on, None)},
            note=f"{username} left the team.",
        )
    for row in claim_rows:
        _base.event_record(
            team=team,
            verb=verbs.ASSIGNMENT_REMOVED,
            actor=actor,
            article=row.claim.article,
            claim=row.claim,
            changes={"assignee": (username, None), "due_on": (row.due_on, None)},
            note=f"{username} left the team.",
        )
    ArticleAssignment.objects.filter(pk__in=[row.pk for row in article_rows]).delete()
    ClaimAssignment.objects.filter(pk__in=[row.pk for row in claim_rows]).delete()
    role = membership.role
    membership.delete()
    _base.event_record(
        team=team,
        verb=verbs.MEMBER_REMOVED,
        actor=actor,
        changes={
            "user": (username, None),
            "role": (role, None),
            "assignments": (len(article_rows) + len(claim_rows), 0),
        },
    )
