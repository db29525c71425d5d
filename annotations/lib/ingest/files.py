"""Uploaded files: what kind each is (by name and content type), read with the right reader, and
refused with a clear message when binary, oversized or of another kind.
"""

from __future__ import annotations

import re

from annotations.lib.ingest.decode import decode_text_bytes, looks_binary
from annotations.lib.ingest.html import read_html
from annotations.lib.ingest.markdown import load_markdown
from annotations.lib.ingest.normalise import (
    MAX_BLOCKS,
    IngestError,
    LoadedArticle,
    load_text,
    normalise_text,
)
from annotations.lib.text import human_size

# --------------------------------------------------------------------------------------------
# Uploaded files
# --------------------------------------------------------------------------------------------

_FILE_KINDS = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
}


CONTENT_TYPE_KINDS = {
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/html": "html",
    "application/xhtml+xml": "html",
}


_ALLOWED = "upload .txt, .md or .html"


def _split_name(name: str) -> tuple[str, str, str]:
    """(display name, stem, lower-case extension) of an uploaded file's name."""
    display = re.split(r"[\\/]", name.strip())[-1] or "The file"
    stem, dot, extension = display.rpartition(".")
    if not dot or not stem:
        return display, display, ""
    return display, stem, "." + extension.lower()


def load_file(
    name: str, data: bytes, *, max_bytes: int, content_type: str = "", max_blocks: int = MAX_BLOCKS
) -> LoadedArticle:
    """An uploaded file, by extension: .txt/.text, .md/.markdown, .html/.htm/.xhtml."""
    display, stem, extension = _split_name(name)
    kind = _FILE_KINDS.get(extension)
    if kind is None and not extension:
        kind = CONTENT_TYPE_KINDS.get(content_type.split(";")[0].strip().lower())
    if kind is None:
        raise IngestError(
            f"{display} is not a supported type: {_ALLOWED}.", code="unsupported_type", status=415
        )
    if len(data) > max_bytes:
        raise IngestError(
            f"{display} is larger than the {human_size(max_bytes)} limit: upload a smaller "
            "file or paste the article text.",
            code="too_large",
            status=413,
        )
    if not data:
        raise IngestError(f"The file {display} is empty.", code="empty")
    if looks_binary(data):
        raise IngestError(
            f"{display} does not contain text (it looks like a binary file such as an image, "
            f"PDF or Word document): {_ALLOWED}.",
            code="binary",
            status=415,
        )
    if kind == "html":
        if not data.strip():
            raise IngestError(f"The file {display} contains only blank space.", code="empty")
        article = read_html(data, max_blocks=max_blocks)
        article.title = article.title or stem
    else:
        decoded = decode_text_bytes(data)
        if not normalise_text(decoded):
            raise IngestError(f"The file {display} contains only blank space.", code="empty")
        loader = load_markdown if kind == "markdown" else load_text
        article = loader(decoded, max_blocks=max_blocks)
        article.title = article.title or stem
    return article
