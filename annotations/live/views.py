"""The live views: the article's stream (an endless response under ASGI, a bounded answer with
`retry` under WSGI, resuming after `Last-Event-ID`) and the fragments the page fetches after an
Event."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.views import redirect_to_login
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from annotations import queries
from annotations.live.bus import announce
from annotations.live.hub import Listener, events_after, hub, recent_ids_up_to, release_connection
from annotations.live.presence import presence_join, presence_leave, viewers_of
from annotations.live.protocol import (
    HEARTBEAT,
    event_message,
    heartbeat_seconds,
    number_setting,
    presence_message,
    sse,
)
from annotations.models import Article
from annotations.queries.audit import latest_event_id

REPLAY_LIMIT = 500


# --- the stream ----------------------------------------------------------------------------------


@dataclass
class Opening:
    replay: list[dict[str, Any]]
    reload_after: int | None  # too much to replay: the client reloads; live from this id
    viewers: list[dict[str, str]]
    known: list[int]  # recent Events the page already shows (the poller's window repeats them)


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
        yield f"retry: {int(number_setting('FACTCHECK_LIVE_RETRY_MS', 2000))}\n\n"
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
    parts = [f"retry: {int(number_setting('FACTCHECK_LIVE_WSGI_RETRY_MS', 3000))}\n\n"]
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
