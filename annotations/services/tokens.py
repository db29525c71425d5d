"""Personal API tokens: created (the raw token is shown once, only its hash is kept), revoked by
their owner, and marked used at most once a minute.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from annotations.errors import (
    InvalidInput,
    NotFound,
)
from annotations.models import (
    ApiToken,
)

# --- API tokens ------------------------------------------------------------------------------

TOKEN_PREFIX = "fct_"


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def token_create(*, actor: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """A new token for `actor`, made by themselves. The secret is returned once and stored only
    as a hash."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Give the token a name, so you know later what uses it.", field="name")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=actor, name=name[:100], key_prefix=raw[:12], key_hash=token_hash(raw))
    token.save()
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: AbstractBaseUser) -> ApiToken:
    if token.user_id != actor.pk:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


# How often a token's last_used_at may change: once a minute is precise enough to tell whether a
# token is still in use, and spares a database write on every API request.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def token_mark_used(*, token: ApiToken, now: datetime | None = None) -> bool:
    """Record that `token` was just used, at most once per TOKEN_USE_RESOLUTION.

    Returns whether the database was written. One conditional UPDATE (atomic on its own), so
    concurrent requests with the same token write at most once. No Event: a token belongs to a
    user, not a team, and using it changes nothing in the desk's work.
    """
    now = now or timezone.now()
    cutoff = now - TOKEN_USE_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > cutoff:
        return False
    written = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=cutoff))
        .update(last_used_at=now)
    )
    token.last_used_at = now
    return bool(written)
