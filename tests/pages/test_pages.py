"""The pages: log in, the article list, the import form and the article page.

Every page is tried by each persona of the `desk` fixture, by an outsider from another team
and by an anonymous visitor. URL imports fetch from a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations import services
from annotations.models import Article, ArticleStatus, Claim, Rating
from tests.conftest import PERSONAS
from tests.factories import make_article
from tests.http_server import serving_pages

pytestmark = pytest.mark.django_db

STORY = (
    "Troops in Kursk\n\n"
    "President Zelensky said that 11.000 North Korean soldiers had arrived in the region.\n\n"
    "The Pentagon estimated that there are 10.000 North Korean soldiers in the Kursk region."
)


def detail_url(article: Article) -> str:
    return reverse("article_detail", args=[article.pk])


def html_of(response) -> str:
    return response.content.decode()


# --- reading the rendered article text ---------------------------------------------------------


class TextMap(HTMLParser):
    """Reads #article-text the way a script in the browser would.

    For each block (an element with data-start) it collects the text, and for each claim id
    the (offset in the article text, text) of every run inside a mark naming that claim.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[dict] = []
        self.runs: dict[int, list[tuple[int, str]]] = {}
        self.inner_ids: dict[int, set[int]] = {}
        self._stack: list[tuple[str, dict]] = []
        self._in_text = 0
        self._block: dict | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        self._stack.append((tag, attributes))
        if attributes.get("id") == "article-text":
            self._in_text = len(self._stack)
        elif self._in_text and "data-start" in attributes:
            self._block = {
                "tag": tag,
                "start": int(attributes["data-start"]),
                "end": int(attributes["data-end"]),
                "text": "",
            }
            self.blocks.append(self._block)
        if tag == "mark" and "data-claim-ids" in attributes:
            claim_id = int(attributes["data-claim-id"])
            ids = {int(part) for part in attributes["data-claim-ids"].split()}
            self.inner_ids.setdefault(claim_id, set()).update(ids)

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            open_tag, _ = self._stack.pop()
            if self._in_text and len(self._stack) < self._in_text:
                self._in_text = 0
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._in_text or self._block is None:
            return
        if not any("data-start" in attributes for _, attributes in self._stack):
            return  # white space between block elements
        offset = self._block["start"] + len(self._block["text"])
        self._block["text"] += data
        for tag, attributes in self._stack:
            if tag == "mark":
                self.runs.setdefault(int(attributes["data-claim-id"]), []).append((offset, data))

    def quote_of(self, claim_id: int) -> tuple[int, str]:
        """Where claim `claim_id`'s highlight starts, and its text joined up."""
        runs = self.runs[claim_id]
        return runs[0][0], "".join(text for _, text in runs)


def text_map(response) -> TextMap:
    parser = TextMap()
    parser.feed(html_of(response))
    return parser


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["article_list", "article_import", "article_detail"])
def test_anonymous_visitors_are_sent_to_log_in(client, desk, name):
    article = make_article(desk.team)
    url = detail_url(article) if name == "article_detail" else reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_member_sees_the_article_list_with_their_teams_articles(client, desk, persona):
    make_article(desk.team, title="Kursk troop numbers")
    make_article(desk.other_team, text="Another desk's story.", title="Other desk story")
    client.force_login(desk.user(persona))
    response = client.get(reverse("article_list"))
    assert response.status_code == 200
    assert "Kursk troop numbers" in html_of(response)
    assert "Other desk story" not in html_of(response)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_member_can_read_an_article(client, desk, persona):
    article = make_article(desk.team, title="Kursk troop numbers")
    client.force_login(desk.user(persona))
    response = client.get(detail_url(article))
    assert response.status_code == 200
    assert "Kursk troop numbers" in html_of(response)
    assert 'id="article-text"' in html_of(response)


def test_an_outsider_gets_404_for_another_teams_article(client, desk):
    article = make_article(desk.team)
    client.force_login(desk.outsider)
    assert client.get(detail_url(article)).status_code == 404


def test_an_outsider_does_not_see_another_teams_articles_in_the_list(client, desk):
    make_article(desk.team, title="Kursk troop numbers")
    client.force_login(desk.outsider)
    response = client.get(reverse("article_list"))
    assert response.status_code == 200
    assert "Kursk troop numbers" not in html_of(response)


def test_a_missing_article_is_404(client, desk):
    client.force_login(desk.admin)
    assert client.get(reverse("article_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("persona", ["admin", "editor", "reviewer"])
def test_reviewers_and_above_see_the_import_link_and_page(client, desk, persona):
    client.force_login(desk.user(persona))
    assert 'href="/articles/import/"' in html_of(client.get(reverse("article_list")))
    response = client.get(reverse("article_import"))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html_of(response)


def test_a_viewer_sees_no_import_link_and_cannot_open_the_import_page(client, desk):
    client.force_login(desk.viewer)
    assert reverse("article_import") not in html_of(client.get(reverse("article_list")))
    response = client.get(reverse("article_import"))
    assert response.status_code == 403
    assert "Your role cannot import articles" in html_of(response)
    assert '<form method="post" action="/articles/import/"' not in html_of(response)


def test_a_viewer_cannot_import_by_posting_the_form(client, desk):
    client.force_login(desk.viewer)
    response = client.post(
        reverse("article_import"),
        {"team": desk.team.pk, "source": "text", "text": STORY, "text_format": "text"},
    )
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_an_outsider_cannot_import_into_another_team(client, desk):
    client.force_login(desk.outsider)
    response = client.post(
        reverse("article_import"),
        {"team": desk.team.pk, "source": "text", "text": STORY, "text_format": "text"},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in html_of(response)
    assert not Article.objects.filter(team=desk.team).exists()


def test_staff_see_the_admin_link_and_others_do_not(client, desk):
    client.force_login(desk.reviewer)
    assert reverse("admin:index") not in html_of(client.get(reverse("article_list")))
    desk.reviewer.is_staff = True
    desk.reviewer.save()
    assert reverse("admin:index") in html_of(client.get(reverse("article_list")))


# --- log in and out ------------------------------------------------------------------------------


def test_the_login_page_logs_a_member_in_and_goes_to_the_articles(client, desk):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(
        reverse("login"), {"username": "reviewer-user", "password": "pw-for-tests"}
    )
    assert response.status_code == 302
    assert response.url == reverse("article_list")


def test_a_wrong_password_shows_a_clear_error_and_keeps_the_username(client, desk):
    response = client.post(reverse("login"), {"username": "reviewer-user", "password": "nope"})
    assert response.status_code == 200
    page = html_of(response)
    assert "Please enter a correct username and password" in page
    assert 'role="alert"' in page
    assert 'value="reviewer-user"' in page


def test_logging_in_returns_to_the_page_asked_for(client, desk):
    article = make_article(desk.team)
    response = client.post(
        reverse("login") + f"?next={detail_url(article)}",
        {"username": "viewer-user", "password": "pw-for-tests", "next": detail_url(article)},
    )
    assert response.url == detail_url(article)


def test_logging_out_is_a_post_button_in_the_header(client, desk):
    client.force_login(desk.reviewer)
    page = html_of(client.get(reverse("article_list")))
    assert re.search(r'<form method="post" action="/logout/">\s*<input type="hidden"', page)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("article_list")).status_code == 302


# --- the article list ----------------------------------------------------------------------------


def test_the_list_shows_each_articles_facts(client, desk):
    article = make_article(desk.team, title="Kursk troop numbers")
    Article.objects.filter(pk=article.pk).update(
        publisher="Daily Planet", published_at="2024-11-04"
    )
    services.claim_create(article=article, actor=desk.reviewer, exact="11.000 North Korean")
    client.force_login(desk.viewer)
    page = html_of(client.get(reverse("article_list")))
    assert f'<a href="{detail_url(article)}">Kursk troop numbers</a>' in page
    assert "Daily Planet" in page
    assert "4 Nov 2024" in page
    assert '<td data-label="Claims" class="numeric">1</td>' in page
    assert "In progress" in page
    assert "Verification desk" in page


def test_searching_finds_articles_by_title_or_publisher(client, desk):
    make_article(desk.team, text="First story.", title="Kursk troop numbers")
    other = make_article(desk.team, text="Second story.", title="Budget vote")
    Article.objects.filter(pk=other.pk).update(publisher="Kyiv Independent")
    client.force_login(desk.reviewer)

    by_title = html_of(client.get(reverse("article_list"), {"q": "kursk"}))
    assert "Kursk troop numbers" in by_title and "Budget vote" not in by_title

    by_publisher = html_of(client.get(reverse("article_list"), {"q": "independent"}))
    assert "Budget vote" in by_publisher and "Kursk troop numbers" not in by_publisher


def test_the_status_filter_keeps_only_articles_in_that_status(client, desk):
    make_article(desk.team, text="First story.", title="Fresh one")
    ready = make_article(desk.team, text="Second story.", title="Ready one")
    Article.objects.filter(pk=ready.pk).update(status=ArticleStatus.READY)
    client.force_login(desk.reviewer)
    page = html_of(client.get(reverse("article_list"), {"status": "ready"}))
    assert "Ready one" in page and "Fresh one" not in page


def test_the_team_filter_keeps_only_that_teams_articles(client, desk):
    services.membership_set(team=desk.other_team, user=desk.reviewer, role="viewer")
    make_article(desk.team, text="First story.", title="Our story")
    make_article(desk.other_team, text="Second story.", title="Their story")
    client.force_login(desk.reviewer)
    both = html_of(client.get(reverse("article_list")))
    assert "Our story" in both and "Their story" in both
    page = html_of(client.get(reverse("article_list"), {"team": desk.other_team.pk}))
    assert "Their story" in page and "Our story" not in page


def test_a_team_filter_naming_a_team_the_user_is_not_in_shows_nothing_of_it(client, desk):
    make_article(desk.other_team, text="Secret.", title="Their story")
    client.force_login(desk.reviewer)
    page = html_of(client.get(reverse("article_list"), {"team": desk.other_team.pk}))
    assert "Their story" not in page


def test_the_list_is_paginated_fifty_to_a_page(client, desk):
    for number in range(51):
        make_article(desk.team, text=f"Story number {number}.", title=f"Story {number:02d}")
    client.force_login(desk.reviewer)
    first = html_of(client.get(reverse("article_list"), {"q": "story"}))
    assert first.count('<th scope="row"') == 50
    assert "Page 1 of 2" in first
    assert 'href="?q=story&amp;page=2"' in first
    second = html_of(client.get(reverse("article_list"), {"q": "story", "page": 2}))
    assert second.count('<th scope="row"') == 1
    assert "Story 00" in second


def test_an_empty_list_points_reviewers_to_the_import_page(client, desk):
    client.force_login(desk.reviewer)
    page = html_of(client.get(reverse("article_list")))
    assert "No articles yet" in page
    assert '<a class="button" href="/articles/import/">Import an article</a>' in page


def test_an_empty_list_tells_viewers_who_imports(client, desk):
    client.force_login(desk.viewer)
    page = html_of(client.get(reverse("article_list")))
    assert "No articles yet" in page
    assert "reviewer or editor of your team imports" in page


def test_a_search_without_results_offers_the_whole_list(client, desk):
    make_article(desk.team)
    client.force_login(desk.reviewer)
    page = html_of(client.get(reverse("article_list"), {"q": "nothing like this"}))
    assert "No articles match your search." in page


def test_an_htmx_search_gets_only_the_results(client, desk):
    make_article(desk.team, title="Kursk troop numbers")
    client.force_login(desk.reviewer)
    response = client.get(reverse("article_list"), {"q": "kursk"}, headers={"HX-Request": "true"})
    page = html_of(response)
    assert page.lstrip().startswith('<section id="results"')
    assert "<html" not in page
    assert "Kursk troop numbers" in page
    assert "HX-Request" in response["Vary"]


def _list_queries(client, count: int, desk) -> int:
    existing = Article.objects.count()
    for number in range(existing, count):
        article = make_article(desk.team, text=f"Story number {number}.", title=f"Story {number}")
        services.claim_create(article=article, actor=desk.reviewer, exact="Story number")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("article_list"))
    assert response.status_code == 200
    assert html_of(response).count('<th scope="row"') == count
    return len(queries)


def test_the_list_makes_the_same_number_of_queries_for_3_and_30_articles(client, desk):
    client.force_login(desk.reviewer)
    few = _list_queries(client, 3, desk)
    many = _list_queries(client, 30, desk)
    assert few == many
    # Session, user, the page's own queries (the "Assigned to" filter's names among them),
    # and the header's: queue and unread counts.
    assert many <= 10


def test_the_list_stays_within_a_query_budget(client, desk, django_assert_max_num_queries):
    for number in range(10):
        make_article(desk.team, text=f"Story number {number}.")
    client.force_login(desk.reviewer)
    with django_assert_max_num_queries(10):
        client.get(reverse("article_list"), {"q": "story", "status": "new"})


# --- import --------------------------------------------------------------------------------------


def post_import(client, desk, **fields):
    data = {"team": desk.team.pk, "title": "", "text_format": "text", **fields}
    return client.post(reverse("article_import"), data)


def test_pasted_text_becomes_an_article_and_the_page_says_so(client, desk):
    client.force_login(desk.reviewer)
    response = post_import(client, desk, source="text", text=STORY, title="Kursk numbers")
    article = Article.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(article)
    assert article.title == "Kursk numbers"
    assert article.text == STORY
    assert article.imported_by == desk.reviewer
    page = html_of(client.get(response.url))
    assert "Imported “Kursk numbers”." in page


def test_pasted_markdown_keeps_its_headings(client, desk):
    client.force_login(desk.editor)
    markdown = "# Troops in Kursk\n\n## What was said\n\nZelensky said *11.000* soldiers arrived."
    response = post_import(client, desk, source="text", text=markdown, text_format="markdown")
    article = Article.objects.get()
    assert response.url == detail_url(article)
    assert article.source_kind == "markdown"
    assert "*" not in article.text
    page = html_of(client.get(response.url))
    assert re.search(
        r'<h[23] id="block-\d+" data-start="\d+" data-end="\d+">What was said</h[23]>', page
    )


def test_pasted_html_is_reduced_to_its_article_text(client, desk):
    client.force_login(desk.admin)
    html = (
        "<html><head><title>Troops in Kursk</title></head><body><nav>Home | World</nav>"
        "<article><h1>Troops in Kursk</h1>"
        + "".join(
            f"<p>Paragraph {n}: President Zelensky said that 11.000 North Korean soldiers had "
            "arrived in the Kursk region, according to Ukrainian intelligence services.</p>"
            for n in range(4)
        )
        + "</article></body></html>"
    )
    response = post_import(client, desk, source="html", html=html)
    article = Article.objects.get()
    assert response.url == detail_url(article)
    assert article.source_kind == "html"
    assert "Paragraph 3: President Zelensky" in article.text
    assert "<p>" not in article.text


def test_an_uploaded_text_file_becomes_an_article(client, desk):
    client.force_login(desk.reviewer)
    upload = SimpleUploadedFile("kursk.txt", STORY.encode(), content_type="text/plain")
    response = post_import(client, desk, source="file", file=upload)
    article = Article.objects.get()
    assert response.url == detail_url(article)
    assert article.text == STORY


@pytest.fixture
def local_site() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving one article page at /story.html."""
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Troops in Kursk</title></head><body><article><h1>Troops in Kursk</h1>"
        + "".join(
            f"<p>Report {n}: The Pentagon estimated that there are 10.000 North Korean "
            "soldiers in the Kursk region, which borders Ukraine.</p>"
            for n in range(4)
        )
        + "</article></body></html>"
    ).encode()

    with serving_pages({"/story.html": page}) as address:
        yield address


def test_a_web_address_is_fetched_and_imported(client, desk, settings, local_site):
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = True
    client.force_login(desk.reviewer)
    response = post_import(client, desk, source="url", url=f"{local_site}/story.html")
    article = Article.objects.get()
    assert response.url == detail_url(article)
    assert "Report 3: The Pentagon estimated" in article.text
    assert article.url.startswith(local_site)
    page = html_of(client.get(response.url))
    assert f'href="{article.url}" rel="noopener noreferrer"' in page


def test_a_private_address_is_refused_beside_the_url_field_when_not_allowed(
    client, desk, settings, local_site
):
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = False
    client.force_login(desk.reviewer)
    url = f"{local_site}/story.html"
    response = post_import(client, desk, source="url", url=url, title="Typed title")
    assert response.status_code == 400
    page = html_of(response)
    assert "private networks is switched off" in page
    assert_error_beside(page, "url")
    assert f'value="{url}"' in page
    assert 'value="Typed title"' in page
    assert not Article.objects.exists()


def test_importing_the_same_text_again_gives_the_existing_article(client, desk):
    first = make_article(desk.team, text=STORY, title="Kursk numbers")
    client.force_login(desk.reviewer)
    response = post_import(client, desk, source="text", text=STORY)
    assert response.url == detail_url(first)
    assert Article.objects.count() == 1
    page = html_of(client.get(response.url))
    assert "already in Verification desk" in page


def assert_error_beside(page: str, field: str) -> None:
    """The error list is inside the field's group, just before its input."""
    group = re.search(
        rf'<div class="field">(?:(?!<div class="field">).)*?name="{field}"', page, re.S
    )
    assert group, f"no field group for {field}"
    assert 'class="errorlist' in group.group(0), f"no error beside {field}"


def test_empty_text_is_refused_and_the_title_is_kept(client, desk):
    client.force_login(desk.reviewer)
    response = post_import(client, desk, source="text", text="   \n  ", title="My title")
    assert response.status_code == 400
    page = html_of(response)
    assert "Paste the article&#x27;s text" in page
    assert_error_beside(page, "text")
    assert 'value="My title"' in page
    assert not Article.objects.exists()


def test_a_binary_upload_is_refused_with_the_reason(client, desk):
    client.force_login(desk.reviewer)
    upload = SimpleUploadedFile("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    response = post_import(client, desk, source="file", file=upload, title="Kept title")
    assert response.status_code == 415
    page = html_of(response)
    assert_error_beside(page, "file")
    assert 'value="Kept title"' in page
    assert "choose it again" in page
    assert not Article.objects.exists()


def test_an_unsupported_file_type_is_refused(client, desk):
    client.force_login(desk.reviewer)
    upload = SimpleUploadedFile("report.pdf", b"%PDF-1.7 ...", content_type="application/pdf")
    response = post_import(client, desk, source="file", file=upload)
    assert response.status_code == 415
    page = html_of(response)
    assert "report.pdf" in page and "not a supported type" in page
    assert_error_beside(page, "file")
    assert not Article.objects.exists()


def test_text_over_the_size_limit_is_refused_and_kept(client, desk, settings):
    settings.FACTCHECK_MAX_UPLOAD_BYTES = 1000
    client.force_login(desk.reviewer)
    long_text = "Word " * 400
    response = post_import(client, desk, source="text", text=long_text)
    assert response.status_code == 413
    page = html_of(response)
    assert "limit" in page
    assert_error_beside(page, "text")
    assert long_text.strip() in page
    assert not Article.objects.exists()


def test_a_file_over_the_size_limit_gets_a_form_error(client, desk, settings):
    settings.FACTCHECK_MAX_UPLOAD_BYTES = 1000
    client.force_login(desk.reviewer)
    upload = SimpleUploadedFile("long.txt", b"Word " * 400, content_type="text/plain")
    response = post_import(client, desk, source="file", file=upload)
    assert response.status_code == 400
    page = html_of(response)
    assert "The file is larger than the 1 KB limit." in page
    assert_error_beside(page, "file")
    assert not Article.objects.exists()


def test_a_form_body_over_the_request_limit_gets_a_413_page_not_a_crash(client, desk, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    client.force_login(desk.reviewer)
    response = post_import(client, desk, source="text", text="Word " * 1000)
    assert response.status_code == 413
    page = html_of(response)
    assert "larger than the" in page and "nothing was imported" in page
    assert 'name="text"' in page
    assert not Article.objects.exists()


def test_a_viewer_sending_an_oversized_body_is_still_refused(client, desk, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    client.force_login(desk.viewer)
    response = post_import(client, desk, source="text", text="Word " * 1000)
    assert response.status_code == 403
    assert "Your role cannot import articles" in html_of(response)


def test_the_import_form_still_requires_the_csrf_token(desk):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.reviewer)
    response = post_import(client, desk, source="text", text=STORY)
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_the_unchosen_inputs_are_kept_but_ignored(client, desk):
    client.force_login(desk.reviewer)
    response = post_import(client, desk, source="url", url="", html="<p>Kept HTML</p>")
    assert response.status_code == 400
    page = html_of(response)
    assert "Give the article&#x27;s web address" in page
    assert "&lt;p&gt;Kept HTML&lt;/p&gt;" in page


# --- the article page ----------------------------------------------------------------------------


def test_the_article_page_shows_the_metadata(client, desk):
    article = make_article(desk.team, title="Kursk numbers")
    Article.objects.filter(pk=article.pk).update(
        publisher="Daily Planet",
        author="Lois Lane",
        published_at="2024-11-04",
        language="en",
        url="https://example.org/kursk",
    )
    client.force_login(desk.viewer)
    page = html_of(client.get(detail_url(article)))
    for shown in ["Daily Planet", "Lois Lane", "4 November 2024", "Revision", "New"]:
        assert shown in page
    assert 'lang="en"' in page
    assert '<a href="https://example.org/kursk" rel="noopener noreferrer"' in page


def test_each_block_carries_its_offsets_and_its_exact_text(client, desk):
    article = make_article(desk.team, text=STORY)
    client.force_login(desk.viewer)
    blocks = text_map(client.get(detail_url(article))).blocks
    assert len(blocks) == 3
    for block in blocks:
        assert block["text"] == article.text[block["start"] : block["end"]]


def test_each_claim_is_highlighted_with_a_mark(client, desk):
    article = make_article(desk.team, text=STORY)
    claim = services.claim_create(
        article=article, actor=desk.reviewer, exact="11.000 North Korean soldiers", rating="false"
    )
    client.force_login(desk.viewer)
    response = client.get(detail_url(article))
    page = html_of(response)
    assert f'<mark class="mark verdict-false" data-claim-id="{claim.pk}"' in page
    assert text_map(response).quote_of(claim.pk) == (claim.start, claim.exact)
    assert f'href="#claim-{claim.pk}"' in page
    assert f'id="claim-{claim.pk}"' in page


def test_overlapping_claims_are_both_findable_in_full(client, desk):
    article = make_article(desk.team, text=STORY)
    wide = services.claim_create(
        article=article, actor=desk.reviewer, exact="Zelensky said that 11.000 North Korean"
    )
    narrow = services.claim_create(
        article=article, actor=desk.reviewer, exact="11.000 North Korean soldiers had arrived"
    )
    client.force_login(desk.viewer)
    parsed = text_map(client.get(detail_url(article)))
    assert parsed.quote_of(wide.pk) == (wide.start, wide.exact)
    assert parsed.quote_of(narrow.pk) == (narrow.start, narrow.exact)
    # The shared run names both claims on its innermost mark.
    assert {wide.pk, narrow.pk} <= parsed.inner_ids[narrow.pk]


def nested_and_across_claims(article: Article, actor) -> tuple[Claim, Claim, Claim]:
    """Three claims by `actor` on the sample story (STORY, factories.SAMPLE_TEXT): one, one
    inside it, and one across the first two paragraphs."""
    outer = services.claim_create(
        article=article, actor=actor, exact="said that 11.000 North Korean soldiers"
    )
    inner = services.claim_create(article=article, actor=actor, exact="11.000 North")
    across = services.claim_create(
        article=article, actor=actor, exact="in the region.\n\nThe Pentagon"
    )
    return outer, inner, across


def test_a_claim_inside_another_and_one_across_blocks_render_in_full(client, desk):
    article = make_article(desk.team, text=STORY)
    outer, inner, across = nested_and_across_claims(article, desk.reviewer)
    client.force_login(desk.viewer)
    parsed = text_map(client.get(detail_url(article)))
    assert parsed.quote_of(outer.pk) == (outer.start, outer.exact)
    assert parsed.quote_of(inner.pk) == (inner.start, inner.exact)
    start, quote = parsed.quote_of(across.pk)
    assert start == across.start
    assert quote == across.exact.replace("\n\n", "")


def test_an_emoji_before_a_claim_keeps_the_offsets_right(client, desk):
    text = "Fans 🎉🇺🇦 cheered.\n\nThen 👍 the minister said 40% of troops had left."
    article = make_article(desk.team, text=text)
    claim = services.claim_create(article=article, actor=desk.reviewer, exact="40% of troops")
    client.force_login(desk.viewer)
    parsed = text_map(client.get(detail_url(article)))
    assert parsed.quote_of(claim.pk) == (claim.start, "40% of troops")
    assert claim.start == text.index("40%")  # code points, not UTF-16 units
    for block in parsed.blocks:
        assert block["text"] == text[block["start"] : block["end"]]


def test_hostile_text_is_escaped_everywhere(client, desk):
    text = "Intro <script>alert(1)</script> and <img src=x onerror=alert(2)> said X."
    article = make_article(desk.team, text=text, title="<script>alert(3)</script>")
    services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact="<img src=x onerror=alert(2)>",
        claimant="<b onmouseover=alert(4)>",
        summary='"><script>alert(5)</script>',
    )
    client.force_login(desk.viewer)
    for url in [detail_url(article), reverse("article_list")]:
        page = html_of(client.get(url))
        assert "alert(" in page
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "<b onmouseover" not in page
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html_of(client.get(reverse("article_list")))


def test_the_claim_list_shows_quote_claimant_verdict_status_and_sources(client, desk):
    article = make_article(desk.team, text=STORY)
    claim = services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact="10.000 North Korean soldiers",
        claimant="The Pentagon",
        summary="There are 10,000 North Korean soldiers in Kursk.",
        rating="mostly-true",
        sources=[
            {
                "url": "https://example.org/pentagon",
                "title": "Pentagon briefing",
                "stance": "supports",
            }
        ],
    )
    client.force_login(desk.viewer)
    page = html_of(client.get(detail_url(article)))
    card = page[page.index(f'id="claim-{claim.pk}"') :]
    card = card[: card.index("</li>")]
    # The list: quote, claimant, verdict in words and colour, status, number of sources.
    for shown in [
        "10.000 North Korean soldiers",
        "The Pentagon",
        "Mostly true",
        'class="swatch verdict-mostly-true"',
        "Draft",
        "1 source",
    ]:
        assert shown in card
    # Opening the claim shows the rest: the wording checked, the sources with their stance.
    opened = html_of(client.get(reverse("claim_edit", args=[claim.pk])))
    opened = opened[opened.index(f'id="claim-{claim.pk}"') :]
    for shown in [
        "10.000 North Korean soldiers",
        "The Pentagon",
        "There are 10,000 North Korean soldiers in Kursk.",
        "Mostly true",
        'class="swatch verdict-mostly-true"',
        "Draft",
        '<a href="https://example.org/pentagon" rel="noopener noreferrer"',
        "Pentagon briefing",
        "Supports",
    ]:
        assert shown in opened


def test_claims_are_listed_in_text_order(client, desk):
    article = make_article(desk.team, text=STORY)
    later = services.claim_create(article=article, actor=desk.reviewer, exact="10.000 North")
    earlier = services.claim_create(article=article, actor=desk.reviewer, exact="11.000 North")
    client.force_login(desk.viewer)
    page = html_of(client.get(detail_url(article)))
    assert page.index(f'id="claim-{earlier.pk}"') < page.index(f'id="claim-{later.pk}"')


def test_a_custom_rating_gets_its_own_colour_class_and_its_label(client, desk):
    satire = Rating.objects.create(team=desk.team, slug="satire", label="Satire", colour="#000000")
    article = make_article(desk.team, text=STORY)
    claim = services.claim_create(
        article=article, actor=desk.reviewer, exact="11.000 North", rating="satire"
    )
    client.force_login(desk.viewer)
    page = html_of(client.get(detail_url(article)))
    # Grey in app.css; the team's ratings.css gives rating-<id> the team's colour.
    mark = f'<mark class="mark verdict-other rating-{satire.pk}" data-claim-id="{claim.pk}"'
    assert mark in page
    assert "Satire" in page


def test_disagreeing_verdicts_show_both_and_a_neutral_mark(client, desk):
    article = make_article(desk.team, text=STORY)
    claim = services.claim_create(
        article=article, actor=desk.reviewer, exact="11.000 North", rating="false"
    )
    services.verdict_set(claim=claim, actor=desk.editor, rating="true")
    client.force_login(desk.viewer)
    page = html_of(client.get(detail_url(article)))
    assert f'<mark class="mark verdict-split" data-claim-id="{claim.pk}"' in page
    assert "Verdicts differ" in page
    opened = html_of(client.get(reverse("claim_edit", args=[claim.pk])))
    assert "proposed by reviewer-user" in opened and "proposed by editor-user" in opened


def test_orphaned_claims_are_listed_under_needs_attention(client, desk):
    article = make_article(desk.team, text=STORY)
    claim = services.claim_create(article=article, actor=desk.reviewer, exact="11.000 North")
    Claim.objects.filter(pk=claim.pk).update(start=None, end=None, anchor="orphaned")
    client.force_login(desk.viewer)
    response = client.get(detail_url(article))
    page = html_of(response)
    attention = page[page.index("Needs attention") :]
    assert f'id="claim-{claim.pk}"' in attention
    assert f'data-claim-id="{claim.pk}"' not in page
    assert claim.pk not in text_map(response).runs


def test_an_article_without_claims_says_so(client, desk):
    article = make_article(desk.team)
    client.force_login(desk.viewer)
    assert "No claims have been highlighted" in html_of(client.get(detail_url(article)))


def _detail_queries(client, article, count: int, desk) -> int:
    words = article.text.split()
    existing = article.claims.count()
    for index in range(existing, count):
        services.claim_create(
            article=article,
            actor=desk.reviewer if index % 2 else desk.editor,
            start=article.text.index(words[index]),
            end=article.text.index(words[index]) + len(words[index]),
            rating="false" if index % 3 else "true",
            sources=[{"url": f"https://example.org/{index}", "title": f"Source {index}"}],
        )
    with CaptureQueriesContext(connection) as queries:
        response = client.get(detail_url(article))
    assert response.status_code == 200
    assert html_of(response).count('class="claim-card ') == count
    return len(queries)


def test_the_article_page_makes_the_same_number_of_queries_for_2_and_20_claims(client, desk):
    text = " ".join(f"word{n}" for n in range(40))
    article = make_article(desk.team, text=text)
    client.force_login(desk.viewer)
    few = _detail_queries(client, article, 2, desk)
    many = _detail_queries(client, article, 20, desk)
    assert few == many
    # The workspace's own queries plus the header's (queue count, unread notifications, the
    # team switcher), the live stream's starting point and the article's assignees.
    assert many <= 14


# --- security headers and the CSP ----------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)


def assert_csp_safe(response) -> None:
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    page = html_of(response)
    assert not INLINE_SCRIPT.search(page), "inline <script>"
    assert ' style="' not in page and "<style" not in page, "inline style"
    assert not re.search(r"<[^>]+\son[a-z]+=", page), "inline event handler"


def test_the_login_page_has_a_csp_and_no_inline_script_or_style(client, desk):
    assert_csp_safe(client.get(reverse("login")))


def test_every_page_has_a_csp_and_no_inline_script_or_style(client, desk):
    article = make_article(desk.team, text=STORY)
    services.claim_create(article=article, actor=desk.reviewer, exact="11.000", rating="false")
    client.force_login(desk.reviewer)
    for url in [reverse("article_list"), reverse("article_import"), detail_url(article)]:
        assert_csp_safe(client.get(url))


def test_error_pages_also_have_no_inline_script(client, desk):
    client.force_login(desk.viewer)
    for response in [
        client.get(reverse("article_import")),
        client.get(reverse("article_detail", args=[424242])),
    ]:
        page = html_of(response)
        assert not INLINE_SCRIPT.search(page)
        assert ' style="' not in page


def test_htmx_is_loaded_and_sends_the_csrf_token(client, desk):
    client.force_login(desk.reviewer)
    page = html_of(client.get(reverse("article_list")))
    assert re.search(r'<script src="/static/django_htmx/htmx-2\.min\.js" defer>', page)
    assert re.search(r'<body hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'>', page)
    assert '"includeIndicatorStyles": false' in page


def test_pages_have_landmarks_and_a_skip_link(client, desk):
    article = make_article(desk.team)
    client.force_login(desk.reviewer)
    page = html_of(client.get(detail_url(article)))
    for landmark in ["<header", "<nav", '<main id="main"', "<aside", 'href="#main"']:
        assert landmark in page
