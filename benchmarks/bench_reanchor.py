#!/usr/bin/env python
"""Re-anchoring speed: claims placed on a new revision, the pure algorithm and the service.

Two scenarios (issue 6's targets):
  large    1,000 claims on a 100 KB article, revision with ~100 scattered edits  (<= 1 s)
  typical  50 claims on a 5 KB article, revision with ~6 scattered edits          (<= 50 ms)

For each: the pure algorithm (anchoring.Reanchorer: fold, tokenise and diff both texts once,
then place every claim), and the full service call (services.article_revise: load the text,
re-anchor, update the claims, write the revision and the Events) on a throwaway SQLite
database in a temporary directory, or with --postgres URL on a throwaway database created on
that PostgreSQL server (and dropped afterwards; the database the URL names is not touched).
Medians of --repeat runs. The texts and edits come from a fixed seed, so runs compare.

    .venv/bin/python benchmarks/bench_reanchor.py [--repeat 5] [--postgres URL]

Exits 1 when a pure-algorithm median misses its target.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass

from _support import ROOT, configure_django, throwaway_database

sys.path.insert(0, str(ROOT))

from annotations.lib import anchoring  # noqa: E402  (pure: no Django needed)

# Word-frequency-shaped vocabulary: a few very common words, many rarer ones.
COMMON = [
    "the", "of", "and", "to", "a", "in", "that", "is", "for", "on", "said", "was", "with",
    "as", "by", "at", "from", "it",
]  # fmt: skip
NAMES = ["Kursk", "Pentagon", "Zelensky", "Moscow", "Kyiv", "Ukraine", "Russia", "NATO", "Reuters"]


@dataclass
class Scenario:
    name: str
    size: int  # code points of the article
    claims: int
    edits: int
    target_ms: float


SCENARIOS = [
    Scenario("large", 100_000, 1_000, 100, 1000.0),
    Scenario("typical", 5_000, 50, 6, 50.0),
]


def make_words(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    rare = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 11))) for _ in range(4000)]
    return COMMON * 60 + NAMES * 5 + rare


def make_sentence(rng: random.Random, words: list[str]) -> str:
    picked = [rng.choice(words) for _ in range(rng.randint(8, 28))]
    if rng.random() < 0.3:
        picked.insert(
            rng.randint(1, len(picked) - 1), f"{rng.randint(2, 99)},{rng.randint(100, 999)}"
        )
    if rng.random() < 0.15:
        at = rng.randint(1, len(picked) - 2)
        picked[at] = "\u201c" + picked[at]
        picked[at + 1] = picked[at + 1] + "\u201d"
    sentence = " ".join(picked)
    return sentence[0].upper() + sentence[1:] + rng.choice([".", ".", ".", "?", "!"])


def make_text(rng: random.Random, words: list[str], size: int) -> str:
    paragraphs: list[str] = []
    length = 0
    while length < size:
        paragraph = " ".join(make_sentence(rng, words) for _ in range(rng.randint(2, 6)))
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:size].rstrip(" ,")


def make_claims(rng: random.Random, text: str, count: int) -> list[tuple[int, int]]:
    """`count` word-aligned spans of 3-20 words spread over the text (some overlap)."""
    spans = []
    step = len(text) / count
    for index in range(count):
        start = int(index * step + rng.random() * step / 2)
        while start < len(text) - 1 and not (
            text[start].isalnum() and (start == 0 or not text[start - 1].isalnum())
        ):
            start += 1
        end = start
        for _ in range(rng.randint(3, 20)):
            end = text.find(" ", end + 1)
            if end == -1:
                end = len(text)
                break
        end = min(end, len(text))
        if end - start >= 2 and text[start:end].strip():
            spans.append((start, end))
    return spans


def make_revision(rng: random.Random, words: list[str], text: str, edits: int) -> str:
    """Scattered edits as newsrooms make them: words changed, added and removed, sentences
    added and removed, typography changed, one paragraph moved."""
    for _ in range(edits):
        kind = rng.random()
        at = rng.randrange(len(text))
        at = text.rfind(" ", 0, at) + 1
        word_end = text.find(" ", at)
        word_end = len(text) if word_end == -1 else word_end
        if kind < 0.3:  # a word changed
            text = text[:at] + rng.choice(words) + text[word_end:]
        elif kind < 0.5:  # a word added
            text = text[:at] + rng.choice(words) + " " + text[at:]
        elif kind < 0.65:  # a word removed
            text = text[:at] + text[word_end + 1 :]
        elif kind < 0.8:  # a sentence added
            text = text[:at] + make_sentence(rng, words) + " " + text[at:]
        elif kind < 0.9:  # a sentence removed
            stop = text.find(". ", at)
            if stop != -1 and stop - at < 300:
                text = text[:at] + text[stop + 2 :]
        else:  # typography: straight quotes, a non-breaking space, a dash
            text = (
                text[:at]
                + text[at:word_end].replace("\u201c", '"').replace("\u201d", '"')
                + "\u00a0"
                + "\u2014 "
                + text[word_end + 1 :]
            )
    paragraphs = text.split("\n\n")
    if len(paragraphs) > 4:
        moved = paragraphs.pop(len(paragraphs) // 3)
        paragraphs.insert(2 * len(paragraphs) // 3, moved)
    return "\n\n".join(paragraphs)


def build(scenario: Scenario, seed: int = 6) -> tuple[str, str, list[anchoring.Selector]]:
    rng = random.Random(f"{scenario.name}-{seed}")
    words = make_words(rng)
    old = make_text(rng, words, scenario.size)
    selectors = []
    for start, end in make_claims(rng, old, scenario.claims):
        anchor = anchoring.anchor_at(old, start, end)
        selectors.append(anchoring.Selector(start, end, anchor.exact, anchor.prefix, anchor.suffix))
    new = make_revision(rng, words, old, scenario.edits)
    return old, new, selectors


def median_ms(function, repeat: int) -> tuple[float, object]:
    timings = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), result


def bench_pure(scenario: Scenario, repeat: int) -> tuple[float, float, Counter]:
    old, new, selectors = build(scenario)
    setup_ms, reanchorer = median_ms(lambda: anchoring.Reanchorer(old, new), repeat)
    total_ms, results = median_ms(lambda: anchoring.reanchor(old, new, selectors), repeat)
    # Every result is checked, so a fast wrong answer cannot pass.
    for selector, result in zip(selectors, results, strict=True):
        if result.state == "anchored":
            assert new[result.start : result.end] == result.exact
            assert anchoring.fold(result.exact) == anchoring.fold(selector.exact)
        elif result.state == "fuzzy":
            assert new[result.start : result.end] == result.exact
            assert anchoring.similarity(selector.exact, result.exact) >= anchoring.FUZZY_THRESHOLD
    states = Counter(result.state for result in results)
    states.update(f"via {result.method}" for result in results)
    return setup_ms, total_ms, states


def bench_service(scenario: Scenario, repeat: int, team, user) -> tuple[float, int]:
    """Median milliseconds of article_revise on a fresh article with the scenario's claims,
    and the number of database queries one call makes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from annotations import services
    from annotations.models import Article, Claim

    old, new, selectors = build(scenario)
    timings = []
    queries = 0
    for run in range(repeat):
        # Fixture data, bulk-inserted: the timed part is the revision only.
        article = services.article_import(
            team=team, actor=user, text=old, title=f"{scenario.name} {run}"
        ).article
        Claim.objects.bulk_create(
            [
                Claim(
                    article=article,
                    team=team,
                    number=number,
                    start=s.start,
                    end=s.end,
                    exact=s.exact,
                    prefix=s.prefix,
                    suffix=s.suffix,
                    created_by=user,
                )
                for s, number in zip(
                    selectors, services.next_claim_numbers(team, len(selectors)), strict=True
                )
            ],
            batch_size=500,
        )
        article = Article.objects.get(pk=article.pk)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            result = services.article_revise(article=article, actor=user, text=new)
        timings.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
        assert result.created and Claim.objects.filter(article=article).count() == len(selectors)
        Article.objects.filter(pk=article.pk).update(content_hash=f"bench-{run}")  # no dedupe
    return statistics.median(timings), queries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run the service on a throwaway database on this PostgreSQL server "
        "(default: a temporary SQLite file)",
    )
    parser.add_argument("--pure-only", action="store_true", help="skip the service runs")
    args = parser.parse_args(argv)

    missed = False
    print(f"Re-anchoring, median of {args.repeat} runs (Python {sys.version.split()[0]})")
    print()
    print("Pure algorithm (anchoring.reanchor: diff once, then place every claim)")
    for scenario in SCENARIOS:
        old, new, selectors = build(scenario)
        setup_ms, total_ms, states = bench_pure(scenario, args.repeat)
        ok = total_ms <= scenario.target_ms
        missed |= not ok
        described = ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
        print(
            f"  {scenario.name:<8} {len(selectors):>5} claims, {len(old) / 1000:>5.1f} KB -> "
            f"{len(new) / 1000:.1f} KB: {total_ms:7.1f} ms (diff {setup_ms:.1f} ms), "
            f"target <= {scenario.target_ms:.0f} ms {'OK' if ok else 'MISSED'}"
        )
        print(f"           {described}")
    if args.pure_only:
        return 1 if missed else 0

    with throwaway_database(args.postgres or "") as database:
        configure_django(database.url)
        from django.conf import settings
        from django.contrib.auth import get_user_model

        from annotations import services
        from annotations.models import Role

        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        user = get_user_model().objects.create(username="bench-reanchor")
        team = services.team_create(name="Re-anchoring benchmark", slug="bench-reanchor")
        services.membership_set(team=team, user=user, role=Role.EDITOR)
        print()
        print(f"Full service call (services.article_revise with the database writes, {engine})")
        for scenario in SCENARIOS:
            median, queries = bench_service(scenario, args.repeat, team, user)
            print(
                f"  {scenario.name:<8} {scenario.claims:>5} claims: {median:7.1f} ms, "
                f"{queries} queries"
            )
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
