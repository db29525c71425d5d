"""Who else has an article open: one Presence row per open page, refreshed by the poller and
deleted when the stream ends; viewers are everyone seen within FACTCHECK_LIVE_PRESENCE_SECONDS.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from annotations.live.protocol import display_name, presence_seconds
from annotations.models import Presence

# How often the poller refreshes its streams' presence rows and re-reads who is viewing.
TOUCH_SECONDS = 5.0


VIEWERS_SECONDS = 1.0


# Rows of pages closed without a goodbye (a process killed) are deleted after this long.
STALE_PRESENCE = timedelta(minutes=10)


def viewers_of(article_ids: Iterable[int]) -> dict[int, list[dict[str, str]]]:
    """Who has each article open now (seen within the presence timeout), by name."""
    since = timezone.now() - timedelta(seconds=presence_seconds())
    rows = (
        Presence.objects.filter(article_id__in=list(article_ids), last_seen__gte=since)
        .order_by("user__username")
        .values_list("article_id", "user__username", "user__first_name", "user__last_name")
        .distinct()
    )
    found: dict[int, list[dict[str, str]]] = {pk: [] for pk in article_ids}
    for article_id, username, first, last in rows:
        people = found.setdefault(article_id, [])
        if not any(person["username"] == username for person in people):
            people.append({"username": username, "name": display_name(username, first, last)})
    return found


def presence_join(*, article_id: int, user: AbstractBaseUser, channel: str) -> None:
    Presence.objects.update_or_create(
        channel=channel,
        defaults={"article_id": article_id, "user": user, "last_seen": timezone.now()},
    )


def presence_leave(channel: str) -> None:
    Presence.objects.filter(channel=channel).delete()


def presence_touch(channels: Iterable[str]) -> None:
    now = timezone.now()
    Presence.objects.filter(channel__in=list(channels)).update(last_seen=now)
    Presence.objects.filter(last_seen__lt=now - STALE_PRESENCE).delete()
