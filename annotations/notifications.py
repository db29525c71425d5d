"""In-app notifications: what a user should see (a mention, an assignment, a claim sent back).

Any part of the product creates them through `notify`; each has a kind, the actor, the team
and the article/claim/comment it concerns, and a human-readable message, so the notifications
page and the API show every kind the same way. A notification belongs to one user: nobody
else can see it or mark it read (their ids are 404). Notifications record no Event: they are
a user's inbox, not a change to the desk's work.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from annotations.errors import NotFound
from annotations.models import Article, Claim, Comment, Membership, Notification, Team


@transaction.atomic
def notify(
    *,
    users: Iterable[AbstractBaseUser],
    team: Team,
    kind: str,
    actor: AbstractBaseUser | None,
    message: str,
    article: Article | None = None,
    claim: Claim | None = None,
    comment: Comment | None = None,
) -> list[Notification]:
    """One notification per user (the actor never notifies themself)."""
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    rows = [
        Notification(
            user=user,
            team=team,
            kind=kind,
            actor_id=actor_id,
            article=article if article is not None else (claim.article if claim else None),
            claim=claim,
            comment=comment,
            message=message,
        )
        for user in {user.pk: user for user in users}.values()
        if user.pk != actor_id
    ]
    return Notification.objects.bulk_create(rows) if rows else []


def notification_for_user(user: AbstractBaseUser, pk: int) -> Notification:
    """The user's own notification; anyone else's is 404."""
    notification = Notification.objects.filter(pk=pk, user_id=user.pk).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification


def notification_mark_read(*, notification: Notification, user: AbstractBaseUser) -> Notification:
    if notification.user_id != user.pk:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, user: AbstractBaseUser) -> int:
    """Mark every unread notification of the user read; how many there were."""
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- reads ----------------------------------------------------------------------------------


def unread_count(user: AbstractBaseUser) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def notifications_of(user: AbstractBaseUser, *, unread_only: bool = False) -> QuerySet:
    """The user's notifications with actor, team, article and claim joined."""
    rows = Notification.objects.filter(user_id=user.pk).select_related(
        "actor", "team", "article", "claim"
    )
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows


def inbox_order(rows: QuerySet) -> QuerySet:
    """Unread first, then newest."""
    return rows.annotate(
        is_read=Case(
            When(read_at__isnull=True, then=Value(0)), default=1, output_field=IntegerField()
        )
    ).order_by("is_read", "-created_at", "-id")


def team_ids_of(user: AbstractBaseUser) -> set[int]:
    return set(Membership.objects.filter(user_id=user.pk).values_list("team_id", flat=True))


def target_url(notification: Notification, team_ids: set[int]) -> str | None:
    """Where a notification leads: its claim opened in its article (a comment's discussion),
    or the article; nothing once the user has left the team or the article is gone."""
    if notification.team_id not in team_ids:
        return None
    if notification.claim_id is not None:
        url = reverse("claim_edit", args=[notification.claim_id])
        return f"{url}#discussion-{notification.claim_id}" if notification.comment_id else url
    if notification.article_id is not None:
        return reverse("article_detail", args=[notification.article_id])
    return None


def describe(rows: Iterable[Notification], team_ids: set[int]) -> list[Notification]:
    """Set `url` (None when it no longer leads anywhere) on each row; no queries."""
    rows = list(rows)
    for row in rows:
        row.url = target_url(row, team_ids)
    return rows


# --- the navigation's badge --------------------------------------------------------------------


def context_processor(request: HttpRequest) -> dict[str, Any]:
    """`notifications_unread` for the header: counted (one query) only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}
    return {"notifications_unread": SimpleLazyObject(lambda: unread_count(user))}


__all__ = [
    "context_processor",
    "describe",
    "inbox_order",
    "notification_for_user",
    "notification_mark_read",
    "notifications_mark_all_read",
    "notifications_of",
    "notify",
    "target_url",
    "team_ids_of",
    "unread_count",
]
