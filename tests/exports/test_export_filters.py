"""A team export narrowed as the article list is (status, words, assignee), and the CSV's
reviewer columns: filters honoured in every format, the query count flat."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations import services
from annotations.models import ArticleStatus, Membership, Role
from tests.exports.seed import UNICODE_TEXT
from tests.factories import UserFactory, make_article

URL = "/api/v1/export"


@pytest.fixture
def two_articles(desk):
    kursk = make_article(desk.team)
    zoe = make_article(desk.team, text=UNICODE_TEXT, title="Zoë’s report")
    on_kursk = services.claim_create(
        article=kursk, actor=desk.reviewer, exact="11.000 North Korean soldiers", rating="false"
    )
    on_zoe = services.claim_create(
        article=zoe, actor=desk.reviewer, exact="Der Sprecher", rating="true"
    )
    services.claim_transition(claim=on_zoe, actor=desk.reviewer, to="in_review")
    services.claim_transition(claim=on_zoe, actor=desk.editor, to="approved")
    services.article_assign(article=kursk, assignee=desk.reviewer, actor=desk.editor)
    kursk.refresh_from_db()
    zoe.refresh_from_db()
    return {"kursk": kursk, "zoe": zoe, "on_kursk": on_kursk, "on_zoe": on_zoe}


def download(user, **params) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(URL, {"team": "verify", **params})
    if not response.streaming:
        return response.status_code, response.content.decode()
    return response.status_code, b"".join(response.streaming_content).decode("utf-8")


def ndjson_quotes(user, **params) -> list[str]:
    status, text = download(user, format="ndjson", **params)
    assert status == 200, text
    return [json.loads(line)["exact"] for line in text.splitlines()]


def test_a_team_export_honours_the_article_lists_filters(desk, two_articles):
    assert sorted(ndjson_quotes(desk.viewer)) == ["11.000 North Korean soldiers", "Der Sprecher"]
    # Words in the title (as the list's search box).
    assert ndjson_quotes(desk.viewer, q="zoë") == ["Der Sprecher"]
    # The article's status.
    kursk_status = two_articles["kursk"].status
    zoe_status = two_articles["zoe"].status
    assert (kursk_status, zoe_status) == (ArticleStatus.IN_PROGRESS, ArticleStatus.READY)
    assert ndjson_quotes(desk.viewer, status=kursk_status) == ["11.000 North Korean soldiers"]
    assert ndjson_quotes(desk.viewer, status=ArticleStatus.PUBLISHED) == []
    # Someone assigned to the article.
    assert ndjson_quotes(desk.viewer, assignee="reviewer-user") == ["11.000 North Korean soldiers"]
    assert ndjson_quotes(desk.viewer, assignee="editor-user") == []
    # Together, and in the other formats.
    assert ndjson_quotes(desk.viewer, q="kursk", assignee="reviewer-user") == [
        "11.000 North Korean soldiers"
    ]
    _, text = download(desk.viewer, format="csv", q="zoë")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert [row["quote"] for row in rows] == ["Der Sprecher"]
    _, text = download(desk.viewer, format="json", q="zoë")
    doc = json.loads(text)
    assert [a["title"] for a in doc["articles"]] == ["Zoë’s report"]
    assert [c["exact"] for c in doc["claims"]] == ["Der Sprecher"]
    _, text = download(desk.viewer, format="w3c", q="zoë")
    collection = json.loads(text)
    assert collection["total"] == 1
    assert "q=zo%C3%AB" in collection["id"]


def test_an_unknown_article_status_is_a_400_naming_the_choices(desk, two_articles):
    status, text = download(desk.viewer, format="csv", status="done")

    assert status == 400
    body = json.loads(text)
    assert "status" in body["errors"] and "in_progress" in body["detail"]


def test_filters_never_reach_another_team(desk, two_articles):
    status, _ = download(desk.outsider, format="csv", q="kursk")

    assert status == 404


def rate(claim, reviewer, slug: str) -> None:
    services.verdict_set(claim=claim, actor=reviewer, rating=slug)


def test_csv_query_count_does_not_grow_with_claims_or_reviewers(desk):
    article = make_article(desk.team)
    text = article.text

    def add(count: int, reviewers: list) -> None:
        for index in range(count):
            start = index % (len(text) - 20)
            claim = services.claim_create(
                article=article, actor=desk.reviewer, start=start, end=start + 10
            )
            for reviewer in reviewers:
                rate(claim, reviewer, "false")

    def queries() -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            _, body = download(desk.viewer, format="csv")
        header = next(csv.reader(io.StringIO(body.lstrip("\ufeff"), newline="")))
        return len(captured), [name for name in header if name.startswith("verdict: ")]

    add(3, [desk.reviewer])
    few, columns = queries()
    assert columns == ["verdict: reviewer-user"]
    more_reviewers = []
    for index in range(4):
        person = UserFactory(username=f"checker-{index}")
        Membership.objects.create(team=desk.team, user=person, role=Role.REVIEWER)
        more_reviewers.append(person)
    add(30, [desk.reviewer, desk.editor, *more_reviewers])
    many, columns = queries()

    assert many == few
    assert columns == [
        "verdict: checker-0",
        "verdict: checker-1",
        "verdict: checker-2",
        "verdict: checker-3",
        "verdict: editor-user",
        "verdict: reviewer-user",
    ]


def test_the_archived_tabs_export_holds_the_archived_articles_only(desk, two_articles):

    services.article_archive(actor=desk.editor, article=two_articles["zoe"])
    # The list leaves archived articles out, and so does its export...
    assert ndjson_quotes(desk.viewer) == ["11.000 North Korean soldiers"]
    # ...and the Archived tab's export is what that tab lists.
    assert ndjson_quotes(desk.viewer, archived="1") == ["Der Sprecher"]
    assert sorted(ndjson_quotes(desk.viewer, include_archived="1")) == [
        "11.000 North Korean soldiers",
        "Der Sprecher",
    ]
    status, body = download(desk.viewer, format="ndjson", archived="maybe")
    assert status == 400 and "archived must be 1 or 0" in body


def test_the_archived_tab_offers_an_export_of_what_it_lists(client, desk, two_articles):

    services.article_archive(actor=desk.editor, article=two_articles["zoe"])
    client.force_login(desk.viewer)
    page = client.get(reverse("article_list"), {"archived": "1"}).content.decode()
    assert "&amp;archived=1" in page  # in the export links, beside the tab
    assert "&amp;archived=1" not in client.get(reverse("article_list")).content.decode()
