"""The Export menus: on the article page (that article) and on the article list (the team, as
filtered), every format as a plain download link, for every member, viewers included."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from annotations import services
from tests.exports.seed import UNICODE_TEXT
from tests.factories import make_article

FORMATS = ["csv", "json", "ndjson", "w3c", "claimreview"]


def export_links(html: str) -> dict[str, dict[str, list[str]]]:
    """Each Export link's format → its query parameters."""
    found = {}
    for href, fmt in re.findall(r'<a href="([^"]+)" download data-export="([a-z0-9]+)"', html):
        url = urlsplit(unescape(href))
        assert url.path == "/api/v1/export"
        found[fmt] = parse_qs(url.query)
    return found


@pytest.fixture
def articles(desk):
    kursk = make_article(desk.team)
    zoe = make_article(desk.team, text=UNICODE_TEXT, title="Zoë’s report")
    services.claim_create(article=kursk, actor=desk.reviewer, exact="11.000 North Korean soldiers")
    services.claim_create(article=zoe, actor=desk.reviewer, exact="Der Sprecher")
    services.article_assign(article=zoe, assignee=desk.reviewer, actor=desk.editor)
    return kursk, zoe


def test_a_viewer_finds_every_format_for_this_article_on_its_page(client, desk, articles):
    kursk, _ = articles
    client.force_login(desk.viewer)
    page = client.get(reverse("article_detail", args=[kursk.pk])).content.decode()

    assert "Export this article" in page
    links = export_links(page)
    assert sorted(links) == sorted(FORMATS)
    for fmt, query in links.items():
        assert query == {"format": [fmt], "team": ["verify"], "article": [str(kursk.pk)]}
    # The link downloads that article's claims only.
    response = client.get("/api/v1/export?" + urlsplit(page_link(page, "ndjson")).query)
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [json.loads(line)["exact"] for line in lines] == ["11.000 North Korean soldiers"]


def page_link(page: str, fmt: str) -> str:
    match = re.search(rf'<a href="([^"]+)" download data-export="{fmt}"', page)
    assert match, fmt
    return unescape(match.group(1))


def test_the_article_lists_export_links_carry_its_filters(client, desk, articles):
    client.force_login(desk.viewer)
    plain = client.get(reverse("article_list")).content.decode()
    assert "Export Verification desk" in plain
    assert export_links(plain)["csv"] == {"format": ["csv"], "team": ["verify"]}

    url = reverse("article_list")
    filtered = client.get(
        url, {"q": "zoë", "status": "in_progress", "assignee": "reviewer-user"}
    ).content.decode()
    links = export_links(filtered)
    assert sorted(links) == sorted(FORMATS)
    assert links["csv"] == {
        "format": ["csv"],
        "team": ["verify"],
        "q": ["zoë"],
        "status": ["in_progress"],
        "assignee": ["reviewer-user"],
    }
    assert "As the list is filtered now." in filtered
    # The list itself honours the assignee filter too.
    assert "Zoë’s report" in filtered and "Troops in Kursk" not in filtered
    # And the download is what the list shows.
    response = client.get(page_link(filtered, "ndjson"))
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [json.loads(line)["exact"] for line in lines] == ["Der Sprecher"]


def test_an_htmx_search_updates_the_export_links_with_the_results(client, desk, articles):
    client.force_login(desk.viewer)
    response = client.get(reverse("article_list"), {"q": "kursk"}, headers={"HX-Request": "true"})
    page = response.content.decode()

    assert page.lstrip().startswith('<section id="results"')
    assert export_links(page)["json"]["q"] == ["kursk"]


def test_someone_in_two_teams_gets_a_menu_per_team_until_they_choose_one(desk, articles):
    services.membership_set(team=desk.other_team, user=desk.viewer, role="viewer")
    client = Client()
    client.force_login(desk.viewer)

    both = client.get(reverse("article_list"), {"team": ""}).content.decode()
    assert "Export Verification desk" in both and "Export Other desk" in both
    one = client.get(reverse("article_list"), {"team": desk.team.pk}).content.decode()
    assert "Export Verification desk" in one and "Export Other desk" not in one
