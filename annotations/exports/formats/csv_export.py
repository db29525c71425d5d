"""CSV export: one row per claim, for spreadsheets.

Decisions (README "Exports"):
- UTF-8 *with* a byte-order mark: Excel reads a CSV without one in the machine's legacy code
  page and garbles every accent and quote mark; LibreOffice, pandas (encoding="utf-8-sig")
  and Python's csv module all take the BOM in their stride.
- RFC 4180 quoting and CRLF line ends (the csv module's defaults).
- Columns for spreadsheet users: the claim's number as people cite it (`#123`), the final
  (approved) verdict in its own columns, then one column per reviewer with that reviewer's
  current verdict (`verdict: alice`). The reviewer columns are the same for every row: the
  people with a current verdict on any exported claim, sorted by name, known before the first
  row. Status in words ("In review"). Sources are joined with " | ".
- Times are ISO 8601 with their zone, in UTC (2026-12-07T14:20:00+00:00): unambiguous, and
  read as dates by spreadsheets and pandas alike.
- Formula injection: a cell that starts with =, +, -, @, a tab or a carriage return is run
  as a formula by spreadsheet programs. Such cells get a leading single quote, as OWASP
  recommends ("CSV Injection"). Only text that came from people is neutralised; the numeric
  verdict value is written by us from a number and stays a number (-1 stays -1).

Pure: works on the claim dicts of ourjson.claim_dict, no Django import.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

BOM = "\ufeff"
JOIN = " | "
REVIEWER_PREFIX = "verdict: "
HEAD = [
    "claim",
    "claim_id",
    "article_title",
    "article_url",
    "quote",
    "claimant",
    "claim_as_checked",
    "status",
    "final_verdict",
    "final_verdict_value",
    "final_rationale",
]
TAIL = [
    "public_url",
    "sources",
    "created_by",
    "created_at",
    "updated_at",
    "correction_note",
    "corrected_at",
]
# The header without reviewers (an export whose claims have no verdict yet).
HEADER = HEAD + TAIL
# Cells that we write from numbers or dates ourselves: never a formula, never neutralised.
_TRUSTED = frozenset(
    {
        "claim",
        "claim_id",
        "final_verdict_value",
        "status",
        "created_at",
        "updated_at",
        "corrected_at",
    }
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FINAL_STATUSES = frozenset({"approved", "published"})
# The workflow's states in words (models.ClaimStatus; this module imports no Django).
STATUS_WORDS = {
    "draft": "Draft",
    "in_review": "In review",
    "approved": "Approved",
    "published": "Published",
}


def neutralise(cell: str) -> str:
    """Prefix a single quote to a cell a spreadsheet would evaluate as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _value(value: Any) -> str:
    return "" if value is None else str(value)


def iso(value: str | None) -> str:
    """An ISO 8601 time with its zone, in UTC, to the second."""
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(UTC).isoformat(timespec="seconds")


def header(reviewers: Sequence[str] = ()) -> list[str]:
    return HEAD + [REVIEWER_PREFIX + name for name in reviewers] + TAIL


def final_verdict(claim: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The verdict an editor approved, once the claim is approved or published."""
    final = claim.get("final_verdict")
    return final if claim["status"] in FINAL_STATUSES and final is not None else None


def row(claim: Mapping[str, Any], reviewers: Sequence[str] = ()) -> list[str]:
    """The CSV cells of one claim (a dict from ourjson.claim_dict), in header(reviewers) order."""
    final = final_verdict(claim)
    correction = claim.get("correction")
    number = claim.get("number")
    cells = {
        "claim": f"#{number}" if number else "",
        "claim_id": str(claim["id"]),
        "article_title": claim["article"]["title"],
        "article_url": claim["article"]["url"],
        "quote": claim["exact"],
        "claimant": claim["claimant"],
        "claim_as_checked": claim["summary"],
        "status": STATUS_WORDS.get(claim["status"], claim["status"]),
        "final_verdict": final["rating"]["label"] if final else "",
        "final_verdict_value": _value(final["rating"]["value"]) if final else "",
        "final_rationale": final["rationale"] if final else "",
        # Where the fact check is published (empty until then, or published without one).
        "public_url": claim.get("public_url") or "",
        "sources": JOIN.join(source["url"] for source in claim["sources"]),
        "created_by": _value(claim.get("created_by")),
        "created_at": iso(claim["created_at"]),
        "updated_at": iso(claim["updated_at"]),
        # The latest correction of a published claim (empty when it was never corrected).
        "correction_note": correction["note"] if correction else "",
        "corrected_at": iso(correction["at"]) if correction else "",
    }
    current = {
        verdict["reviewer"]: verdict["rating"]["label"]
        for verdict in claim["verdicts"]
        if verdict["current"]
    }
    head = [cells[name] if name in _TRUSTED else neutralise(cells[name] or "") for name in HEAD]
    verdicts = [neutralise(current.get(name, "")) for name in reviewers]
    tail = [cells[name] if name in _TRUSTED else neutralise(cells[name] or "") for name in TAIL]
    return head + verdicts + tail


def document(
    claims: Iterable[Mapping[str, Any]], *, reviewers: Sequence[str] = (), bom: bool = True
) -> Iterator[str]:
    """The CSV text, a BOM and the header first, then one piece per claim row. `reviewers`
    are the usernames that get a verdict column each (claims.reviewers)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(header(reviewers))
    yield (BOM if bom else "") + take()
    for claim in claims:
        writer.writerow(row(claim, reviewers))
        yield take()
