"""What goes over the wire: each Event as a Server-Sent Event (type, summary, fields), the presence
message, the heartbeat, and the timings (poll, rescan, presence, heartbeat) from the settings.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from annotations import verbs
from annotations.lib.text import shorten


def number_setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def poll_seconds() -> float:
    return number_setting("FACTCHECK_LIVE_POLL_MS", 250) / 1000


def rescan_seconds() -> float:
    return number_setting("FACTCHECK_LIVE_RESCAN_SECONDS", 10)


def presence_seconds() -> float:
    return number_setting("FACTCHECK_LIVE_PRESENCE_SECONDS", 15)


def heartbeat_seconds() -> float:
    return number_setting("FACTCHECK_LIVE_HEARTBEAT_SECONDS", 15)


# --- what an Event looks like on the wire --------------------------------------------------------

EVENT_TYPES = {
    "claim": "claim",
    "verdict": "verdict",
    "source": "source",
    "comment": "comment",
    "article": "article",
}


PHRASES = {
    verbs.CLAIM_CREATED: "added a claim",
    verbs.CLAIM_UPDATED: "changed a claim",
    verbs.CLAIM_DELETED: "deleted a claim",
    verbs.CLAIM_RESTORED: "restored a claim",
    verbs.CLAIM_SUBMITTED: "submitted a claim for review",
    verbs.CLAIM_APPROVED: "approved a claim",
    verbs.CLAIM_PUBLISHED: "published a claim",
    verbs.CLAIM_SENT_BACK: "sent a claim back",
    verbs.CLAIM_WITHDRAWN: "moved a claim back to draft",
    verbs.CLAIM_CORRECTED: "corrected a claim",
    verbs.CLAIM_PUBLIC_URL_CHANGED: "changed a claim's public URL",
    verbs.CLAIM_REANCHORED: "re-placed a claim after a text change",
    verbs.CLAIM_MOVED: "flagged a moved claim",
    verbs.CLAIM_ANCHOR_CONFIRMED: "confirmed a claim's new place",
    verbs.CLAIM_REATTACHED: "re-attached a claim",
    verbs.VERDICT_SET: "gave a verdict",
    verbs.VERDICT_WITHDRAWN: "withdrew a verdict",
    verbs.SOURCE_ADDED: "added a source",
    verbs.SOURCE_REMOVED: "removed a source",
    verbs.COMMENT_ADDED: "commented on a claim",
    verbs.COMMENT_UPDATED: "edited a comment",
    verbs.COMMENT_DELETED: "deleted a comment",
    verbs.ARTICLE_IMPORTED: "imported the article",
    verbs.ARTICLE_REVISED: "loaded a new version of the article",
    verbs.ARTICLE_UPDATED: "changed the article's details",
    verbs.ARTICLE_ARCHIVED: "archived the article",
    verbs.ARTICLE_RESTORED: "restored the article",
    verbs.ARTICLE_DELETED: "deleted the article",
}


EVENT_FIELDS = (
    "id",
    "article_id",
    "claim_id",
    "verb",
    "changes",
    "created_at",
    "actor__username",
    "actor__first_name",
    "actor__last_name",
    "claim__summary",
    "claim__number",
)


def event_type(verb: str) -> str:
    """The SSE `event:` name of a verb: its object (claim, verdict, source, comment, article)."""
    return EVENT_TYPES.get(verb.split(".", 1)[0], "activity")


def display_name(username: str | None, first: str | None, last: str | None) -> str:
    full = f"{first or ''} {last or ''}".strip()
    return full or username or "Someone"


def summary_of(row: dict[str, Any]) -> str:
    """A sentence for a toast: "reviewer added claim #12: “40% of troops left”"."""
    who = display_name(row["actor__username"], row["actor__first_name"], row["actor__last_name"])
    verb = row["verb"]
    phrase = PHRASES.get(verb)
    if phrase is None:
        kind, _, action = verb.partition(".")
        phrase = f"{action.replace('_', ' ') or 'changed'} ({kind})"
    quoted = (row.get("claim__summary") or "").strip()
    number = row.get("claim__number")
    if number and "a claim" in phrase:  # "added claim #12", as people cite it
        phrase = phrase.replace("a claim", f"claim #{number}", 1)
    if quoted:
        quoted = shorten(quoted, 80, collapse_spaces=False)
        return f"{who} {phrase}: “{quoted}”"
    return f"{who} {phrase}"


def event_payload(row: dict[str, Any]) -> dict[str, Any]:
    changes = row.get("changes") or {}
    return {
        "id": row["id"],
        "verb": row["verb"],
        "claim": row["claim_id"],
        "actor": row["actor__username"] or "",
        "actor_name": display_name(
            row["actor__username"], row["actor__first_name"], row["actor__last_name"]
        ),
        "fields": sorted(changes) if isinstance(changes, dict) else [],
        "summary": summary_of(row),
    }


def sse(data: Any, *, event: str | None = None, event_id: int | None = None) -> str:
    """One Server-Sent Event. JSON has no raw newlines, so `data:` stays one line."""
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if event:
        lines.append(f"event: {event}")
    lines.append(f"data: {json.dumps(data, separators=(',', ':'), ensure_ascii=False)}")
    return "\n".join(lines) + "\n\n"


def event_message(row: dict[str, Any]) -> str:
    return sse(event_payload(row), event=event_type(row["verb"]), event_id=row["id"])


def presence_message(viewers: list[dict[str, str]]) -> str:
    return sse({"viewers": viewers, "count": len(viewers)}, event="presence")


HEARTBEAT = ": keep-alive\n\n"
