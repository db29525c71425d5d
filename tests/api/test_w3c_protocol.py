"""The W3C Web Annotation Protocol container per article (annotations/api/w3c.py)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from annotations import services
from annotations.errors import Conflict, Forbidden, InvalidInput
from annotations.exports.formats import w3c
from annotations.models import AnchorState, Article, Claim, Event, Source, Stance, Verdict
from tests.exports.w3c_conformance import (
    ANNOTATION_MUSTS,
    COLLECTION_MUSTS,
    PAGE_MUSTS,
    assert_conforms,
    requires_suite,
)
from tests.factories import SAMPLE_TEXT, make_article

LD_JSON = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
PREFER = 'return=representation;include="{}"'
MINIMAL = "http://www.w3.org/ns/ldp#PreferMinimalContainer"
IRIS = "http://www.w3.org/ns/oa#PreferContainedIRIs"
DESCRIPTIONS = "http://www.w3.org/ns/oa#PreferContainedDescriptions"
BASE = "http://testserver"


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def container_url(article: Article) -> str:
    return f"/api/v1/articles/{article.pk}/annotations/"


def annotation_url(claim: Claim) -> str:
    return f"/api/v1/articles/{claim.article_id}/annotations/{claim.pk}"


def body(response) -> dict:
    return json.loads(response.content)


def post(client: APIClient, article: Article, data, content_type: str = LD_JSON, **headers):
    payload = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.post(container_url(article), payload, content_type=content_type, **headers)


def put(client: APIClient, claim: Claim, data, content_type: str = LD_JSON, **headers):
    payload = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.put(annotation_url(claim), payload, content_type=content_type, **headers)


def new_annotation(*selectors: dict, bodies: list | None = None) -> dict:
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "motivation": "assessing",
        "body": bodies or [],
        "target": {"source": "https://news.example/kursk", "selector": list(selectors)},
    }


def quote(exact: str, prefix: str = "", suffix: str = "") -> dict:
    selector = {"type": "TextQuoteSelector", "exact": exact}
    if prefix:
        selector["prefix"] = prefix
    if suffix:
        selector["suffix"] = suffix
    return selector


def position(start: int, end: int) -> dict:
    return {"type": "TextPositionSelector", "start": start, "end": end}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    data = body(response)
    assert set(data) >= {"detail", "code"} and data["detail"]
    if code is not None:
        assert data["code"] == code, data
    return data


def make_claims(article: Article, user, quotes: list[str]) -> list[Claim]:
    return [services.claim_create(article=article, actor=user, exact=q) for q in quotes]


FIVE = ["Troops", "President Zelensky", "11.000", "The Pentagon", "Kursk region"]


# --- the container --------------------------------------------------------------------------


@requires_suite
def test_container_get_has_the_protocol_headers_and_conforms(article, desk):
    make_claims(article, desk.reviewer, FIVE[:2])

    response = client_for(desk.viewer).get(container_url(article))

    assert response.status_code == 200
    assert response["Content-Type"] == LD_JSON
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"
    vary = {v.strip() for v in response["Vary"].split(",")}
    assert {"Accept", "Prefer"} <= vary
    assert '<http://www.w3.org/ns/ldp#BasicContainer>; rel="type"' in response["Link"]
    assert (
        '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"'
        in response["Link"]
    )
    assert response["Accept-Post"].startswith(LD_JSON)
    assert response["Content-Location"] == f"{BASE}{container_url(article)}?iris=0"
    data = body(response)
    assert data["id"] == f"{BASE}{container_url(article)}"
    assert data["type"] == ["BasicContainer", "AnnotationCollection"]
    assert data["total"] == 2 and data["modified"].endswith("Z")
    assert data["label"] == f"Claims in “{article.title}”"
    assert_conforms(COLLECTION_MUSTS, data)
    first = data["first"]
    assert_conforms(PAGE_MUSTS, {"@context": w3c.ANNO_CONTEXT, **first})
    assert [item["target"]["selector"][0]["exact"] for item in first["items"]] == FIVE[:2]
    for item in first["items"]:
        assert_conforms(ANNOTATION_MUSTS, {"@context": w3c.ANNO_CONTEXT, **item})


def test_head_and_options_on_the_container(article, desk):
    client = client_for(desk.viewer)
    get = client.get(container_url(article))

    head = client.head(container_url(article))
    options = client.options(container_url(article))

    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == get["ETag"] and head["Link"] == get["Link"]
    assert options.status_code == 200
    assert options["Allow"] == "GET, POST, HEAD, OPTIONS"
    assert options["Accept-Post"].startswith(LD_JSON)
    assert "ldp#BasicContainer" in options["Link"]


def test_an_empty_container_has_no_pages_but_page_zero_exists(article, desk):
    client = client_for(desk.viewer)

    data = body(client.get(container_url(article)))
    page = client.get(container_url(article), {"page": 0})

    assert data["total"] == 0 and "first" not in data and "last" not in data
    assert page.status_code == 200 and body(page)["items"] == []


@requires_suite
def test_paging_walks_every_claim_once_in_text_order(article, desk, settings):
    settings.FACTCHECK_W3C_PAGE_SIZE = 2
    claims = make_claims(article, desk.reviewer, FIVE)
    Claim.objects.filter(pk=claims[0].pk).update(
        start=None, end=None, anchor=AnchorState.ORPHANED
    )  # orphans come last, on SQLite and PostgreSQL alike
    client = client_for(desk.viewer)

    collection = body(client.get(container_url(article)))
    assert collection["last"] == f"{BASE}{container_url(article)}?page=2"
    pages = [collection["first"]]
    while "next" in pages[-1]:
        response = client.get(pages[-1]["next"])
        assert response.status_code == 200
        assert response["Content-Location"] == pages[-1]["next"]
        pages.append(body(response))
        assert_conforms(PAGE_MUSTS, pages[-1])

    assert [p["startIndex"] for p in pages] == [0, 2, 4]
    assert [p["partOf"]["total"] for p in pages] == [5, 5, 5]
    exacts = [item["target"]["selector"][0]["exact"] for p in pages for item in p["items"]]
    assert exacts == FIVE[1:] + FIVE[:1]
    assert body(client.get(pages[-1]["prev"]))["id"] == pages[1]["id"]
    assert_error(client.get(container_url(article), {"page": 3}), 404)
    for bad in ("-1", "x", "1.5", "9" * 40):
        assert_error(client.get(container_url(article), {"page": bad}), 400)


@pytest.mark.parametrize(
    ("prefer", "query", "expect"),
    [
        (None, {}, "descriptions"),
        (PREFER.format(DESCRIPTIONS), {}, "descriptions"),
        (PREFER.format(IRIS), {}, "iris"),
        (PREFER.format(MINIMAL), {}, "minimal"),
        (PREFER.format(f"{MINIMAL} {IRIS}"), {}, "minimal-iris"),
        (f'return=representation; include="{IRIS}"', {}, "iris"),
        (None, {"iris": "1"}, "iris"),
        (PREFER.format(IRIS), {"iris": "0"}, "descriptions"),
        ("respond-async, wait=10", {}, "descriptions"),
    ],
)
def test_prefer_chooses_what_the_container_embeds(article, desk, prefer, query, expect):
    claims = make_claims(article, desk.reviewer, FIVE[:2])
    headers = {"HTTP_PREFER": prefer} if prefer else {}

    response = client_for(desk.viewer).get(container_url(article), query, **headers)

    assert response.status_code == 200
    data = body(response)
    container = f"{BASE}{container_url(article)}"
    iris = [f"{BASE}{annotation_url(c)}" for c in claims]
    if expect == "descriptions":
        assert [item["id"] for item in data["first"]["items"]] == iris
        assert response["Content-Location"] == f"{container}?iris=0"
    elif expect == "iris":
        assert data["first"]["items"] == iris
        assert data["first"]["id"] == f"{container}?iris=1&page=0"
        assert response["Content-Location"] == f"{container}?iris=1"
    elif expect == "minimal":
        assert data["first"] == f"{container}?page=0"
    else:
        assert data["first"] == f"{container}?iris=1&page=0"
    if prefer and prefer.startswith("return=representation"):
        assert response["Preference-Applied"] == "return=representation"
    else:
        assert "Preference-Applied" not in response


def test_a_page_of_iris_lists_annotation_iris(article, desk):
    claims = make_claims(article, desk.reviewer, FIVE[:3])

    data = body(client_for(desk.viewer).get(container_url(article), {"iris": 1, "page": 0}))

    assert data["items"] == [f"{BASE}{annotation_url(c)}" for c in claims]
    assert_error(client_for(desk.viewer).get(container_url(article), {"iris": "yes"}), 400)


def test_container_etag_changes_with_a_claim_and_if_none_match_gives_304(article, desk):
    [claim] = make_claims(article, desk.reviewer, ["The Pentagon"])
    client = client_for(desk.viewer)
    etag = client.get(container_url(article))["ETag"]

    assert client.get(container_url(article), HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.claim_update(claim=claim, actor=desk.reviewer, claimant="Someone")
    changed = client.get(container_url(article), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_container_queries_do_not_grow_with_claims(desk):
    few, many = make_article(desk.team), make_article(desk.team, text=SAMPLE_TEXT + " more")
    words = SAMPLE_TEXT.split()
    for target, count in ((few, 3), (many, 30)):
        for index in range(count):
            start = SAMPLE_TEXT.index(words[index % len(words)])
            claim = services.claim_create(
                article=target,
                actor=desk.reviewer,
                start=start,
                end=start + 3,
                rating="false",
                rationale="r",
                tags=["t"],
                sources=[{"url": f"https://example.org/{index}"}],
            )
            services.verdict_set(claim=claim, actor=desk.editor, rating="true")
    client = client_for(desk.viewer)

    counts = []
    for target in (few, many):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(container_url(target))
        assert response.status_code == 200
        counts.append(len(queries))

    assert body(client.get(container_url(many)))["total"] == 30
    assert counts[0] == counts[1], counts


# --- content negotiation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "",
        "*/*",
        "application/json",
        "application/ld+json",
        LD_JSON,
        'application/ld+json;profile="http://www.w3.org/ns/anno.jsonld"',
        "text/turtle;q=0.9, application/ld+json;q=0.5",
        "application/*",
    ],
)
def test_json_ld_is_served_to_anyone_who_accepts_json(article, desk, accept):
    [claim] = make_claims(article, desk.reviewer, ["The Pentagon"])
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    client = client_for(desk.viewer)

    for url in (container_url(article), annotation_url(claim)):
        response = client.get(url, **headers)
        assert response.status_code == 200
        assert response["Content-Type"] == LD_JSON


@pytest.mark.parametrize(
    "accept",
    [
        "text/turtle",
        "text/html",
        "application/ld+json;q=0, text/turtle",
        'application/ld+json; profile="http://www.w3.org/ns/activitystreams"',
    ],
)
def test_other_media_types_are_not_acceptable(article, desk, accept):
    [claim] = make_claims(article, desk.reviewer, ["The Pentagon"])
    client = client_for(desk.reviewer)

    for url in (container_url(article), annotation_url(claim)):
        assert_error(client.get(url, HTTP_ACCEPT=accept), 406, "not_acceptable")
    response = post(client, article, new_annotation(quote("Troops")), HTTP_ACCEPT=accept)
    assert_error(response, 406)
    assert not Claim.objects.filter(exact="Troops").exists()


@pytest.mark.parametrize("content_type", ["text/turtle", "text/plain", "application/xml"])
def test_bodies_in_other_media_types_are_unsupported(article, desk, content_type):
    [claim] = make_claims(article, desk.reviewer, ["The Pentagon"])
    client = client_for(desk.reviewer)
    payload = json.dumps(new_annotation(quote("Troops")))

    assert_error(post(client, article, payload, content_type=content_type), 415)
    assert_error(put(client, claim, payload, content_type=content_type), 415)


# --- creating -------------------------------------------------------------------------------

ZELENSKY = SAMPLE_TEXT.index("President Zelensky")
PENTAGON = SAMPLE_TEXT.index("The Pentagon")


@pytest.mark.parametrize(
    ("selectors", "expected_start"),
    [
        ([quote("President Zelensky")], ZELENSKY),
        ([position(ZELENSKY, ZELENSKY + 18)], ZELENSKY),
        ([quote("President Zelensky"), position(ZELENSKY, ZELENSKY + 18)], ZELENSKY),
        # Offsets that select something else: the server finds the quote.
        ([quote("The Pentagon"), position(0, 12)], PENTAGON),
        # A repeated quote, told apart by its context.
        (
            [quote("North Korean soldiers", prefix="there are 10.000 ")],
            SAMPLE_TEXT.rindex("North Korean soldiers"),
        ),
    ],
)
def test_post_creates_a_claim_from_its_selectors(article, desk, selectors, expected_start):
    response = post(client_for(desk.reviewer), article, new_annotation(*selectors))

    assert response.status_code == 201, response.content
    claim = Claim.objects.get()
    assert claim.start == expected_start
    assert SAMPLE_TEXT[claim.start : claim.end] == claim.exact
    assert claim.created_by == desk.reviewer
    data = body(response)
    assert response["Location"] == data["id"] == f"{BASE}{annotation_url(claim)}"
    assert response["Content-Location"] == response["Location"]
    assert response["Content-Type"] == LD_JSON
    assert response["ETag"] == f'"claim-{claim.pk}-v{claim.version}"'
    assert response["Link"] == '<http://www.w3.org/ns/ldp#Resource>; rel="type"'


@requires_suite
def test_a_posted_annotation_reads_back_conformant_with_everything_it_said(article, desk):
    annotation = new_annotation(
        quote("11.000 North Korean soldiers"),
        bodies=[
            {"type": "TextualBody", "purpose": "assessing", "value": "Mostly false"},
            {"type": "TextualBody", "purpose": "commenting", "value": "Pentagon: 10,000."},
            {"type": "TextualBody", "purpose": "describing", "value": "11,000 soldiers came."},
            {"type": "TextualBody", "purpose": "identifying", "value": "Zelensky"},
            {"type": "TextualBody", "purpose": "tagging", "value": "kursk"},
            {
                "type": "SpecificResource",
                "purpose": "linking",
                "source": {"id": "https://www.defense.gov/b", "label": "Briefing"},
                "selector": {"type": "TextQuoteSelector", "exact": "about 10,000"},
                "state": {"type": "TimeState", "sourceDate": "2024-11-05T00:00:00Z"},
            },
        ],
    )
    client = client_for(desk.reviewer)

    created = post(client, article, annotation, content_type="application/json")
    assert created.status_code == 201, created.content
    response = client.get(created["Location"])

    assert response.status_code == 200
    assert body(response) == body(created)
    data = body(response)
    assert_conforms(ANNOTATION_MUSTS, data)
    claim = Claim.objects.get()
    assert (claim.summary, claim.claimant, claim.tags) == (
        "11,000 soldiers came.",
        "Zelensky",
        ["kursk"],
    )
    verdict = Verdict.objects.get(claim=claim)
    assert (verdict.rating.slug, verdict.rationale) == ("mostly-false", "Pentagon: 10,000.")
    source = Source.objects.get(claim=claim)
    assert (source.url, source.title, source.excerpt, source.accessed_at) == (
        "https://www.defense.gov/b",
        "Briefing",
        "about 10,000",
        date(2024, 11, 5),
    )


def test_post_takes_a_rating_slug_too(article, desk):
    annotation = new_annotation(
        quote("The Pentagon"),
        bodies=[{"type": "TextualBody", "purpose": "assessing", "value": "half-true"}],
    )
    assert post(client_for(desk.reviewer), article, annotation).status_code == 201
    assert Verdict.objects.get().rating.slug == "half-true"


@pytest.mark.parametrize(
    ("payload", "content_type", "code"),
    [
        ("{not json", LD_JSON, "parse_error"),
        ("", LD_JSON, "invalid_annotation"),
        ("[]", LD_JSON, "invalid_annotation"),
        ('"an annotation"', "application/json", "invalid_annotation"),
        ("null", LD_JSON, "invalid_annotation"),
        (json.dumps({"type": "Annotation", "body": []}), LD_JSON, "invalid_annotation"),
        (json.dumps(new_annotation(position(0, 10_000))), LD_JSON, "invalid_selector"),
        (json.dumps(new_annotation(position(5, 5))), LD_JSON, "invalid_selector"),
        (json.dumps(new_annotation(quote("not in the text"))), LD_JSON, "quote_not_found"),
        (json.dumps(new_annotation(quote("North Korean soldiers"))), LD_JSON, "ambiguous_quote"),
        (
            json.dumps(new_annotation(quote("nowhere"), position(0, 10_000))),
            LD_JSON,
            "selector_mismatch",
        ),
        (
            json.dumps(
                new_annotation(
                    quote("The Pentagon"),
                    bodies=[{"type": "TextualBody", "purpose": "assessing", "value": "Bogus"}],
                )
            ),
            LD_JSON,
            "unknown_rating",
        ),
        (
            json.dumps(
                new_annotation(
                    quote("The Pentagon"),
                    bodies=[{"purpose": "linking", "source": "javascript:alert(1)"}],
                )
            ),
            LD_JSON,
            "invalid_url",
        ),
        (
            json.dumps(
                new_annotation(
                    quote("The Pentagon"),
                    bodies=[{"type": "TextualBody", "purpose": "commenting", "value": "why"}],
                )
            ),
            LD_JSON,
            "invalid",
        ),
        (
            json.dumps(new_annotation({"type": "XPathSelector", "value": "/p[1]"})),
            LD_JSON,
            "invalid_annotation",
        ),
        (
            json.dumps(new_annotation(quote("The Pentagon"), bodies=[{"purpose": "tagging"}])),
            LD_JSON,
            "invalid_annotation",
        ),
        (
            json.dumps(
                new_annotation(
                    quote("The Pentagon"),
                    bodies=[{"purpose": "identifying", "value": "x" * 400}],
                )
            ),
            LD_JSON,
            "invalid",
        ),
    ],
)
def test_invalid_posts_are_400_and_save_nothing(article, desk, payload, content_type, code):
    response = post(client_for(desk.reviewer), article, payload, content_type=content_type)

    assert_error(response, 400, code)
    assert not Claim.objects.exists()


# --- single annotations ---------------------------------------------------------------------


@requires_suite
def test_annotation_get_has_the_protocol_headers(article, desk):
    [claim] = make_claims(article, desk.reviewer, ["The Pentagon"])

    response = client_for(desk.viewer).get(annotation_url(claim))

    assert response.status_code == 200
    assert response["Content-Type"] == LD_JSON
    assert response["ETag"] == f'"claim-{claim.pk}-v{claim.version}"'
    assert response["Allow"] == "GET, PUT, DELETE, HEAD, OPTIONS"
    assert "Accept" in response["Vary"]
    assert response["Link"] == '<http://www.w3.org/ns/ldp#Resource>; rel="type"'
    assert response["Content-Location"] == f"{BASE}{annotation_url(claim)}"
    assert_conforms(ANNOTATION_MUSTS, body(response))


def test_annotation_head_options_and_if_none_match(article, desk):
    [claim] = make_claims(article, desk.reviewer, ["The Pentagon"])
    client = client_for(desk.viewer)
    etag = client.get(annotation_url(claim))["ETag"]

    head = client.head(annotation_url(claim))
    options = client.options(annotation_url(claim))

    assert head.status_code == 200 and head.content == b"" and head["ETag"] == etag
    assert options.status_code == 200 and options["Allow"] == "GET, PUT, DELETE, HEAD, OPTIONS"
    assert "ldp#Resource" in options["Link"]
    assert client.get(annotation_url(claim), HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_etag_changes_on_every_write(article, desk):
    [claim] = make_claims(article, desk.reviewer, ["The Pentagon"])
    client = client_for(desk.viewer)
    seen = {client.get(annotation_url(claim))["ETag"]}
    writes = [
        lambda: services.claim_update(claim=claim, actor=desk.reviewer, summary="New wording"),
        lambda: services.verdict_set(claim=claim, actor=desk.editor, rating="true"),
        lambda: services.source_add(claim=claim, actor=desk.editor, url="https://example.org/"),
        lambda: services.claim_transition(claim=claim, actor=desk.reviewer, to="in_review"),
    ]

    for write in writes:
        write()
        seen.add(client.get(annotation_url(claim))["ETag"])

    assert len(seen) == len(writes) + 1


def test_put_replaces_the_claim_and_honours_if_match(article, desk):
    [claim] = make_claims(article, desk.reviewer, ["The Pentagon"])
    client = client_for(desk.reviewer)
    read = client.get(annotation_url(claim))
    data = body(read)
    data["body"] = [
        {"type": "TextualBody", "purpose": "describing", "value": "10,000 soldiers."},
        {"type": "TextualBody", "purpose": "identifying", "value": "The Pentagon"},
        {"type": "TextualBody", "purpose": "assessing", "value": "True"},
        {"type": "TextualBody", "purpose": "tagging", "value": "estimates"},
        {"type": "SpecificResource", "purpose": "linking", "source": "https://example.org/b"},
    ]

    response = put(client, claim, data, HTTP_IF_MATCH=read["ETag"])

    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert (claim.summary, claim.claimant, claim.tags) == (
        "10,000 soldiers.",
        "The Pentagon",
        ["estimates"],
    )
    assert claim.verdicts.get(is_current=True).rating.slug == "true"
    assert list(claim.sources.values_list("url", flat=True)) == ["https://example.org/b"]
    assert response["ETag"] == f'"claim-{claim.pk}-v{claim.version}"' != read["ETag"]
    assert body(response)["id"] == data["id"]

    stale = put(client, claim, data, HTTP_IF_MATCH=read["ETag"])
    assert_error(stale, 412, "precondition_failed")
    assert put(client, claim, data, HTTP_IF_MATCH="*").status_code == 200
    # The claims API's (weak) tag for the same version is as good.
    claim.refresh_from_db()
    api_tag = f'W/"claim-{claim.pk}-v{claim.version}"'
    assert put(client, claim, data, HTTP_IF_MATCH=f'"other", {api_tag}').status_code == 200
    assert_error(put(client, claim, data, HTTP_IF_MATCH="not a tag"), 412)
    assert put(client, claim, data).status_code == 200  # If-Match is honoured, not required


def test_put_moves_the_quote_and_refuses_bad_input(article, desk):
    [claim] = make_claims(article, desk.reviewer, ["The Pentagon"])
    client = client_for(desk.reviewer)
    data = body(client.get(annotation_url(claim)))

    moved = put(client, claim, {**data, "target": {"selector": [quote("President Zelensky")]}})
    assert moved.status_code == 200, moved.content
    claim.refresh_from_db()
    assert (claim.start, claim.exact) == (ZELENSKY, "President Zelensky")

    for bad, code in [
        ({**data, "target": {"selector": [position(0, 99_999)]}}, "invalid_selector"),
        ({k: v for k, v in data.items() if k != "target"}, "invalid_annotation"),
        ([data], "invalid_annotation"),
        (
            {**data, "id": f"{BASE}/api/v1/articles/{article.pk}/annotations/999"},
            "invalid_annotation",
        ),
    ]:
        assert_error(put(client, claim, bad), 400, code)
    assert_error(put(client, claim, "{oops"), 400, "parse_error")


def test_putting_back_what_was_read_changes_nothing(article, desk):
    claim = services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact="The Pentagon",
        rating="false",
        rationale="Because.",
        tags=["a"],
        sources=[
            {
                "url": "https://example.org/s",
                "stance": Stance.REFUTES,
                "archived_url": "https://archive.ph/s",
                "publisher": "P",
                "excerpt": "E",
            }
        ],
    )
    services.verdict_set(claim=claim, actor=desk.editor, rating="true", rationale="No.")
    Claim.objects.filter(pk=claim.pk).update(start=None, end=None, anchor=AnchorState.ORPHANED)
    client = client_for(desk.reviewer)
    read = client.get(annotation_url(claim))
    events = Event.objects.count()

    response = put(client, claim, body(read), HTTP_IF_MATCH=read["ETag"])

    assert response.status_code == 200, response.content
    assert response["ETag"] == read["ETag"]
    assert Event.objects.count() == events
    claim.refresh_from_db()
    assert claim.anchor == AnchorState.ORPHANED and claim.start is None
    assert Source.objects.get(claim=claim).stance == Stance.REFUTES
    assert Verdict.objects.filter(claim=claim, is_current=True).count() == 2


def test_delete_honours_if_match(article, desk):
    [claim] = make_claims(article, desk.reviewer, ["The Pentagon"])
    client = client_for(desk.editor)
    etag = client.get(annotation_url(claim))["ETag"]
    services.claim_update(claim=claim, actor=desk.reviewer, claimant="Changed")

    assert_error(client.delete(annotation_url(claim), HTTP_IF_MATCH=etag), 412)
    assert Claim.objects.filter(pk=claim.pk).exists()

    fresh = client.get(annotation_url(claim))["ETag"]
    response = client.delete(annotation_url(claim), HTTP_IF_MATCH=fresh)
    assert response.status_code == 204 and response.content == b""
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert Event.objects.filter(verb="claim.deleted", claim_id=claim.pk).exists()
    assert_error(client.get(annotation_url(claim)), 404)


# --- who may do what ------------------------------------------------------------------------


def test_outsiders_get_404_everywhere(article, desk):
    [claim] = make_claims(article, desk.reviewer, ["The Pentagon"])
    client = client_for(desk.outsider)
    annotation = new_annotation(quote("Troops"))

    assert_error(client.get(container_url(article)), 404, "not_found")
    assert_error(client.get(container_url(article), {"page": 0}), 404)
    assert_error(client.options(container_url(article)), 404)
    assert_error(post(client, article, annotation), 404)
    assert_error(client.get(annotation_url(claim)), 404)
    assert_error(client.options(annotation_url(claim)), 404)
    assert_error(put(client, claim, annotation), 404)
    assert_error(client.delete(annotation_url(claim)), 404)
    assert Claim.objects.count() == 1


def test_a_claim_is_found_only_under_its_own_article(article, desk):
    other = make_article(desk.team, text="Another text about The Pentagon.")
    [claim] = make_claims(article, desk.reviewer, ["The Pentagon"])

    response = client_for(desk.viewer).get(f"/api/v1/articles/{other.pk}/annotations/{claim.pk}")

    assert_error(response, 404)


def test_viewers_read_but_may_not_write(article, desk):
    [claim] = make_claims(article, desk.reviewer, ["The Pentagon"])
    client = client_for(desk.viewer)
    data = body(client.get(annotation_url(claim)))

    assert_error(post(client, article, new_annotation(quote("Troops"))), 403, "permission_denied")
    assert_error(post(client, article, "not even json"), 403)
    assert_error(put(client, claim, data), 403)
    assert_error(client.delete(annotation_url(claim)), 403)
    assert Claim.objects.count() == 1


def test_reviewers_change_only_their_own_claims(article, desk):
    claim = services.claim_create(article=article, actor=desk.editor, exact="The Pentagon")
    client = client_for(desk.reviewer)
    data = body(client.get(annotation_url(claim)))

    assert_error(put(client, claim, data), 403)
    assert_error(client.delete(annotation_url(claim)), 403)
    assert put(client_for(desk.editor), claim, data).status_code == 200


def test_anonymous_requests_are_401(article, desk):
    [claim] = make_claims(article, desk.reviewer, ["The Pentagon"])
    client = client_for(None)

    assert_error(client.get(container_url(article)), 401)
    assert_error(client.get(annotation_url(claim)), 401)
    assert_error(post(client, article, new_annotation(quote("Troops"))), 401)


def test_api_tokens_work(article, desk):
    _, raw = services.token_create(actor=desk.reviewer, name="annotator")
    client = APIClient()

    response = post(
        client, article, new_annotation(quote("Troops")), HTTP_AUTHORIZATION=f"Token {raw}"
    )

    assert response.status_code == 201, response.content


# --- the replacement service ----------------------------------------------------------------


def test_claim_replace_records_each_change_and_keeps_a_changed_sources_stance(article, desk):
    claim = services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact="The Pentagon",
        sources=[{"url": "https://example.org/s", "stance": Stance.SUPPORTS, "title": "Old"}],
    )
    before = Event.objects.filter(claim=claim).count()

    services.claim_replace(
        claim=claim,
        actor=desk.reviewer,
        expected_version=claim.version,
        exact="President Zelensky",
        claimant="Someone",
        rating="false",
        sources=[{"url": "https://example.org/s", "title": "New"}],
    )

    verbs = list(
        Event.objects.filter(claim=claim).order_by("id").values_list("verb", flat=True)[before:]
    )
    assert verbs == ["claim.updated", "verdict.set", "source.removed", "source.added"]
    source = Source.objects.get(claim=claim)
    assert (source.title, source.stance) == ("New", Stance.SUPPORTS)
    claim.refresh_from_db()
    assert claim.summary == "President Zelensky"  # no summary: the quote, as on creation


def test_claim_replace_checks_role_version_and_input(article, desk):
    claim = services.claim_create(article=article, actor=desk.reviewer, exact="The Pentagon")

    with pytest.raises(Forbidden):
        services.claim_replace(claim=claim, actor=desk.viewer)
    with pytest.raises(InvalidInput, match="rationale needs a verdict"):
        services.claim_replace(claim=claim, actor=desk.reviewer, rationale="why")
    with pytest.raises(InvalidInput, match="Unknown source field"):
        services.claim_replace(claim=claim, actor=desk.reviewer, sources=[{"url": "x", "bad": 1}])
    with pytest.raises(Conflict):
        services.claim_replace(claim=claim, actor=desk.reviewer, expected_version=claim.version + 1)
    claim.refresh_from_db()
    assert claim.version == 1


def test_an_invalid_annotation_names_the_field_at_fault(article, desk):
    annotation = new_annotation({"type": "TextPositionSelector", "start": "0", "end": 5})

    data = assert_error(post(client_for(desk.reviewer), article, annotation), 400)

    assert data["code"] == "invalid_annotation"
    assert data["errors"] == {"target.selector[0].start": [data["detail"]]}
