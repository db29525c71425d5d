"""Teams, members, invitations and the rating scale: every write, with its permission check and
its Event.

Team-level events carry no article. Each function is keyword-only and atomic; errors are
ServiceError subclasses whose message can be shown as is (pages and API alike).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from annotations import publishing, services
from annotations.errors import Conflict, Forbidden, InvalidInput, NotFound
from annotations.models import (
    ArticleAssignment,
    ClaimAssignment,
    Invite,
    Membership,
    Rating,
    Role,
    Team,
    Verdict,
)

UNSET: Any = services.UNSET

# Paths under /teams/ that a team slug must not shadow.
RESERVED_SLUGS = frozenset({"switch", "new"})

INVITE_PREFIX = "fci_"
DEFAULT_INVITE_DAYS = 7
MAX_INVITE_DAYS = 30

COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOUR = "#6b7280"


def _username(user: AbstractBaseUser) -> str:
    return user.get_username()


# --- teams ----------------------------------------------------------------------------------------


@transaction.atomic
def team_create_by(*, user: AbstractBaseUser, name: str, slug: str = "") -> Team:
    """A new team made by a logged-in user, who becomes its admin.

    The slug (the team's address) comes from the name unless given; a taken one is refused
    with a message saying so, never silently changed.
    """
    if not user.is_authenticated:
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
            return services.team_create(name=name, slug=slug, actor=user)
    except IntegrityError:
        raise Conflict(
            f"The address “{slug}” was just taken by another team: choose another.",
            code="slug_taken",
            field="slug",
        ) from None


# --- publishing settings ------------------------------------------------------------------------


@transaction.atomic
def publishing_update(
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
    services.require_role(actor, team, Role.ADMIN)
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
        services.event_record(
            team=team,
            verb="team.publishing_changed",
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
    services.require_role(actor, team, Role.ADMIN)
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
    services.event_record(
        team=team,
        verb="invite.created",
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
    services.require_role(actor, invite.team, Role.ADMIN)
    invite = Invite.objects.select_for_update().get(pk=invite.pk)
    if invite.used_at is not None:
        raise Conflict(
            "This invitation was already used; it cannot be revoked.", code="invite_used"
        )
    if invite.revoked_at is None:
        invite.revoked_at = timezone.now()
        invite.save(update_fields=["revoked_at"])
        services.event_record(
            team=invite.team,
            verb="invite.revoked",
            actor=actor,
            changes={"invite": (invite.pk, invite.pk), "revoked_at": (None, invite.revoked_at)},
        )
    return invite


@transaction.atomic
def invite_accept(*, raw: str, user: AbstractBaseUser) -> Membership:
    """Join the invitation's team with its role. The link works once; a user already in the
    team is told so and the link stays unused (an invitation never changes an existing role,
    so nobody is demoted by one)."""
    if not user.is_authenticated:
        raise Forbidden("Log in to accept an invitation.")
    found = invite_for_token(raw)
    invite = Invite.objects.select_for_update().select_related("team").get(pk=found.pk)
    _refuse_unusable(invite)
    team = invite.team
    existing = Membership.objects.filter(team=team, user=user).first()
    if existing is not None:
        message = (
            f"You are already a member of {team.name}, as {existing.get_role_display().lower()}."
        )
        if Role.rank(invite.role) > Role.rank(existing.role):
            message += " Ask a team admin to change your role; the link is left unused."
        raise Conflict(message, code="already_member")
    membership = Membership.objects.create(team=team, user=user, role=invite.role)
    invite.used_by = user
    invite.used_at = timezone.now()
    invite.save(update_fields=["used_by", "used_at"])
    services.event_record(
        team=team,
        verb="member.joined",
        actor=user,
        changes={
            "user": (None, _username(user)),
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
    services.require_role(actor, team, Role.ADMIN)
    _check_role(role)
    _member(team, user)
    return services.membership_set(team=team, user=user, role=role, actor=actor)


@transaction.atomic
def member_remove(*, team: Team, user: AbstractBaseUser, actor: AbstractBaseUser) -> None:
    """Take a member out of the team (admins only). Their claims, verdicts and comments stay
    theirs; their open assignments in this team are dropped, each with an Event."""
    services.require_role(actor, team, Role.ADMIN)
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
        services.event_record(
            team=team,
            verb="assignment.removed",
            actor=actor,
            article=row.article,
            changes={"assignee": (username, None), "due_on": (row.due_on, None)},
            note=f"{username} left the team.",
        )
    for row in claim_rows:
        services.event_record(
            team=team,
            verb="assignment.removed",
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
    services.event_record(
        team=team,
        verb="member.removed",
        actor=actor,
        changes={
            "user": (username, None),
            "role": (role, None),
            "assignments": (len(article_rows) + len(claim_rows), 0),
        },
    )


# --- the rating scale -----------------------------------------------------------------------------

RATING_FIELDS = ("slug", "label", "description", "value", "colour", "order", "active")


def _colour(colour: Any) -> str:
    colour = (colour or "").strip()
    if not COLOUR_RE.match(colour):
        raise InvalidInput(
            "A colour is written #rrggbb, e.g. #1d4ed8.", code="invalid_colour", field="colour"
        )
    return colour.lower()


def _value(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput("The number must be a number, e.g. 3 or 2.5.", field="value") from None
    if not number.is_finite() or abs(number) >= 10_000 or number != round(number, 2):
        raise InvalidInput(
            "The number must be below 10,000 with at most two decimals.", field="value"
        )
    return number


def _label(label: Any) -> str:
    label = (label or "").strip()
    if not label:
        raise InvalidInput("Give the rating a label.", field="label")
    if len(label) > 80:
        raise InvalidInput("Keep the label under 80 characters.", field="label")
    return label


def _snapshot(rating: Rating) -> dict[str, Any]:
    return {field: getattr(rating, field) for field in RATING_FIELDS}


def _plain(value: Any) -> Any:
    """Decimals as JSON numbers in events."""
    return float(value) if isinstance(value, Decimal) else value


def _rating_event(
    rating: Rating, verb: str, actor: AbstractBaseUser, before: dict, after: dict
) -> None:
    """One Event naming the rating by slug, with the fields that changed."""
    changes = {
        field: (_plain(before.get(field)), _plain(after.get(field)))
        for field in RATING_FIELDS
        if before.get(field) != after.get(field)
    }
    changes.setdefault("slug", (before.get("slug"), after.get("slug")))
    services.event_record(team=rating.team, verb=verb, actor=actor, changes=changes)


@transaction.atomic
def rating_create(
    *,
    team: Team,
    actor: AbstractBaseUser,
    label: str,
    slug: str = "",
    description: str = "",
    value: Any = None,
    colour: str = DEFAULT_COLOUR,
) -> Rating:
    """A new step at the end of the team's scale. Its slug (from the label unless given) never
    changes afterwards: exports and the API name ratings by it."""
    services.require_role(actor, team, Role.ADMIN)
    label = _label(label)
    slug = slugify((slug or "").strip() or label)[:60].strip("-")
    if not slug:
        raise InvalidInput(
            "Give the rating a slug of letters, digits or hyphens (e.g. “partly-false”).",
            field="slug",
        )
    if Rating.objects.filter(team=team, slug=slug).exists():
        raise Conflict(
            f"The scale already has a rating with the slug “{slug}”: choose another.",
            code="slug_taken",
            field="slug",
        )
    last = Rating.objects.filter(team=team).aggregate(last=Max("order"))["last"]
    rating = Rating(
        team=team,
        slug=slug,
        label=label,
        description=(description or "").strip(),
        value=_value(value),
        colour=_colour(colour or DEFAULT_COLOUR),
        order=0 if last is None else last + 1,
    )
    rating.save()
    _rating_event(rating, "rating.created", actor, {}, _snapshot(rating))
    return rating


@transaction.atomic
def rating_update(
    *,
    rating: Rating,
    actor: AbstractBaseUser,
    label: Any = UNSET,
    description: Any = UNSET,
    value: Any = UNSET,
    colour: Any = UNSET,
    order: Any = UNSET,
    active: Any = UNSET,
) -> Rating:
    """Reword, recolour, (un)number, move (`order`: its 0-based place in the scale) or
    retire/restore a rating. The slug stays. Only what differs is written and recorded."""
    team = rating.team
    services.require_role(actor, team, Role.ADMIN)
    rating = Rating.objects.select_for_update().select_related("team").get(pk=rating.pk)
    before = _snapshot(rating)
    if label is not UNSET:
        rating.label = _label(label)
    if description is not UNSET:
        rating.description = (description or "").strip()
    if value is not UNSET:
        rating.value = _value(value)
    if colour is not UNSET:
        rating.colour = _colour(colour)
    if active is not UNSET:
        rating.active = bool(active)
    fields = [
        f
        for f in ("label", "description", "value", "colour", "active")
        if before[f] != getattr(rating, f)
    ]
    if fields:
        rating.save(update_fields=fields)
        verb = "rating.updated"
        if fields == ["active"]:
            verb = "rating.restored" if rating.active else "rating.retired"
        _rating_event(rating, verb, actor, before, _snapshot(rating))
    if order is not UNSET:
        slugs = _scale_slugs(team)
        try:
            place = int(order)
        except (TypeError, ValueError):
            raise InvalidInput(
                "The order is a place in the scale: 0 is first.", field="order"
            ) from None
        place = max(0, min(place, len(slugs) - 1))
        slugs.remove(rating.slug)
        slugs.insert(place, rating.slug)
        _reorder(team, slugs, actor)
        rating.refresh_from_db()
    return rating


def rating_retire(*, rating: Rating, actor: AbstractBaseUser) -> Rating:
    """No longer offered for new verdicts; verdicts that have it keep it and show it."""
    return rating_update(rating=rating, actor=actor, active=False)


def rating_restore(*, rating: Rating, actor: AbstractBaseUser) -> Rating:
    return rating_update(rating=rating, actor=actor, active=True)


def _scale_slugs(team: Team) -> list[str]:
    return list(
        Rating.objects.filter(team=team).order_by("order", "id").values_list("slug", flat=True)
    )


def _reorder(team: Team, slugs: Sequence[str], actor: AbstractBaseUser) -> bool:
    ratings = list(Rating.objects.select_for_update().filter(team=team).order_by("order", "id"))
    before = [r.slug for r in ratings]
    if sorted(slugs) != sorted(before) or len(set(slugs)) != len(slugs):
        missing = sorted(set(before) - set(slugs))
        unknown = sorted(set(slugs) - set(before))
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown {', '.join(unknown)}")
        if not parts:
            parts.append("a slug is named twice")
        raise InvalidInput(
            "Give every rating of the scale exactly once, in the new order ("
            + "; ".join(parts)
            + ").",
            field="slugs",
        )
    by_slug = {r.slug: r for r in ratings}
    changed = []
    for place, slug in enumerate(slugs):
        rating = by_slug[slug]
        if rating.order != place:
            rating.order = place
            changed.append(rating)
    if not changed and before == list(slugs):
        return False
    Rating.objects.bulk_update(changed, ["order"])
    if before != list(slugs):
        services.event_record(
            team=team,
            verb="rating.reordered",
            actor=actor,
            changes={"order": (before, list(slugs))},
        )
    return True


@transaction.atomic
def rating_reorder(*, team: Team, actor: AbstractBaseUser, slugs: Sequence[str]) -> list[Rating]:
    """Put the whole scale in the order given (every slug once)."""
    services.require_role(actor, team, Role.ADMIN)
    _reorder(team, [str(s).strip() for s in slugs], actor)
    return list(Rating.objects.filter(team=team).order_by("order", "id"))


@transaction.atomic
def rating_move(*, rating: Rating, actor: AbstractBaseUser, direction: str) -> Rating:
    """One place up (earlier) or down (later) in the scale."""
    team = rating.team
    services.require_role(actor, team, Role.ADMIN)
    if direction not in ("up", "down"):
        raise InvalidInput("Move a rating up or down.", field="direction")
    slugs = _scale_slugs(team)
    place = slugs.index(rating.slug)
    other = place - 1 if direction == "up" else place + 1
    if 0 <= other < len(slugs):
        slugs[place], slugs[other] = slugs[other], slugs[place]
        _reorder(team, slugs, actor)
    rating.refresh_from_db()
    return rating


@transaction.atomic
def rating_delete(*, rating: Rating, actor: AbstractBaseUser) -> None:
    """Delete a rating nobody ever gave. One in use is refused: retire it instead."""
    services.require_role(actor, rating.team, Role.ADMIN)
    used = Verdict.objects.filter(rating=rating).count()
    if used:
        raise Conflict(
            f"“{rating.label}” is used by {used} verdict{'s' if used != 1 else ''}, so it "
            "cannot be deleted; retire it instead (existing verdicts keep it).",
            code="rating_in_use",
        )
    before = _snapshot(rating)
    team = rating.team
    rating.delete()
    rating.team = team
    _rating_event(rating, "rating.deleted", actor, before, {})


__all__ = [
    "DEFAULT_INVITE_DAYS",
    "MAX_INVITE_DAYS",
    "invite_accept",
    "invite_create",
    "invite_for_token",
    "invite_revoke",
    "invite_state",
    "member_remove",
    "member_role_set",
    "publishing_update",
    "rating_create",
    "rating_delete",
    "rating_move",
    "rating_reorder",
    "rating_restore",
    "rating_retire",
    "rating_update",
    "team_create_by",
]
