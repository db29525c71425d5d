"""Importing pages that may not be articles, and several articles at once: the import page
(with and without the page's script), the API and the command line, against a real web
server on 127.0.0.1."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from lxml import html as lxml_html

from annotations import services
from annotations.errors import NotAnArticle
from annotations.models import Article, ArticleRevision, Event
from annotations.pages.article_text import groups_html, layout
from tests.http_server import serving_pages

pytestmark = pytest.mark.django_db

FILLER = (
    "The regional council met on Tuesday to discuss the budget for the coming year. "
    "Members argued about the cost of new roads, the school buildings and the hospital. "
    "The mayor said the figures were still being checked and promised a vote next month."
)


def article_page(title: str, extra: str = "") -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        "<link rel='canonical' href='https://news.example.org/"
        + title.lower().replace(" ", "-")
        + f"'></head><body><article><h1>{title}</h1><p>{title}: {FILLER}</p>"
        f"<p>See <a href='https://stats.example.org/{len(title)}'>the statistics office</a> "
        f"for the figures. {extra}</p></article></body></html>"
    )


SHORT_PAGE = (
    "<html><head><title>Gallery</title></head><body><h1>Gallery</h1><p>Photos of the council"
    " meeting.</p></body></html>"
)


@pytest.fixture
def site(settings) -> Iterator[str]:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = True
    pages: dict[str, str | bytes] = {
        "/budget.html": article_page("Budget vote"),
        "/roads.html": article_page("Roads plan"),
        "/gallery.html": SHORT_PAGE,
    }
    with serving_pages(pages) as address:
        yield address


def counts() -> tuple[int, int, int]:
    imported = Event.objects.filter(verb="article.imported").count()
    return Article.objects.count(), ArticleRevision.objects.count(), imported


# --- a page that is not an article --------------------------------------------------------------


def test_the_service_refuses_a_page_that_is_not_an_article_unless_forced(desk):
    with pytest.raises(NotAnArticle) as refused:
        services.article_import(team=desk.team, actor=desk.reviewer, html=SHORT_PAGE)
    assert "words" in refused.value.reasons[0]
    assert refused.value.preview["title"] == "Gallery"
    assert refused.value.preview["words"] < 10
    assert counts() == (0, 0, 0)

    result = services.article_import(
        team=desk.team, actor=desk.reviewer, html=SHORT_PAGE, force=True
    )
    assert result.created
    event = Event.objects.get(verb="article.imported")
    assert "did not look like an article" in event.note


def test_the_api_answers_422_with_the_reasons_unless_force(desk, client):
    client.force_login(desk.reviewer)
    url = "/api/v1/articles/"
    refused = client.post(
        url, {"team": "verify", "html": SHORT_PAGE}, content_type="application/json"
    )
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "not_an_article"
    assert body["detail"].startswith("This does not look like an article")
    assert body["reasons"] and body["preview"]["title"] == "Gallery"
    assert Article.objects.count() == 0

    forced = client.post(
        url, {"team": "verify", "html": SHORT_PAGE, "force": True}, content_type="application/json"
    )
    assert forced.status_code == 201


def test_the_import_form_shows_what_was_extracted_and_asks(desk, client):
    client.force_login(desk.reviewer)
    form = {"team": desk.team.pk, "title": "My title", "source": "html", "html": SHORT_PAGE}

    asked = client.post(reverse("article_import"), form)

    assert asked.status_code == 422
    page = asked.content.decode()
    assert "This does not look like an article" in page
    assert "Photos of the council meeting." in page  # the first lines of what was extracted
    assert "Import anyway" in page
    assert 'value="My title"' in page and "Photos of the council" in page  # input kept
    assert Article.objects.count() == 0

    done = client.post(reverse("article_import"), {**form, "force": "1"})
    assert done.status_code == 302
    assert Article.objects.get().title == "My title"


def test_an_uploaded_page_that_is_not_an_article_comes_back_as_html_to_confirm(desk, client):
    client.force_login(desk.reviewer)
    upload = SimpleUploadedFile("gallery.html", SHORT_PAGE.encode(), content_type="text/html")
    form = {"team": desk.team.pk, "source": "file", "file": upload}

    asked = client.post(reverse("article_import"), form)

    assert asked.status_code == 422
    tree = lxml_html.fromstring(asked.content)
    assert tree.xpath("//input[@name='source'][@value='html']/@checked")
    assert "Photos of the council" in tree.xpath("string(//textarea[@name='html'])")
    confirm = {"team": desk.team.pk, "source": "html", "html": SHORT_PAGE, "force": "1"}
    assert client.post(reverse("article_import"), confirm).status_code == 302


def test_import_article_reports_pages_that_are_not_articles_unless_forced(desk, tmp_path):
    good = tmp_path / "budget.html"
    good.write_text(article_page("Budget vote"))
    short = tmp_path / "gallery.html"
    short.write_text(SHORT_PAGE)
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import_article", str(good), str(short), "--team", "verify", stderr=err)
    assert "FAILED" in err.getvalue() and "not an article" in err.getvalue()
    assert Article.objects.count() == 1

    out = io.StringIO()
    call_command("import_article", str(short), "--team", "verify", "--force", stdout=out)
    assert Article.objects.count() == 2


# --- several at once ----------------------------------------------------------------------------


def test_a_batch_imports_each_item_on_its_own_and_reports_the_bad_ones(desk, client, site):
    client.force_login(desk.reviewer)
    files = [
        SimpleUploadedFile("council.html", article_page("Council meeting").encode()),
        SimpleUploadedFile("notes.txt", f"Notes from the meeting\n\n{FILLER}".encode()),
        SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0 not text"),
    ]
    urls = "\n".join(f"{site}/{name}.html" for name in ("budget", "missing", "gallery", "roads"))

    response = client.post(
        reverse("article_import_batch"), {"team": desk.team.pk, "files": files, "urls": urls}
    )

    assert response.status_code == 200
    tree = lxml_html.fromstring(response.content)
    rows = tree.xpath("//ol[@id='import-rows']/li")
    states = [row.get("data-state") for row in rows]
    assert states == [
        "imported",
        "imported",
        "failed",
        "imported",
        "failed",
        "not_article",
        "imported",
    ]
    assert "not a supported type" in rows[2].text_content()
    assert "404" in rows[4].text_content()
    assert "Import anyway" in rows[5].text_content()
    links = [row.xpath(".//a/@href") for row in rows if row.get("data-state") == "imported"]
    assert all(found and found[0].startswith("/articles/") for found in links)
    # nothing half-made: one article, one revision and one event per imported item
    assert counts() == (4, 4, 4)
    budget = Article.objects.get(title="Budget vote")
    assert budget.url == f"{site}/budget.html"  # a fetched page keeps its fetched address
    assert Article.objects.get(title="Council meeting").url == (
        "https://news.example.org/council-meeting"
    )

    # "Import anyway" on the page that is not an article
    retry = rows[5].xpath(".//form")[0]
    fields = {field.get("name"): field.get("value") for field in retry.xpath(".//input")}
    again = client.post(retry.get("action"), fields)
    assert again.status_code == 200
    assert counts() == (5, 5, 5)

    # the same batch again: everything that was imported is already there
    response = client.post(reverse("article_import_batch"), {"team": desk.team.pk, "urls": urls})
    states = lxml_html.fromstring(response.content).xpath("//ol[@id='import-rows']/li/@data-state")
    assert states == ["existing", "failed", "existing", "existing"]
    assert counts() == (5, 5, 5)


def test_one_item_posted_by_the_script_gets_its_row_back(desk, client, site):
    client.force_login(desk.reviewer)
    response = client.post(
        reverse("article_import_item"),
        {"team": desk.team.pk, "url": f"{site}/gallery.html"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    row = lxml_html.fromstring(response.content)
    assert row.tag == "li" and row.get("data-state") == "not_article"
    upload = SimpleUploadedFile("short.html", SHORT_PAGE.encode())
    response = client.post(
        reverse("article_import_item"),
        {"team": desk.team.pk, "file": upload, "force": "1"},
        headers={"HX-Request": "true"},
    )
    assert lxml_html.fromstring(response.content).get("data-state") == "imported"


def test_a_batch_over_the_limit_is_refused_whole(desk, client, settings):
    settings.FACTCHECK_IMPORT_BATCH_MAX = 2
    client.force_login(desk.reviewer)
    urls = "https://a.example/1\nhttps://a.example/2\nhttps://a.example/3"
    response = client.post(reverse("article_import_batch"), {"team": desk.team.pk, "urls": urls})
    assert response.status_code == 400
    assert "at most 2 at once" in response.content.decode()
    assert Article.objects.count() == 0


def test_a_viewer_cannot_import_a_batch(desk, client):
    client.force_login(desk.viewer)
    response = client.post(
        reverse("article_import_batch"), {"team": desk.team.pk, "urls": "https://a.example/"}
    )
    assert response.status_code == 403
    assert Article.objects.count() == 0


# --- links kept through import, revisions, pages and exports ------------------------------------


def test_links_are_kept_on_the_article_and_each_revision(desk):
    article = services.article_import(
        team=desk.team, actor=desk.reviewer, html=article_page("Budget vote")
    ).article
    (link,) = article.links
    assert article.text[link["start"] : link["end"]] == "the statistics office"
    assert article.revisions.get().links == article.links

    services.article_revise(
        article=article,
        actor=desk.reviewer,
        markdown=f"# Budget vote\n\n{FILLER} Read [the minutes](https://council.example/m).",
    )
    article.refresh_from_db()
    (link,) = article.links
    assert article.text[link["start"] : link["end"]] == "the minutes"
    assert [revision.links for revision in article.revisions.order_by("number")][1] == [link]


def test_the_article_page_draws_links_around_highlights(desk, client):
    article = services.article_import(
        team=desk.team, actor=desk.reviewer, html=article_page("Budget vote")
    ).article
    quote = "statistics office for the figures"
    start = article.text.index(quote)
    claim = services.claim_create(
        article=article, actor=desk.reviewer, start=start, end=start + len(quote), exact=quote
    )
    client.force_login(desk.reviewer)
    page = lxml_html.fromstring(client.get(reverse("article_detail", args=[article.pk])).content)

    # the claim starts inside the link: its number goes between two halves of the link
    anchors = page.xpath("//*[@id='article-text']//a[contains(@class, 'article-link')]")
    assert "".join(anchor.text_content() for anchor in anchors) == "the statistics office"
    for anchor in anchors:
        assert anchor.get("href") == "https://stats.example.org/11"
        assert anchor.get("rel") == "noopener noreferrer nofollow"
        assert anchor.get("target") == "_blank"
    # the claim's highlight starts inside the link and goes on after it
    marks = page.xpath(f"//*[@id='article-text']//mark[@data-claim-id='{claim.pk}']")
    assert "".join(mark.text_content() for mark in marks) == quote
    assert anchors[-1].xpath(f".//mark[@data-claim-id='{claim.pk}']")
    assert not page.xpath("//a[contains(@class, 'article-link')]//a")
    # every block's text is still exactly its slice of the article
    for block in page.xpath("//*[@id='article-text']//*[@data-start]"):
        start, end = int(block.get("data-start")), int(block.get("data-end"))
        assert block.text_content() == article.text[start:end]


class _Claim:
    def __init__(self, pk: int, start: int, end: int) -> None:
        self.pk, self.start, self.end, self.mark_class, self.number = pk, start, end, "m", pk


def test_a_claim_link_inside_a_hyperlink_splits_it_and_unsafe_links_are_not_drawn():
    text = "Read the official budget report today."
    links = [
        {"start": 5, "end": 31, "href": "https://example.org/report"},
        {"start": 32, "end": 37, "href": "javascript:alert(1)"},
    ]
    html = str(groups_html(layout(text, None, [_Claim(7, 9, 17)], links=links)))
    tree = lxml_html.fromstring(html)
    assert tree.text_content() == text
    anchors = tree.xpath("//a[contains(@class, 'article-link')]")
    assert [anchor.text_content() for anchor in anchors] == ["the ", "official budget report"]
    assert tree.xpath("//a[@class='claim-ref m']/parent::p")  # never inside another link
    assert "javascript" not in html


def test_the_json_export_carries_links_and_import_export_checks_them(desk, tmp_path):
    services.article_import(team=desk.team, actor=desk.reviewer, html=article_page("Budget vote"))
    target = tmp_path / "verify.json"
    call_command("export", "--team", "verify", "--format", "json", "--output", str(target))
    import json

    data = json.loads(target.read_text())
    (article,) = data["articles"]
    assert article["links"] and article["revisions"][0]["links"] == article["links"]
    assert article["published_at_guessed"] is False

    services.team_create(name="Copy", slug="copy")
    call_command("import_export", str(target), "--team", "copy", stdout=io.StringIO())
    copy = Article.objects.get(team__slug="copy")
    assert copy.links == article["links"]

    article["links"][0]["href"] = "javascript:alert(1)"
    target.write_text(json.dumps(data))
    services.team_create(name="Bad", slug="bad")
    with pytest.raises(Exception, match=r"articles\[0\]\.links\[0\]"):
        call_command("import_export", str(target), "--team", "bad", stdout=io.StringIO())
