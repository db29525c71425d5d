"""What every page's header shows: the count of your queue and of your unread notifications.
Each costs one query, whatever the numbers.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from annotations.queries.notifications import unread_count
from annotations.queries.queue import open_item_count


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


# --- the navigation's badge --------------------------------------------------------------------


def context_processor(request: HttpRequest) -> dict[str, Any]:
    """`notifications_unread` for the header: counted (one query) only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}
    return {"notifications_unread": SimpleLazyObject(lambda: unread_count(user))}
