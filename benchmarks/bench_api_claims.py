#!/usr/bin/env python
"""Throughput and latency of GET /api/v1/articles/{id}/claims/ against a bare Django view.

Builds a throwaway database (SQLite in a temporary directory; with DATABASE_URL set, a new
PostgreSQL database on that server, dropped afterwards) holding one article with 50 claims,
each with two reviewers' verdicts and two sources. Serves it with uvicorn, several worker
processes on 127.0.0.1, DEBUG off, and measures both endpoints in the same run with a bounded
load loop (a fixed number of requests from a fixed number of threads, keep-alive connections),
alternating between the endpoints in rounds so that both meet the same machine load:

- the API: token authentication, throttling, filters, cursor pagination, serializers;
- a bare Django view returning the same rows, nested, from values() (annotations/api/benchmark.py,
  routed only when FACTCHECK_BENCHMARK_VIEWS=1).

Prints requests per second of both, their ratio (target >= 0.5) and p50/p99 latency. Usage:

    .venv/bin/python benchmarks/bench_api_claims.py [--requests 2000] [--concurrency 8]
        [--workers 2] [--claims 50]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from urllib.parse import urlsplit

from _support import (
    bench_desk,
    percentile,
    run_prepare,
    server_environment,
    setup_prepared_django,
    start_server,
    throwaway_database,
)

ROUNDS = 4


def prepare(claims: int) -> None:
    """Run inside the benchmark's environment: migrate, load the data, print ids as JSON."""
    setup_prepared_django()
    from annotations import services
    from annotations.models import Role

    _, users, article = bench_desk(claims)
    ratings = ["true", "mostly-true", "half-true", "mostly-false", "false"]
    for number in range(claims):
        claim = services.claim_create(
            article=article,
            actor=users[Role.REVIEWER],
            exact=f"the ministry said that {number * 1000} soldiers had arrived in region {number}",
            claimant="The ministry",
            summary=f"{number * 1000} soldiers arrived in region {number}.",
            rating=ratings[number % 5],
            rationale="Observers counted fewer.",
            sources=[
                {
                    "url": f"https://example.org/report/{number}",
                    "title": "Report",
                    "stance": "refutes",
                },
                {"url": f"https://example.org/count/{number}", "title": "Count"},
            ],
            tags=["troops", "numbers"],
        )
        services.verdict_set(
            claim=claim, actor=users[Role.EDITOR], rating=ratings[(number + 1) % 5]
        )
    _, token = services.token_create(actor=users[Role.EDITOR], name="benchmark")
    print(json.dumps({"article": article.pk, "token": token}))


# --- the load ----------------------------------------------------------------------------------


def load(url: str, headers: dict[str, str], requests: int, concurrency: int) -> dict:
    """`requests` GETs from `concurrency` threads, each with its own keep-alive connection."""
    import urllib3

    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def worker() -> None:
        pool = urllib3.HTTPConnectionPool("127.0.0.1", port=urlsplit(url).port, maxsize=1)
        path = urlsplit(url).path
        mine: list[float] = []
        while True:
            with lock:
                if next(counter, None) is None:
                    break
            started = time.perf_counter()
            response = pool.request("GET", path, headers=headers, retries=False)
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                with lock:
                    failures.append(response.status)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} requests failed: statuses {sorted(set(failures))}")
    return {"elapsed": elapsed, "latencies": latencies}


def combine(parts: list[dict]) -> dict:
    latencies = [latency for part in parts for latency in part["latencies"]]
    elapsed = sum(part["elapsed"] for part in parts)
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
    }


def check_payload(url: str, headers: dict[str, str], claims: int) -> None:
    import urllib3

    response = urllib3.request("GET", url, headers=headers)
    body = json.loads(response.data)
    rows = body["results"]
    assert response.status == 200 and len(rows) == claims, (response.status, len(rows))
    assert all(len(row["verdicts"]) == 2 and len(row["sources"]) == 2 for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--claims", type=int, default=50)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.claims)
        return

    with throwaway_database(os.environ.get("DATABASE_URL", "")) as database:
        env = server_environment(
            database.url,
            # Under ASGI each request may run in a new thread: persistent connections would pile
            # up (Django advises CONN_MAX_AGE=0 there, or a pooler).
            DATABASE_CONN_MAX_AGE="0",
            FACTCHECK_BENCHMARK_VIEWS="1",
            # Throttling stays on (its cache lookups are part of the cost), never reached.
            FACTCHECK_API_RATE_USER="100000000/min",
            PYTHONWARNINGS="ignore",
        )
        ids = run_prepare(__file__, env, "--claims", str(args.claims))
        server = start_server(env, workers=args.workers)
        try:
            api = (f"{server.url}/api/v1/articles/{ids['article']}/claims/", {
                "Authorization": f"Token {ids['token']}",
                "Accept": "application/json",
            })  # fmt: skip
            bare = (f"{server.url}/api/v1/_benchmark/articles/{ids['article']}/claims/", {})
            for url, headers in (api, bare):
                check_payload(url, headers, args.claims)
                load(url, headers, 200, args.concurrency)  # warm up every worker

            # Alternating rounds, so both endpoints meet the same machine load.
            rounds: dict[str, list[dict]] = {"api": [], "bare": []}
            per_round = max(1, args.requests // ROUNDS)
            for _ in range(ROUNDS):
                for label, (url, headers) in (("api", api), ("bare", bare)):
                    rounds[label].append(load(url, headers, per_round, args.concurrency))
            results = {label: combine(parts) for label, parts in rounds.items()}
        finally:
            server.stop()

    print(
        f"GET /api/v1/articles/{{id}}/claims/ with {args.claims} claims (2 verdicts, 2 sources "
        f"each); {database.kind}; uvicorn --workers {args.workers}; {args.requests} requests, "
        f"{args.concurrency} threads"
    )
    print(f"{'':6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for label in ("api", "bare"):
        row = results[label]
        print(f"{label:6} {row['rps']:8.1f} {row['p50']:8.1f} {row['p99']:8.1f}")
    ratio = results["api"]["rps"] / results["bare"]["rps"]
    verdict = "meets" if ratio >= 0.5 else "MISSES"
    print(f"ratio api/bare: {ratio:.2f} ({verdict} the 0.5 target)")


if __name__ == "__main__":
    main()
