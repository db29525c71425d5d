"""What a loaded page keeps besides its text: its own address, date (declared or guessed),
language, hyperlinks, and whether it looks like an article at all. No database here."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest

from annotations.lib import ingest
from tests.conftest import SHARED_DATA

EXPECTATIONS = SHARED_DATA / "news_html" / "EXPECTATIONS.json"
MAX_BYTES = 5 * 1024 * 1024
FILLER = (
    "The regional council met on Tuesday to discuss the budget for the coming year. "
    "Members argued about the cost of new roads, the school buildings and the hospital. "
    "The mayor said the figures were still being checked and promised a vote next month. "
)


def real_pages() -> list[dict]:
    if not EXPECTATIONS.is_file():
        return []
    return json.loads(EXPECTATIONS.read_text(encoding="utf-8"))


needs_pages = pytest.mark.skipif(
    not EXPECTATIONS.is_file(), reason=f"real pages not available: {EXPECTATIONS} is missing"
)


def _absolute_http(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc and " " not in value:
        return value
    return ""


def page_address(raw: bytes) -> str:
    """The page's own address, read independently of the importer with lxml."""
    tree = lxml.html.fromstring(raw)
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            found = _absolute_http(link.get("href") or "")
            if found:
                return found
    for meta in tree.iter("meta"):
        if "og:url" in (meta.get("property"), meta.get("name")):
            found = _absolute_http(meta.get("content") or "")
            if found:
                return found
    return ""


def declared_language(raw: bytes) -> str:
    tree = lxml.html.fromstring(raw)
    root = tree.getroottree().getroot()
    return (root.get("lang") or "").split("-")[0].lower()


# Pages that do not declare their language, and what a reader sees they are written in.
UNDECLARED_LANGUAGES = {
    "xinhuanet.com.c_1125597921.html": "zh",
    "football.ua.podolski.html": "ru",
    "11ea381ad92b5448cf66eae62f52ac565361a244c8881615fc6a7bb523cc0c32.html": "pt",
}


@needs_pages
@pytest.mark.parametrize("page", real_pages(), ids=lambda page: Path(page["file"]).name[:40])
def test_real_page_keeps_its_address_date_and_language_and_is_an_article(page: dict) -> None:
    path = SHARED_DATA / page["file"]
    raw = path.read_bytes()
    article = ingest.load_file(path.name, raw, max_bytes=MAX_BYTES)

    assert article.url == page_address(raw)
    declared = declared_language(raw)
    if declared:
        assert article.language == declared
    else:
        assert len(article.language) == 2, "the language is detected when the page is silent"
        if path.name in UNDECLARED_LANGUAGES:
            assert article.language == UNDECLARED_LANGUAGES[path.name]
    assert article.published_at is not None
    assert datetime.date(1995, 1, 1) <= article.published_at <= datetime.date.today()
    if page.get("date"):
        expected = datetime.date.fromisoformat(page["date"])
        assert abs((article.published_at - expected).days) <= 1
    assert ingest.article_doubts(article) == [], "a real news page is never flagged"
    for link in article.links:
        assert link["href"].startswith(("http://", "https://", "mailto:"))
        assert article.text[link["start"] : link["end"]].strip()


@needs_pages
def test_every_real_page_with_an_address_gets_it_and_undeclared_languages_are_detected() -> None:
    pages = real_pages()
    with_address = 0
    for page in pages:
        path = SHARED_DATA / page["file"]
        raw = path.read_bytes()
        expected = page_address(raw)
        if expected:
            with_address += 1
            assert ingest.load_file(path.name, raw, max_bytes=MAX_BYTES).url == expected
    assert with_address >= 30  # nearly every real page names its address


def html_page(body: str, head: str = "", lang: str = "en") -> str:
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
        f"<title>Council budget</title>{head}</head><body><article><h1>Council budget</h1>"
        f"{body}</article></body></html>"
    )


def test_a_declared_publication_date_is_not_a_guess() -> None:
    head = "<meta property='article:published_time' content='2021-03-04T10:00:00+01:00'>"
    article = ingest.load_html(html_page(f"<p>{FILLER}</p>", head))
    assert article.published_at == datetime.date(2021, 3, 4)
    assert article.published_at_guessed is False


def test_json_ld_date_published_counts_as_declared() -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"datePublished": "2020-05-06T08:00:00Z"}</script>'
    )
    article = ingest.load_html(html_page(f"<p>{FILLER}</p>", head))
    assert (article.published_at, article.published_at_guessed) == (
        datetime.date(2020, 5, 6),
        False,
    )


def test_a_date_found_only_in_a_copyright_line_or_the_address_is_a_guess() -> None:
    body = f"<p>{FILLER}</p><footer><p>© 2019 The Courier. Updated 12 March 2019</p></footer>"
    article = ingest.load_html(html_page(body), url="https://example.org/2019/03/12/budget")
    assert article.published_at is not None, "the address names a date"
    assert article.published_at.year == 2019
    assert article.published_at_guessed is True


def test_a_page_without_its_language_gets_the_detected_one() -> None:
    german = (
        "Der Stadtrat hat am Dienstag über den Haushalt für das kommende Jahr beraten. Die "
        "Mitglieder stritten über die Kosten neuer Straßen, der Schulgebäude und des Krankenhauses."
    )
    page = f"<html><head><title>Haushalt</title></head><body><p>{german}</p></body></html>"
    assert ingest.load_html(page).language == "de"
    assert ingest.load_text(german).language == "de"
    assert ingest.detect_language("ok") == ""  # too little text to say


def test_canonical_beats_og_url_and_only_absolute_http_addresses_count() -> None:
    both = (
        "<link rel='canonical' href='https://example.org/story'>"
        "<meta property='og:url' content='https://example.org/story?utm=x'>"
    )
    assert ingest.load_html(html_page(f"<p>{FILLER}</p>", both)).url == "https://example.org/story"
    relative = (
        "<link rel='canonical' href='/story'><meta property='og:url' content='https://e.org/s'>"
    )
    assert ingest.load_html(html_page(f"<p>{FILLER}</p>", relative)).url == "https://e.org/s"
    unsafe = "<link rel='canonical' href='javascript:alert(1)'>"
    assert ingest.load_html(html_page(f"<p>{FILLER}</p>", unsafe)).url == ""


def test_a_fetched_page_keeps_the_address_it_was_fetched_from() -> None:
    head = "<link rel='canonical' href='https://example.org/canonical'>"
    article = ingest.load_html(html_page(f"<p>{FILLER}</p>", head), url="https://example.org/x")
    assert article.url == "https://example.org/x"
    assert article.canonical_url == "https://example.org/canonical"


# --- links ----------------------------------------------------------------------------------


def test_links_of_an_html_page_become_spans_over_their_text() -> None:
    body = (
        f"<p>{FILLER} According to <a href='https://stats.example.org/budget'>the official "
        "statistics</a>, spending rose. Write to <a href='mailto:desk@example.org'>the desk</a> "
        "or <a href='javascript:alert(1)'>click here</a> or see <a href='/archive'>the "
        "archive</a>.</p>"
    )
    head = "<link rel='canonical' href='https://news.example.org/budget'>"
    article = ingest.load_html(html_page(body, head))
    found = {article.text[link["start"] : link["end"]]: link["href"] for link in article.links}
    assert found == {
        "the official statistics": "https://stats.example.org/budget",
        "the desk": "mailto:desk@example.org",
        "the archive": "https://news.example.org/archive",  # resolved against the canonical
    }


def test_a_link_label_repeated_in_the_text_is_placed_on_the_linked_occurrence() -> None:
    body = (
        f"<p>{FILLER} Reuters reported the figures first.</p>"
        f"<p>{FILLER} The agency <a href='https://reuters.example/x'>Reuters</a> confirmed.</p>"
    )
    article = ingest.load_html(html_page(body))
    (link,) = article.links
    assert article.text[link["start"] : link["end"]] == "Reuters"
    assert article.text[link["start"] - 11 : link["start"]] == "The agency "


def test_markdown_links_become_spans() -> None:
    article = ingest.load_markdown(
        '# Budget\n\nSpending rose, says [the **official** report](https://example.org/r "R"), '
        "see <https://example.org/b>, [the archive][a] and [bad](javascript:alert(1)).\n\n"
        "[a]: https://example.org/archive\n"
    )
    found = [(article.text[link["start"] : link["end"]], link["href"]) for link in article.links]
    assert found == [
        ("the official report", "https://example.org/r"),
        ("https://example.org/b", "https://example.org/b"),
        ("the archive", "https://example.org/archive"),
    ]
    assert "javascript" not in article.text and "**" not in article.text


def test_clean_links_refuses_unsafe_overlapping_and_out_of_range_links() -> None:
    good = [{"start": 0, "end": 3, "href": "https://a.example"}]
    assert ingest.clean_links(good, 10) == good
    for bad in (
        [{"start": 0, "end": 3, "href": "javascript:alert(1)"}],
        [{"start": 0, "end": 30, "href": "https://a.example"}],
        [*good, {"start": 2, "end": 5, "href": "https://b.example"}],
        [{"start": 0, "end": 3}],
    ):
        with pytest.raises(ValueError):
            ingest.clean_links(bad, 10)


# --- pages that are not articles ----------------------------------------------------------------


def test_a_login_page_is_flagged() -> None:
    page = (
        "<html><head><title>Sign in | The Courier</title></head><body><main><h1>Sign in</h1>"
        "<form><p>Log in to your account to read the newspaper online.</p>"
        "<label>E-mail <input type='email' name='email'></label>"
        "<label>Password <input type='password' name='password'></label>"
        "<p>Forgot your password? We send you a link to choose a new one.</p>"
        "<button>Sign in</button></form></main></body></html>"
    )
    article = ingest.load_html(page)
    reasons = ingest.article_doubts(article)
    assert any("login form" in reason for reason in reasons), reasons


def test_a_directory_listing_is_flagged() -> None:
    rows = "".join(
        f"<tr><td><a href='report-{n}.pdf'>report-{n}.pdf</a></td><td>2024-01-{n:02d} 10:00</td>"
        "<td>120K</td></tr>"
        for n in range(1, 25)
    )
    page = (
        "<html><head><title>Index of /reports</title></head><body><h1>Index of /reports</h1>"
        f"<table>{rows}</table><address>Apache Server at example.org Port 80</address>"
        "</body></html>"
    )
    article = ingest.load_html(page)
    reasons = ingest.article_doubts(article)
    assert any("directory listing" in reason or "links" in reason for reason in reasons)


def test_a_page_of_links_is_flagged() -> None:
    items = "".join(
        f"<li><a href='https://example.org/story-{n}'>Story number {n} about the council "
        "budget and roads</a></li>"
        for n in range(1, 20)
    )
    page = f"<html><head><title>Latest news</title></head><body><ul>{items}</ul></body></html>"
    article = ingest.load_html(page)
    reasons = ingest.article_doubts(article)
    assert any("links" in reason for reason in reasons), reasons


def test_a_very_short_page_is_flagged_but_short_pasted_text_is_not() -> None:
    article = ingest.load_html(html_page("<p>Photos of the council meeting.</p>"))
    reasons = ingest.article_doubts(article)
    assert reasons and "words" in reasons[0]
    assert ingest.article_doubts(ingest.load_text("The minister said 40% left.")) == []


def test_words_of_unspaced_scripts_are_counted_by_characters() -> None:
    assert ingest.count_words("two words") == 2
    assert ingest.count_words("武汉的声音有英勇的你") == 5
