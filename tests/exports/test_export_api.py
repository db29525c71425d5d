"""GET /api/v1/export: streamed exports for every member of the team, errors as JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test import AsyncClient, Client
from django.test.utils import CaptureQueriesContext

from annotations import services
from annotations.exports import streams
from tests.conftest import PERSONAS
from tests.exports.seed import PUBLIC_URL, add_claims

URL = "/api/v1/export"
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson",
    "w3c": 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
    "claimreview": "application/ld+json",
}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode("utf-8")


def test_every_format_is_listed_with_its_content_type():
    assert {name: fmt.content_type for name, fmt in streams.FORMATS.items()} == CONTENT_TYPES


@pytest.mark.parametrize("fmt", list(CONTENT_TYPES))
def test_viewer_downloads_each_format_streamed_as_an_attachment(desk, seeded, fmt):
    response = client_for(desk.viewer).get(URL, {"format": fmt, "team": "verify"})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    disposition = response["Content-Disposition"]
    extension = streams.FORMATS[fmt].extension
    assert disposition.startswith('attachment; filename="verify-')
    assert disposition.endswith(f'.{extension}"')
    text = body(response)
    if fmt == "csv":
        assert len(list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))) == 7
    elif fmt == "ndjson":
        assert len([json.loads(line) for line in text.splitlines()]) == 7
    else:
        assert json.loads(text)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_role_can_export(desk, seeded, persona):
    response = client_for(desk.user(persona)).get(URL, {"format": "ndjson", "team": "verify"})

    assert response.status_code == 200
    assert len(body(response).splitlines()) == 7


def test_token_authentication_works_as_in_the_rest_of_the_api(desk, seeded):
    _, raw = services.token_create(actor=desk.viewer, name="exports")

    response = Client().get(
        URL, {"format": "json", "team": "verify"}, HTTP_AUTHORIZATION=f"Token {raw}"
    )

    assert response.status_code == 200
    assert len(json.loads(body(response))["claims"]) == 7


def test_an_anonymous_request_is_refused(desk, seeded):
    response = Client().get(URL, {"format": "json", "team": "verify"})

    assert response.status_code in (401, 403)
    assert set(response.json()) >= {"detail", "code"}


def test_an_outsider_gets_404_for_a_team_not_theirs(desk, seeded):
    response = client_for(desk.outsider).get(URL, {"format": "json", "team": "verify"})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert set(response.json()) >= {"detail", "code"}


def test_an_unknown_team_is_404_like_a_foreign_one(desk):
    response = client_for(desk.viewer).get(URL, {"format": "json", "team": "nope"})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "query, code",
    [
        ({"format": "xml", "team": "verify"}, "unknown_format"),
        ({"team": "verify"}, "unknown_format"),
        ({"format": "", "team": "verify"}, "unknown_format"),
        ({"format": "json"}, "team_required"),
        ({"format": "json", "team": "verify", "article": "abc"}, "invalid"),
    ],
)
def test_bad_parameters_are_400_json(desk, seeded, query, code):
    response = client_for(desk.viewer).get(URL, query)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == code
    assert response.json()["detail"]


def test_article_filter_exports_only_that_article(desk, seeded):
    zoe = seeded["zoe"]
    response = client_for(desk.viewer).get(
        URL, {"format": "ndjson", "team": "verify", "article": zoe.pk}
    )

    claims = [json.loads(line) for line in body(response).splitlines()]
    assert len(claims) == 4
    assert {claim["article"]["id"] for claim in claims} == {zoe.pk}
    assert f'filename="verify-article-{zoe.pk}-' in response["Content-Disposition"]


@pytest.mark.parametrize(
    "query",
    [
        {"format": "json", "team": "ver\x00ify"},
        {"format": "json", "team": "x" * 500},
        {"format": "json", "team": "verify", "article": str(2**70)},
        {"format": "json", "team": "verify", "article": "-3"},
    ],
)
def test_odd_values_are_404_not_server_errors(desk, seeded, query):
    response = client_for(desk.viewer).get(URL, query)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_article_of_another_team_is_404(desk, seeded):
    response = client_for(desk.outsider).get(
        URL, {"format": "json", "team": "other", "article": seeded["zoe"].pk}
    )

    assert response.status_code == 404


def test_claimreview_feed_links_to_the_public_fact_checks_not_to_the_tool(desk, seeded):
    response = client_for(desk.viewer).get(URL, {"format": "claimreview", "team": "verify"})

    feed = json.loads(body(response))
    assert feed["@type"] == "DataFeed"
    assert feed["url"] == "https://verify.example.org/"
    elements = feed["dataFeedElement"]
    assert len(elements) == 2
    # The published claim is at its public URL; the approved one has none yet.
    assert [element.get("url") for element in elements] == [PUBLIC_URL, None]
    assert "testserver" not in json.dumps(feed)


def test_claimreview_export_counts_the_reviews_without_a_public_url(desk, seeded):
    answer = client_for(desk.viewer).get(URL, {"format": "claimreview", "team": "verify"})
    assert answer["X-Claims-Without-Public-URL"] == "1"  # the approved claim
    body(answer)

    services.claim_transition(claim=seeded["approved"], actor=desk.editor, to="published")
    again = client_for(desk.viewer).get(URL, {"format": "claimreview", "team": "verify"})
    assert again["X-Claims-Without-Public-URL"] == "0"  # the team's pattern gave it one
    assert all(element["url"] for element in json.loads(body(again))["dataFeedElement"])
    # One article only: its own count. Other formats have no such header.
    services.claim_public_url_set(claim=seeded["published"], actor=desk.editor, public_url="")
    one = client_for(desk.viewer).get(
        URL, {"format": "claimreview", "team": "verify", "article": seeded["kursk"].pk}
    )
    assert one["X-Claims-Without-Public-URL"] == "1"
    body(one)
    ndjson = client_for(desk.viewer).get(URL, {"format": "ndjson", "team": "verify"})
    assert "X-Claims-Without-Public-URL" not in ndjson
    body(ndjson)


def test_export_under_asgi_streams_from_an_async_iterator(desk, seeded):
    client = AsyncClient()
    client.force_login(desk.viewer)

    async def download():
        response = await client.get(URL, {"format": "ndjson", "team": "verify"})
        # An async iterator: Django's ASGI handler sends it chunk by chunk instead of
        # collecting a synchronous one into a list first.
        assert response.is_async
        return response, [chunk async for chunk in response.streaming_content]

    response, chunks = async_to_sync(download)()

    assert response.status_code == 200
    lines = b"".join(chunks).decode("utf-8").splitlines()
    assert len(lines) == 7


def test_export_query_count_does_not_grow_with_claims(desk):
    from tests.factories import make_article

    article = make_article(desk.team)
    client = client_for(desk.viewer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"format": "w3c", "team": "verify"})
            body(response)
        return len(captured)

    add_claims(desk, article, 10)
    with_10 = queries()
    add_claims(desk, article, 90)

    assert queries() == with_10
