#!/usr/bin/env python
"""Live updates: how fast a saved claim reaches another person's browser, and what open live
streams cost ordinary requests.

Builds a throwaway database (SQLite in a temporary directory; with DATABASE_URL set, a new
PostgreSQL database on that server, dropped afterwards) holding one article of 80 paragraphs
with 20 claims, and serves it with TWO uvicorn processes on two ports (DEBUG off, static files
collected), as a desk with several app processes would run:

(a) latency: person A saves a claim through the API on server 1; person B has the article open
    in Chromium (Playwright) on server 2. Measured from just before the POST (the client's wall
    clock) to (1) the stream's message arriving in B's page and (2) the claim's
    <mark data-claim-id> appearing in B's DOM, both stamped in the page with
    performance.timeOrigin + performance.now() (same machine, same clock). p50/p95 over
    --saves saves; target p95 <= 1 s.
(b) load: p50/p95 of GET /articles/{id}/ (the page, logged in) and GET
    /api/v1/articles/{id}/claims/ (a token) with no live stream open and with --streams streams
    open (plain HTTP clients holding text/event-stream responses, spread over both processes),
    in alternating rounds; target: p95 with streams <= 1.5 x p95 without.

With FACTCHECK_REDIS_URL in the environment the servers also use that Redis (optional).

Usage:

    .venv/bin/python benchmarks/bench_live.py [--saves 50] [--streams 100] [--requests 200]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import socket
import statistics
import threading
import time

from _support import (
    Server,
    bench_desk,
    percentile,
    run_prepare,
    server_environment,
    setup_prepared_django,
    start_server,
    throwaway_database,
)

CHROMIUM = "/usr/bin/chromium"
PARAGRAPHS = 80
CLAIMS = 20


# --- the data ------------------------------------------------------------------------------------


def prepare() -> None:
    """Run inside the benchmark's environment: migrate, load the data, print ids as JSON."""
    setup_prepared_django()
    from django.core.management import call_command
    from django.test import Client

    from annotations import services
    from annotations.models import Role

    call_command("collectstatic", verbosity=0, interactive=False)
    _, users, article = bench_desk(PARAGRAPHS)
    for number in range(CLAIMS):
        services.claim_create(
            article=article,
            actor=users[Role.REVIEWER],
            exact=f"the ministry said that {number * 1000} soldiers had arrived in region {number}",
            claimant="The ministry",
            rating="false",
        )
    _, token = services.token_create(actor=users[Role.EDITOR], name="benchmark")
    client = Client()
    client.force_login(users[Role.REVIEWER])
    print(
        json.dumps(
            {"article": article.pk, "token": token, "session": client.cookies["sessionid"].value}
        )
    )


# --- (a) from a save to another browser ---------------------------------------------------------

WATCH = """() => {
    const bench = (window.__bench = { events: {}, marks: {} });
    for (const mark of document.querySelectorAll("mark[data-claim-id]")) {
        bench.marks[mark.dataset.claimId] = 0;
    }
    document.addEventListener("live:event", (event) => {
        const data = event.detail.data;
        if (data.verb === "claim.created" && !(data.claim in bench.events)) {
            bench.events[data.claim] = event.detail.at;
        }
    });
    new MutationObserver(() => {
        const now = performance.timeOrigin + performance.now();
        for (const mark of document.querySelectorAll("mark[data-claim-id]")) {
            if (!(mark.dataset.claimId in bench.marks)) bench.marks[mark.dataset.claimId] = now;
        }
    }).observe(document.body, { childList: true, subtree: true });
}"""


def measure_latency(ports: list[int], ids: dict, saves: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    writer = http.client.HTTPConnection("127.0.0.1", ports[0], timeout=30)
    headers = {
        "Authorization": f"Token {ids['token']}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    to_event: list[float] = []
    to_mark: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(base_url=f"http://127.0.0.1:{ports[1]}")
        context.add_cookies(
            [{"name": "sessionid", "value": ids["session"], "url": f"http://127.0.0.1:{ports[1]}"}]
        )
        page = context.new_page()
        page.goto(f"/articles/{ids['article']}/")
        page.wait_for_selector("#live[data-connected='true']", timeout=15_000)
        page.evaluate(WATCH)
        for number in range(CLAIMS, CLAIMS + saves):
            body = json.dumps(
                {
                    "exact": f"the ministry said that {number * 1000} soldiers had arrived "
                    f"in region {number}",
                    "claimant": "The ministry",
                    "rating": "mostly-false",
                }
            )
            started = time.time() * 1000  # the same clock as the page's timeOrigin + now()
            writer.request("POST", f"/api/v1/articles/{ids['article']}/claims/", body, headers)
            response = writer.getresponse()
            created = json.loads(response.read())
            if response.status != 201:
                raise SystemExit(f"POST failed: {response.status} {created}")
            claim = str(created["id"])
            page.wait_for_function(
                f"() => window.__bench.marks[{claim}] !== undefined", timeout=15_000
            )
            stamps = page.evaluate(
                f"() => [window.__bench.events[{claim}], window.__bench.marks[{claim}]]"
            )
            to_event.append(stamps[0] - started)
            to_mark.append(stamps[1] - started)
            time.sleep(0.2)
        browser.close()
    return {"event": to_event, "mark": to_mark}


# --- (b) ordinary requests with live streams open -----------------------------------------------


class OpenStreams:
    """`count` text/event-stream responses held open, spread over the ports, read as they come."""

    def __init__(self, ports: list[int], ids: dict, count: int) -> None:
        self.stop = threading.Event()
        self.ready = threading.Semaphore(0)
        self.threads = []
        self.connections: list[http.client.HTTPConnection] = []
        for index in range(count):
            port = ports[index % len(ports)]
            thread = threading.Thread(target=self._hold, args=(port, ids), daemon=True)
            thread.start()
            self.threads.append(thread)
        for _ in range(count):
            if not self.ready.acquire(timeout=60):
                raise SystemExit("the live streams did not open")

    def _hold(self, port: int, ids: dict) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.connections.append(connection)
        connection.request(
            "GET",
            f"/articles/{ids['article']}/live/?after=0",
            headers={"Cookie": f"sessionid={ids['session']}", "Accept": "text/event-stream"},
        )
        response = connection.getresponse()
        assert response.status == 200, response.status
        response.fp.readline()  # "retry: …"
        self.ready.release()
        try:
            while not self.stop.is_set() and response.fp.readline():
                pass
        except OSError:
            pass

    def close(self) -> None:
        self.stop.set()
        for connection in self.connections:
            with contextlib.suppress(OSError, AttributeError):
                connection.sock.shutdown(socket.SHUT_RDWR)
            connection.close()
        for thread in self.threads:
            thread.join(timeout=5)


def timed_requests(ports: list[int], ids: dict, requests: int) -> dict[str, list[float]]:
    """Sequential GETs of the page and the API list, alternating, over both processes."""
    targets = {
        "page": (f"/articles/{ids['article']}/", {"Cookie": f"sessionid={ids['session']}"}),
        "api": (
            f"/api/v1/articles/{ids['article']}/claims/",
            {"Authorization": f"Token {ids['token']}", "Accept": "application/json"},
        ),
    }
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for port in ports]
    latencies: dict[str, list[float]] = {name: [] for name in targets}
    for index in range(requests):
        connection = connections[index % len(connections)]
        for name, (path, headers) in targets.items():
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            latencies[name].append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                raise SystemExit(f"GET {path} answered {response.status}")
    for connection in connections:
        connection.close()
    return latencies


def measure_load(ports: list[int], ids: dict, streams: int, requests: int) -> dict:
    timed_requests(ports, ids, 20)  # warm up
    rounds: dict[str, dict[str, list[float]]] = {
        "none": {"page": [], "api": []},
        "open": {"page": [], "api": []},
    }
    for _ in range(2):
        for label in ("none", "open"):
            held = OpenStreams(ports, ids, streams) if label == "open" else None
            if held is not None:
                time.sleep(1.0)  # every stream past its opening queries
            got = timed_requests(ports, ids, requests // 2)
            for name, values in got.items():
                rounds[label][name] += values
            if held is not None:
                held.close()
                time.sleep(1.0)
    return rounds


# --- the report --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--saves", type=int, default=50)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare()
        return

    with throwaway_database(os.environ.get("DATABASE_URL", "")) as database:
        env = server_environment(
            database.url,
            DATABASE_CONN_MAX_AGE="0",
            STATIC_ROOT=str(database.workdir / "static"),
            FACTCHECK_API_RATE_USER="100000000/min",
            PYTHONWARNINGS="ignore",
        )
        ids = run_prepare(__file__, env)
        servers: list[Server] = []
        try:
            servers = [start_server(env), start_server(env)]
            ports = [server.port for server in servers]
            latency = measure_latency(ports, ids, args.saves)
            load = measure_load(ports, ids, args.streams, args.requests)
        finally:
            for server in servers:
                server.stop()

    print(
        f"Live updates; {database.kind}; two uvicorn processes (one worker each); an article "
        f"of {PARAGRAPHS} paragraphs with {CLAIMS}+ claims; poll interval "
        f"{os.environ.get('FACTCHECK_LIVE_POLL_MS', '250')} ms; Redis "
        f"{'on' if os.environ.get('FACTCHECK_REDIS_URL') else 'off'}"
    )
    print()
    print(f"(a) claim saved by A (API, server 1) -> B's browser (server 2), {args.saves} saves")
    print(f"{'':28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for label, key in (("stream message in B's page", "event"), ("highlight in B's DOM", "mark")):
        values = latency[key]
        print(
            f"{label:28} {statistics.median(values):8.0f} {percentile(values, 0.95):8.0f} "
            f"{max(values):8.0f}"
        )
    p95 = percentile(latency["mark"], 0.95)
    print(f"target p95 <= 1000 ms: {'meets' if p95 <= 1000 else 'MISSES'} ({p95:.0f} ms)")
    print()
    print(f"(b) sequential GETs, {args.requests} each, with 0 and {args.streams} live streams open")
    print(f"{'':26} {'p50 ms':>8} {'p95 ms':>8} {'p95 x':>7}")
    verdicts = []
    for name, label in (("page", "article page"), ("api", "API claims list")):
        base = percentile(load["none"][name], 0.95)
        for state in ("none", "open"):
            values = load[state][name]
            p95_here = percentile(values, 0.95)
            ratio = p95_here / base
            streams = 0 if state == "none" else args.streams
            print(
                f"{label + f', {streams} open':26} {statistics.median(values):8.1f} "
                f"{p95_here:8.1f} {ratio:7.2f}"
            )
            if state == "open":
                verdicts.append(ratio)
    worst = max(verdicts)
    print(f"target p95 ratio <= 1.5: {'meets' if worst <= 1.5 else 'MISSES'} (worst {worst:.2f})")


if __name__ == "__main__":
    main()
