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
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
UVICORN = str(Path(PYTHON).with_name("uvicorn"))
ROUNDS = 4


# --- the database ------------------------------------------------------------------------------


class ThrowawayDatabase:
    """A DATABASE_URL for a database that exists only during the benchmark."""

    def __init__(self, workdir: Path) -> None:
        self.base = os.environ.get("DATABASE_URL", "")
        self.name = f"factcheck_bench_{os.getpid()}_{secrets.token_hex(3)}"
        if self.base.startswith(("postgres://", "postgresql://")):
            self.kind = "PostgreSQL"
            parts = urlsplit(self.base)
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
            self._admin("CREATE DATABASE {}")
        else:
            self.kind = "SQLite"
            self.url = f"sqlite:///{workdir / 'bench.sqlite3'}"

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.base, autocommit=True) as connection:
            connection.execute(statement.format(self.name))

    def drop(self) -> None:
        if self.kind == "PostgreSQL":
            self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")


def server_environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "DATABASE_URL": database_url,
        # Under ASGI each request may run in a new thread: persistent connections would pile up
        # (Django advises CONN_MAX_AGE=0 there, or a pooler).
        "DATABASE_CONN_MAX_AGE": "0",
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-" + secrets.token_hex(24),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "FACTCHECK_BENCHMARK_VIEWS": "1",
        # Throttling stays on (its cache lookups are part of the cost), never reached.
        "FACTCHECK_API_RATE_USER": "100000000/min",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore",
    }


def prepare(claims: int) -> None:
    """Run inside the benchmark's environment: migrate, load the data, print ids as JSON."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from annotations import services
    from annotations.models import Role

    call_command("migrate", verbosity=0)
    users = {
        role: get_user_model().objects.create_user(username=f"bench-{role}", password=None)
        for role in (Role.EDITOR, Role.REVIEWER)
    }
    team = services.team_create(name="Benchmark desk", slug="bench", actor=users[Role.EDITOR])
    services.membership_set(team=team, user=users[Role.REVIEWER], role=Role.REVIEWER)
    paragraphs = [
        f"Paragraph {number}: the ministry said that {number * 1000} soldiers had arrived "
        f"in region {number}, while observers counted fewer."
        for number in range(claims)
    ]
    article = services.article_import(
        team=team, actor=None, text="\n\n".join(paragraphs), title="Benchmark story"
    ).article
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


# --- the server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            UVICORN,
            "factcheck.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit("uvicorn exited before it served anything.") from None
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("uvicorn did not start within 30 s.")


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
    latencies = sorted(latency for part in parts for latency in part["latencies"])
    elapsed = sum(part["elapsed"] for part in parts)
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
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

    with tempfile.TemporaryDirectory(prefix="factcheck-bench-") as workdir:
        database = ThrowawayDatabase(Path(workdir))
        server = None
        try:
            env = server_environment(database.url)
            prepared = subprocess.run(
                [PYTHON, __file__, "--prepare", "--claims", str(args.claims)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            ids = json.loads(prepared.stdout.strip().splitlines()[-1])
            port = free_port()
            server = start_server(env, port, args.workers)
            base = f"http://127.0.0.1:{port}"
            api = (f"{base}/api/v1/articles/{ids['article']}/claims/", {
                "Authorization": f"Token {ids['token']}",
                "Accept": "application/json",
            })  # fmt: skip
            bare = (f"{base}/api/v1/_benchmark/articles/{ids['article']}/claims/", {})
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
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
            database.drop()

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
