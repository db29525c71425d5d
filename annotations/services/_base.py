"""What every service shares: the caller's membership and role check, the archived-article guard,
the rating lookup, the claim version check, and the Event each change records.

Services are keyword-only and atomic; errors are ServiceError subclasses whose message can be
shown as is. Nothing here is called by pages or the API directly except through a service.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import F

from annotations import policies
from annotations.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
)
from annotations.models import (
    Article,
    Claim,
    ClaimStatus,
    Event,
    Membership,
    Rating,
    Team,
)
from annotations.queries.conflicts import mark_stale

# slug, label, value, colour, description
DEFAULT_SCALE: list[tuple[str, str, int | None, str, str]] = [
    ("true", "True", 5, "#15803d", "Accurate, with nothing significant missing."),
    ("mostly-true", "Mostly true", 4, "#65a30d", "Accurate but needs clarification or context."),
    ("half-true", "Half true", 3, "#ca8a04", "Partly accurate; leaves out important details."),
    ("mostly-false", "Mostly false", 2, "#ea580c", "Contains some truth but ignores key facts."),
    ("false", "False", 1, "#b91c1c", "Not accurate."),
    ("misleading", "Misleading", None, "#7c3aed", "Accurate facts presented to mislead."),
    ("unverifiable", "Unverifiable", None, "#475569", "Cannot be proved or disproved now."),
]


_http_url = URLValidator(schemes=["http", "https"])


# --- access -------------------------------------------------------------------------------


def membership_for(user: AbstractBaseUser, team: Team) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, team=team).first()


def require_role(actor: AbstractBaseUser, team: Team, role: str) -> Membership:
    """The user's membership if it has at least `role`.

    Outsiders get NotFound (404: the team's objects do not exist for them); members with a
    lesser role get Forbidden (403).
    """
    membership = membership_for(actor, team)
    if membership is None:
        raise NotFound("Not found.")
    if not membership.has_role(role):
        raise Forbidden(policies.role_refusal(team.name, membership.role, role))
    return membership


def require(actor: AbstractBaseUser, team: Team, action: str) -> Membership:
    """The actor's membership if policies allow them `action` in the team (see require_role)."""
    return require_role(actor, team, policies.least_role(action))


# --- events -------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Rating):
        return value.slug
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value


def event_record(
    *,
    team: Team,
    verb: str,
    actor: AbstractBaseUser | None,
    article: Article | None = None,
    claim: Claim | None = None,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    note: str = "",
) -> Event:
    return Event.objects.create(
        team=team,
        verb=verb,
        actor=actor if actor is not None and actor.is_authenticated else None,
        article=article,
        claim=claim,
        changes={
            field: [_jsonable(before), _jsonable(after)]
            for field, (before, after) in (changes or {}).items()
        },
        note=note,
    )


def _claim_event(
    *,
    claim: Claim,
    verb: str,
    actor: AbstractBaseUser | None,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    note: str = "",
    article: Article | None = None,
) -> Event:
    """The Event of a change to one claim, filed under its article (`article` when the caller
    holds it already) and team."""
    if article is None:
        article = claim.article
    return event_record(
        team=article.team,
        verb=verb,
        actor=actor,
        article=article,
        claim=claim,
        changes=changes,
        note=note,
    )


def created_values(obj: Any, fields: Iterable[str]) -> dict[str, tuple[Any, Any]]:
    return {field: (None, getattr(obj, field)) for field in fields}


def validate_model(obj: Any, *, exclude: Iterable[str] = ()) -> None:
    """Model validation, turned into a service error naming the first failing field."""
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            field, errors = next(iter(error.error_dict.items()))
            message = " ".join(m for e in errors for m in e.messages)
            label = "" if field == "__all__" else f"{field}: "
            raise InvalidInput(f"{label}{message}", field=field) from None
        raise InvalidInput(" ".join(error.messages)) from None


def require_not_archived(article: Article, doing: str) -> None:
    """An archived article takes no new work (see articles.py): 409 `archived`."""
    if article.archived_at is not None:
        raise Conflict(f"This article is archived: restore it before {doing}.", code="archived")


# --- claims -------------------------------------------------------------------------------


def rating_for(team: Team, rating: Rating | str) -> Rating:
    """The team's active rating with this slug (or the Rating itself, checked)."""
    slug = rating.slug if isinstance(rating, Rating) else str(rating).strip()
    found = Rating.objects.filter(team=team, slug=slug).first()
    if found is None:
        choices = ", ".join(
            Rating.objects.filter(team=team, active=True).values_list("slug", flat=True)
        )
        raise InvalidInput(
            f"Unknown verdict {slug!r}: use one of {choices}.",
            code="unknown_rating",
            field="rating",
        )
    if not found.active:
        raise InvalidInput(
            f"The verdict “{found.label}” is retired and can no longer be given.",
            code="retired_rating",
            field="rating",
        )
    return found


def _bump_version(claim: Claim) -> None:
    # Increment in the database, not from this (possibly stale) copy: two writers holding the
    # same version must end two versions later, or a stale If-Match would still pass.
    Claim.objects.filter(pk=claim.pk).update(version=F("version") + 1)
    claim.refresh_from_db(fields=["version"])


# --- claim editing, deletion and workflow ---------------------------------------------------

UNSET: Any = object()


def lock_claim(claim: Claim) -> Claim:
    """Lock the claim's row until the transaction ends, and bring `claim` up to date with it.

    Every write to a claim goes through here (check_version calls it) before it looks at what
    the claim says: a second writer waits for the first to commit and then reads its result,
    so two writers holding the same version cannot both pass the check (PostgreSQL; SQLite
    lets one writer in at a time anyway)."""
    row = Claim.objects.select_for_update().filter(pk=claim.pk).first()
    if row is None:
        raise NotFound("This claim has been deleted.", code="deleted")
    for field in Claim._meta.concrete_fields:
        setattr(claim, field.attname, getattr(row, field.attname))
    return claim


def check_version(claim: Claim, expected_version: int | str | None) -> None:
    """Optimistic concurrency: a write naming an older version than the stored one is refused.

    The claim is locked first (lock_claim), so the version compared is the one the write will
    raise: of two writes at the same version, the second sees the first's and is refused."""
    expected = None
    if expected_version is not None:
        try:
            expected = int(expected_version)
        except (TypeError, ValueError):
            raise InvalidInput("version must be a whole number.", field="version") from None
    current = lock_claim(claim).version
    if expected is not None and expected != current:
        stale = Conflict(
            f"Someone changed this claim since you opened it (you have version {expected}, "
            f"it is now at version {current}). Reload to see their change.",
            code="stale",
        )
        raise mark_stale(stale, claim_id=claim.pk, your_version=expected)


def _check_not_published(claim: Claim) -> None:
    if claim.status == ClaimStatus.PUBLISHED:
        raise Conflict(
            "This claim is published and frozen. An editor can correct it, which reopens it "
            "with a note.",
            code="published",
        )


def _require_claim_editor(actor: AbstractBaseUser, claim: Claim) -> Membership:
    """Editors change any claim of their team; reviewers only their own, before approval."""
    membership = require(actor, claim.article.team, policies.CLAIM_WORK)
    if policies.allows(membership, policies.CLAIM_REVIEW):
        return membership
    lock_claim(claim)  # the status checked below is the one the write will change
    if claim.created_by_id != actor.pk:
        raise Forbidden("Reviewers can change only their own claims; ask an editor.")
    if claim.status not in (ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW):
        raise Forbidden("This claim is approved; only an editor can change it now.")
    return membership
