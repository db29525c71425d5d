"""A reviewer's verdict on a claim: set (one per reviewer, replaced on change) and withdrawn."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from annotations import policies, verbs
from annotations.errors import (
    Conflict,
)
from annotations.models import (
    Claim,
    Rating,
    Verdict,
)
from annotations.services._base import (
    _bump_version,
    _check_not_published,
    _claim_event,
    check_version,
    rating_for,
    require,
    validate_model,
)


@transaction.atomic
def verdict_set(
    *,
    claim: Claim,
    actor: AbstractBaseUser,
    rating: Rating | str,
    rationale: str = "",
    expected_version: int | None = None,
) -> Verdict:
    """Record the user's current verdict on a claim; an earlier one of theirs is kept as history."""
    team = claim.article.team
    require(actor, team, policies.CLAIM_WORK)
    check_version(claim, expected_version)
    _check_not_published(claim)
    chosen = rating_for(team, rating)
    previous = Verdict.objects.filter(claim=claim, reviewer=actor, is_current=True).first()
    if previous is not None:
        if previous.rating_id == chosen.pk and previous.rationale == rationale.strip():
            return previous
        Verdict.objects.filter(pk=previous.pk).update(is_current=False)
    verdict = Verdict(claim=claim, reviewer=actor, rating=chosen, rationale=rationale.strip())
    validate_model(verdict, exclude=["claim", "reviewer", "rating"])
    try:
        with transaction.atomic():
            verdict.save()
    except IntegrityError:
        raise Conflict(
            "Another verdict of yours on this claim was saved at the same moment; reload.",
            code="conflict",
        ) from None
    _bump_version(claim)
    _claim_event(
        claim=claim,
        verb=verbs.VERDICT_SET,
        actor=actor,
        changes={
            "rating": (previous.rating.slug if previous else None, chosen.slug),
            "rationale": (previous.rationale if previous else None, verdict.rationale),
        },
    )
    return verdict


# --- the reviewing workspace: one form's save, withdrawing a verdict, undoing a deletion -----


@transaction.atomic
def verdict_withdraw(
    *, claim: Claim, actor: AbstractBaseUser, expected_version: int | str | None = None
) -> bool:
    """Withdraw the user's current verdict on a claim; it stays in the history, not current.

    Returns whether there was a verdict to withdraw. The verdict an editor approved as final
    cannot be withdrawn while the claim is approved: send the claim back first.
    """
    team = claim.article.team
    require(actor, team, policies.CLAIM_WORK)
    check_version(claim, expected_version)
    _check_not_published(claim)
    current = (
        Verdict.objects.filter(claim=claim, reviewer=actor, is_current=True)
        .select_related("rating")
        .first()
    )
    if current is None:
        return False
    final_id = Claim.objects.filter(pk=claim.pk).values_list("final_verdict_id", flat=True)[0]
    if final_id == current.pk:
        raise Conflict(
            "This verdict is the claim's approved verdict. An editor has to send the claim back "
            "before it can be withdrawn.",
            code="final_verdict",
        )
    Verdict.objects.filter(pk=current.pk).update(is_current=False)
    _bump_version(claim)
    _claim_event(
        claim=claim,
        verb=verbs.VERDICT_WITHDRAWN,
        actor=actor,
        changes={"rating": (current.rating.slug, None), "rationale": (current.rationale, None)},
    )
    return True
