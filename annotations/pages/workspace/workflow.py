"""The review workflow in the claim panel: which moves a user is offered on a claim (with the
note or final-verdict choice each needs), the reviewers' verdicts side by side for editors,
and the correction note of a corrected claim.

The rules themselves are services.TRANSITIONS and services.claim_transition; this module only
decides what to show, so a button never appears for a move the service would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.dateformat import format as date_format

from annotations import policies, services
from annotations.lib import publishing
from annotations.models import Claim, ClaimStatus, Membership, Verdict
from annotations.pages.ratings import rating_class

# The kind of each move, by (from, to); "back" is a withdrawal when the claim is the user's
# own, and a send-back (with a note for its author) when it is someone else's.
MOVE_KINDS = {
    (ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW): "submit",
    (ClaimStatus.IN_REVIEW, ClaimStatus.DRAFT): "back",
    (ClaimStatus.IN_REVIEW, ClaimStatus.APPROVED): "approve",
    (ClaimStatus.APPROVED, ClaimStatus.IN_REVIEW): "send_back",
    (ClaimStatus.APPROVED, ClaimStatus.PUBLISHED): "publish",
    (ClaimStatus.PUBLISHED, ClaimStatus.IN_REVIEW): "correct",
}
LABELS = {
    "submit": "Submit for review",
    "withdraw": "Withdraw",
    "approve": "Approve",
    "send_back": "Send back",
    "publish": "Publish",
    "correct": "Correct",
}
HINTS = {
    "withdraw": "Takes the claim out of review, back to draft.",
    "send_back": "Returns the claim to its author, who is notified with your note.",
    "publish": "Published claims are frozen until an editor corrects them.",
    "correct": "Takes the claim out of the published feed until it is published again.",
}
DATE_FORMAT = "j M Y, H:i"


@dataclass(frozen=True)
class Move:
    to: str
    kind: str
    label: str
    hint: str = ""

    @property
    def note_label(self) -> str:
        return {"send_back": "Note for the reviewer", "correct": "Correction note"}.get(
            self.kind, ""
        )

    @property
    def note_required(self) -> bool:
        return self.kind == "correct"


def moves(membership: Membership, user_id: int, claim: Any) -> list[Move]:
    """The workflow moves this member may make on this claim, as services.claim_transition
    allows them: reviewers on their own claims, editors on any."""
    is_editor = policies.allows(membership, policies.CLAIM_REVIEW)
    own = claim.created_by_id == user_id
    found = []
    for (source, target), (role, _verb) in services.TRANSITIONS.items():
        if source != claim.status or not membership.has_role(role):
            continue
        if not is_editor and not own:
            continue
        kind = MOVE_KINDS[(source, target)]
        if kind == "back":
            kind = "withdraw" if own else "send_back"
        found.append(Move(to=target, kind=kind, label=LABELS[kind], hint=HINTS.get(kind, "")))
    return found


@dataclass
class VerdictView:
    pk: int
    reviewer: str
    label: str
    colour: str
    css_class: str
    rationale: str
    created_at: datetime
    is_final: bool
    is_current: bool
    is_own: bool


def _verdict_views(claim: Claim, user_id: int) -> list[VerdictView]:
    """Every current verdict (and the final one, if it has since been replaced), oldest
    first: one query."""

    wanted = Q(claim_id=claim.pk, is_current=True)
    if claim.final_verdict_id:
        wanted |= Q(pk=claim.final_verdict_id)
    rows = Verdict.objects.filter(wanted).select_related("reviewer", "rating")
    return [
        VerdictView(
            pk=verdict.pk,
            reviewer=verdict.reviewer.get_username(),
            label=verdict.rating.label,
            colour=verdict.rating.colour,
            css_class=rating_class(verdict.rating.slug, verdict.rating.pk),
            rationale=verdict.rationale,
            created_at=verdict.created_at,
            is_final=verdict.pk == claim.final_verdict_id,
            is_current=verdict.is_current,
            is_own=verdict.reviewer_id == user_id,
        )
        for verdict in sorted(rows, key=lambda v: (v.created_at, v.pk))
    ]


def _default_final(verdicts: list[VerdictView], typed: str | None) -> str:
    """The final-verdict radio checked at first: what was sent, else the editor's own
    verdict, else the one verdict everybody gave; nothing when reviewers disagree."""
    if typed:
        return typed
    current = [v for v in verdicts if v.is_current]
    own = [v for v in current if v.is_own]
    if own:
        return str(own[0].pk)
    if current and len({v.label for v in current}) == 1:
        return str(current[0].pk)
    return ""


def context(
    ref: Claim, membership: Membership, user_id: int, *, data: Any = None, failed: bool = False
) -> dict[str, Any]:
    """What the panel's review sections need for one open claim. `data` is the posted form
    (kept after a refused move: the note and final-verdict choice come back as sent)."""
    offered = moves(membership, user_id, ref)
    is_editor = policies.allows(membership, policies.CLAIM_REVIEW)
    approving = any(move.kind == "approve" for move in offered)
    verdicts = _verdict_views(ref, user_id) if (is_editor or approving) else []
    kept = data if (failed and data is not None) else {}
    publishing_now = any(move.kind == "publish" for move in offered)
    return {
        "moves": offered,
        "side_by_side": is_editor and bool(verdicts),
        "verdicts": verdicts,
        "approving": approving,
        "final_choices": [v for v in verdicts if v.is_current] if approving else [],
        "final_checked": _default_final(verdicts, kept.get("final_verdict")) if approving else "",
        "note": kept.get("note", ""),
        "correction": correction(ref),
        # Publish asks where the fact check is published: prefilled with the claim's own
        # public URL, else the team's pattern (publishing.public_url_for).
        "publishing": publishing_now,
        "public_url": kept.get("public_url", ref.public_url or publishing.public_url_for(ref))
        if publishing_now
        else "",
        "public_url_editable": is_editor and ref.status == ClaimStatus.PUBLISHED,
    }


def correction(claim: Any) -> dict[str, Any] | None:
    if not getattr(claim, "corrected_at", None):
        return None
    return {"note": claim.correction_note, "at": claim.corrected_at}


NO_PUBLIC_URL = "Published without a public URL: search engines ignore this fact check."


def public_url_html(claim: Any) -> str:
    """The card's line for a published claim: where it is published, or a warning that it has
    no public URL (its ClaimReview has no `url`). Empty for other claims."""
    if claim.status != ClaimStatus.PUBLISHED:
        return ""
    url = getattr(claim, "public_url", "")
    if not url:
        return f'<p class="claim-card__warning" role="note">{escape(NO_PUBLIC_URL)}</p>'
    return (
        '<p class="claim-card__public">Published at '
        f'<a href="{escape(url)}" rel="noopener noreferrer" class="break">{escape(url)}</a></p>'
    )


def correction_html(claim: Any) -> str:
    """The card's line for a corrected claim ("Corrected on 26 Nov 2026, 09:00: note"),
    escaped; empty when the claim was never corrected."""
    found = correction(claim)
    if found is None:
        return ""
    when = timezone.localtime(found["at"])
    return (
        '<p class="claim-card__correction"><strong>Corrected on '
        f'<time datetime="{when.isoformat()}">{escape(date_format(when, DATE_FORMAT))}</time>'
        f"</strong>: {escape(found['note'])}</p>"
    )
