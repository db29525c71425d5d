"""Reads about an article's versions: one revision, the diff between two, how a claim's anchor
compares with its text now, and a deleted claim's last snapshot (for restoring it).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404

from annotations import verbs
from annotations.lib.anchoring import DiffOp, text_diff
from annotations.models import (
    Article,
    ArticleRevision,
    Claim,
    Event,
)


def claim_deletion(user: AbstractBaseUser, claim_id: int) -> Event | None:
    """The latest deletion Event of a claim in one of the user's teams (None if there is none).

    Lets a page tell "someone deleted this claim while you were editing it" apart from "no
    such claim", without revealing anything outside the user's teams.
    """
    if not user.is_authenticated:
        return None
    return (
        Event.objects.filter(
            claim_id=claim_id, verb=verbs.CLAIM_DELETED, team__memberships__user=user
        )
        .select_related("actor", "article")
        .order_by("-created_at", "-id")
        .first()
    )


def deleted_claim_snapshot(article: Article, claim_id: int) -> dict | None:
    """What claim_delete recorded about a claim of this article, ready for claim_restore.

    None when the article has no such deleted claim. The snapshot is the "before" side of the
    deletion Event's changes, plus the claim's old id.
    """
    event = (
        Event.objects.filter(article=article, claim_id=claim_id, verb=verbs.CLAIM_DELETED)
        .order_by("-created_at", "-id")
        .first()
    )
    if event is None:
        return None
    snapshot = {field: values[0] for field, values in (event.changes or {}).items()}
    snapshot["id"] = claim_id
    return snapshot


@dataclass(frozen=True)
class AnchorComparison:
    """The old and the new quote of a claim, for showing them side by side.

    `old_quote` is the quote the claim was made on (from revision `old_revision`); `new_quote`
    is the current text at the claim's position (None for an orphan).
    """

    attention: str
    old_quote: str
    new_quote: str | None
    old_revision: int
    current_revision: int


def anchor_comparison(claim: Claim, article: Article | None = None) -> AnchorComparison:
    """Old and new quote of a claim from claims_needing_attention (or any claim).

    A fuzzy claim still holds its old quote and points at the new text; a published claim
    that moved holds the new quote, and its old one is in the `claim.moved` Event.
    """
    article = article or claim.article
    attention = getattr(claim, "attention", "") or claim.anchor
    new_quote = None if claim.start is None else article.text[claim.start : claim.end]
    old_quote, old_revision = claim.exact, claim.anchored_revision
    moved_event_id = getattr(claim, "moved_event_id", None)
    if attention == "moved" and moved_event_id:
        events = Event.objects.filter(pk=moved_event_id)
        changes = events.values_list("changes", flat=True).first() or {}
        old_quote = (changes.get("exact") or [claim.exact])[0]
        old_revision = (changes.get("anchored_revision") or [None])[0] or article.revision - 1
    return AnchorComparison(
        attention=attention,
        old_quote=old_quote,
        new_quote=new_quote,
        old_revision=old_revision,
        current_revision=article.revision,
    )


def article_revision(article: Article, number: int) -> ArticleRevision:
    """One revision of an article the caller may already see; a 404 for any other number."""
    revision = (
        ArticleRevision.objects.filter(article=article, number=number)
        .select_related("created_by")
        .first()
    )
    if revision is None:
        raise Http404("No such revision.")
    return revision


def revision_diff(article: Article, old: int, new: int) -> list[DiffOp]:
    """A readable word-level diff between two revisions of an article (anchoring.text_diff)."""
    return text_diff(article_revision(article, old).text, article_revision(article, new).text)
