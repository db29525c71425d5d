"""The claims of an article as the review page shows them: pre-joined rows with verdicts, sources,
assignees and comment counts in a fixed number of queries, however many claims there are.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Count,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from annotations.models import (
    Article,
    Claim,
    ClaimStatus,
    Comment,
    Membership,
    Rating,
    Role,
    Source,
    Team,
    Verdict,
)


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
        claim.correction_note, claim.corrected_at = note, corrected_at  # workflow.py's card line
        claim.public_url = row[-3]  # workflow.public_url_html
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
