"""Claims that need a reviewer's attention after a revision: fuzzy matches to confirm, orphaned
claims to re-attach, published claims whose text moved.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Case,
    CharField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from annotations import verbs
from annotations.models import (
    AnchorState,
    Article,
    Claim,
    ClaimStatus,
    Event,
    Team,
)
from annotations.queries.claims import claims_for_article
from annotations.queries.scope import teams_for

# --- revisions and claims needing attention after one -------------------------------------------


def _latest_event(wanted: list[str]) -> Subquery:
    return Subquery(
        Event.objects.filter(claim_id=OuterRef("pk"), verb__in=wanted)
        .order_by("-id")
        .values("id")[:1]
    )


def with_attention(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Annotate claims with `attention`: "orphaned", "fuzzy", "moved" (a published claim that
    a revision moved or changed, not confirmed or re-attached since) or "" (none), and
    `moved_event_id` (the latest `claim.moved` Event, for the before/after quotes)."""
    claims = claims.annotate(
        moved_event_id=_latest_event([verbs.CLAIM_MOVED]),
        settled_event_id=_latest_event([verbs.CLAIM_ANCHOR_CONFIRMED, verbs.CLAIM_REATTACHED]),
    )
    moved = Q(status=ClaimStatus.PUBLISHED, moved_event_id__isnull=False) & (
        Q(settled_event_id__isnull=True) | Q(settled_event_id__lt=F("moved_event_id"))
    )
    return claims.annotate(
        attention=Case(
            When(anchor=AnchorState.ORPHANED, then=Value("orphaned")),
            When(anchor=AnchorState.FUZZY, then=Value("fuzzy")),
            When(moved, then=Value("moved")),
            default=Value(""),
            output_field=CharField(),
        )
    )


def claims_needing_attention(article: Article) -> QuerySet[Claim]:
    """The article's claims a person should look at after a revision: fuzzy and orphaned ones,
    and published ones a revision moved. Each carries `attention` (see with_attention).

    Orphans first, then fuzzy, then moved; in text order within each. Query count does not
    grow with the number of claims.
    """
    order = Case(
        When(attention="orphaned", then=Value(0)),
        When(attention="fuzzy", then=Value(1)),
        default=Value(2),
    )
    return (
        with_attention(claims_for_article(article))
        .exclude(attention="")
        .order_by(order, "start", "end", "id")
    )


def claims_needing_attention_for(
    user: AbstractBaseUser, team: Team | None = None
) -> QuerySet[Claim]:
    """The same across the user's teams (or one of them), with article and team, newest first:
    an editor's "needs attention" inbox."""
    if not user.is_authenticated:
        return Claim.objects.none()
    teams = teams_for(user) if team is None else teams_for(user).filter(pk=team.pk)
    return (
        with_attention(Claim.objects.filter(article__team__in=teams))
        .exclude(attention="")
        .select_related("article__team", "created_by")
        .defer("article__text", "article__blocks", "article__links")
        .order_by("-updated_at", "-id")
    )


def claim_is_flagged(claim: Claim) -> bool:
    """Whether a published claim was moved by a revision and nobody has confirmed it since."""
    flagged = with_attention(Claim.objects.filter(pk=claim.pk)).filter(attention="moved")
    return flagged.exists()
