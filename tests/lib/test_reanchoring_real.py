"""Re-anchoring on real news: claims made on a page's human-written text survive the switch to
the text extracted from the page's HTML.

For each of the 18 pages with both versions in ../shared/data (news_text/ holds the
article-extraction-benchmark's ground-truth bodies, news_html/ the saved pages, same file
names; ground-truth-subset.json gives each page's address), the plain text is imported as a
.txt upload, five sentences become claims, and the HTML page is loaded as the article's next
revision. Every anchored or fuzzy claim must sit on its own sentence's text (anchored: the same
text up to typography; fuzzy: at least FUZZY_THRESHOLD similar), and at least 95% of the
claims must be anchored or fuzzy. The table goes to test-artifacts/reanchoring.txt (and to the
terminal with `-s`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from annotations import services
from annotations.lib.anchoring import (
    FUZZY_THRESHOLD,
    Reanchored,
    Selector,
    anchor_at,
    fold,
    reanchor,
    similarity,
)
from annotations.models import AnchorState, Claim

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
TEXTS = DATA / "news_text" / "article-extraction-benchmark"
PAGES = DATA / "news_html" / "article-extraction-benchmark"
GROUND_TRUTH = PAGES / "ground-truth-subset.json"
ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "reanchoring.txt"
CLAIMS_PER_ARTICLE = 5
MIN_SENTENCE = 40
TARGET = 0.95

if not TEXTS.is_dir() or not GROUND_TRUTH.is_file():
    pytest.skip(
        f"real news data not available: {TEXTS} or {GROUND_TRUTH} is missing",
        allow_module_level=True,
    )

pytestmark = pytest.mark.django_db

# A sentence ends at . ! ? followed by white space or the end, or at CJK full stops.
_SENTENCE = re.compile(r"[^\n]*?(?:[.!?](?=\s|$)|[。！？])|[^\n]+")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence of at least MIN_SENTENCE code points, trimmed."""
    found = []
    for match in _SENTENCE.finditer(text):
        start, end = match.start(), match.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end - start >= MIN_SENTENCE:
            found.append((start, end))
    return found


def evenly_spaced(items: list, count: int) -> list:
    if len(items) <= count:
        return list(items)
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)]


def pairs() -> list[tuple[str, Path, Path, str]]:
    """(id, text file, html file, page address) for every page with both versions."""
    truth = json.loads(GROUND_TRUTH.read_text(encoding="utf-8"))
    found = []
    for text_file in sorted(TEXTS.glob("*.txt")):
        html_file = PAGES / "html" / f"{text_file.stem}.html"
        if html_file.is_file() and text_file.stem in truth:
            found.append((text_file.stem, text_file, html_file, truth[text_file.stem]["url"]))
    return found


def test_the_real_data_has_all_18_pages() -> None:
    assert len(pairs()) == 18


def every_sentence(old_text: str, new_text: str) -> tuple[list[Selector], list[Reanchored]]:
    """Every sentence of `old_text` as a claim, placed on `new_text` (the pure algorithm)."""
    selectors = []
    for start, end in sentences(old_text):
        anchor = anchor_at(old_text, start, end)
        selectors.append(Selector(start, end, anchor.exact, anchor.prefix, anchor.suffix))
    return selectors, reanchor(old_text, new_text, selectors)


def misplacement(original: str, state: str, placed: str, exact: str) -> bool:
    """Whether an anchored or fuzzy placement is not the original sentence's text."""
    if state == AnchorState.ANCHORED:
        return not (placed == exact and fold(placed) == fold(original))
    return similarity(original, placed) < FUZZY_THRESHOLD


def test_claims_on_the_plain_text_survive_the_html_extraction_as_a_revision(desk) -> None:
    rows = []
    wrong: list[str] = []
    # Beyond the five claims per page: every sentence of each version placed on the other.
    both_ways = {"text -> html": Counter(), "html -> text": Counter()}
    for page_id, text_file, html_file, url in pairs():
        imported = services.article_import(
            team=desk.team,
            actor=desk.reviewer,
            file_name=text_file.name,
            file_data=text_file.read_bytes(),
        )
        article = imported.article
        picked = evenly_spaced(sentences(article.text), CLAIMS_PER_ARTICLE)
        claims = [
            services.claim_create(article=article, actor=desk.reviewer, start=start, end=end)
            for start, end in picked
        ]
        originals = {claim.pk: claim.exact for claim in claims}
        plain_text = article.text

        result = services.article_revise(
            article=article,
            actor=desk.reviewer,
            file_name=html_file.name,
            file_data=html_file.read_bytes(),
        )
        # Some pages extract to exactly the ground-truth text: no new revision, nothing moves.
        new_text = result.article.text
        counts = dict.fromkeys(AnchorState.values, 0)
        misplaced = 0
        for claim in Claim.objects.filter(article=article):
            counts[claim.anchor] += 1
            if claim.anchor == AnchorState.ORPHANED:
                continue
            original = originals[claim.pk]
            placed = new_text[claim.start : claim.end]
            # An anchored claim's quote is the text it points at; a fuzzy one keeps its own.
            quote = placed if claim.anchor == AnchorState.ANCHORED else original
            if claim.exact != quote or misplacement(original, claim.anchor, placed, quote):
                misplaced += 1
                wrong.append(f"{page_id[:8]}: {original!r} -> {placed!r} ({claim.anchor})")
        for direction, (old, new) in (
            ("text -> html", (plain_text, new_text)),
            ("html -> text", (new_text, plain_text)),
        ):
            for selector, placed in zip(*every_sentence(old, new), strict=True):
                both_ways[direction][placed.state] += 1
                if placed.state != "orphaned" and misplacement(
                    selector.exact, placed.state, new[placed.start : placed.end], placed.exact
                ):
                    both_ways[direction]["wrong"] += 1
                    wrong.append(f"{page_id[:8]} {direction}: {selector.exact!r} -> {placed}")
        assert len(claims) == sum(counts.values()) == Claim.objects.filter(article=article).count()
        rows.append(
            (
                page_id[:8],
                urlsplit(url).hostname or "",
                "same text" if result.unchanged else f"r{result.revision.number}",
                len(claims),
                counts[AnchorState.ANCHORED],
                counts[AnchorState.FUZZY],
                counts[AnchorState.ORPHANED],
                misplaced,
            )
        )

    table = format_table(rows)
    for direction, counts in both_ways.items():
        table += (
            f"\nEvery sentence of at least {MIN_SENTENCE} code points, {direction}: "
            f"{sum(counts[state] for state in AnchorState.values)} sentences, "
            f"{counts['anchored']} anchored, {counts['fuzzy']} fuzzy, "
            f"{counts['orphaned']} orphaned, {counts['wrong']} on wrong text."
        )
    table += "\n"
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(table, encoding="utf-8")
    print("\n" + table)

    total = sum(row[3] for row in rows)
    kept = sum(row[4] + row[5] for row in rows)
    assert len(rows) == 18
    assert total >= 18 * CLAIMS_PER_ARTICLE - 5  # every page yields its five sentences
    assert not wrong, "claims placed on the wrong text:\n" + "\n".join(wrong)
    assert kept / total >= TARGET, table


def format_table(rows: list[tuple]) -> str:
    header = ("page", "site", "revision", "claims", "anchored", "fuzzy", "orphaned", "wrong")
    total = ("total", "", "", *(sum(row[i] for row in rows) for i in range(3, 8)))
    lines = [header, *rows, total]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]

    def render(line: tuple) -> str:
        cells = [
            str(cell).ljust(width) if index < 3 else str(cell).rjust(width)
            for index, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        return "| " + " | ".join(cells) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    claims, anchored, fuzzy = total[3], total[4], total[5]
    share = (anchored + fuzzy) / claims if claims else 0.0
    summary = (
        f"Plain text -> HTML extraction as the next revision: {anchored}/{claims} anchored, "
        f"{fuzzy} fuzzy, {total[6]} orphaned; {share:.1%} kept (target >= {TARGET:.0%}); "
        f"{total[7]} on wrong text (target 0)."
    )
    return "\n".join([render(header), rule, *(render(line) for line in lines[1:]), "", summary])
