"""CSV export: one row per claim, for spreadsheets.

Decisions (README "Exports"):
- UTF-8 *with* a byte-order mark: Excel reads a CSV without one in the machine's legacy code
  page and garbles every accent and quote mark; LibreOffice, pandas (encoding="utf-8-sig")
  and Python's csv module all take the BOM in their stride.
- RFC 4180 quoting and CRLF line ends (the csv module's defaults).
- Lists inside a cell (several verdicts, reviewers, sources) are joined with " | ", in the
  same order in every column, so the n-th verdict, value, rationale and reviewer belong
  together.
- Dates are UTC as "YYYY-MM-DD HH:MM:SS", which spreadsheets recognise as dates.
- Formula injection: a cell that starts with =, +, -, @, a tab or a carriage return is run
  as a formula by spreadsheet programs. Such cells get a leading single quote, as OWASP
  recommends ("CSV Injection"). Only text that came from people is neutralised; the numeric
  verdict value is written by us from a number and stays a number (-1 stays -1).

Pure: works on the claim dicts of ourjson.claim_dict, no Django import.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

BOM = "\ufeff"
JOIN = " | "
HEADER = [
    "claim_id",
    "article_title",
    "article_url",
    "quote",
    "claimant",
    "claim",
    "verdict",
    "verdict_value",
    "rationale",
    "sources",
    "status",
    "reviewers",
    "created_at",
    "updated_at",
    "correction_note",
    "corrected_at",
]
# Cells that we write from numbers or dates ourselves: never a formula, never neutralised.
_TRUSTED = frozenset(
    {"claim_id", "verdict_value", "status", "created_at", "updated_at", "corrected_at"}
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FINAL_STATUSES = frozenset({"approved", "published"})


def neutralise(cell: str) -> str:
    """Prefix a single quote to a cell a spreadsheet would evaluate as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _value(value: Any) -> str:
    return "" if value is None else str(value)


def _utc(value: str | None) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def shown_verdicts(claim: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The final verdict of an approved or published claim, else every current verdict."""
    final = claim.get("final_verdict")
    if claim["status"] in FINAL_STATUSES and final is not None:
        return [final]
    return [verdict for verdict in claim["verdicts"] if verdict["current"]]


def row(claim: Mapping[str, Any]) -> list[str]:
    """The CSV cells of one claim (a dict from ourjson.claim_dict), in HEADER order."""
    verdicts = shown_verdicts(claim)
    correction = claim.get("correction")
    cells = {
        "claim_id": str(claim["id"]),
        "article_title": claim["article"]["title"],
        "article_url": claim["article"]["url"],
        "quote": claim["exact"],
        "claimant": claim["claimant"],
        "claim": claim["summary"],
        "verdict": JOIN.join(v["rating"]["label"] for v in verdicts),
        "verdict_value": JOIN.join(_value(v["rating"]["value"]) for v in verdicts),
        "rationale": JOIN.join(v["rationale"] for v in verdicts),
        "sources": JOIN.join(source["url"] for source in claim["sources"]),
        "status": claim["status"],
        "reviewers": JOIN.join(_value(v["reviewer"]) for v in verdicts),
        "created_at": _utc(claim["created_at"]),
        "updated_at": _utc(claim["updated_at"]),
        # The latest correction of a published claim (empty when it was never corrected).
        "correction_note": correction["note"] if correction else "",
        "corrected_at": _utc(correction["at"]) if correction else "",
    }
    return [cells[name] if name in _TRUSTED else neutralise(cells[name] or "") for name in HEADER]


def document(claims: Iterable[Mapping[str, Any]], *, bom: bool = True) -> Iterator[str]:
    """The CSV text, a BOM and the header first, then one piece per claim row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(HEADER)
    yield (BOM if bom else "") + take()
    for claim in claims:
        writer.writerow(row(claim))
        yield take()
