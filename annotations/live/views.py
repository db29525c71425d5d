"""Live updates: the article's Events streamed to the browser as Server-Sent Events, and who
else has the article open (presence).

Delivery goes through the database, so it works with any number of server processes:

* One poller per process (`Hub`, an asyncio task started when the first stream opens and
  stopped when the last one closes) asks the database every `FACTCHECK_LIVE_POLL_MS` for new
  Events of all the articles that have a stream open in this process — one query per tick, not
  one per stream — and fans them out to the streams' queues.
* Ids are not always committed in order (on PostgreSQL a transaction holding a smaller id can
  commit after one holding a larger id), so each tick also re-reads the Events created in the
  last `FACTCHECK_LIVE_RESCAN_SECONDS`; ids already delivered are skipped.
* A stream resumes: EventSource sends `Last-Event-ID` when it reconnects, and the stream first
  replays that article's Events after it (at most `REPLAY_LIMIT`; beyond that it sends a
  `reload` event). A first connection starts after `?after=`, the newest Event id when the page
  was rendered, so nothing between the page and the stream is lost.
* Presence: each stream keeps a Presence row (one per open page); the poller refreshes
  `last_seen` for its streams, reads who is viewing each article (everyone seen within
  `FACTCHECK_LIVE_PRESENCE_SECONDS`, from every process) and sends a `presence` event when that
  set changes. A stream that ends deletes its row.

With FACTCHECK_REDIS_URL set (optional; needs the `redis` package), each new Event's id is also
published on a Redis channel once its transaction commits, and so are presence changes; every
process's poller listens and polls at once instead of at its next tick. The database stays the
source: a lost message only means the next tick delivers it.

Under WSGI (runserver, the test client) an endless response would hold a worker: there the view
answers with what it has (the replay and the viewers) and tells EventSource to come back after
`retry` milliseconds, which makes it a slow poll instead of a stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import secrets
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.views import redirect_to_login
from django.core.handlers.asgi import ASGIRequest
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from annotations import queries
from annotations.models import Article, Event, Presence
from annotations.pages.workspace.cards import access_for, list_context, load_claims
from annotations.templatetags.article_text import groups_html, layout

logger = logging.getLogger(__name__)

REPLAY_LIMIT = 500
# Rows read per poll at most; a busier tick continues on the next one.
POLL_BATCH = 1000
TEMPLATE = "annotations/workspace/article_detail.html"


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def poll_seconds() -> float:
    return _setting("FACTCHECK_LIVE_POLL_MS", 250) / 1000


def rescan_seconds() -> float:
    return _setting("FACTCHECK_LIVE_RESCAN_SECONDS", 10)


def presence_seconds() -> float:
    return _setting("FACTCHECK_LIVE_PRESENCE_SECONDS", 15)


def heartbeat_seconds() -> float:
    return _setting("FACTCHECK_LIVE_HEARTBEAT_SECONDS", 15)


# How often the poller refreshes its streams' presence rows and re-reads who is viewing.
TOUCH_SECONDS = 5.0
VIEWERS_SECONDS = 1.0
# Rows of pages closed without a goodbye (a process killed) are deleted after this long.
STALE_PRESENCE = timedelta(minutes=10)


# --- what an Event looks like on the wire --------------------------------------------------------

EVENT_TYPES = {
    "claim": "claim",
    "verdict": "verdict",
    "source": "source",
    "comment": "comment",
    "article": "article",
}
PHRASES = {
    "claim.created": "added a claim",
    "claim.updated": "changed a claim",
    "claim.deleted": "deleted a claim",
    "claim.restored": "restored a claim",
    "claim.submitted": "submitted a claim for review",
    "claim.approved": "approved a claim",
    "claim.published": "published a claim",
    "claim.sent_back": "sent a claim back",
    "claim.withdrawn": "moved a claim back to draft",
    "claim.corrected": "corrected a claim",
    "claim.public_url_changed": "changed a claim's public URL",
    "claim.reanchored": "re-placed a claim after a text change",
    "claim.moved": "flagged a moved claim",
    "claim.anchor_confirmed": "confirmed a claim's new place",
    "claim.reattached": "re-attached a claim",
    "verdict.set": "gave a verdict",
    "verdict.withdrawn": "withdrew a verdict",
    "source.added": "added a source",
    "source.removed": "removed a source",
    "comment.added": "commented on a claim",
    "comment.updated": "edited a comment",
    "comment.deleted": "deleted a comment",
    "article.imported": "imported the article",
    "article.revised": "loaded a new version of the article",
    "article.updated": "changed the article's details",
    "article.archived": "archived the article",
    "article.restored": "restored the article",
    "article.deleted": "deleted the article",
}
EVENT_FIELDS = (
    "id",
    "article_id",
    "claim_id",
    "verb",
    "changes",
    "created_at",
    "actor__username",
    "actor__first_name",
    "actor__last_name",
    "claim__summary",
    "claim__number",
)


def event_type(verb: str) -> str:
    """The SSE `event:` name of a verb: its object (claim, verdict, source, comment, article)."""
    return EVENT_TYPES.get(verb.split(".", 1)[0], "activity")


def _display_name(username: str | None, first: str | None, last: str | None) -> str:
    full = f"{first or ''} {last or ''}".strip()
    return full or username or "Someone"


def summary_of(row: dict[str, Any]) -> str:
    """A sentence for a toast: "reviewer added claim #12: “40% of troops left”"."""
    who = _display_name(row["actor__username"], row["actor__first_name"], row["actor__last_name"])
    verb = row["verb"]
    phrase = PHRASES.get(verb)
    if phrase is None:
        kind, _, action = verb.partition(".")
        phrase = f"{action.replace('_', ' ') or 'changed'} ({kind})"
    quoted = (row.get("claim__summary") or "").strip()
    number = row.get("claim__number")
    if number and "a claim" in phrase:  # "added claim #12", as people cite it
        phrase = phrase.replace("a claim", f"claim #{number}", 1)
    if quoted:
        quoted = quoted if len(quoted) <= 80 else quoted[:79].rstrip() + "…"
        return f"{who} {phrase}: “{quoted}”"
    return f"{who} {phrase}"


def event_payload(row: dict[str, Any]) -> dict[str, Any]:
    changes = row.get("changes") or {}
    return {
        "id": row["id"],
        "verb": row["verb"],
        "claim": row["claim_id"],
        "actor": row["actor__username"] or "",
        "actor_name": _display_name(
            row["actor__username"], row["actor__first_name"], row["actor__last_name"]
        ),
        "fields": sorted(changes) if isinstance(changes, dict) else [],
        "summary": summary_of(row),
    }


def sse(data: Any, *, event: str | None = None, event_id: int | None = None) -> str:
    """One Server-Sent Event. JSON has no raw newlines, so `data:` stays one line."""
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if event:
        lines.append(f"event: {event}")
    lines.append(f"data: {json.dumps(data, separators=(',', ':'), ensure_ascii=False)}")
    return "\n".join(lines) + "\n\n"


def event_message(row: dict[str, Any]) -> str:
    return sse(event_payload(row), event=event_type(row["verb"]), event_id=row["id"])


def presence_message(viewers: list[dict[str, str]]) -> str:
    return sse({"viewers": viewers, "count": len(viewers)}, event="presence")


HEARTBEAT = ": keep-alive\n\n"


# --- database work (synchronous; called through sync_to_async) -----------------------------------


def release_connection() -> None:
    """Close this thread's database connection. A stream's thread then holds none while it
    waits (a hundred open pages must not mean a hundred idle connections). Inside a
    transaction (tests) the connection stays."""
    if not connection.in_atomic_block:
        connection.close()


def latest_event_id(article: Article | int) -> int:
    """The newest Event id of an article (0 when it has none): where a new page's stream starts."""
    article_id = article.pk if isinstance(article, Article) else article
    newest = (
        Event.objects.filter(article_id=article_id).order_by("-id").values_list("id", flat=True)
    )
    return newest.first() or 0


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
            people.append({"username": username, "name": _display_name(username, first, last)})
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


# --- the stream ----------------------------------------------------------------------------------


@dataclass
class Opening:
    replay: list[dict[str, Any]]
    reload_after: int | None  # too much to replay: the client reloads; live from this id
    viewers: list[dict[str, str]]
    known: list[int]  # recent Events the page already shows (the poller's window repeats them)


def recent_ids_up_to(article_id: int, after: int) -> list[int]:
    since = timezone.now() - timedelta(seconds=rescan_seconds())
    return list(
        Event.objects.filter(article_id=article_id, id__lte=after, created_at__gte=since)
        .order_by("id")
        .values_list("id", flat=True)
    )


def _open(
    *, article_id: int, user: AbstractBaseUser, channel: str, after: int, resuming: bool = False
) -> Opening:
    """Join the viewers, read what to replay and who is viewing. A page opening for the first
    time already shows the Events up to `after`; one resuming (Last-Event-ID) may have missed
    one committed late below it, so it gets those again and skips what it has seen itself."""
    try:
        presence_join(article_id=article_id, user=user, channel=channel)
        announce(f"presence:{article_id}")
        known = [] if resuming else recent_ids_up_to(article_id, after)
        replay = events_after(article_id, after, REPLAY_LIMIT + 1)
        reload_after = None
        if len(replay) > REPLAY_LIMIT:
            reload_after = latest_event_id(article_id)
            replay = []
        viewers = viewers_of([article_id])[article_id]
        return Opening(replay=replay, reload_after=reload_after, viewers=viewers, known=known)
    finally:
        release_connection()


def _close(channel: str, article_id: int) -> None:
    try:
        presence_leave(channel)
        announce(f"presence:{article_id}")
    finally:
        release_connection()


async def event_stream(
    *,
    article_id: int,
    user: AbstractBaseUser,
    after: int,
    resuming: bool = False,
    channel: str | None = None,
) -> AsyncIterator[str]:
    """The SSE body of one open page: replay after `after`, then live Events, presence and a
    heartbeat comment, until the client goes away (the generator is then cancelled or
    closed, and its Presence row deleted)."""
    listener = Listener(article_id=article_id, channel=channel or secrets.token_hex(16))
    poller = hub()
    poller.add(listener)  # first, so nothing committed during the replay is missed
    try:
        opening = await sync_to_async(_open)(
            article_id=article_id,
            user=user,
            channel=listener.channel,
            after=after,
            resuming=resuming,
        )
        for event_id in opening.known:
            listener.mark_sent(event_id)
        yield f"retry: {int(_setting('FACTCHECK_LIVE_RETRY_MS', 2000))}\n\n"
        if opening.reload_after is not None:
            listener.mark_sent(opening.reload_after)
            reason = {"reason": f"More than {REPLAY_LIMIT} changes were made meanwhile."}
            yield sse(reason, event="reload", event_id=opening.reload_after)
        for row in opening.replay:
            if listener.mark_sent(row["id"]):
                yield event_message(row)
        yield presence_message(opening.viewers)
        poller.viewers_due()  # others learn of this viewer at once
        while True:
            try:
                event_id, message = await asyncio.wait_for(
                    listener.queue.get(), timeout=heartbeat_seconds()
                )
            except TimeoutError:
                yield HEARTBEAT
                continue
            if event_id is not None and (
                event_id <= (opening.reload_after or 0) or not listener.mark_sent(event_id)
            ):
                continue
            yield message
    finally:
        poller.remove(listener)
        await sync_to_async(_close)(listener.channel, article_id)


def _start_after(request: HttpRequest) -> int:
    for value in (request.headers.get("Last-Event-ID"), request.GET.get("after")):
        if value and value.strip().isdigit():
            return int(value.strip())
    return -1


def _bounded_answer(*, article_id: int, user: AbstractBaseUser, after: int) -> HttpResponse:
    """Under WSGI: what there is now, then EventSource comes back (with Last-Event-ID)."""
    channel = f"wsgi-{user.pk}-{article_id}"
    opening = _open(article_id=article_id, user=user, channel=channel, after=after)
    parts = [f"retry: {int(_setting('FACTCHECK_LIVE_WSGI_RETRY_MS', 3000))}\n\n"]
    if opening.reload_after is not None:
        parts.append(sse({"reason": "reload"}, event="reload", event_id=opening.reload_after))
    parts += [event_message(row) for row in opening.replay]
    parts.append(presence_message(opening.viewers))
    return HttpResponse("".join(parts), content_type="text/event-stream")


def _headers(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


@require_GET
async def article_live(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /articles/<id>/live/: the article's Events as Server-Sent Events (see the module)."""
    user = await request.auser()
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())

    def find() -> Article:
        try:
            return queries.article_for_user(user, pk)
        finally:
            release_connection()

    article = await sync_to_async(find)()  # Http404 for outsiders
    after = _start_after(request)
    resuming = bool(request.headers.get("Last-Event-ID", "").strip().isdigit())
    if after < 0:
        after = await sync_to_async(_latest_released)(article.pk)
    if not isinstance(request, ASGIRequest):
        answer = await sync_to_async(_bounded_answer)(article_id=article.pk, user=user, after=after)
        return _headers(answer)
    stream = event_stream(article_id=article.pk, user=user, after=after, resuming=resuming)
    response = StreamingHttpResponse(stream, content_type="text/event-stream")
    return _headers(response)


def _latest_released(article_id: int) -> int:
    try:
        return latest_event_id(article_id)
    finally:
        release_connection()


# --- what the page fetches after an Event ---------------------------------------------------


@login_required
@require_GET
def article_live_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """The article text (with its highlights) and the claim list as they are now, for the page
    to put in place after a live Event. GET parameters filter the list as on the page."""
    article = queries.article_for_user(request.user, pk)
    access = access_for(request, article)
    claims = load_claims(article, access)
    context = list_context(request, article, access, claims, from_page_url=False)
    text = groups_html(layout(article.text, article.blocks, claims, links=article.links))
    listing = render_to_string(f"{TEMPLATE}#claim-list", context, request=request)
    body = (
        f'<div data-live-part="text" data-claim-total="{len(claims)}">{text}</div>'
        f'<div data-live-part="list">{listing}</div>'
    )
    response = HttpResponse(body)
    response["Cache-Control"] = "no-store"
    return response
