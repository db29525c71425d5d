"""Hostile input to the API is a 4xx in the error shape, never a 500: bodies nested deeper than
the parser allows, forged cursors on every cursor-paginated list, and articles too deeply
nested or too long to ingest."""

from __future__ import annotations

import base64
import json

import pytest
from django.urls import URLPattern
from rest_framework.pagination import CursorPagination

from annotations.api.parsers import MAX_JSON_DEPTH, json_depth_exceeds
from annotations.models import Article
from tests.api.conftest import error_of
from tests.api.test_permissions import api_endpoints, url_for

pytestmark = pytest.mark.django_db


def nested_object(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def nested_array(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- JSON nesting --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(nested_array(5_000), id="5,000 nested arrays"),
        pytest.param('{"exact": ' + nested_object(5_000) + "}", id="5,000 nested objects"),
        pytest.param(nested_array(100_000), id="100,000 nested arrays"),
        pytest.param('{"tags": ' + nested_array(MAX_JSON_DEPTH) + "}", id="one level too deep"),
    ],
)
@pytest.mark.parametrize(
    ("method", "where"),
    [
        ("post", "articles/{article}/claims/"),
        ("post", "articles/"),
        ("patch", "articles/{article}/"),
        ("patch", "claims/{claim}/"),
        ("patch", "teams/{team}/publishing/"),
    ],
)
def test_json_nested_too_deep_is_a_400_naming_the_limit(raw, method, where, world, api_as):
    url = "/api/v1/" + where.format(
        article=world.article.pk, claim=world.claim.pk, team=world.article.team.slug
    )
    response = getattr(api_as("admin"), method)(url, data=raw, content_type="application/json")

    assert response.status_code == 400, response.content[:300]
    error = error_of(response)
    assert error["code"] == "parse_error"
    assert f"more than {MAX_JSON_DEPTH} levels deep" in error["detail"]


def test_json_nested_up_to_the_limit_is_read(world, reviewer):
    deep = '{"tags": ' + "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1) + "}"

    assert not json_depth_exceeds(deep, MAX_JSON_DEPTH)
    response = reviewer.post(
        f"/api/v1/articles/{world.article.pk}/claims/", data=deep, content_type="application/json"
    )
    assert response.status_code == 400  # read, then refused by validation, not by the parser
    assert error_of(response)["code"] != "parse_error"


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = json.dumps({"exact": "[" * 10_000 + '\\"{' * 500})

    assert not json_depth_exceeds(text, 2)
    assert json_depth_exceeds('{"a": [[["x"]]]}', 3)
    assert not json_depth_exceeds('{"a": [[["x"]]]}', 4)


# --- forged cursors ------------------------------------------------------------------------------


def _cursor(query: str) -> str:
    return base64.b64encode(query.encode("utf-8")).decode("ascii")


FORGED_CURSORS = [
    "garbage",
    "%00",
    "%C3%A9t%C3%A9",
    "====",
    _cursor("x=1"),
    _cursor("o=1&o=2"),
    _cursor("o=99999999999999999999999"),
    _cursor("o=-5"),
    _cursor("p=%00"),
    _cursor("p=" + "9" * 5_000),
    _cursor("r=yes&o=x"),
]

# Positions that no list ordered by id or by a date could have written.
FORGED_POSITIONS = [
    _cursor("p=abc"),
    _cursor("o=1&p=abc"),
    _cursor("p=99999999999999999999999"),
    _cursor("p=-99999999999999999999999&r=1"),
    _cursor("p=2024-13-45T99:99:99"),
]


def _cursor_lists() -> list[str]:
    """Every GET route whose view pages its list with a cursor."""
    from annotations.api import urls as api_urls

    def views(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                yield pattern
            else:
                yield from views(pattern.url_patterns)

    routes = {route for route, method in api_endpoints() if method == "GET"}
    found = []
    for pattern in views(api_urls.urlpatterns):
        view_class = getattr(pattern.callback, "view_class", None)
        pagination = getattr(view_class, "pagination_class", None)
        route = str(pattern.pattern)
        if route in routes and pagination and issubclass(pagination, CursorPagination):
            found.append(route)
    return sorted(set(found))


CURSOR_LISTS = _cursor_lists()


def test_the_cursor_lists_are_found():
    assert {"claims/", "articles/", "articles/<int:pk>/claims/"} <= set(CURSOR_LISTS)


@pytest.mark.parametrize("route", CURSOR_LISTS)
@pytest.mark.parametrize("ordering", ["", "&ordering=created_at", "&ordering=-updated_at"])
def test_a_forged_cursor_is_a_400_on_every_list(route, ordering, world, api_as):
    client = api_as("admin")
    url = url_for(route, world, world.comment)
    assert client.get(url).status_code == 200
    for cursor in FORGED_CURSORS:
        response = client.get(f"{url}?cursor={cursor}{ordering}")

        assert response.status_code == 400, (cursor, response.content[:300])
        assert error_of(response)["code"] == "invalid_cursor"


@pytest.mark.parametrize("route", ["claims/", "articles/", "articles/<int:pk>/claims/"])
@pytest.mark.parametrize("ordering", ["", "&ordering=created_at", "&ordering=-updated_at"])
def test_a_position_the_ordering_cannot_hold_is_a_400(route, ordering, world, reviewer):
    url = url_for(route, world, world.comment)
    for cursor in FORGED_POSITIONS:
        response = reviewer.get(f"{url}?cursor={cursor}{ordering}")

        assert response.status_code == 400, (cursor, response.content[:300])
        assert error_of(response)["code"] == "invalid_cursor"


def test_the_next_link_still_pages_through_every_list(world, editor, desk):
    for number in range(3):
        editor.post(
            "/api/v1/articles/",
            {"team": "verify", "text": f"Article {number} text.", "force": True},
            format="json",
        )
    seen: list[int] = []
    url = "/api/v1/articles/?page_size=1&ordering=imported_at"
    while url:
        page = editor.get(url).json()
        seen.extend(item["id"] for item in page["results"])
        url = page["next"]

    assert seen == sorted(Article.objects.values_list("id", flat=True))


# --- articles too deep or too long ---------------------------------------------------------------


def test_markdown_of_50000_nested_quotes_is_imported_flattened(world, editor):
    response = editor.post(
        "/api/v1/articles/",
        {
            "team": "verify",
            "markdown": "Hostile\n\n" + "> " * 50_000 + "the deepest words",
            "force": True,
        },
        format="json",
    )

    assert response.status_code == 201, response.content[:300]
    article = Article.objects.get(pk=response.json()["id"])
    assert article.text.endswith("the deepest words")
    assert "the deepest words" not in article.text.replace("> ", "")[:-17]


@pytest.mark.parametrize("kind", ["markdown", "html", "text"])
def test_an_article_over_the_block_ceiling_is_a_422_naming_it(kind, world, editor, settings):
    settings.FACTCHECK_MAX_BLOCKS = 500
    paragraphs = [f"Paragraph {number} of a very long article." for number in range(501)]
    body = {
        "markdown": "\n\n".join(paragraphs),
        "text": "\n\n".join(paragraphs),
        "html": "<article>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article>",
    }[kind]
    before = Article.objects.count()

    response = editor.post(
        "/api/v1/articles/", {"team": "verify", kind: body, "force": True}, format="json"
    )

    assert response.status_code == 422, response.content[:300]
    error = error_of(response)
    assert error["code"] == "too_many_blocks"
    assert "more than 500 paragraphs" in error["detail"]
    assert Article.objects.count() == before


def test_a_revision_over_the_block_ceiling_is_a_422(world, editor, settings):
    settings.FACTCHECK_MAX_BLOCKS = 100
    text = "\n\n".join(f"Paragraph {number}." for number in range(200))

    response = editor.post(
        f"/api/v1/articles/{world.article.pk}/revisions/", {"text": text}, format="json"
    )

    assert response.status_code == 422, response.content[:300]
    assert error_of(response)["code"] == "too_many_blocks"
