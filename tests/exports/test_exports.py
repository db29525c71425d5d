"""Exports in every format, the JSON import's round trip, and the ClaimReview shape compared
with real fact-checkers' objects."""

from __future__ import annotations

import copy
import csv
import importlib.util
import io
import json
import re
from collections import Counter
from datetime import UTC
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations import services
from annotations.errors import Conflict, Forbidden, InvalidInput
from annotations.exports import claims as export_claims
from annotations.exports import streams
from annotations.exports.formats import claimreview, csv_export, ndjson, ourjson
from annotations.models import (
    Article,
    Claim,
    ClaimStatus,
    Comment,
    Event,
    Rating,
    Source,
    Team,
    Verdict,
)
from tests.conftest import SHARED_DATA
from tests.exports.seed import (
    BASE,
    HYPERLINK,
    ORGANISATION,
    PUBLIC_URL,
    UNICODE_TEXT,
    add_claims,
    export_json,
    export_text,
)
from tests.factories import SAMPLE_TEXT, make_article


def by_exact(claims: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {claim["exact"]: claim for claim in claims}


# --- our JSON -----------------------------------------------------------------------------------


def test_json_export_is_versioned_and_complete(desk, seeded):
    doc = export_json(desk.team)

    assert doc["format"] == "factcheck-export"
    assert doc["version"] == 1
    assert doc["team"] == {
        "name": "Verification desk",
        "slug": "verify",
        "publishing": ORGANISATION,
    }
    assert doc["article"] is None
    assert [r["slug"] for r in doc["ratings"]] == [slug for slug, *_ in services.DEFAULT_SCALE]
    assert doc["ratings"][0] == {
        "slug": "true",
        "label": "True",
        "description": "Accurate, with nothing significant missing.",
        "order": 0,
        "value": 5,
        "colour": "#15803d",
        "active": True,
    }
    articles = {article["title"]: article for article in doc["articles"]}
    kursk = articles["Troops in Kursk"]
    assert kursk["text"] == SAMPLE_TEXT
    assert kursk["blocks"] and kursk["blocks"][0]["kind"]
    assert kursk["url"] == "https://news.example.org/kursk"
    assert kursk["assignees"] == ["editor-user", "reviewer-user"]
    assert [r["number"] for r in kursk["revisions"]] == [1]
    assert kursk["revisions"][0]["text"] == SAMPLE_TEXT
    assert articles["Zoë’s report"]["text"] == UNICODE_TEXT

    claims = by_exact(doc["claims"])
    assert len(claims) == 7
    published = claims["11.000 North Korean soldiers"]
    assert published["status"] == "published"
    assert published["claimant"] == "President Zelensky"
    assert published["tags"] == ["military", "numbers"]
    assert published["article"] == {
        "id": seeded["kursk"].pk,
        "title": "Troops in Kursk",
        "url": "https://news.example.org/kursk",
    }
    assert SAMPLE_TEXT[published["start"] : published["end"]] == published["exact"]
    assert published["final_verdict"]["rating"] == {"slug": "false", "label": "False", "value": 1}
    assert published["final_verdict"]["reviewer"] == "reviewer-user"
    assert [s["url"] for s in published["sources"]] == [
        "https://www.defense.example/briefing",
        "https://news.example.org/other",
    ]
    assert published["sources"][0]["accessed_at"] == "2024-11-02"
    assert published["sources"][0]["stance"] == "refutes"
    comments = published["comments"]
    assert [c["body"] for c in comments] == [
        "Check the date of the briefing.",
        "It was 2 November.",
    ]
    assert comments[1]["reply_to"] == comments[0]["id"]
    assert comments[0]["author"] == "editor-user"

    disputed = claims["10.000 North Korean soldiers"]
    assert disputed["final_verdict"] is None
    history = [(v["reviewer"], v["rating"]["slug"], v["current"]) for v in disputed["verdicts"]]
    assert history == [
        ("reviewer-user", "mostly-true", True),
        ("editor-user", "true", False),
        ("editor-user", "half-true", True),
    ]
    assert disputed["assignees"] == ["editor-user"]

    orphan = claims["Troops in Kursk"]
    assert (orphan["anchor"], orphan["start"], orphan["end"]) == ("orphaned", None, None)
    assert claims["40 % des troupes 🪖"]["final_verdict"]["rating"]["value"] is None


def test_json_export_of_one_article_holds_only_its_claims(desk, seeded):
    doc = export_json(desk.team, article=seeded["zoe"])

    assert doc["article"] == seeded["zoe"].pk
    assert [a["id"] for a in doc["articles"]] == [seeded["zoe"].pk]
    assert {c["article"]["id"] for c in doc["claims"]} == {seeded["zoe"].pk}
    assert len(doc["claims"]) == 4


def test_json_export_writes_utf8_text_unescaped(desk, seeded):
    text = export_text(desk.team, "json")

    assert "Zoë’s report 🙂" in text
    assert "\\u" not in text


def test_json_export_is_streamed_in_pieces(desk, seeded, monkeypatch):
    monkeypatch.setattr(streams, "BUFFER_SIZE", 10)
    pieces = list(streams.FORMATS["json"].stream(desk.team, base_url=BASE))

    # One piece per article and claim at least: never one big string of everything.
    assert len(pieces) >= 2 + 7
    assert json.loads("".join(pieces))["claims"]


def test_json_export_of_an_empty_team_is_valid(desk):
    doc = export_json(desk.other_team)

    assert doc["articles"] == [] and doc["claims"] == []
    assert ourjson.validate(doc) == []


def test_buffered_joins_pieces_up_to_the_size():
    assert list(streams.buffered(["ab", "cd", "e"], size=3)) == ["abcd", "e"]
    assert list(streams.buffered([], size=3)) == []


# --- NDJSON ------------------------------------------------------------------------------------


def test_ndjson_export_is_one_valid_json_claim_per_line(desk, seeded):
    text = export_text(desk.team, "ndjson")

    assert text.endswith("\n")
    lines = text.split("\n")[:-1]
    assert len(lines) == 7
    claims = [json.loads(line) for line in lines]
    assert all(isinstance(claim, dict) for claim in claims)
    # The same claim objects as the JSON export.
    assert claims == export_json(desk.team)["claims"]


def test_ndjson_line_keeps_newlines_inside_strings_escaped():
    line = ndjson.line({"body": "two\nlines\r\n", "emoji": "🙂"})

    assert line.count("\n") == 1 and line.endswith("\n")
    assert json.loads(line) == {"body": "two\nlines\r\n", "emoji": "🙂"}


# --- CSV ---------------------------------------------------------------------------------------


def csv_rows(team: Team, article: Article | None = None) -> list[dict[str, str]]:
    text = export_text(team, "csv", article)
    assert text.startswith(csv_export.BOM)
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_csv_export_has_one_row_per_claim_with_the_final_and_each_reviewers_verdict(desk, seeded):
    text = export_text(desk.team, "csv")
    header = next(csv.reader(io.StringIO(text[1:], newline="")))
    rows = {row["quote"]: row for row in csv_rows(desk.team)}

    # One verdict column per reviewer of the exported claims, sorted, the same for every row.
    assert [name for name in header if name.startswith("verdict: ")] == [
        "verdict: editor-user",
        "verdict: reviewer-user",
    ]
    assert len(rows) == 7
    published = rows["11.000 North Korean soldiers"]
    assert published["claim"] == f"#{seeded['published'].number}"
    assert published["claim_id"] == str(seeded["published"].pk)
    assert published["article_title"] == "Troops in Kursk"
    assert published["article_url"] == "https://news.example.org/kursk"
    assert published["claimant"] == "President Zelensky"
    assert published["claim_as_checked"] == (
        "11,000 North Korean soldiers arrived in the Kursk region."
    )
    assert (published["final_verdict"], published["final_verdict_value"]) == ("False", "1")
    assert published["final_rationale"] == "The Pentagon counts 10,000."
    assert published["verdict: reviewer-user"] == "False"
    assert published["verdict: editor-user"] == ""
    assert published["sources"] == (
        "https://www.defense.example/briefing | https://news.example.org/other"
    )
    assert published["status"] == "Published"
    # ISO 8601 with the zone: 2026-12-07T14:20:00+00:00
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", published["created_at"])

    # Not approved yet: no final verdict, each reviewer's current one in their column.
    disputed = rows["10.000 North Korean soldiers"]
    assert disputed["final_verdict"] == ""
    assert disputed["status"] == "In review"
    assert disputed["verdict: reviewer-user"] == "Mostly true"
    assert disputed["verdict: editor-user"] == "Half true"

    misleading = rows["40 % des troupes 🪖"]
    assert (misleading["final_verdict"], misleading["final_verdict_value"]) == ("Misleading", "")
    assert rows["Troops in Kursk"]["final_verdict"] == ""
    assert rows["Troops in Kursk"]["status"] == "Draft"


def test_csv_of_a_claim_with_two_reviewers_and_an_approved_final_verdict(desk):
    article = make_article(desk.team)
    claim = services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact="11.000 North Korean soldiers",
        rating="mostly-false",
        rationale="Others count fewer.",
    )
    services.verdict_set(claim=claim, actor=desk.editor, rating="false", rationale="10,000.")
    services.claim_transition(claim=claim, actor=desk.reviewer, to=ClaimStatus.IN_REVIEW)
    final = Verdict.objects.get(claim=claim, reviewer=desk.editor, is_current=True)
    services.claim_transition(
        claim=claim, actor=desk.editor, to=ClaimStatus.APPROVED, final_verdict=final
    )

    text = export_text(desk.team, "csv")
    header = next(csv.reader(io.StringIO(text[1:], newline="")))
    (row,) = csv_rows(desk.team)

    assert header[:11] == [
        "claim",
        "claim_id",
        "article_title",
        "article_url",
        "quote",
        "claimant",
        "claim_as_checked",
        "status",
        "final_verdict",
        "final_verdict_value",
        "final_rationale",
    ]
    assert header[11:13] == ["verdict: editor-user", "verdict: reviewer-user"]
    assert row["claim"] == f"#{claim.number}"
    assert row["status"] == "Approved"
    assert (row["final_verdict"], row["final_verdict_value"]) == ("False", "1")
    assert row["final_rationale"] == "10,000."
    assert row["verdict: editor-user"] == "False"
    assert row["verdict: reviewer-user"] == "Mostly false"
    assert row["public_url"] == ""  # approved, not yet published anywhere
    services.claim_transition(
        claim=claim,
        actor=desk.editor,
        to=ClaimStatus.PUBLISHED,
        public_url="https://desk.example.org/fact-checks/1",
    )
    (row,) = csv_rows(desk.team)
    assert row["public_url"] == "https://desk.example.org/fact-checks/1"
    assert row["status"] == "Published"
    claim.refresh_from_db()
    assert row["updated_at"] == claim.updated_at.astimezone(UTC).isoformat(timespec="seconds")


def test_csv_export_neutralises_formula_cells(desk, seeded):
    rows = {row["claim_id"]: row for row in csv_rows(desk.team)}

    injection = rows[str(seeded["injection"].pk)]
    assert injection["claimant"] == "'" + HYPERLINK
    assert injection["claim_as_checked"] == "'+1"
    assert injection["quote"] == "'=SUM(1,2)"
    minus = rows[str(seeded["minus"].pk)]
    assert minus["claim_as_checked"] == "'-2"
    assert minus["claimant"] == "'@SUM(A1:A2)"
    # Leading whitespace is stripped by the services; tab and CR reach the cell only inside.
    for row in rows.values():
        for name, cell in row.items():
            if name != "final_verdict_value":
                assert not cell.startswith(csv_export.FORMULA_STARTS), (name, cell)


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=1", "a=1"),
        ("", ""),
        ("Zoë", "Zoë"),
    ],
)
def test_neutralise_prefixes_a_quote_to_formula_starts(cell, expected):
    assert csv_export.neutralise(cell) == expected


def test_csv_row_keeps_our_negative_numbers_numeric():
    claim = {
        "id": 1,
        "article": {"id": 1, "title": "-t", "url": ""},
        "exact": "q",
        "claimant": "",
        "summary": "s",
        "status": "approved",
        "verdicts": [],
        "final_verdict": {
            "rating": {"label": "Pants on fire", "value": -1},
            "rationale": "",
            "reviewer": "r",
        },
        "sources": [],
        "created_at": "2024-01-01T12:00:00+00:00",
        "updated_at": "2024-01-01T13:30:00+01:00",
    }
    cells = dict(zip(csv_export.HEADER, csv_export.row(claim), strict=True))

    assert cells["final_verdict_value"] == "-1"
    assert cells["article_title"] == "'-t"
    assert cells["updated_at"] == "2024-01-01T12:30:00+00:00"


def test_csv_export_opens_in_excel_as_utf8(desk, seeded):
    data = export_text(desk.team, "csv").encode("utf-8")

    assert data.startswith(b"\xef\xbb\xbf")
    assert "🪖".encode() in data
    assert b"\r\n" in data


# --- ClaimReview --------------------------------------------------------------------------------


def feed(team: Team, article: Article | None = None) -> dict[str, Any]:
    return json.loads(export_text(team, "claimreview", article))


def reviews(team: Team) -> list[dict[str, Any]]:
    items = [element["item"] for element in feed(team)["dataFeedElement"]]
    assert all(len(item) == 1 for item in items)
    return [item[0] for item in items]


def test_claimreview_feed_has_only_approved_and_published_claims(desk, seeded):
    doc = feed(desk.team)

    assert doc["@context"] == "https://schema.org"
    assert doc["@type"] == "DataFeed"
    assert {element["@type"] for element in doc["dataFeedElement"]} == {"DataFeedItem"}
    assert doc["name"] == "Verification Desk Fact Check: fact checks"
    assert doc["url"] == "https://verify.example.org/"
    checked = {review["claimReviewed"] for review in reviews(desk.team)}
    assert checked == {seeded["published"].summary, seeded["approved"].summary}
    # The published claim is at its public URL; the approved one has none yet: no `url`.
    assert [review.get("url") for review in reviews(desk.team)] == [PUBLIC_URL, None]
    assert [element.get("url") for element in doc["dataFeedElement"]] == [PUBLIC_URL, None]


def review_of(team: Team, claim: Claim) -> dict[str, Any]:
    return next(r for r in reviews(team) if r["claimReviewed"] == claim.summary)


def test_claimreview_of_a_published_claim(desk, seeded):
    review = review_of(desk.team, seeded["published"])
    published_at = (
        Event.objects.filter(claim=seeded["published"], verb="claim.published").get().created_at
    )

    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == "11,000 North Korean soldiers arrived in the Kursk region."
    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 1,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "False",
    }
    assert review["itemReviewed"] == {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "President Zelensky"},
        "appearance": [
            {
                "@type": "NewsArticle",
                "url": "https://news.example.org/kursk",
                "headline": "Troops in Kursk",
                "publisher": {"@type": "Organization", "name": "Example News"},
                "author": {"@type": "Person", "name": "A. Writer"},
            }
        ],
    }
    assert review["url"] == PUBLIC_URL
    assert review["author"] == {
        "@type": "Organization",
        "name": "Verification Desk Fact Check",
        "url": "https://verify.example.org/",
        "logo": {"@type": "ImageObject", "url": "https://verify.example.org/logo.png"},
    }
    assert review["datePublished"] == published_at.isoformat()
    assert review["name"].startswith("False: 11,000")
    assert review["reviewBody"] == "The Pentagon counts 10,000."


def test_claimreview_without_a_numeric_rating_gives_only_its_label(desk, seeded):
    review = review_of(desk.team, seeded["approved"])

    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "Misleading"}
    assert review["itemReviewed"]["appearance"][0]["@type"] == "CreativeWork"


def test_claimreview_scale_bounds_come_from_the_active_ratings(desk, seeded):
    Rating.objects.filter(team=desk.team, slug="true").update(active=False)

    review = next(r for r in reviews(desk.team) if r["reviewRating"].get("ratingValue"))

    assert (review["reviewRating"]["worstRating"], review["reviewRating"]["bestRating"]) == (1, 4)


def test_claimreview_datepublished_falls_back_to_updated_at():
    claim = {
        "id": 3,
        "claimant": "The Ministry of Truth",
        "summary": "s",
        "final_verdict": {"rating": {"label": "True", "value": 5}, "rationale": ""},
    }
    article = {"id": 2, "title": "t", "url": "", "published_at": "2024-05-01"}
    review = claimreview.claim_review(
        claim,
        article=article,
        publisher={"name": "Desk", "url": "", "logo": ""},
        worst=None,
        best=None,
        date_published="2024-05-02T10:00:00+00:00",
    )

    assert review["itemReviewed"]["author"]["@type"] == "Organization"
    assert review["itemReviewed"]["datePublished"] == "2024-05-01"
    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "True"}
    assert review["datePublished"] == "2024-05-02T10:00:00+00:00"


def test_claim_review_for_one_claim_matches_the_feed(desk, seeded):
    in_feed = {review["claimReviewed"]: review for review in reviews(desk.team)}
    published = Claim.objects.get(pk=seeded["published"].pk)

    review = streams.claim_review_for(published)

    assert review == in_feed[review["claimReviewed"]]
    assert streams.claim_review_for(seeded["disputed"]) is None


@pytest.mark.parametrize(
    "claimant, kind",
    [
        ("President Zelensky", "Person"),
        ("The Pentagon", "Organization"),
        ("Ministry of Defence", "Organization"),
        ("Labour Party", "Organization"),
        ("Jéssica Albiach", "Person"),
        # A name with a role after the comma is a person, whatever institution the role names
        ("Pat Ryder, Pentagon spokesman", "Person"),
        ("Maria Zakharova, Foreign Ministry spokeswoman", "Person"),
        ("Main Intelligence Directorate (HUR), Ministry of Defence of Ukraine", "Organization"),
        ("Reuters news agency, citing two officials", "Organization"),
    ],
)
def test_claimant_author_type(claimant, kind):
    assert claimreview.author_type(claimant) == kind


# The real objects, and what Google's fact-check guidelines require or recommend of them
# (developers.google.com/search/docs/appearance/structured-data/factcheck, as Full Fact's
# markup notes tabulate it: ClaimReview claimReviewed, reviewRating, url required; author,
# datePublished, itemReviewed recommended; Claim appearance, author, datePublished,
# firstAppearance recommended; Rating alternateName required, ratingValue, bestRating,
# worstRating recommended; the author an Organization with a name and url).
EXTRACTED = SHARED_DATA / "claimreview" / "extracted"
GOOGLE_REQUIRED = ["claimReviewed", "reviewRating", "reviewRating.alternateName", "url"]
GOOGLE_RECOMMENDED = [
    "author",
    "author.name",
    "author.url",
    "datePublished",
    "itemReviewed",
    "itemReviewed.@type",
    "itemReviewed.author",
    "itemReviewed.author.@type",
    "itemReviewed.author.name",
    "itemReviewed.datePublished",
    "itemReviewed.appearance",
]
NUMERIC = ["reviewRating.ratingValue", "reviewRating.bestRating", "reviewRating.worstRating"]


def real_claimreviews() -> list[dict[str, Any]]:
    if not EXTRACTED.is_dir():
        pytest.skip(f"The real ClaimReview objects are not here: {EXTRACTED} is missing.")
    found = []
    for path in sorted(EXTRACTED.glob("*.claimreview.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for item in data if isinstance(data, list) else [data]:
            types = item.get("@type")
            if "ClaimReview" in (types if isinstance(types, list) else [types]):
                found.append(item)
    assert len(found) >= 40
    return found


def lookup(obj: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if isinstance(obj, list):
            obj = obj[0] if obj else None
        if not isinstance(obj, dict) or key not in obj:
            return KeyError
        obj = obj[key]
    return obj


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}[type(value)]


def real_types(real: list[dict[str, Any]], dotted: str) -> Counter:
    return Counter(
        json_type(v) for v in (lookup(item, dotted) for item in real) if v is not KeyError
    )


def paths(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Every property path of a JSON-LD object (a list stands for its first element)."""
    found: dict[str, Any] = {}
    if isinstance(obj, list):
        return paths(obj[0], prefix) if obj else found
    if isinstance(obj, dict):
        for key, value in obj.items():
            where = f"{prefix}.{key}" if prefix else key
            found[where] = value
            found.update(paths(value, where))
    return found


@pytest.fixture
def complete(desk, seeded) -> list[dict[str, Any]]:
    """Our ClaimReviews when the desk has filled in everything Google asks for: both
    reviewed claims published at a public URL, both articles with their original URL and date."""
    for name, day in (("kursk", 4), ("zoe", 5)):
        Article.objects.filter(pk=seeded[name].pk).update(
            url=f"https://news.example.org/{name}", published_at=f"2024-11-0{day}"
        )
    services.claim_transition(
        claim=seeded["approved"], actor=desk.editor, to=ClaimStatus.PUBLISHED
    )  # the team's pattern gives it its public URL
    ours = reviews(desk.team)
    assert len(ours) == 2
    return ours


def test_claimreview_has_what_google_requires_and_recommends(desk, seeded, complete):
    numbered = [review for review in complete if "ratingValue" in review["reviewRating"]]
    assert numbered, "a verdict with a number gives ratingValue, bestRating and worstRating"

    for review in complete:
        for dotted in GOOGLE_REQUIRED + GOOGLE_RECOMMENDED:
            assert lookup(review, dotted) not in (KeyError, None, "", []), dotted
        assert review["@context"] == "https://schema.org"
        assert review["@type"] == "ClaimReview"
        assert review["author"]["@type"] == "Organization"
        assert review["itemReviewed"]["@type"] == "Claim"
        assert review["url"].startswith("https://verify.example.org/fact-checks/")
        appearance = review["itemReviewed"]["appearance"][0]
        assert appearance["@type"] == "NewsArticle"
        assert appearance["url"].startswith("https://news.example.org/")
        assert appearance["headline"] and appearance["datePublished"].startswith("2024-11-0")
    for review in numbered:
        for dotted in NUMERIC:
            assert isinstance(lookup(review, dotted), (int, float)), dotted


def test_claimreview_has_every_property_the_real_ones_have_with_the_same_json_types(
    desk, seeded, complete
):
    real = real_claimreviews()
    for dotted in GOOGLE_REQUIRED:
        # Google requires these: the real objects all carry them.
        assert sum(real_types(real, dotted).values()) == len(real), dotted
    for dotted in GOOGLE_RECOMMENDED:
        assert real_types(real, dotted), f"some real objects give {dotted}"
    # Every property both have: ours has a JSON type the real ones use for it.
    real_paths: dict[str, Counter] = {}
    for item in real:
        for dotted, value in paths(item).items():
            real_paths.setdefault(dotted, Counter())[json_type(value)] += 1
    shared = 0
    for review in complete:
        for dotted, value in paths(review).items():
            if dotted in real_paths:
                shared += 1
                assert json_type(value) in real_paths[dotted], (dotted, real_paths[dotted])
    assert shared >= 20 * len(complete)
    # The real ratings always name the verdict; so do ours, with the label.
    assert real_types(real, "reviewRating.alternateName") == Counter(string=len(real))
    # Types as the real ones use them.
    type_values = lambda dotted: {lookup(item, dotted) for item in real} - {KeyError}  # noqa: E731
    for review in complete:
        assert review["reviewRating"]["@type"] in type_values("reviewRating.@type")
        assert review["author"]["@type"] in type_values("author.@type")
        assert review["author"]["logo"]["@type"] in type_values("author.logo.@type")
        assert review["itemReviewed"]["@type"] in type_values("itemReviewed.@type")
        assert review["itemReviewed"]["author"]["@type"] in type_values("itemReviewed.author.@type")
        assert review["@context"].removeprefix("https://") in {
            str(c).removeprefix("http://").removeprefix("https://") for c in type_values("@context")
        }
    # Every property we send at the top level is one the real objects use too.
    real_keys = {key for item in real for key in item}
    for review in complete:
        assert set(review) <= real_keys | {"inLanguage"}, set(review) - real_keys


def test_claimreview_appearance_is_shaped_like_the_real_ones(desk, seeded):
    real = [item for item in real_claimreviews() if "appearance" in item["itemReviewed"]]
    assert real, "some real objects give itemReviewed.appearance"
    for item in real:
        assert isinstance(item["itemReviewed"]["appearance"], list)
        assert all("@type" in work for work in item["itemReviewed"]["appearance"])
    for review in reviews(desk.team):
        appearance = review["itemReviewed"]["appearance"]
        assert isinstance(appearance, list) and appearance[0]["@type"] in (
            "NewsArticle",
            "CreativeWork",
        )


def test_claimreview_never_names_the_tool_itself(desk, seeded, complete, settings, client):
    """Neither the host a request came to nor FACTCHECK_BASE_URL appears anywhere in a
    ClaimReview: the export, the command's output, nor the single-claim endpoint."""
    settings.FACTCHECK_BASE_URL = "https://factcheck-tool.internal.example"
    client.force_login(desk.viewer)
    over_http = b"".join(
        client.get(
            "/api/v1/export", {"format": "claimreview", "team": desk.team.slug}
        ).streaming_content
    ).decode()
    one = client.get(f"/api/v1/claims/{seeded['published'].pk}/claimreview").content.decode()
    out = io.StringIO()
    call_command(
        "export", team=desk.team.slug, format="claimreview", stdout=out, stderr=io.StringIO()
    )
    for text in (over_http, one, out.getvalue(), json.dumps(complete)):
        assert "testserver" not in text
        assert "factcheck-tool.internal" not in text
        assert "/articles/" not in text and "127.0.0.1" not in text
    assert PUBLIC_URL in over_http and PUBLIC_URL in one


# --- W3C -------------------------------------------------------------------------------------


def w3c_runner():
    path = SHARED_DATA / "w3c" / "run_wpt_model_tests.py"
    if not path.exists():
        pytest.skip(f"The W3C conformance assertions are not here: {path} is missing.")
    spec = importlib.util.spec_from_file_location("run_wpt_model_tests", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def must_failures(runner, test: str, document: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (assertion, message)
        for assertion, status, severity, message in runner.run_test(test, document)
        if status == "FAIL" and severity not in ("may", "should")
    ]


def test_w3c_export_is_an_annotation_collection_of_every_claim(desk, seeded):
    doc = json.loads(export_text(desk.team, "w3c"))

    assert doc["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert doc["type"] == "AnnotationCollection"
    assert doc["id"] == f"{BASE}/api/v1/export?format=w3c&team=verify"
    assert doc["total"] == 7
    page = doc["first"]
    assert page["type"] == "AnnotationPage"
    assert page["partOf"]["id"] == doc["id"]
    assert doc["last"] == page["id"]
    assert len(page["items"]) == 7
    ids = {item["id"] for item in page["items"]}
    assert (
        f"{BASE}/api/v1/articles/{seeded['kursk'].pk}/annotations/{seeded['published'].pk}" in ids
    )
    assert all("@context" not in item for item in page["items"])
    published = next(i for i in page["items"] if i["id"].endswith(f"/{seeded['published'].pk}"))
    assert published["target"]["source"] == "https://news.example.org/kursk"


def test_w3c_export_passes_the_w3c_collection_page_and_annotation_musts(desk, seeded):
    runner = w3c_runner()
    doc = json.loads(export_text(desk.team, "w3c"))
    page = {"@context": doc["@context"], **doc["first"]}

    assert must_failures(runner, "collections/collectionMusts.test", doc) == []
    assert must_failures(runner, "collections/pages/pageMusts.test", page) == []
    for item in page["items"]:
        annotation = {"@context": doc["@context"], **item}
        assert must_failures(runner, "annotations/annotationMusts.test", annotation) == []


def test_w3c_export_of_an_empty_team_has_no_pages(desk):
    runner = w3c_runner()
    doc = json.loads(export_text(desk.other_team, "w3c"))

    assert doc["total"] == 0 and "first" not in doc
    assert must_failures(runner, "collections/collectionMusts.test", doc) == []


# --- query counts ------------------------------------------------------------------------------


def queries_for(team: Team, fmt: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        text = export_text(team, fmt)
    assert text
    return len(captured)


@pytest.mark.parametrize("fmt", list(streams.FORMATS))
def test_export_query_count_does_not_grow_with_claims(desk, fmt):
    article = make_article(desk.team)
    add_claims(desk, article, 10)
    with_10 = queries_for(desk.team, fmt)
    add_claims(desk, article, 90)

    assert Claim.objects.count() == 100
    assert queries_for(desk.team, fmt) == with_10


def test_export_queries_do_not_grow_with_chunks_either(desk):
    article = make_article(desk.team)
    add_claims(desk, article, 30)

    def count(chunk_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            claims = list(export_claims.iter_claims(desk.team, chunk_size=chunk_size))
            assert len(claims) == 30
            assert all(len(claim.sources) == 1 for claim in claims)
        return len(captured)

    # The ratings, then one streamed query each for claims, verdicts, sources, comments and
    # assignees, read chunk by chunk.
    assert count(100) == count(7) == 6


def test_streams_give_each_claim_its_own_relations_in_order(desk, seeded):
    claims = list(export_claims.iter_claims(desk.team, chunk_size=2))
    for claim in claims:
        model = Claim.objects.get(pk=claim.pk)
        assert [v.pk for v in claim.verdicts.all()] == list(
            model.verdicts.order_by("created_at", "id").values_list("pk", flat=True)
        )
        assert [s.url for s in claim.sources.all()] == list(
            model.sources.values_list("url", flat=True)
        )
        assert [c.pk for c in claim.comments.all()] == list(
            model.comments.values_list("pk", flat=True)
        )
        assert sorted(u.pk for u in claim.assignees.all()) == sorted(
            model.assignees.values_list("pk", flat=True)
        )
    # Text order in each article, orphans (no position) last, on every database.
    kursk = [c for c in claims if c.article_id == seeded["kursk"].pk]
    assert kursk[-1].pk == seeded["orphan"].pk
    positioned = [(c.start, c.end) for c in kursk[:-1]]
    assert positioned == sorted(positioned)


def test_stream_skips_rows_of_claims_it_was_not_given():
    # (article, start, end, claim id) first, then the row's own fields.
    rows = [
        (1, 0, 5, 10, "a"),
        (1, 3, 9, 99, "added meanwhile"),
        (1, 4, 8, 11, "b"),
        (2, None, None, 12, "c"),
    ]
    stream = export_claims._Stream(iter(rows))
    key = export_claims._key

    assert stream.take(key(1, 0, 5, 10)) == [("a",)]
    assert stream.take(key(1, 4, 8, 11)) == [("b",)]
    assert stream.take(key(1, 6, 7, 13)) == []
    assert stream.take(key(2, None, None, 12)) == [("c",)]
    assert stream.take(key(3, 0, 1, 14)) == []


# --- JSON import: the round trip ------------------------------------------------------------


def normalise(doc: dict[str, Any]) -> dict[str, Any]:
    """The export without what an import changes: ids (made positional), team, export time."""
    doc = copy.deepcopy(doc)
    for key in ("exported_at", "team", "article"):
        doc.pop(key)
    article_index = {article["id"]: index for index, article in enumerate(doc["articles"])}
    for article in doc["articles"]:
        article["id"] = article_index[article["id"]]
    for index, claim in enumerate(doc["claims"]):
        claim["id"] = index
        claim["article"]["id"] = article_index[claim["article"]["id"]]
        verdict_index = {verdict["id"]: n for n, verdict in enumerate(claim["verdicts"])}
        for verdict in claim["verdicts"]:
            verdict["id"] = verdict_index[verdict["id"]]
        if claim["final_verdict"] is not None:
            claim["final_verdict"]["id"] = verdict_index[claim["final_verdict"]["id"]]
        comment_index = {comment["id"]: n for n, comment in enumerate(claim["comments"])}
        for comment in claim["comments"]:
            comment["id"] = comment_index[comment["id"]]
            if comment["reply_to"] is not None:
                comment["reply_to"] = comment_index[comment["reply_to"]]
    return doc


def test_json_export_import_export_is_lossless(desk, seeded):
    # A retired rating and a rating with a fractional value must survive too.
    Rating.objects.filter(team=desk.team, slug="unverifiable").update(active=False)
    Rating.objects.filter(team=desk.team, slug="half-true").update(value="2.75")
    original = export_json(desk.team)
    copy_team = services.team_create(name="Copy desk", slug="copy")

    result = services.team_import_json(team=copy_team, data=json.loads(json.dumps(original)))

    assert (result.articles, result.claims, result.comments) == (2, 7, 2)
    assert result.users_created == []
    again = export_json(copy_team)
    # The team keeps its name and slug and takes the file's publishing settings.
    assert again["team"] == {"name": "Copy desk", "slug": "copy", "publishing": ORGANISATION}
    published = next(c for c in again["claims"] if c["status"] == "published")
    assert published["public_url"] == PUBLIC_URL
    assert normalise(again) == normalise(original)
    assert {a["id"] for a in again["articles"]}.isdisjoint({a["id"] for a in original["articles"]})
    # And the other formats agree, apart from ids.
    assert [r["quote"] for r in csv_rows(copy_team)] == [r["quote"] for r in csv_rows(desk.team)]
    event = Event.objects.get(team=copy_team, verb="team.imported")
    assert event.changes["claims"] == [None, 7]
    assert event.changes["site_url"] == ["", "https://verify.example.org/"]


def test_import_of_a_file_written_before_publishing_settings_still_works(desk, seeded):
    data = export_json(desk.team)
    del data["team"]["publishing"]
    for claim in data["claims"]:
        del claim["public_url"]
    copy_team = services.team_create(name="Copy desk", slug="copy")

    result = services.team_import_json(team=copy_team, data=data)

    assert result.claims == 7
    copy_team.refresh_from_db()
    assert copy_team.site_url == "" and copy_team.public_url_pattern == ""
    assert not Claim.objects.filter(article__team=copy_team).exclude(public_url="").exists()


@pytest.mark.parametrize(
    "where, value, message",
    [
        ("site_url", "ftp://example.org/", "team.publishing.site_url"),
        ("public_url_pattern", "https://example.org/{id}", "unknown placeholder {id}"),
    ],
)
def test_import_refuses_bad_publishing_settings(desk, seeded, where, value, message):
    data = export_json(desk.team)
    data["team"]["publishing"][where] = value
    copy_team = services.team_create(name="Copy desk", slug="copy")

    with pytest.raises(InvalidInput) as refused:
        services.team_import_json(team=copy_team, data=data)

    assert message in refused.value.message
    assert not Article.objects.filter(team=copy_team).exists()


def test_import_recreates_content_hashes_and_keeps_claims_anchored(desk, seeded):
    copy_team = services.team_create(name="Copy desk", slug="copy")
    services.team_import_json(team=copy_team, data=export_json(desk.team))

    for article in Article.objects.filter(team=copy_team):
        assert article.content_hash == services.content_hash(article.text)
        for claim in article.claims.exclude(anchor="orphaned"):
            assert article.text[claim.start : claim.end] == claim.exact
    # The imported team works like any other: its claims take new verdicts.
    disputed = Claim.objects.get(article__team=copy_team, exact="10.000 North Korean soldiers")
    services.membership_set(team=copy_team, user=desk.reviewer, role="reviewer")
    services.verdict_set(claim=disputed, actor=desk.reviewer, rating="false")


def test_import_creates_unknown_people_as_inactive_users_outside_the_team(desk, seeded):
    data = export_json(desk.team)
    for claim in data["claims"]:
        for verdict in claim["verdicts"]:
            if verdict["reviewer"] == "reviewer-user":
                verdict["reviewer"] = "ghost-reviewer"
    copy_team = services.team_create(name="Copy desk", slug="copy")

    result = services.team_import_json(team=copy_team, data=data)

    assert result.users_created == ["ghost-reviewer"]
    ghost = get_user_model().objects.get(username="ghost-reviewer")
    assert not ghost.is_active and not ghost.has_usable_password()
    assert not copy_team.memberships.filter(user=ghost).exists()
    ghost_verdicts = sum(
        verdict["reviewer"] == "ghost-reviewer" for c in data["claims"] for verdict in c["verdicts"]
    )
    assert ghost_verdicts == 3
    assert Verdict.objects.filter(claim__article__team=copy_team, reviewer=ghost).count() == 3


def test_import_needs_an_admin_of_the_team(desk, seeded):
    data = export_json(desk.team)
    services.membership_set(team=desk.other_team, user=desk.editor, role="editor")

    with pytest.raises(Forbidden):
        services.team_import_json(team=desk.other_team, data=data, actor=desk.editor)
    result = services.team_import_json(team=desk.other_team, data=data, actor=desk.outsider)

    assert result.claims == 7
    event = Event.objects.get(team=desk.other_team, verb="team.imported")
    assert event.actor == desk.outsider


def test_import_into_a_team_with_articles_is_refused(desk, seeded):
    with pytest.raises(Conflict) as refused:
        services.team_import_json(team=desk.team, data=export_json(desk.team))
    assert refused.value.code == "team_not_empty"


def snapshot() -> dict[str, int]:
    models = (Article, Claim, Verdict, Source, Comment, Rating, Event, get_user_model())
    return {model.__name__: model.objects.count() for model in models}


def broken(data: dict[str, Any], how: str) -> Any:
    data = copy.deepcopy(data)
    claim = next(c for c in data["claims"] if c["exact"] == "11.000 North Korean soldiers")
    if how == "not-an-object":
        return ["a", "list"]
    if how == "wrong-format":
        data["format"] = "something-else"
    elif how == "future-version":
        data["version"] = 2
    elif how == "unknown-key":
        claim["colour"] = "red"
    elif how == "wrong-type":
        claim["start"] = "12"
    elif how == "quote-not-in-text":
        claim["exact"] = "12.000 North Korean soldiers"
    elif how == "offset-past-the-end":
        claim["end"] = 10_000
    elif how == "unknown-rating":
        claim["verdicts"][0]["rating"]["slug"] = "pants-on-fire"
    elif how == "dangling-final-verdict":
        claim["final_verdict"]["id"] = 999_999
    elif how == "dangling-reply":
        claim["comments"][1]["reply_to"] = 999_999
    elif how == "missing-article":
        claim["article"]["id"] = 999_999
    elif how == "bad-date":
        claim["created_at"] = "yesterday"
    elif how == "naive-date":
        claim["created_at"] = "2024-01-01T10:00:00"
    elif how == "two-current-verdicts":
        claim["verdicts"].append({**claim["verdicts"][0], "id": 999_999})
    # The next ones pass the file checks and fail in the models, after users, ratings and
    # articles were written: the whole import must roll back.
    elif how == "javascript-source":
        data["claims"][-1]["sources"].append({**claim["sources"][0], "url": "javascript:alert(1)"})
    elif how == "unknown-status":
        data["claims"][-1]["status"] = "retracted"
    elif how == "bad-colour":
        data["ratings"][-1]["colour"] = "red"
    elif how == "bad-username":
        data["claims"][-1]["created_by"] = "no spaces allowed!"
    elif how == "overlong-claimant":
        data["claims"][-1]["claimant"] = "x" * 301
    return data


BROKEN = [
    "not-an-object",
    "wrong-format",
    "future-version",
    "unknown-key",
    "wrong-type",
    "quote-not-in-text",
    "offset-past-the-end",
    "unknown-rating",
    "dangling-final-verdict",
    "dangling-reply",
    "missing-article",
    "bad-date",
    "naive-date",
    "two-current-verdicts",
    "javascript-source",
    "unknown-status",
    "bad-colour",
    "bad-username",
    "overlong-claimant",
]


@pytest.mark.parametrize("how", BROKEN)
def test_import_of_an_invalid_file_is_refused_and_saves_nothing(desk, seeded, how):
    data = broken(export_json(desk.team), how)
    # A new user in the file, so that a late failure would have created someone.
    if isinstance(data, dict):
        data["claims"][-1]["assignees"] = ["newcomer"]
    copy_team = services.team_create(name="Copy desk", slug="copy")
    before = snapshot()

    with pytest.raises(InvalidInput) as refused:
        services.team_import_json(team=copy_team, data=data)

    assert refused.value.code == "invalid_export"
    assert snapshot() == before
    assert not get_user_model().objects.filter(username="newcomer").exists()
    assert sorted(copy_team.ratings.values_list("slug", flat=True)) == sorted(
        slug for slug, *_ in services.DEFAULT_SCALE
    )


def test_import_errors_say_where_the_problem_is(desk, seeded):
    data = export_json(desk.team)
    index = next(i for i, c in enumerate(data["claims"]) if c["exact"].startswith("11.000"))
    copy_team = services.team_create(name="Copy desk", slug="copy")

    with pytest.raises(InvalidInput) as refused:
        services.team_import_json(team=copy_team, data=broken(data, "quote-not-in-text"))
    assert f"claims[{index}].exact" in refused.value.message

    with pytest.raises(InvalidInput) as refused:
        services.team_import_json(team=copy_team, data=broken(data, "wrong-type"))
    assert f"claims[{index}].start" in refused.value.message

    with pytest.raises(InvalidInput) as refused:
        services.team_import_json(team=copy_team, data=broken(data, "javascript-source"))
    assert refused.value.message.startswith(f"claims[{len(data['claims']) - 1}].sources[")
    assert ".url: Enter a valid URL." in refused.value.message


# --- the commands ------------------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_export_command_writes_each_format_to_stdout(desk, seeded):
    for fmt in streams.FORMATS:
        out, _ = run("export", "--team", "verify", "--format", fmt)
        if fmt == "csv":
            assert out.startswith(csv_export.BOM) and "President Zelensky" in out
        elif fmt == "ndjson":
            assert len(out.splitlines()) == 7
        else:
            assert json.loads(out)


def test_export_command_writes_one_article_to_a_file(desk, seeded, tmp_path):
    target = tmp_path / "zoe.csv"
    _, err = run(
        "export",
        "--team",
        "verify",
        "--format",
        "csv",
        "--article",
        str(seeded["zoe"].pk),
        "--output",
        str(target),
    )

    data = target.read_bytes()
    assert b"\r\n" in data and b"\r\r\n" not in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 4 and {row["article_title"] for row in rows} == {"Zoë’s report"}
    assert "zoe.csv" in err


def test_export_command_refuses_unknown_team_and_article(desk, seeded):
    with pytest.raises(CommandError, match="No team"):
        run("export", "--team", "nope", "--format", "json")
    with pytest.raises(CommandError, match="No article"):
        run("export", "--team", "other", "--format", "json", "--article", str(seeded["zoe"].pk))


def test_import_export_command_round_trip(desk, seeded, tmp_path):
    target = tmp_path / "verify.json"
    run("export", "--team", "verify", "--format", "json", "--output", str(target))
    services.team_create(name="Copy desk", slug="copy")

    out, _ = run("import_export", str(target), "--team", "copy")

    assert "7 claim(s)" in out
    assert normalise(export_json(Team.objects.get(slug="copy"))) == normalise(
        json.loads(target.read_text(encoding="utf-8"))
    )


def test_import_export_command_reports_bad_files(desk, tmp_path):
    services.team_create(name="Copy desk", slug="copy")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "factcheck-export", ', encoding="utf-8")

    with pytest.raises(CommandError, match="not valid JSON"):
        run("import_export", str(bad), "--team", "copy")
    with pytest.raises(CommandError, match="Cannot read"):
        run("import_export", str(tmp_path / "missing.json"), "--team", "copy")
    bad.write_text('{"format": "factcheck-export", "version": 1}', encoding="utf-8")
    with pytest.raises(CommandError, match="not a valid export file"):
        run("import_export", str(bad), "--team", "copy")
    with pytest.raises(CommandError, match="No team"):
        run("import_export", str(bad), "--team", "nope")


def test_validate_reports_at_most_ten_problems():
    data = {
        "format": "factcheck-export",
        "version": 1,
        "exported_at": "2024-01-01T00:00:00+00:00",
        "team": {"name": "x", "slug": "x"},
        "article": None,
        "ratings": [],
        "articles": [],
        "claims": [{"id": n} for n in range(30)],
    }
    problems = ourjson.validate(data)

    assert len(problems) == ourjson.MAX_ERRORS
    assert problems[0].startswith("claims[0]")


def test_claim_chunks_hold_up_to_chunk_size_claims(desk):
    article = make_article(desk.team)
    add_claims(desk, article, 5)

    chunks = list(export_claims.iter_claim_chunks(desk.team, chunk_size=2))

    assert [len(chunk) for chunk in chunks] == [2, 2, 1]
