"""The Export menu of the article page (that article) and of the article list (the team, as
the list is filtered): one plain download link per format to GET /api/v1/export, which takes
the signed-in session. No script: a <details> menu of links (templates/annotations/
_export_menu.html), so it works without JavaScript and every member, viewers too, can use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

# (format, what the link says, what it is for), in the menu's order.
FORMATS = (
    ("csv", "CSV", "for spreadsheets: one row per claim, a column per reviewer"),
    ("json", "JSON", "everything, to keep or import into another team"),
    ("ndjson", "NDJSON", "one claim per line, for scripts"),
    ("w3c", "W3C Web Annotation", "JSON-LD, for annotation tools"),
    ("claimreview", "ClaimReview", "schema.org JSON-LD of approved and published claims"),
)
# The article list's filters a team export carries (api/export.py reads the same names).
LIST_FILTERS = ("status", "q", "assignee", "archived")


@dataclass
class ExportLink:
    fmt: str
    label: str
    hint: str
    url: str


@dataclass
class ExportMenu:
    """What _export_menu.html shows: `scope` names what is exported."""

    scope: str
    links: list[ExportLink]
    filtered: bool = False


def export_menu(
    team: Any, *, article: Any = None, filters: Mapping[str, Any] | None = None
) -> ExportMenu:
    """The menu for one article, or for the team's articles narrowed by `filters`."""
    query: dict[str, Any] = {"team": team.slug}
    if article is not None:
        query["article"] = article.pk
        scope = "this article"
    else:
        scope = team.name
    chosen = {
        name: str(value).strip()
        for name, value in (filters or {}).items()
        if name in LIST_FILTERS and value not in (None, "") and str(value).strip()
    }
    base = reverse("api-export")
    links = [
        ExportLink(fmt, label, hint, f"{base}?{urlencode({'format': fmt, **query, **chosen})}")
        for fmt, label, hint in FORMATS
    ]
    return ExportMenu(scope=scope, links=links, filtered=bool(chosen))
