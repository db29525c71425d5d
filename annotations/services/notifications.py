"""Writing notifications: `notify` creates one for another service's change (a mention, an
assignment, a claim sent back); its owner marks one or all of them read. Notifications record
no Event: they are a person's inbox, not a change to the desk's work.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from annotations.errors import NotFound
from annotations.models import Article, Claim, Comment, Notification, Team


@transaction.atomic
def notification_create(
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


def notification_mark_read(*, notification: Notification, actor: AbstractBaseUser) -> Notification:
    if notification.user_id != actor.pk:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        now = timezone.now()
        # Conditional: marked read at the same moment elsewhere, the first time stays.
        if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now
        ):
            notification.read_at = now
        else:
            notification.refresh_from_db(fields=["read_at"])
    return notification


def notification_mark_all_read(*, actor: AbstractBaseUser) -> int:
    """Mark every unread notification of the user read; how many there were."""
    return Notification.objects.filter(user_id=actor.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
