"""Real news pages (../shared/data/news_html): the article text survives both import paths.

Each page is imported as an uploaded file and fetched from a local web server; in both cases
the sentences listed in EXPECTATIONS.json must appear in the article text (whitespace
collapsed). `must_not_contain` (boilerplate) is a soft target and deliberately not asserted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from annotations.lib import ingest
from tests.http_server import running

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
EXPECTATIONS = DATA / "news_html" / "EXPECTATIONS.json"
MAX_BYTES = 5 * 1024 * 1024

if not EXPECTATIONS.is_file():
    pytest.skip(f"real pages not available: {EXPECTATIONS} is missing", allow_module_level=True)

PAGES: list[dict] = json.loads(EXPECTATIONS.read_text(encoding="utf-8"))

# Pages the extractor cannot get right (none at the moment). Map the file name to the reason,
# quoting what was produced instead; the xfail is strict so a fix is noticed.
KNOWN_MISSES: dict[str, str] = {}


def collapsed(text: str) -> str:
    return " ".join(text.split())


def expected_sentences(page: dict) -> list[str]:
    return [*page.get("must_contain", []), *page.get("must_contain_paragraphs", [])]


def page_params() -> list:
    params = []
    for page in PAGES:
        name = Path(page["file"]).name
        marks = []
        if name in KNOWN_MISSES:
            marks.append(pytest.mark.xfail(reason=KNOWN_MISSES[name], strict=True))
        params.append(pytest.param(page, id=name[:48], marks=marks))
    return params


def assert_contains_expected(page: dict, article: ingest.LoadedArticle) -> None:
    text = collapsed(article.text)
    missing = [s for s in expected_sentences(page) if collapsed(s) not in text]
    assert not missing, f"missing from {page['file']}: {missing!r}"


def test_every_page_has_expectations() -> None:
    assert len(PAGES) == 35
    for page in PAGES:
        assert expected_sentences(page), page["file"]
        assert (DATA / page["file"]).is_file(), page["file"]


@pytest.mark.parametrize("page", page_params())
def test_real_page_as_upload(page: dict) -> None:
    path = DATA / page["file"]
    article = ingest.load_file(path.name, path.read_bytes(), max_bytes=MAX_BYTES)
    assert article.source_kind == "html"
    assert article.title
    assert_contains_expected(page, article)


class _FileHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:
        relative = unquote(self.path.lstrip("/"))
        path = (DATA / relative).resolve()
        if not path.is_relative_to(DATA.resolve()) or not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        self.send_response(200)
        # no charset parameter, like many real servers: the page's own declaration decides
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def news_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FileHandler)
    server.daemon_threads = True
    with running(server) as address:
        yield f"{address}/"


@pytest.mark.parametrize("page", page_params())
def test_real_page_fetched_from_a_local_server(page: dict, news_server: str) -> None:
    url = news_server + quote(page["file"])
    article = ingest.fetch_url(url, allow_private=True, max_bytes=MAX_BYTES)
    assert article.source_kind == "url"
    assert article.url == url
    assert_contains_expected(page, article)
