#!/usr/bin/env python
"""How the article list page scales: queries and median render time for 10 and 1,000 articles.

Runs against a throwaway SQLite database in a temporary directory (never var/), with DEBUG
off as in production. Usage:

    .venv/bin/python benchmarks/bench_article_list.py [--repeat 30] [--sizes 10,1000]
"""

from __future__ import annotations

import argparse
import statistics
import time

from _support import configure_django, throwaway_database

CLAIMS_PER_ARTICLE = 3


def make_articles(team, user, count: int) -> None:
    """Add articles (and a few claims each) until the team has `count`.

    Bulk inserts: this is fixture data for a read benchmark, not a product write path.
    """
    from annotations import services
    from annotations.models import Article, Claim

    existing = Article.objects.filter(team=team).count()
    text = "The minister said that 40% of the troops had left the region by Monday."
    articles = [
        Article(
            team=team,
            title=f"Story {number}: troop numbers in the region",
            publisher=f"Publisher {number % 7}",
            text=f"{text} ({number})",
            blocks=[],
            source_kind="text",
            imported_by=user,
            content_hash=services.content_hash(f"{text} ({number})"),
        )
        for number in range(existing, count)
    ]
    Article.objects.bulk_create(articles, batch_size=500)
    claims = [
        Claim(
            article=article,
            start=23 + index,
            end=35 + index,
            exact=article.text[23 + index : 35 + index],
            claimant="The minister",
            created_by=user,
        )
        for article in Article.objects.filter(team=team).order_by("-id")[: count - existing]
        for index in range(CLAIMS_PER_ARTICLE)
    ]
    for claim, number in zip(claims, services.next_claim_numbers(team, len(claims)), strict=True):
        claim.team, claim.number = team, number
    Claim.objects.bulk_create(claims, batch_size=500)


def measure(client, url: str, repeat: int) -> tuple[int, float, int]:
    """(queries per render, median milliseconds, response bytes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, secure=True)  # warm the template cache
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, secure=True)
    assert response.status_code == 200, response.status_code
    # Read now: the next request clears the connection's query log.
    queries = len(captured)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url, secure=True)
        timings.append((time.perf_counter() - started) * 1000)
    return queries, statistics.median(timings), len(response.content)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="renders per measurement")
    parser.add_argument("--sizes", default="10,1000", help="article counts, comma-separated")
    args = parser.parse_args(argv)
    sizes = sorted(int(size) for size in args.sizes.split(","))

    with throwaway_database() as database:
        configure_django(database.url)
        from django.contrib.auth import get_user_model
        from django.test import Client

        from annotations import services
        from annotations.models import Role

        user = get_user_model().objects.create_user("bench-reviewer")
        team = services.team_create(name="Benchmark desk", slug="bench")
        services.membership_set(team=team, user=user, role=Role.REVIEWER)
        client = Client()
        client.force_login(user)

        print(f"Article list page, median of {args.repeat} renders (Django test client, SQLite)")
        print(f"{'articles':>9} {'page':<16} {'queries':>7} {'median ms':>10} {'KB':>6}")
        for size in sizes:
            make_articles(team, user, size)
            for label, url in [
                ("/", "/"),
                ("/?q=story+1", "/?q=story+1"),
                ("/?page=2", "/?page=2"),
            ]:
                if label == "/?page=2" and size <= 50:
                    continue
                queries, median_ms, size_bytes = measure(client, url, args.repeat)
                print(
                    f"{size:>9} {label:<16} {queries:>7} {median_ms:>10.1f} "
                    f"{size_bytes / 1024:>6.1f}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
