"""Small text helpers shared by every layer."""

from __future__ import annotations


def human_size(size: int) -> str:
    """A byte count as people say it: 5 MB, 5.5 MB, 512 KB (whole kilobytes, at least 1)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    return f"{size // 1024 or 1} KB"


def shorten(text: str, limit: int = 80, *, collapse_spaces: bool = True) -> str:
    """`text` in at most `limit` characters, cut with "…" when longer.

    Runs of whitespace (newlines included) become one space first, unless `collapse_spaces`
    is False (a quote shown as it is in the article).
    """
    if collapse_spaces:
        text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
