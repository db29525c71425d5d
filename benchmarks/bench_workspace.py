#!/usr/bin/env python
"""How the reviewing workspace scales: an article of 20,000 words with 500 claims.

Measures the server side of the article page (the review workspace) as a reviewer sees it:
median render time over N requests, the number of database queries (which must be the same
as with 5 claims), and the size of the HTML. Also the htmx answers the page lives on: the
filtered claim list, and saving a change to one claim (its card and text blocks).

Runs against a throwaway SQLite database in a temporary directory (never var/), with DEBUG
off as in production. Usage:

    .venv/bin/python benchmarks/bench_workspace.py [--repeat 30] [--words 20000] [--claims 500]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import time

from _support import configure_django, throwaway_database

TARGET_MS = 100
VOCABULARY = [
    "the",
    "minister",
    "said",
    "that",
    "troops",
    "soldiers",
    "North",
    "Korean",
    "region",
    "Kursk",
    "estimated",
    "about",
    "officials",
    "Pentagon",
    "according",
    "intelligence",
    "reported",
    "thousand",
    "arrived",
    "Monday",
    "briefing",
    "numbers",
    "11.000",
    "12.000",
    "10.000",
    "Ukraine",
    "Russia",
    "officers",
    "generals",
    "statement",
    "evening",
    "address",
    "partners",
]


def make_text(words: int, rng: random.Random) -> str:
    """Paragraphs of 30–70 words, a few with an emoji (astral characters), blank lines between."""
    paragraphs = []
    total = 0
    while total < words:
        length = rng.randint(30, 70)
        body = [rng.choice(VOCABULARY) for _ in range(length)]
        if rng.random() < 0.1:
            body.insert(rng.randrange(len(body)), "🇺🇦")
        paragraphs.append(" ".join(body).capitalize() + ".")
        total += length
    return "\n\n".join(paragraphs)


def spans(text: str, count: int, rng: random.Random) -> list[tuple[int, int]]:
    """`count` claim ranges over word boundaries: a third overlap or nest in the one before,
    some cross into the next paragraph."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    result: list[tuple[int, int]] = []
    step = len(words) // count
    for index in range(count):
        if result and index % 3 == 0:
            previous_start, previous_end = result[-1]
            first = next(i for i, (s, _) in enumerate(words) if s >= previous_start)
            first = min(len(words) - 2, first + rng.randint(0, 3))
        else:
            first = min(len(words) - 2, index * step + rng.randint(0, max(1, step // 2)))
        last = min(len(words) - 1, first + rng.randint(2, 25 if index % 7 else 80))
        result.append((words[first][0], words[last][1]))
    return result


def load(team, users, words: int, claims: int, seed: int):
    """The article (through the import service) and its claims with verdicts and sources.

    Claims, verdicts and sources are bulk-inserted: fixture data for a read benchmark, not a
    product write path.
    """
    from annotations import services
    from annotations.lib import anchoring
    from annotations.models import Claim, Rating, Source, Verdict

    rng = random.Random(seed)
    text = make_text(words, rng)
    article = services.article_import(
        team=team, actor=users[0], text=text, title=f"{words} words, {claims} claims"
    ).article
    ratings = list(Rating.objects.filter(team=team))
    rows = []
    for start, end in spans(article.text, claims, rng):
        anchor = anchoring.anchor_at(article.text, start, end)
        rows.append(
            Claim(
                article=article,
                start=anchor.start,
                end=anchor.end,
                exact=anchor.exact,
                prefix=anchor.prefix,
                suffix=anchor.suffix,
                claimant=f"Speaker {rng.randint(1, 25)}",
                summary=anchor.exact[:200],
                status=rng.choice(["draft", "in_review"]),
                created_by=rng.choice(users),
            )
        )
    for claim, number in zip(rows, services.next_claim_numbers(team, len(rows)), strict=True):
        claim.team, claim.number = team, number
    Claim.objects.bulk_create(rows, batch_size=500)
    saved = list(Claim.objects.filter(article=article))
    verdicts = []
    sources = []
    for claim in saved:
        for reviewer in rng.sample(users, rng.randint(0, 2)):
            verdicts.append(
                Verdict(claim=claim, reviewer=reviewer, rating=rng.choice(ratings), rationale="…")
            )
        for number in range(rng.randint(0, 3)):
            sources.append(
                Source(
                    claim=claim,
                    url=f"https://example.org/{claim.pk}/{number}",
                    title=f"Source {number} for claim {claim.pk}",
                    stance=rng.choice(["supports", "refutes", "context"]),
                )
            )
    Verdict.objects.bulk_create(verdicts, batch_size=500)
    Source.objects.bulk_create(sources, batch_size=500)
    return article


def measure(client, method: str, url: str, repeat: int, **kwargs) -> tuple[int, float, float, int]:
    """(queries, median wall-clock ms, median CPU ms of this process, response bytes).

    CPU time is what the server itself spent; on a machine busy with other work the wall
    clock also counts the time this process waited for a processor."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    send = getattr(client, method)
    send(url, secure=True, **kwargs)  # warm the template cache
    with CaptureQueriesContext(connection) as captured:
        response = send(url, secure=True, **kwargs)
    assert response.status_code == 200, (response.status_code, response.content[:500])
    queries = len(captured)
    timings = []
    cpu = []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        send(url, secure=True, **kwargs)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return queries, statistics.median(timings), statistics.median(cpu), len(response.content)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="requests per measurement")
    parser.add_argument("--words", type=int, default=20_000)
    parser.add_argument("--claims", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="cProfile one page render")
    args = parser.parse_args(argv)

    with throwaway_database() as database:
        configure_django(database.url)
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.urls import reverse

        from annotations import services
        from annotations.models import Role

        User = get_user_model()
        team = services.team_create(name="Benchmark desk", slug="bench")
        users = []
        for name, role in [("bench-reviewer", Role.REVIEWER), ("bench-editor", Role.EDITOR)]:
            user = User.objects.create_user(name)
            services.membership_set(team=team, user=user, role=role)
            users.append(user)
        client = Client()
        client.force_login(users[0])

        small = load(team, users, 2_000, 5, args.seed)
        large = load(team, users, args.words, args.claims, args.seed)
        words = len(large.text.split())
        claim_count = large.claims.count()
        print(
            f"Review page, median of {args.repeat} requests (Django test client, SQLite, "
            f"DEBUG off)\n"
        )
        print(f"{'request':<44} {'queries':>7} {'median ms':>10} {'CPU ms':>7} {'KB':>8}")
        results = {}
        rows = [
            ("page, 5 claims", "get", reverse("article_detail", args=[small.pk]), {}),
            (
                f"page, {words} words, {claim_count} claims",
                "get",
                reverse("article_detail", args=[large.pk]),
                {},
            ),
            (
                "htmx: filtered list (status + search)",
                "get",
                reverse("article_detail", args=[large.pk]) + "?status=draft&q=minister",
                {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "claim-list"},
            ),
        ]
        for label, method, url, headers in rows:
            results[label] = measure(client, method, url, args.repeat, **headers)
            queries, median_ms, cpu_ms, size = results[label]
            print(f"{label:<44} {queries:>7} {median_ms:>10.1f} {cpu_ms:>7.1f} {size / 1024:>8.1f}")

        # The first render after a change: no block of the text comes from the in-process
        # cache of rendered blocks (article_text._block_html).
        from annotations.pages.article_text import _block_html

        cold, cold_cpu = [], []
        for _ in range(args.repeat):
            _block_html.cache_clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(reverse("article_detail", args=[large.pk]), secure=True)
            cold.append((time.perf_counter() - started) * 1000)
            cold_cpu.append((time.process_time() - started_cpu) * 1000)
        cold_label = "page, 500 claims, no cached blocks"
        print(
            f"{cold_label:<44} {'':>7} {statistics.median(cold):>10.1f} "
            f"{statistics.median(cold_cpu):>7.1f}"
        )

        # Saving one claim's form (htmx): the answer is its card and its text blocks. Each
        # request saves a different claimant, so every one really writes.
        claim = large.claims.order_by("start").first()
        edit_url = reverse("claim_edit", args=[claim.pk])
        timings = []
        cpu = []
        for index in range(args.repeat):
            claim.refresh_from_db()
            data = {
                "version": claim.version,
                "claimant": f"Speaker {index}",
                "summary": claim.summary,
                "rating": "",
                "rationale": "",
                "sources-TOTAL_FORMS": "1",
                "sources-INITIAL_FORMS": "0",
            }
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.post(edit_url, data, secure=True, HTTP_HX_REQUEST="true")
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, response.content[:500]
        save_label = "htmx: save one claim (card + blocks)"
        print(
            f"{save_label:<44} {'':>7} {statistics.median(timings):>10.1f} "
            f"{statistics.median(cpu):>7.1f} {len(response.content) / 1024:>8.1f}"
        )

        few = results["page, 5 claims"][0]
        many = results[f"page, {words} words, {claim_count} claims"]
        print()
        print(
            f"queries constant: {few == many[0]} "
            f"({few} with 5 claims, {many[0]} with {claim_count})"
        )
        verdict = "within" if many[1] <= TARGET_MS else "OVER"
        print(
            f"render time: {many[1]:.1f} ms ({many[2]:.1f} ms CPU), {verdict} the {TARGET_MS} ms "
            f"target; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )

        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            client.get(reverse("article_detail", args=[large.pk]), secure=True)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return 0 if few == many[0] and many[1] <= TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
