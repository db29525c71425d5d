"""Small text helpers shared by every layer."""

from __future__ import annotations


def human_size(size: int) -> str:
    """A byte count as people say it: 5 MB, 512 KB, 900 bytes."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} bytes"
