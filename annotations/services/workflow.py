"""The review workflow: the allowed moves between draft, in review, approved, published and
corrected (TRANSITIONS), who may make each, the final verdict an approval chooses, the public
URL a published claim gets, and saving a claim's typed changes together with a move.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from annotations import policies, verbs
from annotations.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
)
from annotations.lib import publishing
from annotations.lib.text import shorten
from annotations.models import (
    Claim,
    ClaimStatus,
    Notification,
    Rating,
    Role,
    Verdict,
)
from annotations.services._base import UNSET, _claim_event, check_version, require
from annotations.services.articles import article_status_refresh
from annotations.services.claims import claim_revise
from annotations.services.verdicts import verdict_set

# The review workflow: (from, to) -> the least role needed and the event verb.
#
#   from        to          who                                   verb
#   draft       in_review   reviewer (own claim), editor          claim.submitted
#   in_review   draft       reviewer (own claim): withdraw        claim.withdrawn
#                           editor (someone else's): send back    claim.sent_back
#   in_review   approved    editor, choosing the final verdict    claim.approved
#   approved    in_review   editor: send back (reopens review)    claim.sent_back
#   approved    published   editor                                claim.published
#   published   in_review   editor: correct, a note is required   claim.corrected
#
# Every other pair (skipping a step, leaving "published" any other way) is refused with
# Conflict "invalid_transition"; a role below the one needed gets Forbidden, and so does a
# reviewer moving a claim someone else created. Moving a claim back to its author's hands
# (claim.sent_back) notifies its author, unless they did it themselves; the optional note
# travels with the Event and the notification. A correction stores its note and time on the
# claim (correction_note, corrected_at) as well as on the Event, for the exports.
TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    (ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW): (Role.REVIEWER, verbs.CLAIM_SUBMITTED),
    (ClaimStatus.IN_REVIEW, ClaimStatus.DRAFT): (Role.REVIEWER, verbs.CLAIM_SENT_BACK),
    (ClaimStatus.IN_REVIEW, ClaimStatus.APPROVED): (Role.EDITOR, verbs.CLAIM_APPROVED),
    (ClaimStatus.APPROVED, ClaimStatus.IN_REVIEW): (Role.EDITOR, verbs.CLAIM_SENT_BACK),
    (ClaimStatus.APPROVED, ClaimStatus.PUBLISHED): (Role.EDITOR, verbs.CLAIM_PUBLISHED),
    (ClaimStatus.PUBLISHED, ClaimStatus.IN_REVIEW): (Role.EDITOR, verbs.CLAIM_CORRECTED),
}


@transaction.atomic
def claim_transition(
    *,
    claim: Claim,
    actor: AbstractBaseUser,
    to: str,
    note: str = "",
    final_verdict: Verdict | int | None = None,
    own_rating: Rating | str | None = None,
    own_rationale: str = "",
    expected_version: int | str | None = None,
    public_url: str | None = UNSET,
) -> Claim:
    """Move a claim along draft → in_review → approved → published (the table is TRANSITIONS).

    Reviewers submit their own claims and may withdraw them; editors approve (choosing the
    final verdict), send back (with an optional note, which notifies the author), publish,
    and correct published claims (a note is required: it is kept on the claim and the Event).
    Approving with `own_rating` (and `own_rationale`) first sets the approver's own verdict,
    which becomes the final one.

    Publishing takes the fact check's `public_url` (its ClaimReview `url`). Not given: the URL
    the claim already has (a republished correction), else the team's pattern
    (publishing.public_url_for), else none. Given empty: published without one.
    """
    membership = require(actor, claim.article.team, policies.CLAIM_WORK)
    check_version(claim, expected_version)
    claim.refresh_from_db()
    if to not in ClaimStatus.values:
        raise InvalidInput(
            f"Unknown status {to!r}: use one of {', '.join(ClaimStatus.values)}.", field="to"
        )
    rule = TRANSITIONS.get((claim.status, to))
    if rule is None:
        allowed = [target for (source, target) in TRANSITIONS if source == claim.status]
        raise Conflict(
            f"A {claim.get_status_display().lower()} claim cannot move to "
            f"{ClaimStatus(to).label.lower()}; it can move to "
            f"{', '.join(ClaimStatus(t).label.lower() for t in allowed)}.",
            code="invalid_transition",
        )
    role, verb = rule
    if not membership.has_role(role):
        raise Forbidden(f"Only an editor can move a claim to {ClaimStatus(to).label.lower()}.")
    if not policies.allows(membership, policies.CLAIM_REVIEW) and claim.created_by_id != actor.pk:
        raise Forbidden("Reviewers can move only their own claims; ask an editor.")
    note = (note or "").strip()
    if verb == verbs.CLAIM_CORRECTED and not note:
        raise InvalidInput(
            "Correcting a published claim needs a note saying what was wrong.", field="note"
        )
    if verb == verbs.CLAIM_SENT_BACK and _is_withdrawal(claim, to, actor):
        verb = verbs.CLAIM_WITHDRAWN
    before = claim.status
    # The approved verdict's rating before the move: sending back or correcting clears it.
    final_before = (
        Verdict.objects.filter(pk=claim.final_verdict_id)
        .values_list("rating__slug", flat=True)
        .first()
        if claim.final_verdict_id
        else None
    )
    fields = ["status", "version", "updated_at"]
    changes: dict[str, tuple[Any, Any]] = {"status": (before, to)}
    if verb == verbs.CLAIM_CORRECTED:
        changes["correction_note"] = (claim.correction_note or None, note)
        claim.correction_note = note
        claim.corrected_at = timezone.now()
        fields += ["correction_note", "corrected_at"]
    if to == ClaimStatus.PUBLISHED:
        if public_url is UNSET:
            wanted = claim.public_url or publishing.public_url_for(claim)
        else:
            wanted = publishing.check_url(public_url, field="public_url", label="The public URL")
        if wanted != claim.public_url:
            changes["public_url"] = (claim.public_url or None, wanted or None)
            claim.public_url = wanted
            fields.append("public_url")
    if to == ClaimStatus.APPROVED:
        if own_rating is not None:
            if not own_rating:
                raise InvalidInput(
                    "Choose your own verdict in the Verdict field, or pick one of the "
                    "reviewers' verdicts as final.",
                    field="final_verdict",
                )
            final_verdict = verdict_set(
                claim=claim, actor=actor, rating=own_rating, rationale=own_rationale
            )
        claim.final_verdict = _choose_final_verdict(claim, actor, final_verdict)
        fields.append("final_verdict")
    elif to in (ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW) and claim.final_verdict_id:
        claim.final_verdict = None
        fields.append("final_verdict")
    claim.status = to
    claim.version = Claim.objects.filter(pk=claim.pk).values_list("version", flat=True)[0] + 1
    claim.save(update_fields=fields)
    if "final_verdict" in fields:
        final_after = claim.final_verdict.rating.slug if claim.final_verdict is not None else None
        if final_after != final_before:
            changes["final_verdict"] = (final_before, final_after)
    if verb == verbs.CLAIM_SENT_BACK:
        _notify_sent_back(claim, actor, note)
    _claim_event(
        claim=claim,
        verb=verb,
        actor=actor,
        changes=changes,
        note=note,
    )
    article_status_refresh(claim.article)
    return claim


@transaction.atomic
def claim_public_url_set(
    *,
    claim: Claim,
    actor: AbstractBaseUser,
    public_url: str | None,
    expected_version: int | str | None = None,
) -> Claim:
    """Set or change where a published claim's fact check is published (editors).

    The only change a published claim takes without a correction: the address says where the
    verdict is, not what it is. Empty clears it (the ClaimReview then has no `url`). Raises the
    claim's version; a `claim.public_url_changed` Event has the old and new address.
    """
    require(actor, claim.article.team, policies.CLAIM_PUBLIC_URL)
    check_version(claim, expected_version)
    claim.refresh_from_db()
    if claim.status != ClaimStatus.PUBLISHED:
        raise Conflict(
            "Only a published claim has a public URL: give it when publishing.",
            code="not_published",
        )
    wanted = publishing.check_url(public_url, field="public_url", label="The public URL")
    if wanted == claim.public_url:
        return claim
    before = claim.public_url
    claim.public_url = wanted
    claim.version = Claim.objects.filter(pk=claim.pk).values_list("version", flat=True)[0] + 1
    claim.save(update_fields=["public_url", "version", "updated_at"])
    _claim_event(
        claim=claim,
        verb=verbs.CLAIM_PUBLIC_URL_CHANGED,
        actor=actor,
        changes={"public_url": (before or None, wanted or None)},
    )
    return claim


def _is_withdrawal(claim: Claim, to: str, actor: AbstractBaseUser) -> bool:
    """A claim's own author taking it back from review to draft withdraws it (no one to tell)."""
    return to == ClaimStatus.DRAFT and claim.created_by_id == actor.pk


def _notify_sent_back(claim: Claim, actor: AbstractBaseUser, note: str) -> None:
    """Tell the claim's author that an editor sent it back, with the editor's note."""

    if claim.created_by_id is None or claim.created_by_id == actor.pk:
        return
    wording = shorten(claim.summary or claim.exact, 80, collapse_spaces=False)
    message = f"{actor.get_username()} sent back your claim #{claim.number} “{wording}”"
    message += f": {note}" if note else "."
    Notification.objects.create(
        user_id=claim.created_by_id,
        team=claim.article.team,
        kind="sent_back",
        actor=actor,
        article=claim.article,
        claim=claim,
        message=message,
    )


def _choose_final_verdict(
    claim: Claim, actor: AbstractBaseUser, chosen: Verdict | int | None
) -> Verdict:
    current = list(
        Verdict.objects.filter(claim=claim, is_current=True).select_related("rating", "reviewer")
    )
    if not current:
        raise Conflict(
            "This claim has no verdict yet: give one before approving it.", code="no_verdict"
        )
    if chosen is not None:
        chosen_id = chosen.pk if isinstance(chosen, Verdict) else chosen
        for verdict in current:
            if str(verdict.pk) == str(chosen_id):
                return verdict
        raise InvalidInput(
            "The chosen final verdict is not a current verdict on this claim.",
            field="final_verdict",
        )
    own = [verdict for verdict in current if verdict.reviewer_id == actor.pk]
    if own:
        return own[0]
    if len({verdict.rating_id for verdict in current}) == 1:
        return current[0]
    raise Conflict(
        "Reviewers disagree on this claim: choose which verdict is final, or give your own.",
        code="choose_verdict",
    )


# Which workflow moves save the open form first: all of them. The workflow buttons sit in the
# claim's form (article_detail.html), so a press posts what the page shows; the page saves it
# and then moves the claim, in one transaction, rather than moving a claim whose typed verdict
# is then thrown away. The one case that needs a rule is Approve: "Set my own verdict", or
# picking one's own earlier verdict while the Verdict field says something new, approves the
# verdict as typed (it is what the approver sees); picking a colleague's verdict saves the
# approver's typed one beside it as a proposal. Publish publishes the verdict approved before,
# so a changed Verdict would not be what goes out: the page asks first and drops it if told to
# go on (workspace.js); a post that has not asked (no JavaScript) saves it as a proposal.
# Correct has nothing to save: a published claim is frozen and its panel has only the note.
FINAL_OWN = "own"


@transaction.atomic
def claim_revise_and_transition(
    *,
    claim: Claim,
    actor: AbstractBaseUser,
    to: str,
    expected_version: int | str | None = None,
    changes: Mapping[str, Any] | None = None,
    note: str = "",
    final_verdict: Verdict | int | str | None = None,
    move: Mapping[str, Any] | None = None,
) -> Claim:
    """Save the claim's form (`changes`: claim_revise's fields) and then move the claim `to`
    a workflow status, all or nothing.

    The version is checked once, before anything changes: a stale form saves nothing and
    moves nothing; so does an invalid change or a refused move (the transaction rolls back).
    `final_verdict` is a verdict id or FINAL_OWN (the user's verdict as saved by this call);
    `move` carries any further options of claim_transition for the move.
    """
    require(actor, claim.article.team, policies.CLAIM_WORK)
    check_version(claim, expected_version)
    own_before = (
        Verdict.objects.filter(claim=claim, reviewer=actor, is_current=True)
        .values_list("pk", flat=True)
        .first()
    )
    claim = claim_revise(claim=claim, actor=actor, **dict(changes or {}))
    chosen: Any = final_verdict
    if to == ClaimStatus.APPROVED and final_verdict is not None:
        own_now = (
            Verdict.objects.filter(claim=claim, reviewer=actor, is_current=True)
            .values_list("pk", flat=True)
            .first()
        )
        picked_own = own_before is not None and str(final_verdict) == str(own_before)
        if str(final_verdict) == FINAL_OWN or picked_own:
            if own_now is None:
                raise InvalidInput(
                    "Choose your own verdict in the Verdict field, or pick one of the "
                    "reviewers' verdicts as final.",
                    field="final_verdict",
                )
            chosen = own_now
        elif not str(final_verdict).isdigit():
            raise InvalidInput("Pick one of the verdicts as final.", field="final_verdict")
        else:
            chosen = int(final_verdict)
    return claim_transition(
        claim=claim,
        actor=actor,
        to=to,
        note=note,
        final_verdict=chosen,
        expected_version=claim.version,
        **dict(move or {}),
    )
