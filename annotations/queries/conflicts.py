"""What changed in a claim while someone had it open: for the conflict message of a stale save,
in the pages (who, and field by field their value against yours) and in the API (the current
version and the changed fields in the 409/412 body).

Events carry no version number, so the changes since version N are the newest Events of the
claim that moved its version: every write to a claim raises its version by one and records one
Event; comments and assignments record Events without touching the version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from annotations import verbs
from annotations.models import Claim, Event, Rating

# Verbs of Events on a claim that leave its version alone.
UNVERSIONED_VERBS = frozenset(
    {verbs.CLAIM_CREATED, verbs.CLAIM_DELETED, verbs.CLAIM_RESTORED, verbs.CLAIM_MOVED}
)
UNVERSIONED_PREFIXES = ("comment.", "assignment.", "notification.")
# The most Events looked at: a claim changed this often meanwhile gets "and more".
LOOKBACK = 50

FIELD_LABELS = {
    "claimant": "Claimant",
    "summary": "Claim",
    "rating": "Verdict",
    "rationale": "Rationale",
    "status": "Status",
    "tags": "Tags",
    "url": "Source",
    "title": "Source title",
    "stance": "Source stance",
    "exact": "Quote",
    "start": "Position",
    "end": "Position",
    "correction_note": "Correction note",
    "final_verdict": "Final verdict",
}
# Fields of the claim form: what the user typed can be set beside their value.
FORM_FIELDS = ("claimant", "summary", "rating", "rationale")


def moves_version(verb: str) -> bool:
    if verb in UNVERSIONED_VERBS or verb in verbs.ASSIGNMENT_VERBS:
        return False
    return not verb.startswith(UNVERSIONED_PREFIXES)


@dataclass
class Change:
    field: str
    before: Any
    after: Any
    by: str
    verb: str


@dataclass
class ChangesSince:
    """The changes made to a claim after the version someone had."""

    current_version: int
    your_version: int | None
    changes: list[Change] = field(default_factory=list)
    changed_by: list[str] = field(default_factory=list)
    last_change_at: datetime | None = None

    def as_api(self) -> dict[str, Any]:
        """The extra keys of a 409/412 body (beside "detail" and "code")."""
        fields: dict[str, dict[str, Any]] = {}
        for change in self.changes:
            fields[change.field] = {
                "before": change.before,
                "after": change.after,
                "by": change.by,
            }
        return {
            "version": self.current_version,
            "your_version": self.your_version,
            "changed_fields": sorted(fields),
            "changes": fields,
            "changed_by": self.changed_by,
        }


def changes_since(claim_id: int, your_version: int | None) -> ChangesSince | None:
    """What the Events say changed in the claim after `your_version`; None when it is gone."""
    current = Claim.objects.filter(pk=claim_id).values_list("version", flat=True).first()
    if current is None:
        return None
    result = ChangesSince(current_version=current, your_version=your_version)
    missing = current - your_version if your_version is not None else 1
    if missing <= 0:
        return result
    rows = (
        Event.objects.filter(claim_id=claim_id)
        .order_by("-id")
        .values("verb", "changes", "created_at", "actor__username")[:LOOKBACK]
    )
    picked = []
    for row in rows:
        if not moves_version(row["verb"]):
            continue
        picked.append(row)
        if len(picked) >= missing:
            break
    merged: dict[tuple[str, str], Change] = {}
    for row in reversed(picked):  # oldest first: the first "before", the last "after"
        who = row["actor__username"] or "someone"
        if who not in result.changed_by:
            result.changed_by.append(who)
        result.last_change_at = row["created_at"]
        for name, values in (row["changes"] or {}).items():
            if isinstance(values, list | tuple) and len(values) == 2:
                before, after = values
            else:
                before, after = None, values
            # A reviewer's verdict is theirs: two people's verdicts are two rows.
            key = (name, who if row["verb"].startswith("verdict.") else "")
            if key in merged:
                merged[key].after = after
                merged[key].by = who
            else:
                merged[key] = Change(name, before, after, who, row["verb"])
    result.changes = [c for c in merged.values() if c.before != c.after]
    result.changed_by.reverse()  # newest first
    return result


# --- the page's conflict message -------------------------------------------------------------


def _shown(value: Any, labels: Mapping[str, str], name: str) -> str:
    if value in (None, "", []):
        return "—"
    if name == "rating":
        return labels.get(str(value), str(value))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def conflict_notice(
    claim: Claim, *, team_id: int, your_version: Any, typed: Mapping[str, Any], user_name: str
) -> dict[str, Any]:
    """The notice above a claim form whose save was refused as stale: who changed the claim,
    and each changed field with their value and what the user typed (which the form keeps)."""
    try:
        version = int(your_version)
    except (TypeError, ValueError):
        version = None
    found = changes_since(claim.pk, version) or ChangesSince(claim.version, version)
    labels = dict(Rating.objects.filter(team_id=team_id).values_list("slug", "label"))
    rows = []
    for change in found.changes:
        label = FIELD_LABELS.get(change.field, change.field.replace("_", " ").capitalize())
        if change.verb.startswith("verdict.") and change.field in ("rating", "rationale"):
            label = f"{label} of {change.by}"
        yours = "—"
        if change.field in FORM_FIELDS and change.field in typed:
            mine = change.field not in ("rating", "rationale") or change.by == user_name
            if mine or change.field in ("claimant", "summary"):
                yours = _shown(typed.get(change.field), labels, change.field)
            elif change.field == "rating":
                yours = f"your verdict: {_shown(typed.get('rating'), labels, 'rating')}"
        rows.append(
            {
                "field": label,
                "theirs": _shown(change.after, labels, change.field),
                "yours": yours,
            }
        )
    who = ", ".join(found.changed_by)
    when = found.last_change_at
    by = f" ({who}{f', at {timezone.localtime(when):%H:%M}' if when else ''})" if who else ""
    return {
        "kind": "conflict",
        "title": f"Someone else changed this claim while you were editing it{by}.",
        "text": "Your text is kept below. Save again to replace their version with yours, "
        "or close the claim to see theirs.",
        "rows": rows,
        "changed_by": found.changed_by,
    }


# --- the API's 409/412 body ---------------------------------------------------------------------


def mark_stale(error: Exception, *, claim_id: int, your_version: int | None) -> Exception:
    """Note on a refused write which claim and version it named, for the error body."""
    error.claim_id = claim_id  # type: ignore[attr-defined]
    error.your_version = your_version  # type: ignore[attr-defined]
    return error


def api_details(error: Exception) -> dict[str, Any]:
    """The current version and the changed fields, for an error marked by mark_stale()."""
    claim_id = getattr(error, "claim_id", None)
    if claim_id is None:
        return {}
    found = changes_since(claim_id, getattr(error, "your_version", None))
    return found.as_api() if found is not None else {}
