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

Modules: protocol (the wire format and timings), presence, bus (Redis, optional), hub (the
poller), views (the stream). A face beside pages/ and api/: it sends events, never HTML; what
the page fetches after an event is a page view (pages/workspace/views.article_live_refresh).
"""
