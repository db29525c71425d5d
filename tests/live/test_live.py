"""Live updates (annotations/live/): the Server-Sent Events stream of an article's Events,
resuming with Last-Event-ID, the one-poller-per-process delivery with its window for ids
committed out of order, presence, the heartbeat, and what the page fetches after an Event.

Streams are read through Django's real ASGI handler (as uvicorn calls it), with the client's
disconnect sent at the end, so the stream's own clean-up runs as it does in production.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.test import Client
from django.urls import reverse

from annotations import services
from annotations.live import hub as live_hub
from annotations.live import protocol
from annotations.live import views as live
from annotations.models import Event, Presence
from annotations.queries.audit import latest_event_id
from tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True)

QUOTE = "11.000 North Korean soldiers had arrived in the region"


@pytest.fixture(autouse=True)
def _quick_live(settings):
    settings.FACTCHECK_LIVE_POLL_MS = 50
    settings.FACTCHECK_LIVE_HEARTBEAT_SECONDS = 15


@pytest.fixture
def article(desk):
    return make_article(desk.team)


def live_url(article, **params) -> str:
    url = reverse("article_live", args=[article.pk])
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@dataclass
class Message:
    id: str | None
    event: str | None
    data: dict | None
    comment: str | None = None


def parse(block: str) -> Message | None:
    fields: dict[str, str] = {}
    comment = None
    for line in block.split("\n"):
        if line.startswith(":"):
            comment = line[1:].strip()
            continue
        name, _, value = line.partition(":")
        fields[name] = value[1:] if value.startswith(" ") else value
    if "data" not in fields and comment is None:
        return None  # e.g. the retry hint alone
    data = json.loads(fields["data"]) if "data" in fields else None
    return Message(id=fields.get("id"), event=fields.get("event"), data=data, comment=comment)


class Stream:
    """One request to the ASGI application, read as Server-Sent Events."""

    def __init__(self, path: str, user, headers: dict[str, str] | None = None) -> None:
        self.path, _, query = path.partition("?")
        self.query = query
        self.user = user
        self.headers = headers or {}
        self.status: int | None = None
        self.response_headers: dict[str, str] = {}
        self.buffer = ""
        self.messages: list[Message] = []
        self._sent: asyncio.Queue = asyncio.Queue()
        self._gone = asyncio.Event()
        self._requested = False

    async def open(self) -> Stream:
        self.cookie = await sync_to_async(session_cookie)(self.user)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": self.path,
            "raw_path": self.path.encode(),
            "query_string": self.query.encode(),
            "root_path": "",
            "headers": [
                (b"host", b"testserver"),
                (b"cookie", f"sessionid={self.cookie}".encode()),
                (b"accept", b"text/event-stream"),
                *((k.lower().encode(), v.encode()) for k, v in self.headers.items()),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        self.task = asyncio.create_task(ASGIHandler()(scope, self._receive, self._send))
        return self

    async def _receive(self) -> dict:
        if not self._requested:
            self._requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict) -> None:
        await self._sent.put(message)

    async def _pump(self, timeout: float) -> bool:
        try:
            message = await asyncio.wait_for(self._sent.get(), timeout)
        except TimeoutError:
            return False
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.response_headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            self.buffer += message.get("body", b"").decode()
            while "\n\n" in self.buffer:
                block, self.buffer = self.buffer.split("\n\n", 1)
                parsed = parse(block)
                if parsed is not None:
                    self.messages.append(parsed)
        return True

    async def until(self, condition, timeout: float = 5.0) -> list[Message]:
        """Read until condition(messages) holds (or fail after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while not condition(self.messages):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out; got {self.messages!r}")
            await self._pump(min(left, 0.2))
        return self.messages

    def events(self, kind: str | None = None) -> list[Message]:
        return [m for m in self.messages if m.id is not None and (kind is None or m.event == kind)]

    def presences(self) -> list[list[str]]:
        return [
            [viewer["username"] for viewer in m.data["viewers"]]
            for m in self.messages
            if m.event == "presence"
        ]

    async def close(self) -> None:
        self._gone.set()
        await asyncio.wait_for(self.task, 5)


async def settle() -> None:
    """Let the poller stop once its last stream is gone (no task left behind)."""
    task = live_hub.hub().task
    if task is not None:
        await asyncio.wait_for(task, 5)


def has_presence(messages: list[Message]) -> bool:
    """Whether the viewers have been announced (they come after any replay)."""
    return any(m.event == "presence" for m in messages)


def read_until_presence(path: str, user, headers: dict[str, str] | None = None) -> Stream:
    """A stream read until the viewers are announced, then closed, the poller let stop."""

    async def scenario():
        stream = await Stream(path, user, headers).open()
        await stream.until(has_presence)
        await stream.close()
        await settle()
        return stream

    return async_to_sync(scenario)()


def add_claim(article, user, exact: str = QUOTE):
    return services.claim_create(
        article=article, actor=user, exact=exact, claimant="Zelensky", rating="false"
    )


# --- access ----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, article):
    response = client.get(live_url(article))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_outsiders_get_404(client, desk, article):
    client.force_login(desk.outsider)
    assert client.get(live_url(article)).status_code == 404
    refresh = reverse("article_live_refresh", args=[article.pk])
    assert client.get(refresh).status_code == 404


def test_outsiders_get_404_from_the_stream_too(desk, article):
    async def scenario():
        stream = await Stream(live_url(article), desk.outsider).open()
        await stream.task
        assert stream.status is None or stream.status == 404
        while await stream._pump(0.05):
            pass
        assert stream.status == 404

    async_to_sync(scenario)()


# --- the stream --------------------------------------------------------------------------------


def test_the_stream_is_server_sent_events_not_buffered(desk, article):
    start = latest_event_id(article)

    stream = read_until_presence(live_url(article, after=start), desk.viewer)
    assert stream.status == 200
    assert stream.response_headers["content-type"].startswith("text/event-stream")
    assert stream.response_headers["cache-control"] == "no-cache"
    assert stream.response_headers["x-accel-buffering"] == "no"
    assert stream.events() == []  # nothing from before the page
    assert stream.presences() == [["viewer-user"]]


def test_events_arrive_live_in_order_with_ids_verb_claim_actor_and_summary(desk, article):
    start = latest_event_id(article)

    async def scenario():
        stream = await Stream(live_url(article, after=start), desk.editor).open()
        await stream.until(has_presence)
        claim = await sync_to_async(add_claim)(article, desk.reviewer)
        await stream.until(lambda m: any(x.event == "verdict" for x in m))
        await stream.close()
        await settle()
        return stream, claim

    stream, claim = async_to_sync(scenario)()
    received = stream.events()
    ids = [int(m.id) for m in received]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    stored = list(
        Event.objects.filter(article=article, id__gt=start, id__lte=ids[-1]).order_by("id")
    )
    assert ids == [e.pk for e in stored]
    created = received[0]
    assert created.event == "claim"
    assert created.data["verb"] == "claim.created"
    assert created.data["claim"] == claim.pk
    assert created.data["actor"] == "reviewer-user"
    assert created.data["summary"].startswith(f"reviewer-user added claim #{claim.number}: “")
    assert received[1].event == "verdict"
    assert received[1].data["verb"] == "verdict.set"


def test_a_reconnect_replays_what_came_after_last_event_id(desk, article):
    claims = [add_claim(article, desk.reviewer, exact=q) for q in ("Troops in Kursk", QUOTE)]
    first_claims_event = Event.objects.get(claim=claims[0], verb="claim.created")
    expected = list(
        Event.objects.filter(article=article, id__gt=first_claims_event.pk)
        .order_by("id")
        .values_list("id", flat=True)
    )

    stream = read_until_presence(
        live_url(article, after=0),
        desk.viewer,
        headers={"Last-Event-ID": str(first_claims_event.pk)},
    )
    # Last-Event-ID wins over ?after=, and the replay comes before the viewers
    assert [int(m.id) for m in stream.events()] == expected
    assert stream.messages[-1].event == "presence"


def test_a_first_connection_starts_where_the_page_was_rendered(client, desk, article):
    add_claim(article, desk.reviewer)
    client.force_login(desk.viewer)
    page = client.get(reverse("article_detail", args=[article.pk])).content.decode()
    newest = latest_event_id(article)
    assert f'data-live-after="{newest}"' in page
    assert f'data-live-url="{live_url(article)}"' in page

    assert read_until_presence(live_url(article, after=newest), desk.viewer).events() == []


def test_too_much_to_replay_asks_the_page_to_reload(desk, article, monkeypatch):
    monkeypatch.setattr(live, "REPLAY_LIMIT", 2)
    add_claim(article, desk.reviewer)  # several Events
    newest = latest_event_id(article)

    stream = read_until_presence(live_url(article, after=0), desk.viewer)
    assert [(m.event, m.id) for m in stream.events()] == [("reload", str(newest))]


def test_an_id_committed_late_is_still_delivered_once(desk, article):
    """On PostgreSQL a transaction holding a smaller id can commit after a larger one: the
    poller re-reads a recent window, and skips ids already delivered."""
    start = latest_event_id(article)

    async def scenario():
        stream = await Stream(live_url(article, after=start), desk.viewer).open()
        await stream.until(has_presence)
        high = await sync_to_async(_insert_event)(article, desk, offset=1000, verb="claim.updated")
        await stream.until(lambda m: any(x.id == str(high) for x in m))
        late = await sync_to_async(_insert_event)(article, desk, offset=500, verb="verdict.set")
        await stream.until(lambda m: any(x.id == str(late) for x in m))
        await asyncio.sleep(0.3)  # several more polls over the same window
        await stream.close()
        await settle()
        return stream, high, late

    stream, high, late = async_to_sync(scenario)()
    assert [int(m.id) for m in stream.events()] == [high, late]


def _insert_event(article, desk, *, offset: int, verb: str) -> int:
    """An Event with a chosen id (as a late commit would have): above every id so far."""
    base = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    base = max(base, _insert_event.floor)
    _insert_event.floor = base
    event = Event(id=base + offset, team=desk.team, article=article, actor=desk.editor, verb=verb)
    Event.objects.bulk_create([event])
    return event.id


_insert_event.floor = 0


def test_the_poller_fans_out_one_query_per_tick_for_every_stream(desk, article, monkeypatch):
    other = make_article(desk.team, text="Another story.\n\nWith a second paragraph.")
    calls: list[list[int]] = []
    real = live_hub.events_to_deliver

    def counting(article_ids, after, since, limit=live_hub.POLL_BATCH):
        calls.append(sorted(article_ids))
        return real(article_ids, after, since, limit)

    monkeypatch.setattr(live_hub, "events_to_deliver", counting)
    start = latest_event_id(article)
    other_start = latest_event_id(other)

    async def scenario():
        streams = [
            await Stream(live_url(article, after=start), desk.viewer).open(),
            await Stream(live_url(article, after=start), desk.editor).open(),
            await Stream(live_url(other, after=other_start), desk.reviewer).open(),
        ]
        for stream in streams:
            await stream.until(has_presence)
        await sync_to_async(add_claim)(article, desk.reviewer)
        for stream in streams[:2]:
            await stream.until(lambda m: any(x.event == "claim" for x in m))
        for stream in streams:
            await stream.close()
        await settle()
        return streams

    streams = async_to_sync(scenario)()
    both = sorted([article.pk, other.pk])
    assert both in calls  # one query covers every article with a stream open
    polls_with_both = calls.count(both)
    assert polls_with_both >= 1
    # each poll is one query for all streams, not one per stream: three streams, and the
    # number of polls is that of the ticks (at most one every 50 ms here, plus wake-ups)
    assert len(calls) < 200
    assert [m.data["verb"] for m in streams[0].events()][0] == "claim.created"
    assert [m.id for m in streams[0].events()] == [m.id for m in streams[1].events()]
    assert streams[2].events() == []  # another article's stream hears nothing of it


def test_presence_rows_come_and_go_with_the_streams(desk, article):
    async def scenario():
        first = await Stream(live_url(article, after=0), desk.reviewer).open()
        await first.until(has_presence)
        rows = await sync_to_async(lambda: list(Presence.objects.values_list("user__username")))()
        assert rows == [("reviewer-user",)]

        second = await Stream(live_url(article, after=0), desk.editor).open()
        await second.until(has_presence)
        assert second.presences()[-1] == ["editor-user", "reviewer-user"]
        await first.until(lambda m: ["editor-user", "reviewer-user"] in first.presences())

        await second.close()
        count = await sync_to_async(Presence.objects.filter(user=desk.editor).count)()
        assert count == 0
        await first.until(lambda m: first.presences()[-1] == ["reviewer-user"], timeout=5)
        await first.close()
        await settle()

    async_to_sync(scenario)()
    assert Presence.objects.count() == 0


def test_a_quiet_stream_sends_a_heartbeat(desk, article, settings):
    settings.FACTCHECK_LIVE_HEARTBEAT_SECONDS = 0.2

    async def scenario():
        stream = await Stream(live_url(article, after=0), desk.viewer).open()
        await stream.until(lambda m: any(x.comment == "keep-alive" for x in m), timeout=3)
        await stream.close()
        await settle()

    async_to_sync(scenario)()


def test_without_asgi_the_answer_is_bounded_and_says_when_to_come_back(client, desk, article):
    add_claim(article, desk.reviewer)
    first = Event.objects.filter(article=article).order_by("id").first()
    client.force_login(desk.viewer)
    response = client.get(live_url(article), HTTP_LAST_EVENT_ID=str(first.pk))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    body = response.content.decode()
    assert body.startswith("retry: ")
    messages = [parse(block) for block in body.split("\n\n") if block.strip()]
    ids = [int(m.id) for m in messages if m and m.id]
    assert ids == list(
        Event.objects.filter(article=article, id__gt=first.pk)
        .order_by("id")
        .values_list("id", flat=True)
    )
    assert messages[-1].event == "presence"


# --- pure parts ---------------------------------------------------------------------------------


def test_the_poller_skips_ids_it_delivered_and_takes_late_ones():
    hub = live_hub.Hub()
    listener = live_hub.Listener(article_id=7, channel="c1")
    hub.listeners[7] = {listener}
    hub.high = 0

    def row(pk: int) -> dict:
        return {
            "id": pk,
            "article_id": 7,
            "claim_id": 1,
            "verb": "claim.updated",
            "changes": {"summary": ["a", "b"]},
            "created_at": None,
            "actor__username": "editor",
            "actor__first_name": "",
            "actor__last_name": "",
            "claim__summary": "b",
        }

    hub.deliver([row(10)], now=1.0)
    hub.deliver([row(8), row(10)], now=1.2)  # 8 committed late; 10 is in the window again
    hub.deliver([row(8), row(10), row(11)], now=1.4)
    got = []
    while not listener.queue.empty():
        got.append(listener.queue.get_nowait()[0])
    assert got == [10, 8, 11]
    assert hub.high == 11


def test_event_types_and_summaries():
    assert protocol.event_type("claim.created") == "claim"
    assert protocol.event_type("verdict.withdrawn") == "verdict"
    assert protocol.event_type("source.added") == "source"
    assert protocol.event_type("comment.added") == "comment"
    assert protocol.event_type("assignment.added") == "activity"
    text = protocol.sse({"a": "line\nbreak"}, event="claim", event_id=5)
    assert text == 'id: 5\nevent: claim\ndata: {"a":"line\\nbreak"}\n\n'


# --- what the page fetches after an Event ------------------------------------------------------


def test_the_refresh_gives_the_text_with_highlights_and_the_claim_list(client, desk, article):
    claim = add_claim(article, desk.reviewer)
    client.force_login(desk.viewer)
    response = client.get(reverse("article_live_refresh", args=[article.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-claim-id="{claim.pk}"' in body
    # The list is the answer; the text and the count go in place out of band (htmx).
    assert '<div id="article-text" hx-swap-oob="innerHTML">' in body
    assert '<span id="claim-count" class="count" hx-swap-oob="true">1</span>' in body
    assert f'id="claim-{claim.pk}"' in body and 'id="claim-list"' in body


def test_the_refresh_costs_the_same_queries_for_few_and_many_claims(client, desk, article):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(desk.viewer)
    url = reverse("article_live_refresh", args=[article.pk])
    add_claim(article, desk.reviewer)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add_claim(article, desk.editor, exact="The Pentagon estimated")
    add_claim(article, desk.editor, exact="Troops in Kursk")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(few) == len(many)


# --- optional: Redis wakes the pollers at once ---------------------------------------------------

REDIS_SERVER = Path("/usr/bin/redis-server")


@pytest.fixture
def redis_url(tmp_path):
    """A private redis-server on a free port, for as long as the test runs."""
    if not REDIS_SERVER.exists():
        pytest.skip("redis-server is not installed (Redis is optional)")
    pytest.importorskip("redis")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [str(REDIS_SERVER), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def test_with_redis_a_new_event_arrives_before_the_next_poll(desk, article, settings, redis_url):
    settings.FACTCHECK_REDIS_URL = redis_url
    settings.FACTCHECK_LIVE_POLL_MS = 30_000  # the database alone would answer in 30 s
    start = latest_event_id(article)

    async def scenario():
        stream = await Stream(live_url(article, after=start), desk.viewer).open()
        await stream.until(has_presence)
        await asyncio.sleep(0.5)  # the poller is now asleep, listening to Redis
        started = time.monotonic()
        await sync_to_async(add_claim)(article, desk.reviewer)
        await stream.until(lambda m: any(x.event == "claim" for x in m), timeout=5)
        took = time.monotonic() - started
        # presence changes are announced too: a second viewer shows up at once
        other = await Stream(live_url(article, after=start), desk.editor).open()
        await stream.until(
            lambda m: ["editor-user", "viewer-user"] in stream.presences(), timeout=5
        )
        await other.close()
        await stream.close()
        await settle()
        return took

    assert async_to_sync(scenario)() < 3


def test_an_unreachable_redis_never_fails_a_save(desk, article, settings):
    pytest.importorskip("redis")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here
    settings.FACTCHECK_REDIS_URL = f"redis://127.0.0.1:{port}/0"
    claim = add_claim(article, desk.reviewer)
    assert Event.objects.filter(claim=claim, verb="claim.created").exists()
