"""Read-side query shaping: team-scoped querysets that pre-join what pages and the API show."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from annotations.anchoring import DiffOp, text_diff
from annotations.models import (
    AnchorState,
    Article,
    ArticleRevision,
    Claim,
    ClaimStatus,
    Comment,
    Event,
    Membership,
    Rating,
    Role,
    Source,
    Team,
    Verdict,
)


def teams_for(user: AbstractBaseUser) -> QuerySet[Team]:
    if not user.is_authenticated:
        return Team.objects.none()
    return Team.objects.filter(memberships__user=user)


def assignee_names(user: AbstractBaseUser) -> list[str]:
    """The usernames of the people articles can be assigned to in the user's teams (reviewers
    and up), sorted: the article list's "Assigned to" filter. One query."""
    if not user.is_authenticated:
        return []
    names = (
        Membership.objects.filter(
            team__memberships__user=user,
            role__in=[Role.REVIEWER, Role.EDITOR, Role.ADMIN],
        )
        .values_list("user__username", flat=True)
        .distinct()
    )
    return sorted(set(names), key=str.casefold)


def articles_for(user: AbstractBaseUser) -> QuerySet[Article]:
    """Articles in the user's teams, with what the article list shows."""
    if not user.is_authenticated:
        return Article.objects.none()
    # A correlated subquery counts claims only for the rows on the page, where a join with
    # GROUP BY would count them for every article before paginating.
    claim_count = (
        Claim.objects.filter(article=OuterRef("pk"))
        .order_by()
        .values("article")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Article.objects.filter(team__in=teams_for(user))
        .select_related("team")
        .annotate(claim_count=Coalesce(Subquery(claim_count), 0))
        .defer("text", "blocks", "links")
    )


def article_for_user(user: AbstractBaseUser, pk: int) -> Article:
    """One article the user may see; anything else is a 404, never a 403."""
    article = (
        Article.objects.filter(pk=pk, team__memberships__user=user)
        .select_related("team", "imported_by", "archived_by")
        .first()
        if user.is_authenticated
        else None
    )
    if article is None:
        raise Http404("No such article.")
    return article


def membership(user: AbstractBaseUser, team: Team) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, team=team).first()


def current_verdicts() -> Prefetch:
    return Prefetch(
        "verdicts",
        queryset=Verdict.objects.filter(is_current=True).select_related("rating", "reviewer"),
        to_attr="current_verdicts",
    )


def claims_for_article(article: Article) -> QuerySet[Claim]:
    """The article's claims in text order (orphans last) with verdicts and sources."""
    return (
        Claim.objects.filter(article=article)
        .select_related("created_by", "final_verdict__rating")
        .prefetch_related(
            current_verdicts(),
            Prefetch("sources", queryset=Source.objects.order_by("created_at", "id")),
        )
        .order_by("start", "end", "id")
    )


def active_ratings(team: Team) -> QuerySet[Rating]:
    return Rating.objects.filter(team=team, active=True).order_by("order", "id")


def claim_for_user(user: AbstractBaseUser, pk: int) -> Claim:
    """One claim in the user's teams, with its article and team; anything else is a 404."""
    claim = (
        Claim.objects.filter(pk=pk, article__team__memberships__user=user)
        .select_related("article__team", "created_by", "final_verdict__rating")
        .first()
        if user.is_authenticated
        else None
    )
    if claim is None:
        raise Http404("No such claim.")
    return claim


def claim_by_number(user: AbstractBaseUser, slug: str, number: int) -> Claim:
    """The claim with this number (#123) in a team of the user's; anything else is a 404."""
    claim = (
        Claim.objects.filter(team__slug=slug, number=number, team__memberships__user=user)
        .only("id", "article_id", "start")
        .first()
        if user.is_authenticated and 0 < number < 2**31
        else None
    )
    if claim is None:
        raise Http404(f"No claim #{number} in this team.")
    return claim


def claim_deletion(user: AbstractBaseUser, claim_id: int) -> Event | None:
    """The latest deletion Event of a claim in one of the user's teams (None if there is none).

    Lets a page tell "someone deleted this claim while you were editing it" apart from "no
    such claim", without revealing anything outside the user's teams.
    """
    if not user.is_authenticated:
        return None
    return (
        Event.objects.filter(claim_id=claim_id, verb="claim.deleted", team__memberships__user=user)
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
        Event.objects.filter(article=article, claim_id=claim_id, verb="claim.deleted")
        .order_by("-created_at", "-id")
        .first()
    )
    if event is None:
        return None
    snapshot = {field: values[0] for field, values in (event.changes or {}).items()}
    snapshot["id"] = claim_id
    return snapshot


# --- revisions and claims needing attention after one -------------------------------------------


def _attention_verbs() -> tuple[str, list[str]]:
    # services owns the verbs (it writes the Events); imported here, when first needed,
    # because services is the heavier module and does not need this one at import time.
    from annotations.services import ANCHOR_CONFIRM_VERB, REANCHOR_FLAG_VERB, REATTACH_VERB

    return REANCHOR_FLAG_VERB, [ANCHOR_CONFIRM_VERB, REATTACH_VERB]


def _latest_event(verbs: list[str]) -> Subquery:
    return Subquery(
        Event.objects.filter(claim_id=OuterRef("pk"), verb__in=verbs)
        .order_by("-id")
        .values("id")[:1]
    )


def with_attention(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Annotate claims with `attention`: "orphaned", "fuzzy", "moved" (a published claim that
    a revision moved or changed, not confirmed or re-attached since) or "" (none), and
    `moved_event_id` (the latest `claim.moved` Event, for the before/after quotes)."""
    flag_verb, settle_verbs = _attention_verbs()
    claims = claims.annotate(
        moved_event_id=_latest_event([flag_verb]),
        settled_event_id=_latest_event(settle_verbs),
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


class Named:
    """A rating or a person as the review page needs them: a few fields, shared by all rows."""

    def __init__(self, pk: int | None, slug: str, label: str) -> None:
        self.pk = pk
        self.slug = slug
        self.label = label

    def get_username(self) -> str:
        return self.label


class VerdictRow:
    def __init__(self, pk: int, reviewer: Named, rating: Named, rationale: str) -> None:
        self.pk = pk
        self.reviewer_id = reviewer.pk
        self.reviewer = reviewer
        self.rating = rating
        self.rationale = rationale


class ClaimRow:
    """One claim as the review page shows it: plain values, no model instance.

    The workspace lists hundreds of claims; building model instances for them and their
    verdicts costs several times more than reading the same values as tuples.
    """

    status_labels = dict(ClaimStatus.choices)

    def __init__(self, row: tuple, verdicts: list[VerdictRow], final_rating: Named | None) -> None:
        (
            self.pk,
            self.start,
            self.end,
            self.exact,
            self.anchor,
            self.claimant,
            self.summary,
            self.status,
            self.version,
            self.created_by_id,
            self.final_verdict_id,
            self.source_total,
        ) = row
        self.current_verdicts = verdicts
        self.final_rating = final_rating

    def get_status_display(self) -> str:
        return self.status_labels.get(self.status, self.status)


def claims_for_workspace(article: Article) -> list[ClaimRow]:
    """The article's claims in text order (orphans last) with exactly what the review page
    shows: current verdicts with rating and reviewer's name, the number of sources, and who
    created each. Three queries, whatever the number of claims."""
    people: dict[int, Named] = {}
    ratings: dict[int, Named] = {}

    def person(pk: int | None, name: str | None) -> Named | None:
        if pk is None:
            return None
        return people.setdefault(pk, Named(pk, name or "", name or ""))

    def rating(pk: int, slug: str, label: str) -> Named:
        return ratings.setdefault(pk, Named(pk, slug, label))

    verdicts: dict[int, list[VerdictRow]] = {}
    rows = Verdict.objects.filter(claim__article=article, is_current=True).order_by(
        "created_at", "id"
    )
    for pk, claim_id, reviewer_id, name, rating_id, slug, label, rationale in rows.values_list(
        "id",
        "claim_id",
        "reviewer_id",
        "reviewer__username",
        "rating_id",
        "rating__slug",
        "rating__label",
        "rationale",
    ):
        verdict = VerdictRow(
            pk, person(reviewer_id, name), rating(rating_id, slug, label), rationale
        )
        verdicts.setdefault(claim_id, []).append(verdict)

    source_total = (
        Source.objects.filter(claim=OuterRef("pk"))
        .order_by()
        .values("claim")
        .annotate(n=Count("id"))
        .values("n")
    )
    # Comments still standing (tombstones not counted), for the cards.
    comment_total = (
        Comment.objects.filter(claim=OuterRef("pk"), deleted_at__isnull=True)
        .order_by()
        .values("claim")
        .annotate(n=Count("id"))
        .values("n")
    )
    claims = (
        Claim.objects.filter(article=article)
        .annotate(source_total=Coalesce(Subquery(source_total), 0))
        .annotate(comment_total=Coalesce(Subquery(comment_total), 0))
        .order_by("start", "end", "id")
        .values_list(
            "id",
            "start",
            "end",
            "exact",
            "anchor",
            "claimant",
            "summary",
            "status",
            "version",
            "created_by_id",
            "final_verdict_id",
            "source_total",
            "created_by__username",
            "final_verdict__rating_id",
            "final_verdict__rating__slug",
            "final_verdict__rating__label",
            "correction_note",
            "corrected_at",
            "public_url",
            "number",
            "comment_total",
        )
    )
    result = []
    for row in claims:
        *values, creator, final_rating_id, final_slug, final_label, note, corrected_at = row[:-3]
        final = None
        if values[10] is not None:  # the approved verdict (it may no longer be current)
            final = rating(final_rating_id, final_slug, final_label)
        claim = ClaimRow(tuple(values), verdicts.get(values[0], []), final)
        claim.created_by = person(values[9], creator)
        claim.correction_note, claim.corrected_at = note, corrected_at  # review_panel's card line
        claim.public_url = row[-3]  # review_panel.public_url_html
        claim.number = row[-2]  # the permanent number in the team (#123)
        claim.comment_total = row[-1]
        result.append(claim)
    return result


def verdict_choices(article: Article, claim_id: int | None = None) -> list[tuple[str, str]]:
    """The verdicts a form offers: the team's active ratings, and for an existing claim the
    retired ones still given on it (so a form keeping one is not refused; the services refuse
    giving it anew). A new claim is offered active ratings only."""
    offered = Q(active=True)
    if claim_id:
        offered |= Q(verdicts__claim_id=claim_id, verdicts__is_current=True)
    ratings = list(
        Rating.objects.filter(team_id=article.team_id)
        .filter(offered)
        .distinct()
        .order_by("-active", "order", "id")
        .values_list("slug", "label", "active")
    )
    return [(slug, label if active else f"{label} (retired)") for slug, label, active in ratings]
