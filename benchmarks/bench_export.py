#!/usr/bin/env python
"""Export of 100,000 claims over HTTP: claims per second and the server's peak memory.

Builds a throwaway database (an SQLite file in a temporary directory; with --database-url
postgres://… a new database created on that server and dropped afterwards), fills one team
with articles and claims (each with one or two verdicts and a source), starts uvicorn in its
own process (DEBUG off, as in production), downloads

    /api/v1/export?format=ndjson&team=…   and   /api/v1/export?format=w3c&team=…

with an API token, and reports claims per second (target ≥ 5,000/s) and the server's peak
resident memory (target < 200 MB: the export must stream). Memory is polled from
/proc/<pid>/status (VmRSS of the server and any children) and checked against VmHWM.

    .venv/bin/python benchmarks/bench_export.py [--claims 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import threading
import time
from pathlib import Path

from _support import (
    ThrowawayDatabase,
    configure_django,
    server_environment,
    start_server,
    throwaway_database,
)

ROOT = Path(__file__).resolve().parents[1]
CLAIMS_PER_ARTICLE = 100
TARGET_CLAIMS_PER_SECOND = 5_000
TARGET_PEAK_MB = 200
SENTENCE = (
    "The minister said that {n} per cent of the troops had left the region by Monday, "
    "while the opposition claimed that the figure was closer to {m} per cent. "
)


# --- the data ------------------------------------------------------------------------------------


def build(claims: int) -> str:
    """Fill the database: one team, 100 claims per article. Returns an API token.

    Bulk inserts: this is fixture data for a read benchmark, not a product write path.
    """
    from django.contrib.auth import get_user_model

    from annotations import services
    from annotations.models import Article, ArticleRevision, Claim, Rating, Role, Source, Verdict

    User = get_user_model()
    team = services.team_create(name="Benchmark desk", slug="bench")
    reviewers = [User.objects.create_user(f"reviewer{n}") for n in range(5)]
    for reviewer in reviewers:
        services.membership_set(team=team, user=reviewer, role=Role.REVIEWER)
    viewer = User.objects.create_user("exporter")
    services.membership_set(team=team, user=viewer, role=Role.VIEWER)
    ratings = list(Rating.objects.filter(team=team))

    article_count = -(-claims // CLAIMS_PER_ARTICLE)
    articles = []
    for number in range(article_count):
        text = "".join(
            SENTENCE.format(n=(number + i) % 90 + 10, m=(number * i) % 90 + 10)
            for i in range(CLAIMS_PER_ARTICLE // 4 + 1)
        )
        articles.append(
            Article(
                team=team,
                title=f"Story {number}: troop numbers in the region",
                url=f"https://news.example.org/story/{number}",
                publisher="Example News",
                text=text,
                blocks=[{"kind": "paragraph", "start": 0, "end": len(text), "level": 0}],
                source_kind="text",
                imported_by=viewer,
                content_hash=services.content_hash(text),
            )
        )
    Article.objects.bulk_create(articles, batch_size=200)
    ArticleRevision.objects.bulk_create(
        [
            ArticleRevision(
                article=article,
                number=1,
                text=article.text,
                blocks=article.blocks,
                title=article.title,
                source_kind="text",
                content_hash=article.content_hash,
            )
            for article in articles
        ],
        batch_size=200,
    )

    made = 0
    for article in articles:
        batch = []
        for index in range(min(CLAIMS_PER_ARTICLE, claims - made)):
            start = index * 30
            end = start + 40
            batch.append(
                Claim(
                    article=article,
                    start=start,
                    end=end,
                    exact=article.text[start:end],
                    prefix=article.text[max(0, start - 32) : start],
                    suffix=article.text[end : end + 32],
                    claimant="The minister" if index % 2 else "The opposition",
                    summary=f"{index} per cent of the troops had left the region.",
                    status=["draft", "in_review", "approved", "published"][index % 4],
                    tags=["military"],
                    created_by=reviewers[index % 5],
                )
            )
        numbers = services.next_claim_numbers(article.team, len(batch))
        for claim, number in zip(batch, numbers, strict=True):
            claim.team_id, claim.number = article.team_id, number
        Claim.objects.bulk_create(batch, batch_size=500)
        verdicts, sources = [], []
        for index, claim in enumerate(batch):
            for reviewer in reviewers[: 1 + index % 2]:
                verdicts.append(
                    Verdict(
                        claim=claim,
                        reviewer=reviewer,
                        rating=ratings[index % len(ratings)],
                        rationale="Official figures say otherwise.",
                    )
                )
            sources.append(
                Source(
                    claim=claim,
                    url=f"https://stats.example.org/report/{claim.pk}",
                    title="Defence ministry report",
                    publisher="Ministry",
                    excerpt="Troop numbers fell by a fifth.",
                    stance="refutes",
                    added_by=reviewers[0],
                )
            )
        Verdict.objects.bulk_create(verdicts, batch_size=500)
        Source.objects.bulk_create(sources, batch_size=500)
        made += len(batch)
    # Approved and published claims get their first verdict as the final one.
    first_verdicts = {}
    for claim_id, verdict_id in (
        Verdict.objects.filter(claim__status__in=["approved", "published"])
        .order_by("id")
        .values_list("claim_id", "id")
    ):
        first_verdicts.setdefault(claim_id, verdict_id)
    finals = [Claim(pk=claim_id, final_verdict_id=v) for claim_id, v in first_verdicts.items()]
    Claim.objects.bulk_update(finals, ["final_verdict"], batch_size=1000)
    _, raw = services.token_create(actor=viewer, name="benchmark")
    from django.db import connections

    connections.close_all()
    return raw


# --- the server and its memory ------------------------------------------------------------------


def status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found + [grandchild for child in found for grandchild in children(child)]


class MemoryWatch(threading.Thread):
    """Polls the server's resident memory (and its children's) every 20 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.running = True

    def rss_kb(self) -> int:
        return sum(status_kb(pid, "VmRSS") for pid in [self.pid, *children(self.pid)])

    def run(self) -> None:
        while self.running:
            self.peak_kb = max(self.peak_kb, self.rss_kb())
            time.sleep(0.02)

    def reset(self) -> None:
        self.peak_kb = self.rss_kb()


def download(port: int, path: str, token: str, target: Path) -> tuple[float, int, str]:
    """GET path into target: (seconds to the last byte, bytes, content type)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Authorization": f"Token {token}"})
    response = connection.getresponse()
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status}: {response.read()[:500]!r}")
    size = 0
    with target.open("wb") as handle:
        while chunk := response.read(1 << 20):
            handle.write(chunk)
            size += len(chunk)
    elapsed = time.perf_counter() - started
    content_type = response.getheader("Content-Type", "")
    connection.close()
    return elapsed, size, content_type


def count_claims(fmt: str, target: Path) -> int:
    if fmt == "ndjson":
        with target.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    doc = json.loads(target.read_bytes())
    return len(doc["first"]["items"]) if doc.get("total") else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        default="",
        help="postgres://… to run on PostgreSQL (a new database is created and dropped)",
    )
    parser.add_argument("--formats", default="ndjson,w3c")
    args = parser.parse_args(argv)

    with throwaway_database(args.database_url) as database:
        return run(args, database)


def run(args: argparse.Namespace, database: ThrowawayDatabase) -> int:
    workdir = database.workdir
    where = f"PostgreSQL database {database.name}" if database.kind == "PostgreSQL" else "SQLite"
    configure_django(database.url)
    env = server_environment(
        database.url, STATIC_ROOT=str(workdir / "static"), FACTCHECK_API_RATE_USER="100000/min"
    )
    server = None
    try:
        started = time.perf_counter()
        token = build(args.claims)
        print(f"Built {args.claims:,} claims on {where} in {time.perf_counter() - started:.0f} s.")
        server = start_server(env)
        port = server.port
        watch = MemoryWatch(server.pid)
        watch.start()
        # Warm up (imports, first connection), then measure from the settled baseline.
        download(port, "/api/v1/export?format=ndjson&team=bench&article=1", token, workdir / "w")
        time.sleep(0.3)
        print(f"Server pid {server.pid}, resident after warm-up: {watch.rss_kb() / 1024:.0f} MB")
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        # Other work on the machine slows the wall clock; server CPU seconds are less sensitive.
        print(f"Machine: {os.cpu_count()} CPUs, load average {load}")
        print(
            f"{'format':<8} {'claims':>8} {'seconds':>8} {'claims/s':>9} {'MB sent':>8} "
            f"{'peak MB':>8} {'server CPU s':>12} {'claims/CPU s':>12}"
        )
        results = []
        for fmt in args.formats.split(","):
            target = workdir / f"export.{fmt}"
            watch.reset()
            cpu_before = cpu_seconds(server.pid)
            elapsed, size, _ = download(
                port, f"/api/v1/export?format={fmt}&team=bench", token, target
            )
            cpu = cpu_seconds(server.pid) - cpu_before
            time.sleep(0.1)
            peak_mb = watch.peak_kb / 1024
            count = count_claims(fmt, target)
            target.unlink()
            rate = count / elapsed
            results.append((fmt, rate, peak_mb))
            print(
                f"{fmt:<8} {count:>8,} {elapsed:>8.1f} {rate:>9,.0f} {size / 1e6:>8.1f} "
                f"{peak_mb:>8.0f} {cpu:>12.1f} {count / cpu:>12,.0f}"
            )
            if count != args.claims:
                print(f"  ! expected {args.claims:,} claims in the {fmt} export, got {count:,}")
        watch.running = False
        high_water = status_kb(server.pid, "VmHWM") / 1024
        print(f"Server VmHWM (peak resident over its whole life): {high_water:.0f} MB")
        ok = (
            all(
                rate >= TARGET_CLAIMS_PER_SECOND and peak < TARGET_PEAK_MB
                for _, rate, peak in results
            )
            and high_water < TARGET_PEAK_MB
        )
        print(
            f"Targets: ≥ {TARGET_CLAIMS_PER_SECOND:,} claims/s and < {TARGET_PEAK_MB} MB: "
            + ("met" if ok else "NOT met")
        )
        return 0 if ok else 1
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
