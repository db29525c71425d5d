"""One poller per process (per event loop): it reads the new Events of every article with a stream
open here in one query a tick, re-reads recent ones (ids commit out of order on PostgreSQL),
refreshes presence, and fans everything out to the streams' queues.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
import weakref
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.db import DatabaseError, connection
from django.db.models import Q
from django.utils import timezone

from annotations.live.bus import REDIS_CHANNEL, redis_url
from annotations.live.presence import TOUCH_SECONDS, VIEWERS_SECONDS, presence_touch, viewers_of
from annotations.live.protocol import (
    EVENT_FIELDS,
    event_message,
    poll_seconds,
    presence_message,
    rescan_seconds,
)
from annotations.models import Event

logger = logging.getLogger(__name__)


# Rows read per poll at most; a busier tick continues on the next one.
POLL_BATCH = 1000


# --- database work (synchronous; called through sync_to_async) -----------------------------------


def release_connection() -> None:
    """Close this thread's database connection. A stream's thread then holds none while it
    waits (a hundred open pages must not mean a hundred idle connections). Inside a
    transaction (tests) the connection stays."""
    if not connection.in_atomic_block:
        connection.close()


def newest_event_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def events_after(article_id: int, after: int, limit: int) -> list[dict[str, Any]]:
    return list(
        Event.objects.filter(article_id=article_id, id__gt=after)
        .order_by("id")
        .values(*EVENT_FIELDS)[:limit]
    )


def events_to_deliver(
    article_ids: Iterable[int], after: int, since: Any, limit: int = POLL_BATCH
) -> list[dict[str, Any]]:
    """The poll: Events of these articles with id > after, or created since `since` (the
    window that catches ids committed out of order), in id order."""
    return list(
        Event.objects.filter(article_id__in=list(article_ids))
        .filter(Q(id__gt=after) | Q(created_at__gte=since))
        .order_by("id")
        .values(*EVENT_FIELDS)[:limit]
    )


# --- the poller: one per process (per event loop) -----------------------------------------------


@dataclass(eq=False)
class Listener:
    """One open stream: its article, its Presence channel and its queue of messages."""

    article_id: int
    channel: str
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)
    sent: set[int] = field(default_factory=set)
    _order: deque = field(default_factory=lambda: deque(maxlen=4096))

    def mark_sent(self, event_id: int) -> bool:
        """False when this stream has sent the Event already (replay and poll overlap)."""
        if event_id in self.sent:
            return False
        if len(self._order) == self._order.maxlen:
            self.sent.discard(self._order[0])
        self._order.append(event_id)
        self.sent.add(event_id)
        return True


class Hub:
    """Polls the database for the articles this process streams, and fans Events out."""

    def __init__(self) -> None:
        self.listeners: dict[int, set[Listener]] = {}
        self.high: int | None = None  # the highest Event id seen
        self.delivered: dict[int, float] = {}  # id -> when seen, for the rescan window
        self.viewers: dict[int, list[dict[str, str]]] = {}
        self.task: asyncio.Task | None = None
        self.wakeup = asyncio.Event()
        self.polls = 0  # for tests: how many times the database was asked
        self._last_touch = 0.0
        self._last_viewers = 0.0
        self.redis_task: asyncio.Task | None = None

    # listeners

    def add(self, listener: Listener) -> None:
        self.listeners.setdefault(listener.article_id, set()).add(listener)
        if self.task is None or self.task.done():
            # A fresh context: the poller outlives the request that started it, and must not
            # run its database calls in that request's (finished) thread.
            self.task = asyncio.get_running_loop().create_task(
                self.run(), context=contextvars.Context()
            )
        if redis_url() and (self.redis_task is None or self.redis_task.done()):
            self.redis_task = asyncio.get_running_loop().create_task(
                self.listen_redis(), context=contextvars.Context()
            )
        self.wake()

    def remove(self, listener: Listener) -> None:
        group = self.listeners.get(listener.article_id)
        if group is not None:
            group.discard(listener)
            if not group:
                del self.listeners[listener.article_id]
                self.viewers.pop(listener.article_id, None)
        if not self.listeners:
            self.wake()  # the loop ends now rather than at its next tick

    def wake(self) -> None:
        self.wakeup.set()

    def viewers_due(self) -> None:
        """Read who is viewing on the next tick, and make that tick now."""
        self._last_viewers = 0.0
        self.wake()

    # the loop

    async def run(self) -> None:
        try:
            while self.listeners:
                # Cleared before the poll: a wake-up that comes during it makes the next one.
                self.wakeup.clear()
                try:
                    await self.poll_once()
                except DatabaseError:
                    # A dropped connection (database restarted): a new one next tick.
                    logger.warning("Live updates: database poll failed", exc_info=True)
                    await sync_to_async(connection.close)()
                except Exception:
                    logger.exception("Live updates: poll failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), timeout=poll_seconds())
        finally:
            self.task = None
            self.high = None
            self.delivered.clear()
            if self.redis_task is not None:
                self.redis_task.cancel()
                self.redis_task = None

    async def listen_redis(self) -> None:
        """Wake up when another process announces an Event or a presence change (optional)."""
        try:
            import redis.asyncio as aioredis
        except ImportError:
            logger.warning("FACTCHECK_REDIS_URL is set but the redis package is not installed.")
            return
        pause = 1.0
        while self.listeners:
            client = aioredis.from_url(redis_url(), socket_connect_timeout=2)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(REDIS_CHANNEL)
                    pause = 1.0
                    while self.listeners:
                        message = await pubsub.get_message(
                            ignore_subscribe_messages=True, timeout=1.0
                        )
                        if message is not None:
                            self.on_announcement(message.get("data"))
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("Live updates: Redis unreachable; polling only", exc_info=True)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
            finally:
                await client.aclose()

    def on_announcement(self, data: bytes | str | None) -> None:
        text = data.decode() if isinstance(data, bytes) else str(data or "")
        kind, _, rest = text.partition(":")
        article = rest.split(":", 1)[0]
        if not article.isdigit() or int(article) not in self.listeners:
            return
        if kind == "presence":
            self.viewers_due()
        else:
            self.wake()

    async def poll_once(self) -> None:
        article_ids = sorted(self.listeners)
        if not article_ids:
            return
        now = time.monotonic()
        if self.high is None:
            self.high = await sync_to_async(newest_event_id)()
        since = timezone.now() - timedelta(seconds=rescan_seconds())
        rows = await sync_to_async(events_to_deliver)(article_ids, self.high, since)
        self.polls += 1
        self.deliver(rows, now)
        if now - self._last_touch >= TOUCH_SECONDS:
            self._last_touch = now
            channels = [item.channel for group in self.listeners.values() for item in group]
            await sync_to_async(presence_touch)(channels)
        if now - self._last_viewers >= VIEWERS_SECONDS:
            self._last_viewers = now
            await self.refresh_viewers(article_ids)

    def deliver(self, rows: list[dict[str, Any]], now: float) -> None:
        for row in rows:
            event_id = row["id"]
            if event_id in self.delivered:
                continue
            self.delivered[event_id] = now
            self.high = max(self.high or 0, event_id)
            message = event_message(row)
            for listener in self.listeners.get(row["article_id"], ()):
                listener.queue.put_nowait((event_id, message))
        horizon = now - rescan_seconds() * 2
        for event_id in [pk for pk, seen in self.delivered.items() if seen < horizon]:
            del self.delivered[event_id]

    async def refresh_viewers(self, article_ids: list[int]) -> None:
        found = await sync_to_async(viewers_of)(article_ids)
        for article_id, people in found.items():
            if self.viewers.get(article_id) == people:
                continue
            self.viewers[article_id] = people
            message = presence_message(people)
            for listener in self.listeners.get(article_id, ()):
                listener.queue.put_nowait((None, message))


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """This process's poller (one per event loop: tests run several loops one after another)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub()
    return found


def recent_ids_up_to(article_id: int, after: int) -> list[int]:
    since = timezone.now() - timedelta(seconds=rescan_seconds())
    return list(
        Event.objects.filter(article_id=article_id, id__lte=after, created_at__gte=since)
        .order_by("id")
        .values_list("id", flat=True)
    )
