"""The team's rating scale: add, edit, retire, restore, reorder, move and delete ratings. A rating
in use is retired rather than deleted, so published verdicts keep their meaning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from annotations import policies, verbs
from annotations.errors import Conflict, InvalidInput
from annotations.models import (
    Rating,
    Team,
    Verdict,
)
from annotations.services import _base
from annotations.services.teams import UNSET

COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


DEFAULT_COLOUR = "#6b7280"


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
    _base.event_record(team=rating.team, verb=verb, actor=actor, changes=changes)


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
    _base.require(actor, team, policies.SCALE_MANAGE)
    _lock_scale(team)
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
    _rating_event(rating, verbs.RATING_CREATED, actor, {}, _snapshot(rating))
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
    _base.require(actor, team, policies.SCALE_MANAGE)
    _lock_scale(team)
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
        verb = verbs.RATING_UPDATED
        if fields == ["active"]:
            verb = verbs.RATING_RESTORED if rating.active else verbs.RATING_RETIRED
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


def _lock_scale(team: Team) -> None:
    """Lock every rating of the team's scale until the transaction ends, in one order (by id),
    before reading it: two changes of the scale at once (moves, new ratings, a delete) run one
    after the other, the second on the first's result."""
    list(
        Rating.objects.select_for_update()
        .filter(team=team)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


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
        _base.event_record(
            team=team,
            verb=verbs.RATING_REORDERED,
            actor=actor,
            changes={"order": (before, list(slugs))},
        )
    return True


@transaction.atomic
def rating_reorder(*, team: Team, actor: AbstractBaseUser, slugs: Sequence[str]) -> list[Rating]:
    """Put the whole scale in the order given (every slug once)."""
    _base.require(actor, team, policies.SCALE_MANAGE)
    _lock_scale(team)
    _reorder(team, [str(s).strip() for s in slugs], actor)
    return list(Rating.objects.filter(team=team).order_by("order", "id"))


@transaction.atomic
def rating_move(*, rating: Rating, actor: AbstractBaseUser, direction: str) -> Rating:
    """One place up (earlier) or down (later) in the scale."""
    team = rating.team
    _base.require(actor, team, policies.SCALE_MANAGE)
    if direction not in ("up", "down"):
        raise InvalidInput("Move a rating up or down.", field="direction")
    _lock_scale(team)
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
    _base.require(actor, rating.team, policies.SCALE_MANAGE)
    _lock_scale(rating.team)
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
    _rating_event(rating, verbs.RATING_DELETED, actor, before, {})
