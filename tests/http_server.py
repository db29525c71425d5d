"""A real web server on 127.0.0.1 for the tests that fetch pages: `running` serves any server
from a thread for the length of a `with` block, `serving_pages` serves HTML pages kept in a
dictionary that a test may change between fetches."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def running(server: ThreadingHTTPServer) -> Iterator[str]:
    """Serves from a daemon thread until the block ends, then closes the server; the block gets
    the server's address, `http://127.0.0.1:<port>` (no slash at the end)."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class PageServer(ThreadingHTTPServer):
    daemon_threads = True
    pages: dict[str, str | bytes]


class _PageHandler(BaseHTTPRequestHandler):
    server: PageServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass  # keep test output clean

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        page = self.server.pages.get(self.path)
        if page is None:
            self.send_error(404)
            return
        body = page.encode() if isinstance(page, str) else page
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serving_pages(pages: dict[str, str | bytes]) -> Iterator[str]:
    """Serves each page of `pages` (path -> HTML, read at each request) as UTF-8 HTML, any
    other path as 404; the block gets the server's address as `running` does."""
    server = PageServer(("127.0.0.1", 0), _PageHandler)
    server.pages = pages
    with running(server) as address:
        yield address
