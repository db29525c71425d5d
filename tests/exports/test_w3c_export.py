"""W3C Web Annotation mapping (exports/formats/w3c.py): every output passes the W3C musts."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from django.test import RequestFactory

from annotations import queries, services
from annotations.exports.formats import w3c
from annotations.models import AnchorState, Article, Claim
from tests.exports.w3c_conformance import (
    ANNOTATION_MUSTS,
    COLLECTION_MUSTS,
    PAGE_MUSTS,
    RUNNER,
    W3C_DIR,
    assert_conforms,
    failures,
    requires_suite,
    selector_failures,
)
from tests.factories import make_article

BASE = "https://factcheck.example.org"

HOSTILE_TEXT = (
    "Breaking 🚨 news\n\n"
    'The minister said "the 💶 budget rose by 12 %" — '
    '</script><script>alert(1)</script> {"@context": null} \\u0000 \u202eevil\u202c\n\n'
    "Министр заявил, что 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 is fine; وزير قال ذلك. 中文引语在这里。"
)


def load(article: Article) -> list[Claim]:
    """The claims as the API and the exports load them: verdicts and sources prefetched."""
    claims = list(queries.claims_for_article(article))
    for claim in claims:
        claim.article = article
    return claims


def load_one(claim: Claim) -> Claim:
    return next(c for c in load(claim.article) if c.pk == claim.pk)


def bodies(doc: dict, purpose: str) -> list[dict]:
    return [body for body in doc["body"] if body.get("purpose") == purpose]


def with_context(doc: dict) -> dict:
    """An item embedded in a page inherits the page's @context; checked on its own it needs it."""
    return {"@context": w3c.ANNO_CONTEXT, **doc}


# --- single annotations -----------------------------------------------------------------------


@requires_suite
def test_anchored_claim_with_a_verdict_is_a_conformant_annotation(article, desk):
    claim = services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact="11.000 North Korean soldiers",
        claimant="President Zelensky",
        summary="11,000 North Korean soldiers arrived in Kursk.",
        rating="mostly-false",
        rationale="The Pentagon counts 10,000.",
        sources=[{"url": "https://www.defense.gov/News/briefing", "title": "Briefing"}],
        tags=["war", "numbers"],
    )

    doc = w3c.annotation(load_one(claim), base_url=BASE)

    assert doc["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert doc["id"] == f"{BASE}/api/v1/articles/{article.pk}/annotations/{claim.pk}"
    assert doc["type"] == "Annotation"
    assert doc["motivation"] == "assessing"
    assert doc["created"].endswith("Z") and doc["modified"].endswith("Z")
    assert doc["creator"] == {
        "id": f"{BASE}/users/{desk.reviewer.pk}",
        "type": "Person",
        "name": "reviewer-user",
        "nickname": "reviewer-user",
    }
    assert doc["generator"]["type"] == "Software" and doc["generator"]["name"] == "Factcheck"
    quote, position = doc["target"]["selector"]
    assert quote["type"] == "TextQuoteSelector" and quote["exact"] == "11.000 North Korean soldiers"
    assert article.text[position["start"] : position["end"]] == quote["exact"]
    assert quote["prefix"] == article.text[max(0, claim.start - 32) : claim.start]
    assert doc["target"]["source"] == f"{BASE}/articles/{article.pk}/"
    [verdict] = bodies(doc, "assessing")
    assert verdict["type"] == "TextualBody" and verdict["value"] == "Mostly false"
    assert verdict[w3c.SCHEMA_IDENTIFIER] == "mostly-false"
    assert verdict[w3c.SCHEMA_RATING_VALUE] == 2
    assert verdict["creator"]["id"] == f"{BASE}/users/{desk.reviewer.pk}"
    assert [b["value"] for b in bodies(doc, "commenting")] == ["The Pentagon counts 10,000."]
    assert [b["value"] for b in bodies(doc, "describing")] == [claim.summary]
    assert [b["value"] for b in bodies(doc, "identifying")] == ["President Zelensky"]
    assert [b["value"] for b in bodies(doc, "tagging")] == ["war", "numbers"]
    [source] = bodies(doc, "linking")
    assert source["type"] == "SpecificResource"
    assert source["source"] == {"id": "https://www.defense.gov/News/briefing", "label": "Briefing"}
    assert assert_conforms(ANNOTATION_MUSTS, doc) >= 50


@requires_suite
def test_the_target_is_the_article_url_when_it_has_one(desk):
    article = make_article(desk.team)
    Article.objects.filter(pk=article.pk).update(url="https://news.example/kursk?id=1&lang=en")
    article.refresh_from_db()
    claim = services.claim_create(article=article, actor=desk.reviewer, exact="The Pentagon")

    doc = w3c.annotation(load_one(claim), base_url=BASE)

    assert doc["target"]["source"] == "https://news.example/kursk?id=1&lang=en"
    assert_conforms(ANNOTATION_MUSTS, doc)


@requires_suite
def test_orphaned_claim_keeps_only_its_quote_selector(article, desk):
    claim = services.claim_create(article=article, actor=desk.reviewer, exact="The Pentagon")
    Claim.objects.filter(pk=claim.pk).update(start=None, end=None, anchor=AnchorState.ORPHANED)

    doc = w3c.annotation(load_one(claim), base_url=BASE)

    assert doc["target"]["selector"] == [
        {
            "type": "TextQuoteSelector",
            "exact": "The Pentagon",
            "prefix": claim.prefix,
            "suffix": claim.suffix,
        }
    ]
    assert_conforms(ANNOTATION_MUSTS, doc)


@requires_suite
def test_claim_without_a_verdict_is_a_highlight_with_its_description(article, desk):
    claim = services.claim_create(article=article, actor=desk.reviewer, exact="The Pentagon")

    doc = w3c.annotation(load_one(claim), base_url=BASE)

    assert doc["motivation"] == "highlighting"
    assert not bodies(doc, "assessing") and not bodies(doc, "linking")
    assert [b["value"] for b in bodies(doc, "describing")] == ["The Pentagon"]
    assert_conforms(ANNOTATION_MUSTS, doc)


@requires_suite
def test_several_verdicts_sources_and_tags_conform_and_the_final_verdict_comes_first(article, desk):
    claim = services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact="10.000 North Korean soldiers",
        rating="true",
        rationale="Matches the briefing.",
        tags=["pentagon", "kursk", "estimates"],
        sources=[
            {
                "url": "https://www.defense.gov/briefing",
                "title": "Pentagon briefing",
                "publisher": "US Department of Defense",
                "excerpt": "about 10,000 soldiers",
                "stance": "supports",
                "accessed_at": date(2024, 11, 5),
                "archived_url": "https://web.archive.org/web/2024/https://www.defense.gov/b",
            },
            {"url": "https://example.org/no-title"},
            {"url": "https://example.org/archived", "archived_url": "https://archive.ph/abc"},
        ],
    )
    services.verdict_set(claim=claim, actor=desk.editor, rating="half-true", rationale="")
    services.claim_transition(claim=claim, actor=desk.reviewer, to="in_review")
    editor_verdict = claim.verdicts.get(reviewer=desk.editor, is_current=True)
    services.claim_transition(
        claim=claim, actor=desk.editor, to="approved", final_verdict=editor_verdict
    )

    doc = w3c.annotation(load_one(claim), base_url=BASE)

    assert [b["value"] for b in bodies(doc, "assessing")] == ["Half true", "True"]
    assert [b["creator"]["nickname"] for b in bodies(doc, "assessing")] == [
        "editor-user",
        "reviewer-user",
    ]
    assert [b["value"] for b in bodies(doc, "commenting")] == ["Matches the briefing."]
    assert len(bodies(doc, "tagging")) == 3
    linked = bodies(doc, "linking")
    assert [b["source"]["id"] for b in linked] == [
        "https://www.defense.gov/briefing",
        "https://example.org/no-title",
        "https://example.org/archived",
    ]
    assert linked[0]["source"]["creator"] == {
        "type": "Organization",
        "name": "US Department of Defense",
    }
    assert linked[0]["selector"] == {"type": "TextQuoteSelector", "exact": "about 10,000 soldiers"}
    assert linked[0]["state"] == {
        "type": "TimeState",
        "sourceDate": "2024-11-05T00:00:00Z",
        "cached": "https://web.archive.org/web/2024/https://www.defense.gov/b",
    }
    assert "state" not in linked[1] and "selector" not in linked[1]
    assert linked[2]["state"]["cached"] == "https://archive.ph/abc"  # dated by when it was added
    assert doc[w3c.SCHEMA_STATUS] == "approved"
    assert doc["modified"] >= bodies(doc, "assessing")[0]["created"]  # verdicts count as changes
    assert_conforms(ANNOTATION_MUSTS, doc)


@requires_suite
def test_hostile_and_unicode_text_stays_conformant_and_offsets_count_code_points(desk):
    article = make_article(desk.team, text=HOSTILE_TEXT, title="Hostile")
    quote = 'the 💶 budget rose by 12 %" — </script>'
    claim = services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact=quote,
        claimant='Minister "X" <b>bold</b>',
        summary="𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u202eRLO\u202c and a line\nbreak",
        tags=["Ümlaut", "中文", "🚨"],
        sources=[{"url": "https://example.org/straße/ünïcode?q=a b".replace(" ", "%20")}],
    )

    doc = w3c.annotation(load_one(claim), base_url=BASE)

    quote_selector, position = doc["target"]["selector"]
    assert quote_selector["exact"] == quote
    assert HOSTILE_TEXT[position["start"] : position["end"]] == quote  # code points, not UTF-16
    assert quote_selector["prefix"] == HOSTILE_TEXT[position["start"] - 32 : position["start"]]
    [source] = bodies(doc, "linking")
    assert source["source"]["id"] == "https://example.org/stra%C3%9Fe/%C3%BCn%C3%AFcode?q=a%20b"
    assert [b["value"] for b in bodies(doc, "tagging")] == ["Ümlaut", "中文", "🚨"]
    # What leaves as JSON comes back the same.
    assert json.loads(json.dumps(doc, ensure_ascii=False)) == doc
    assert_conforms(ANNOTATION_MUSTS, doc)


@pytest.mark.django_db
def test_mapping_makes_no_queries(article, desk, django_assert_num_queries):
    services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact="The Pentagon",
        rating="false",
        sources=[{"url": "https://example.org/a"}],
    )
    claims = load(article)

    with django_assert_num_queries(0):
        w3c.annotation(claims[0], base_url=BASE)
        w3c.annotation_page(
            claims, base_url=BASE, container_iri="x:/c/", page=0, per_page=10, total=1
        )


def test_base_url_comes_from_the_request_or_the_setting(settings):
    settings.FACTCHECK_BASE_URL = "https://desk.example.org"
    settings.ALLOWED_HOSTS = ["api.example"]
    request = RequestFactory().get("/api/v1/articles/1/annotations/", HTTP_HOST="api.example:8443")

    assert w3c.site_base_url() == "https://desk.example.org"
    assert w3c.site_base_url(request) == "http://api.example:8443"


def test_the_base_url_setting_has_no_trailing_slash():
    from django.conf import settings

    assert settings.FACTCHECK_BASE_URL
    assert not settings.FACTCHECK_BASE_URL.endswith("/")


# --- pages and collections --------------------------------------------------------------------


@pytest.fixture
def five_claims(article, desk) -> list[Claim]:
    for quote in ["Troops", "President Zelensky", "11.000", "The Pentagon", "Kursk region"]:
        services.claim_create(article=article, actor=desk.reviewer, exact=quote, rating="false")
    return load(article)


@requires_suite
@pytest.mark.parametrize("embed", ["full", "iris"])
def test_every_page_is_a_conformant_annotation_page(article, five_claims, embed):
    container = w3c.container_iri(article.pk, base_url=BASE)
    pages = [
        w3c.annotation_page(
            five_claims[n * 2 : n * 2 + 2],
            base_url=BASE,
            container_iri=container,
            page=n,
            per_page=2,
            total=5,
            embed=embed,
            label="Claims",
        )
        for n in range(3)
    ]

    prefix = f"{container}?iris=1&" if embed == "iris" else f"{container}?"
    assert [page["id"] for page in pages] == [f"{prefix}page={n}" for n in range(3)]
    assert [page["startIndex"] for page in pages] == [0, 2, 4]
    assert [page.get("next") for page in pages] == [f"{prefix}page=1", f"{prefix}page=2", None]
    assert [page.get("prev") for page in pages] == [None, f"{prefix}page=0", f"{prefix}page=1"]
    assert pages[0]["partOf"] == {
        "id": container,
        "type": "AnnotationCollection",
        "label": "Claims",
        "total": 5,
        "first": f"{prefix}page=0",
        "last": f"{prefix}page=2",
    }
    assert [len(page["items"]) for page in pages] == [2, 2, 1]
    for page in pages:
        assert_conforms(PAGE_MUSTS, page)
        for item in page["items"]:
            if embed == "iris":
                assert item.startswith(f"{container}") and isinstance(item, str)
            else:
                assert "@context" not in item
                assert_conforms(ANNOTATION_MUSTS, with_context(item))


@requires_suite
def test_collection_with_its_first_page_embedded_conforms(article, five_claims):
    container = w3c.container_iri(article.pk, base_url=BASE)
    first = w3c.annotation_page(
        five_claims[:2],
        base_url=BASE,
        container_iri=container,
        page=0,
        per_page=2,
        total=5,
        context=False,
    )

    doc = w3c.collection(
        base_url=BASE,
        container_iri=container,
        label="Claims in the article",
        total=5,
        per_page=2,
        first_page=first,
        embed="full",
    )

    assert doc["@context"] == [
        "http://www.w3.org/ns/anno.jsonld",
        "http://www.w3.org/ns/ldp.jsonld",
    ]
    assert doc["type"] == ["BasicContainer", "AnnotationCollection"]
    assert doc["id"] == container and doc["total"] == 5
    assert doc["first"]["type"] == "AnnotationPage" and len(doc["first"]["items"]) == 2
    assert doc["last"] == f"{container}?page=2"
    assert_conforms(COLLECTION_MUSTS, doc)
    # The page test also takes "an Annotation Collection with an embedded Page".
    assert_conforms(PAGE_MUSTS, doc)
    assert_conforms(PAGE_MUSTS, {"@context": w3c.ANNO_CONTEXT, **doc["first"]})


@requires_suite
@pytest.mark.parametrize("total", [0, 1, 250])
def test_minimal_and_empty_collections_conform(total):
    container = "https://desk.example/api/v1/articles/7/annotations/"

    doc = w3c.collection(
        base_url=BASE,
        container_iri=container,
        label="Claims",
        total=total,
        per_page=100,
        first_page=None,
        embed="iris",
    )

    if total:
        assert doc["first"] == f"{container}?iris=1&page=0"
        assert doc["last"] == f"{container}?iris=1&page={(total - 1) // 100}"
    else:
        assert "first" not in doc and "last" not in doc
    assert_conforms(COLLECTION_MUSTS, doc)


@requires_suite
def test_an_empty_page_conforms():
    page = w3c.annotation_page(
        [], base_url=BASE, container_iri="https://d.example/c/", page=0, per_page=10, total=0
    )
    assert page["items"] == [] and "next" not in page and "prev" not in page
    assert_conforms(PAGE_MUSTS, page)


def test_paging_arguments_are_checked():
    paging = {"base_url": BASE, "container_iri": "c", "total": 1, "per_page": 1}
    with pytest.raises(ValueError, match="embed"):
        w3c.annotation_page([], page=0, embed="everything", **paging)
    with pytest.raises(ValueError, match="per_page"):
        w3c.collection(label="x", first_page=None, **{**paging, "per_page": 0})


# --- the checker can fail ---------------------------------------------------------------------


@requires_suite
def test_the_conformance_check_fails_broken_output(article, desk):
    claim = services.claim_create(article=article, actor=desk.reviewer, exact="The Pentagon")
    good = w3c.annotation(load_one(claim), base_url=BASE)
    no_target = {key: value for key, value in good.items() if key != "target"}
    wrong_context = {**good, "@context": "http://schema.org/"}
    bad_date = {**good, "created": 20240101}
    both_bodies = {**good, "bodyValue": "text"}
    bad_position = {
        **good,
        "target": {"source": "https://x.example/", "selector": {"type": "TextPositionSelector"}},
    }

    assert not failures(ANNOTATION_MUSTS, good)
    for broken in (no_target, wrong_context, bad_date, both_bodies):
        assert failures(ANNOTATION_MUSTS, broken)
        with pytest.raises(AssertionError):
            assert_conforms(ANNOTATION_MUSTS, broken)
    assert selector_failures(bad_position)
    with pytest.raises(AssertionError):
        assert_conforms(ANNOTATION_MUSTS, bad_position)
    page = w3c.annotation_page(
        [], base_url=BASE, container_iri="https://d.example/c/", page=0, per_page=1, total=0
    )
    assert failures(PAGE_MUSTS, {**page, "partOf": 42})
    assert failures(PAGE_MUSTS, {**page, "type": "Page"})
    no_first = {"@context": w3c.ANNO_CONTEXT, "id": "https://d.example/c/", "total": 3}
    assert failures(COLLECTION_MUSTS, {**no_first, "type": "AnnotationCollection"})


@requires_suite
@pytest.mark.skipif(not RUNNER.is_file(), reason="the official runner script is absent")
def test_the_official_runner_agrees(article, desk, tmp_path):
    source = {"url": "https://example.org/a", "excerpt": "x", "accessed_at": date(2024, 1, 2)}
    claim = services.claim_create(
        article=article, actor=desk.reviewer, exact="The Pentagon", rating="false", sources=[source]
    )
    good = w3c.annotation(load_one(claim), base_url=BASE)
    broken = {key: value for key, value in good.items() if key != "target"}

    results = {}
    for name, doc in (("good", good), ("broken", broken)):
        file = tmp_path / f"{name}.json"
        file.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        results[name] = subprocess.run(
            [sys.executable, str(RUNNER), str(file), ANNOTATION_MUSTS],
            cwd=W3C_DIR,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert results["good"].returncode == 0, results["good"].stdout
    assert "0 failed" in results["good"].stdout
    assert "MISSING" not in results["good"].stdout
    assert results["broken"].returncode == 1


# --- reading an annotation back ---------------------------------------------------------------


def test_an_exported_annotation_reads_back_as_the_same_claim(article, desk):
    claim = services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact="10.000 North Korean soldiers",
        claimant="The Pentagon",
        summary="There are 10,000 soldiers.",
        rating="half-true",
        rationale="Estimates vary.",
        tags=["kursk"],
        sources=[
            {
                "url": "https://example.org/a",
                "title": "A",
                "publisher": "Pub",
                "excerpt": "quote",
                "accessed_at": date(2024, 3, 1),
                "archived_url": "https://archive.ph/a",
            }
        ],
    )
    doc = w3c.annotation(load_one(claim), base_url=BASE)

    fields = w3c.claim_input_from_annotation(doc)

    assert fields == {
        "start": claim.start,
        "end": claim.end,
        "exact": "10.000 North Korean soldiers",
        "prefix": claim.prefix,
        "suffix": claim.suffix,
        "summary": "There are 10,000 soldiers.",
        "claimant": "The Pentagon",
        "tags": ["kursk"],
        "rating": "half-true",
        "rationale": "Estimates vary.",
        "sources": [
            {
                "url": "https://example.org/a",
                "title": "A",
                "publisher": "Pub",
                "excerpt": "quote",
                "accessed_at": date(2024, 3, 1),
                "archived_url": "https://archive.ph/a",
            }
        ],
    }


def test_several_verdicts_are_told_apart_by_their_creator():
    mine, theirs = "https://d.example/users/1", "https://d.example/users/2"
    doc = {
        "type": "Annotation",
        "target": {"selector": {"type": "TextQuoteSelector", "exact": "x"}},
        "body": [
            {"type": "TextualBody", "purpose": "assessing", "value": "True", "creator": theirs},
            {"type": "TextualBody", "purpose": "commenting", "value": "T", "creator": theirs},
            {"type": "TextualBody", "purpose": "assessing", "value": "F", "creator": {"id": mine}},
            {"type": "TextualBody", "purpose": "commenting", "value": "M", "creator": mine},
        ],
    }

    fields = w3c.claim_input_from_annotation(doc, creator=mine)

    assert (fields["rating"], fields["rationale"]) == ("F", "M")
    with pytest.raises(w3c.AnnotationInputError, match="at most one verdict"):
        w3c.claim_input_from_annotation(doc)


def test_a_minimal_annotation_reads_with_defaults():
    fields = w3c.claim_input_from_annotation(positioned(1, 4))
    assert fields["start"] == 1 and fields["end"] == 4 and fields["exact"] is None
    assert fields["rating"] is None and fields["sources"] == [] and fields["tags"] == []

    fields = w3c.claim_input_from_annotation(
        {
            "motivation": "describing",
            "bodyValue": "The claim",
            "target": {"selector": {"type": "TextQuoteSelector", "exact": "q"}},
        }
    )
    assert fields["summary"] == "The claim" and fields["exact"] == "q"

    # A body without a purpose takes the motivation; a bare web resource is a source.
    fields = w3c.claim_input_from_annotation(
        {
            "motivation": "tagging",
            "body": [{"type": "TextualBody", "value": "t1"}],
            "target": {"selector": {"type": "TextQuoteSelector", "exact": "q"}},
        }
    )
    assert fields["tags"] == ["t1"]
    fields = w3c.claim_input_from_annotation(
        {
            "body": {"id": "https://example.org/e", "type": "Text", "title": "E"},
            "target": {"selector": {"type": "TextQuoteSelector", "exact": "q"}},
        }
    )
    assert fields["sources"] == [{"url": "https://example.org/e", "title": "E"}]


QUOTE = {"type": "TextQuoteSelector", "exact": "q"}
TARGET = {"source": "https://x.example/", "selector": QUOTE}
LINK = {"purpose": "linking", "source": "https://e.example/"}


def with_bodies(*bodies: object) -> dict:
    return {"target": TARGET, "body": list(bodies)}


def with_selectors(*selectors: object) -> dict:
    return {"target": {"selector": list(selectors)}}


def positioned(start: object, end: object = 2) -> dict:
    return with_selectors({"type": "TextPositionSelector", "start": start, "end": end})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "JSON object"),
        ("annotation", "JSON object"),
        (None, "JSON object"),
        ({"type": "Annotation"}, "no target"),
        ({"type": "Page", "target": TARGET}, "type must be Annotation"),
        ({"target": "https://x.example/"}, "needs a selector"),
        ({"target": [TARGET, TARGET]}, "exactly one target"),
        ({"target": 5}, "target must be an object"),
        ({"target": {"source": "x"}}, "needs a selector"),
        ({"target": {"selector": []}}, "selector object or a list"),
        (with_selectors("x"), "must be an object"),
        (with_selectors({"type": "CssSelector", "value": "p"}), "not supported"),
        (with_selectors({"type": "TextQuoteSelector"}), "exact must be a string"),
        (with_selectors({"type": "TextQuoteSelector", "exact": " "}), "empty"),
        (with_selectors({**QUOTE, "prefix": 3}), "prefix must be a string"),
        (with_selectors(QUOTE, QUOTE), "at most one TextQuoteSelector"),
        (with_selectors({**QUOTE, "refinedBy": QUOTE}), "refinedBy"),
        (positioned("1"), "start must be a whole number"),
        (positioned(True), "start must be a whole number"),
        (positioned(1.5), "whole number"),
        (positioned(-1), "negative"),
        (positioned(1, None), "end must be a whole number"),
        ({"target": TARGET, "body": "https://x.example/b"}, "must be an object"),
        ({"target": TARGET, "body": 3}, "body must be an object or a list"),
        (with_bodies({"value": 3, "purpose": "tagging"}), "value must be a string"),
        (with_bodies({"type": "TextualBody", "value": "x"}), "exactly one purpose"),
        (with_bodies({"value": "x", "purpose": "bookmarking"}), "exactly one"),
        (with_bodies({"value": "x", "purpose": "tagging", "format": "text/html"}), "text/plain"),
        (
            with_bodies(
                {"purpose": "describing", "value": "a"}, {"purpose": "describing", "value": "b"}
            ),
            "only one summary",
        ),
        (with_bodies({"type": "Choice", "items": []}), "not supported"),
        (
            with_bodies({"type": "TextualBody", "purpose": "tagging"}),
            "neither a value nor a source",
        ),
        (with_bodies({**LINK, "purpose": "tagging"}), "linking"),
        (with_bodies({**LINK, "source": 5}), "IRI or an object"),
        (with_bodies({**LINK, "source": {"label": "x"}}), "source.id must be a string"),
        (with_bodies({**LINK, "selector": {"type": "CssSelector"}}), "excerpt"),
        (with_bodies({**LINK, "state": {"type": "HttpRequestState"}}), "TimeState"),
        (
            with_bodies({**LINK, "state": {"type": "TimeState", "sourceDate": "now"}}),
            "xsd:dateTime",
        ),
        ({"target": TARGET, "body": [], "bodyValue": "x"}, "not both"),
        ({"target": TARGET, "bodyValue": ["x"]}, "bodyValue must be a string"),
        (with_bodies({"purpose": "identifying", "value": "a\x00b"}), "NUL"),
        (with_bodies({"purpose": 5, "value": "a"}), "purpose must be a string"),
    ],
)
def test_malformed_annotations_are_refused_with_a_clear_message(data, message):
    with pytest.raises(ValueError, match=message) as raised:
        w3c.claim_input_from_annotation(data)
    assert isinstance(raised.value, w3c.AnnotationInputError)
    assert raised.value.message
