"""Turn pasted text, uploaded files and web pages into canonical article text.

Every claim offset in the project is a Python ``str`` index (a Unicode code point) into the
``text`` produced here, so this package is the single place where the text is shaped:

* NFC, ``\n`` line endings, no control characters, no trailing spaces on a line;
* blocks (headings, paragraphs, quotes, list items) joined by exactly one blank line;
* ``blocks`` records where each block sits, so ``text[start:end]`` is the block's text.

The package is deliberately free of Django imports: the services layer calls it, the tests and
the benchmark use it without a configured project.

One module per reader: normalise (the canonical text, and plain text), markdown, html, decode
(bytes to text), files (uploads) and fetch (URLs). This file re-exports their public names.
"""

from __future__ import annotations

from annotations.lib.ingest.fetch import fetch_url, resolve_public_address
from annotations.lib.ingest.files import load_file
from annotations.lib.ingest.html import canonical_url, decode_html, load_html
from annotations.lib.ingest.markdown import load_markdown
from annotations.lib.ingest.normalise import (
    BLOCK_KINDS,
    LINK_CLOSE,
    LINK_OPEN,
    LINK_SCHEMES,
    LISTING_LINK_SHARE,
    LISTING_MIN_LINKS,
    LOGIN_PAGE_MAX_WORDS,
    MAX_BLOCKS,
    MAX_NESTING,
    MIN_ARTICLE_WORDS,
    TITLE_MAX_CHARS,
    USER_AGENT,
    IngestError,
    LoadedArticle,
    article_doubts,
    clean_href,
    clean_links,
    count_words,
    detect_language,
    has_link_marks,
    link_close,
    link_open,
    link_spans,
    load_text,
    normalise_text,
    strip_link_marks,
)

__all__ = [
    "BLOCK_KINDS",
    "IngestError",
    "LINK_CLOSE",
    "LINK_OPEN",
    "LINK_SCHEMES",
    "LISTING_LINK_SHARE",
    "LISTING_MIN_LINKS",
    "LOGIN_PAGE_MAX_WORDS",
    "LoadedArticle",
    "MAX_BLOCKS",
    "MAX_NESTING",
    "MIN_ARTICLE_WORDS",
    "TITLE_MAX_CHARS",
    "USER_AGENT",
    "article_doubts",
    "canonical_url",
    "clean_href",
    "clean_links",
    "count_words",
    "decode_html",
    "detect_language",
    "fetch_url",
    "has_link_marks",
    "link_close",
    "link_open",
    "link_spans",
    "load_file",
    "load_html",
    "load_markdown",
    "load_text",
    "normalise_text",
    "resolve_public_address",
    "strip_link_marks",
]
