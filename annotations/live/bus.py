"""Optional: with FACTCHECK_REDIS_URL set, each new Event is announced on a Redis channel once its
transaction commits, so every process's poller wakes at once instead of at its next tick. The
database stays the source: a lost message only means the next tick delivers it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from annotations.models import Event

logger = logging.getLogger(__name__)


# --- optional: Redis announces new Events so pollers need not wait for their tick ---------------

REDIS_CHANNEL = "factcheck:live"


_publisher: Any = None


def redis_url() -> str:
    return getattr(settings, "FACTCHECK_REDIS_URL", "") or ""


def announce(message: str) -> None:
    """Publish on the Redis channel when one is configured. Never fails the caller: without the
    message the pollers still find the change at their next tick."""
    global _publisher
    url = redis_url()
    if not url:
        return
    try:
        import redis

        if _publisher is None or getattr(_publisher, "_factcheck_url", None) != url:
            _publisher = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
            _publisher._factcheck_url = url
        _publisher.publish(REDIS_CHANNEL, message)
    except Exception:
        logger.warning("Live updates: could not publish to Redis", exc_info=True)


@receiver(post_save, sender=Event, dispatch_uid="live-announce-event")
def announce_event(sender: type, instance: Event, created: bool, **kwargs: Any) -> None:
    if created and instance.article_id and redis_url():
        message = f"event:{instance.article_id}:{instance.pk}"
        transaction.on_commit(lambda: announce(message))
