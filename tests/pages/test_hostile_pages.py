"""Team pages answer hostile values with a form error or a page that shows them escaped, never a
500: markup, NUL bytes, very long strings and invalid addresses in every team field."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_article

pytestmark = pytest.mark.django_db

HOSTILE = [
    '<script>alert(1)</script><img src=x onerror="alert(2)">',
    "nul\x00byte",
    "x" * 5_000,
    "{{ settings.SECRET_KEY }} {% debug %} %(name)s {0} {claim",
    "9999-12-31",
    "0001-01-01",
    "-1",
    "99999999999999999999999",
    "]]></style><!--",
    "javascript:alert(1)",
    "http://[::1",
    "https://exa mple.org/{claim}/{slug}/{article}/{nonsense}",
    "https://" + "a" * 300 + ".example/{claim}",
    "",
]


def team_pages(slug: str, rating_slug: str) -> list[str]:
    return [
        reverse("team_list"),
        reverse("team_detail", args=[slug]),
        reverse("team_scale", args=[slug]),
        reverse("team_publishing", args=[slug]),
        reverse("team_ratings_css", args=[slug]),
        reverse("team_activity", args=[slug]),
        reverse("team_agreement", args=[slug]),
        reverse("rating_edit", args=[slug, rating_slug]),
        reverse("article_list") + f"?team={slug}",
    ]


def no_server_error(client: Client, method: str, url: str, data: dict | None = None) -> None:
    response = getattr(client, method)(url, data or {})
    assert response.status_code < 500, (method, url, data, response.content[:500])


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_in_every_team_field_never_make_a_500(value, desk):
    client = Client(raise_request_exception=False)
    client.force_login(desk.admin)
    slug = desk.team.slug
    make_article(desk.team)
    no_server_error(client, "post", reverse("team_list"), {"name": value, "slug": value})
    no_server_error(
        client,
        "post",
        reverse("team_scale", args=[slug]),
        {"label": value, "slug": value, "value": value, "colour": value, "description": value},
    )
    no_server_error(
        client,
        "post",
        reverse("rating_edit", args=[slug, "false"]),
        {"label": value, "value": value, "colour": "#123456", "description": value},
    )
    for field in ("organisation_name", "site_url", "logo_url", "public_url_pattern"):
        no_server_error(client, "post", reverse("team_publishing", args=[slug]), {field: value})
    no_server_error(
        client,
        "post",
        reverse("invite_create", args=[slug]),
        {"role": value, "expires_in_days": value, "note": value},
    )
    for url in team_pages(slug, "false"):
        no_server_error(client, "get", url)
        query = {
            name: value
            for name in (
                "actor", "article", "kind", "since", "until", "before", "page", "team",
                "status", "assignee", "archived", "q", "sort", "verdict", "next", "rater",
            )
        }  # fmt: skip
        no_server_error(client, "get", url, query)


def test_a_publishing_address_with_markup_is_refused_and_shown_escaped(desk):
    client = Client()
    client.force_login(desk.admin)
    url = reverse("team_publishing", args=[desk.team.slug])

    response = client.post(url, {"site_url": '"><script>alert(1)</script>'})

    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
