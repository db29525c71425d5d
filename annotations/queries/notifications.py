"""Reading notifications: a person's own, unread first, each with the address it leads to (or
none when that is gone). Nobody else's notification is visible: its id is a 404.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.urls import reverse

from annotations.models import Membership, Notification

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


def with_urls(rows: Iterable[Notification], team_ids: set[int]) -> list[Notification]:
    """Set `url` (None when it no longer leads anywhere) on each row; no queries."""
    rows = list(rows)
    for row in rows:
        row.url = target_url(row, team_ids)
    return rows
