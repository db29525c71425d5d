"""The audit log export: a team's Events as CSV (one row per changed field) or NDJSON (one
event per line, with all its changes), oldest first, streamed.

    stream(team, "csv", since=None, until=None) -> Iterator[str]

CSV follows csv_export's decisions: UTF-8 with a BOM, RFC 4180 quoting, and every cell that
came from people (names, titles, field values, notes) neutralised against formula injection.
Before/after values are the raw values the Event stored (rating slugs, status and role codes,
ISO dates); lists and objects are written as JSON. Times are ISO 8601 in UTC.

The events are read in chunks by id, so the memory used stays flat however long the log is,
and a chunk costs one query whatever it holds.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from annotations.exports.formats.csv_export import BOM, neutralise
from annotations.exports.formats.ourjson import dumps
from annotations.exports.streams import buffered
from annotations.queries.audit import filter_events, team_events

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "ndjson": ("application/x-ndjson", "ndjson"),
}
HEADER = [
    "id",
    "time",
    "team",
    "actor",
    "verb",
    "article_id",
    "article_title",
    "claim_id",
    "field",
    "before",
    "after",
    "note",
]
# Cells written by us from numbers, codes and times: never a formula, never neutralised.
_TRUSTED = frozenset({"id", "time", "verb", "article_id", "claim_id"})
CHUNK = 500


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_dict(event: Any, team_slug: str) -> dict[str, Any]:
    """One event as the NDJSON line's object (and the CSV rows' source)."""
    return {
        "id": event.pk,
        "time": iso_utc(event.created_at),
        "team": team_slug,
        "actor": event.actor.get_username() if event.actor_id and event.actor else None,
        "verb": event.verb,
        "article_id": event.article_id,
        "article_title": event.article.title if event.article_id and event.article else None,
        "claim_id": event.claim_id,
        "changes": event.changes or {},
        "note": event.note or "",
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _trusted_value(value: Any) -> bool:
    # Numbers we stored as numbers (a verdict's value, a count) stay numbers: -1 stays -1.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def rows(item: Mapping[str, Any]) -> list[list[str]]:
    """The CSV rows of one event: one per changed field, or one when nothing changed."""
    base = {
        "id": str(item["id"]),
        "time": item["time"],
        "team": item["team"],
        "actor": item["actor"] or "",
        "verb": item["verb"],
        "article_id": _cell(item["article_id"]),
        "article_title": item["article_title"] or "",
        "claim_id": _cell(item["claim_id"]),
        "note": item["note"],
    }
    changes = item["changes"] or {}
    pairs: Iterable[tuple[str, Any]] = changes.items() if changes else [("", [None, None])]
    result = []
    for name, pair in pairs:
        before, after = pair if isinstance(pair, (list, tuple)) and len(pair) == 2 else (None, pair)
        cells = {**base, "field": name, "before": _cell(before), "after": _cell(after)}
        trusted = set(_TRUSTED)
        if _trusted_value(before):
            trusted.add("before")
        if _trusted_value(after):
            trusted.add("after")
        result.append([cells[c] if c in trusted else neutralise(cells[c]) for c in HEADER])
    return result


def csv_document(items: Iterable[Mapping[str, Any]], *, bom: bool = True) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(HEADER)
    yield (BOM if bom else "") + take()
    for item in items:
        writer.writerows(rows(item))
        yield take()


def ndjson_document(items: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    for item in items:
        yield dumps(item) + "\n"


def iter_events(
    team: Any, *, since: date | datetime | None = None, until: date | datetime | None = None
) -> Iterator[Any]:
    """The team's events, oldest first, read CHUNK at a time by id."""
    events = filter_events(team_events(team.pk), since=since, until=until).order_by("id")
    last = 0
    while True:
        chunk = list(events.filter(id__gt=last)[:CHUNK])
        yield from chunk
        if len(chunk) < CHUNK:
            return
        last = chunk[-1].pk


def stream(
    team: Any,
    fmt: str,
    *,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
) -> Iterator[str]:
    items = (event_dict(event, team.slug) for event in iter_events(team, since=since, until=until))
    document = csv_document(items) if fmt == "csv" else ndjson_document(items)
    yield from buffered(document)


def filename(team: Any, fmt: str) -> str:
    return f"audit-{team.slug}-{datetime.now(UTC):%Y%m%d}.{FORMATS[fmt][1]}"
