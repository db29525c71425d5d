"""The read side of every export: a team's claims and articles, streamed.

Exports walk a hundred thousand claims, so nothing here builds a list of them, and the number
of queries does not grow with them. A claims export runs five queries, however many claims:
the claims, and their verdicts, sources, comments and assignees, each a stream sorted in the
same order (the claim's article, start, end, id). The streams are read `chunk_size` rows at a
time (`.iterator(chunk_size=...)`: server-side cursors on PostgreSQL) and merged claim by claim,
as a merge join would. Memory holds a chunk of each stream, whatever the team's size.

Why not model instances and prefetch_related per chunk: an export touches about ten objects
per claim (the claim, its article, author, verdicts with ratings and reviewers, sources...).
Built as model instances with a prefetch cache each, they cost about a millisecond per claim
(measured: ~840 claims/s over HTTP), and prefetching a chunk of 1,000 claims spends most of its
time preparing the `IN (...)` lists of ids; the target is 5,000 claims/s. So rows come as
`values_list` tuples with what they need joined in, wrapped in the small read-only objects
below, which answer the same attribute names as the models (`claim.article.url`,
`claim.verdicts.all()`, `verdict.reviewer.get_username()`, and the `current_verdicts` list that
queries.current_verdicts() sets): every format's mapping, the W3C one included, takes either.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F, Max, Min, OrderBy, Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Cast

from annotations import verbs
from annotations.exports.formats.fields import CLAIM_ANCHOR, CLAIM_SELECTOR, CLAIM_WORDING
from annotations.models import (
    Article,
    ArticleRevision,
    Claim,
    ClaimStatus,
    Comment,
    Event,
    Rating,
    Source,
    Team,
    Verdict,
)

CLAIM_CHUNK_SIZE = 1000
# Articles carry their full text and every revision's text: a smaller chunk keeps memory flat.
ARTICLE_CHUNK_SIZE = 20
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
# The events that date a claim's publication.
PUBLICATION_VERBS = (verbs.CLAIM_PUBLISHED, verbs.CLAIM_APPROVED)


def base_url() -> str:
    """Where IRIs and page links point when no request says otherwise."""
    return str(getattr(settings, "FACTCHECK_BASE_URL", "") or DEFAULT_BASE_URL).rstrip("/")


# --- read-only rows shaped like the models -------------------------------------------------------


class Related(list):
    """A list that answers `.all()`, as a prefetched related manager does."""

    def all(self) -> Related:
        return self


class _Row:
    """A row answers `id` as a model instance does: the same as `pk`."""

    __slots__ = ()

    @property
    def id(self) -> int:
        return self.pk


@dataclass(slots=True, eq=False)
class UserRow(_Row):
    pk: int
    username: str
    first_name: str
    last_name: str

    def get_username(self) -> str:
        return self.username

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def __str__(self) -> str:
        return self.username


@dataclass(slots=True, eq=False)
class ArticleRow(_Row):
    pk: int
    title: str
    url: str
    publisher: str
    author: str
    published_at: date | None
    language: str


@dataclass(slots=True, eq=False)
class VerdictRow(_Row):
    pk: int
    rationale: str
    is_current: bool
    created_at: datetime
    reviewer: UserRow
    rating: Rating


@dataclass(slots=True, eq=False)
class SourceRow(_Row):
    pk: int
    url: str
    title: str
    publisher: str
    excerpt: str
    stance: str
    accessed_at: date | None
    archived_url: str
    created_at: datetime
    added_by: UserRow | None


@dataclass(slots=True, eq=False)
class CommentRow(_Row):
    pk: int
    body: str
    reply_to_id: int | None
    created_at: datetime
    updated_at: datetime
    author: UserRow | None
    deleted_at: datetime | None = None
    deleted_by: UserRow | None = None


class ClaimRow(_Row):
    """A claim as the exports read it: the model's field names, relations already loaded."""

    __slots__ = (
        "pk",
        "start",
        "end",
        "exact",
        "prefix",
        "suffix",
        "anchor",
        "anchored_revision",
        "claimant",
        "summary",
        "status",
        "tags",
        "version",
        "final_verdict_id",
        "created_at",
        "updated_at",
        "correction_note",
        "corrected_at",
        "public_url",
        "number",
        "article_id",
        "article",
        "created_by",
        "verdicts",
        "current_verdicts",
        "sources",
        "comments",
        "assignees",
    )

    def __init__(self, fields: tuple, article: ArticleRow, created_by: UserRow | None) -> None:
        (
            self.pk,
            self.start,
            self.end,
            self.exact,
            self.prefix,
            self.suffix,
            self.anchor,
            self.anchored_revision,
            self.claimant,
            self.summary,
            self.status,
            self.tags,
            self.version,
            self.final_verdict_id,
            self.created_at,
            self.updated_at,
            self.correction_note,
            self.corrected_at,
            self.public_url,
            self.number,
        ) = fields
        self.article_id = article.pk
        self.article = article
        self.created_by = created_by
        self.verdicts = Related()
        self.current_verdicts: list[VerdictRow] = []
        self.sources = Related()
        self.comments = Related()
        self.assignees = Related()


class _People:
    """UserRows by id, made once each: a team's export names the same few people often."""

    def __init__(self) -> None:
        self._known: dict[int, UserRow] = {}

    def get(self, pk: int | None, username: str, first: str, last: str) -> UserRow | None:
        if pk is None:
            return None
        person = self._known.get(pk)
        if person is None:
            person = self._known[pk] = UserRow(pk, username, first or "", last or "")
        return person


# --- claims ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleFilter:
    """Which of a team's articles an export covers, as the article list filters them: the
    article's status, words in its title or publisher, someone assigned to it (a username).
    Applied as a subquery, so it adds no query of its own."""

    status: str = ""
    q: str = ""
    assignee: str = ""
    # The list's Archived tab: archived articles only (the export must include_archived).
    archived: bool = False

    def __bool__(self) -> bool:
        return bool(self.status or self.q.strip() or self.assignee or self.archived)

    def articles(self, team: Team) -> QuerySet[Article]:
        articles = Article.objects.filter(team=team)
        if self.status:
            articles = articles.filter(status=self.status)
        q = self.q.strip()
        if q:
            articles = articles.filter(Q(title__icontains=q) | Q(publisher__icontains=q))
        if self.assignee:
            name = get_user_model().USERNAME_FIELD
            articles = articles.filter(**{f"assignees__{name}": self.assignee})
        if self.archived:
            articles = articles.filter(archived_at__isnull=False)
        return articles.values("pk")

    def query(self) -> dict[str, str]:
        """The filters as URL parameters (those that are set)."""
        wanted = {
            "status": self.status,
            "q": self.q.strip(),
            "assignee": self.assignee,
            "archived": "1" if self.archived else "",
        }
        return {name: value for name, value in wanted.items() if value}


def _claims(
    team: Team,
    article: Article | None,
    statuses: tuple[str, ...] | None,
    include_archived: bool = False,
    within: ArticleFilter | None = None,
) -> Any:
    claims = Claim.objects.filter(article__team=team)
    if article is not None:
        claims = claims.filter(article=article)
    elif not include_archived:
        claims = claims.filter(article__archived_at__isnull=True)
    if statuses is not None:
        claims = claims.filter(status__in=statuses)
    if within:
        claims = claims.filter(article__in=within.articles(team))
    return claims


def _claim_filter(
    team: Team,
    article: Article | None,
    statuses: tuple[str, ...] | None,
    include_archived: bool = False,
    within: ArticleFilter | None = None,
) -> Q:
    """The same claims as _claims, seen from a relation (a verdict's claim...)."""
    condition = Q(claim__article__team=team)
    if article is not None:
        condition &= Q(claim__article=article)
    elif not include_archived:
        condition &= Q(claim__article__archived_at__isnull=True)
    if statuses is not None:
        condition &= Q(claim__status__in=statuses)
    if within:
        condition &= Q(claim__article__in=within.articles(team))
    return condition


def reviewers(
    team: Team,
    *,
    article: Article | None = None,
    include_archived: bool = False,
    within: ArticleFilter | None = None,
) -> list[str]:
    """The usernames of everyone with a current verdict on the exported claims, sorted: the
    CSV's verdict columns, known before its first row (one query)."""
    name = get_user_model().USERNAME_FIELD
    rows = (
        Verdict.objects.filter(
            _claim_filter(team, article, None, include_archived, within), is_current=True
        )
        .values_list(f"reviewer__{name}", flat=True)
        .distinct()
    )
    return sorted(set(rows), key=lambda username: (username.casefold(), username))


# The claims' order, also the order of every related stream. Orphaned claims (no start) come
# last in each article; NULLS LAST is spelled out because databases differ on the default.
def _claim_order(prefix: str = "") -> list[OrderBy]:
    return [
        F(f"{prefix}article_id").asc(),
        F(f"{prefix}start").asc(nulls_last=True),
        F(f"{prefix}end").asc(nulls_last=True),
        F(f"{prefix}id").asc(),
    ]


# The same order as a Python sort key, from (article_id, start, end, claim id).
def _key(article_id: int, start: int | None, end: int | None, claim_id: int) -> tuple:
    return (article_id, start is None, start or 0, end is None, end or 0, claim_id)


KEY_FIELDS = ("claim__article_id", "claim__start", "claim__end", "claim_id")


class _Timestamps:
    """Datetime columns read the fastest way the database allows.

    SQLite stores them as UTC text; Django's converters (text → naive → aware, with settings
    lookups on the way) cost about 12 µs a value, a quarter of an export's reading time. So
    on SQLite the text is read as it is and parsed in one C call. PostgreSQL's driver hands
    out aware datetimes already.
    """

    def __init__(self) -> None:
        self.raw = connection.vendor == "sqlite"

    def column(self, name: str) -> Any:
        return Cast(name, TextField()) if self.raw else name

    def value(self, stored: Any) -> datetime | None:
        if not self.raw or stored is None:
            return stored
        return datetime.fromisoformat(stored + "+00:00")


class _Stream:
    """The rows of one relation, sorted like the claims, handed out claim by claim.

    Each row starts with the KEY_FIELDS. Rows of a claim that is not in the claims stream
    (added while the export runs) are skipped, not mistaken for the next claim's.
    """

    def __init__(self, rows: Iterator[tuple]) -> None:
        self._rows = rows
        self._next = next(rows, None)

    def take(self, key: tuple) -> list[tuple]:
        taken = []
        while self._next is not None:
            row_key = _key(*self._next[:4])
            if row_key > key:
                break
            if row_key == key:
                taken.append(self._next[4:])
            self._next = next(self._rows, None)
        return taken


# Fields of the claims stream: ClaimRow's own fields, then its article and author.
CLAIM_FIELDS = (
    "id",
    *CLAIM_SELECTOR,
    *CLAIM_ANCHOR,
    *CLAIM_WORDING,
    "tags",
    "version",
    "final_verdict_id",
    "created_at",
    "updated_at",
    "correction_note",
    "corrected_at",
    "public_url",
    "number",
)
# Where the claims query reads the tags differently (see iter_claims).
_TAGS = CLAIM_FIELDS.index("tags")
ARTICLE_FIELDS = (
    "article_id",
    "article__title",
    "article__url",
    "article__publisher",
    "article__author",
    "article__published_at",
    "article__language",
)


def _person(relation: str) -> tuple[str, ...]:
    name = get_user_model().USERNAME_FIELD
    return (
        f"{relation}_id",
        f"{relation}__{name}",
        f"{relation}__first_name",
        f"{relation}__last_name",
    )


def iter_claims(
    team: Team,
    *,
    article: Article | None = None,
    statuses: tuple[str, ...] | None = None,
    within: ArticleFilter | None = None,
    chunk_size: int = CLAIM_CHUNK_SIZE,
    include_archived: bool = False,
) -> Iterator[ClaimRow]:
    """Yield the team's claims in text order, each with its verdicts (all, oldest first),
    sources, comments and assignees: six queries in all (the ratings, then five streams).

    A team's export leaves archived articles out unless `include_archived`; one article's
    export (`article`) includes it whether archived or not."""
    ratings = {rating.pk: rating for rating in Rating.objects.filter(team=team)}
    people = _People()
    related = _claim_filter(team, article, statuses, include_archived, within)
    when = _Timestamps()
    at = when.value
    claims = (
        _claims(team, article, statuses, include_archived, within)
        .order_by(*_claim_order())
        .values_list(
            *CLAIM_FIELDS[:_TAGS],
            # The tags' JSON as text, parsed by orjson: Django's JSONField runs json.loads.
            Cast("tags", TextField()),
            *CLAIM_FIELDS[_TAGS + 1 : _TAGS + 3],
            when.column("created_at"),
            when.column("updated_at"),
            "correction_note",
            when.column("corrected_at"),
            "public_url",
            "number",
            *ARTICLE_FIELDS,
            *_person("created_by"),
        )
        .iterator(chunk_size=chunk_size)
    )
    in_order = ("created_at", "id")
    verdicts = _Stream(
        Verdict.objects.filter(related)
        .order_by(*_claim_order("claim__"), *in_order)
        .values_list(
            *KEY_FIELDS,
            "id",
            "rationale",
            "is_current",
            when.column("created_at"),
            "rating_id",
            *_person("reviewer"),
        )
        .iterator(chunk_size=chunk_size)
    )
    sources = _Stream(
        Source.objects.filter(related)
        .order_by(*_claim_order("claim__"), *in_order)
        .values_list(
            *KEY_FIELDS,
            "id",
            "url",
            "title",
            "publisher",
            "excerpt",
            "stance",
            "accessed_at",
            "archived_url",
            when.column("created_at"),
            *_person("added_by"),
        )
        .iterator(chunk_size=chunk_size)
    )
    comments = _Stream(
        Comment.objects.filter(related)
        .order_by(*_claim_order("claim__"), *in_order)
        .values_list(
            *KEY_FIELDS,
            "id",
            "body",
            "reply_to_id",
            when.column("created_at"),
            when.column("updated_at"),
            when.column("deleted_at"),
            *_person("author"),
            *_person("deleted_by"),
        )
        .iterator(chunk_size=chunk_size)
    )
    assignees = _Stream(
        Claim.assignees.through.objects.filter(related)
        .order_by(*_claim_order("claim__"), "user_id")
        .values_list(*KEY_FIELDS, *_person("user"))
        .iterator(chunk_size=chunk_size)
    )
    own = len(CLAIM_FIELDS)
    about = own + len(ARTICLE_FIELDS)
    article_row = None
    for row in claims:
        if article_row is None or article_row.pk != row[own]:
            article_row = ArticleRow(*row[own:about])
        claim = ClaimRow(row[:own], article_row, people.get(*row[about:]))
        claim.tags = orjson.loads(claim.tags) if claim.tags else []
        claim.created_at = at(claim.created_at)
        claim.updated_at = at(claim.updated_at)
        claim.corrected_at = at(claim.corrected_at)
        key = _key(article_row.pk, claim.start, claim.end, claim.pk)
        for pk, rationale, current, created_at, rating_id, *reviewer in verdicts.take(key):
            verdict = VerdictRow(
                pk, rationale, current, at(created_at), people.get(*reviewer), ratings[rating_id]
            )
            claim.verdicts.append(verdict)
            if current:
                claim.current_verdicts.append(verdict)
        for fields in sources.take(key):
            claim.sources.append(SourceRow(*fields[:8], at(fields[8]), people.get(*fields[9:])))
        for pk, body, reply_to_id, created_at, updated_at, deleted_at, *who in comments.take(key):
            claim.comments.append(
                CommentRow(
                    pk,
                    body,
                    reply_to_id,
                    at(created_at),
                    at(updated_at),
                    people.get(*who[:4]),
                    at(deleted_at),
                    people.get(*who[4:]),
                )
            )
        for fields in assignees.take(key):
            claim.assignees.append(people.get(*fields))
        yield claim


def iter_claim_chunks(
    team: Team,
    *,
    article: Article | None = None,
    statuses: tuple[str, ...] | None = None,
    within: ArticleFilter | None = None,
    chunk_size: int = CLAIM_CHUNK_SIZE,
    include_archived: bool = False,
) -> Iterator[list[ClaimRow]]:
    """The same claims as iter_claims, in lists of up to `chunk_size`.

    For exports that ask one more thing per chunk (ClaimReview: publication dates).
    """
    chunk: list[ClaimRow] = []
    claims = iter_claims(
        team,
        article=article,
        statuses=statuses,
        within=within,
        chunk_size=chunk_size,
        include_archived=include_archived,
    )
    for claim in claims:
        chunk.append(claim)
        if len(chunk) >= chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def count_claims(
    team: Team,
    *,
    article: Article | None = None,
    statuses: tuple[str, ...] | None = None,
    include_archived: bool = False,
    within: ArticleFilter | None = None,
) -> int:
    return _claims(team, article, statuses, include_archived, within).count()


def count_without_public_url(
    team: Team,
    *,
    article: Article | None = None,
    statuses: tuple[str, ...] | None = None,
    include_archived: bool = False,
    within: ArticleFilter | None = None,
) -> int:
    """Claims with a final verdict and no public URL: their ClaimReviews have no `url`."""
    claims = _claims(team, article, statuses, include_archived, within)
    claims = claims.filter(final_verdict__isnull=False, public_url="")
    return claims.count()


def iter_articles(
    team: Team,
    *,
    article: Article | None = None,
    chunk_size: int = ARTICLE_CHUNK_SIZE,
    include_archived: bool = False,
    within: ArticleFilter | None = None,
) -> Iterator[Article]:
    """The team's articles (or just `article`) in import order, with revisions and assignees;
    archived ones only with `include_archived` (or when asked for by `article`)."""
    articles = Article.objects.filter(team=team)
    if article is not None:
        articles = articles.filter(pk=article.pk)
    elif not include_archived:
        articles = articles.filter(archived_at__isnull=True)
    if within:
        articles = articles.filter(pk__in=within.articles(team))
    articles = (
        articles.select_related("imported_by")
        .prefetch_related(
            Prefetch(
                "revisions",
                queryset=ArticleRevision.objects.select_related("created_by").order_by("number"),
            ),
            Prefetch("assignees", queryset=get_user_model().objects.order_by("id")),
        )
        .order_by("id")
    )
    yield from articles.iterator(chunk_size=chunk_size)


def ratings(team: Team) -> list[Rating]:
    """The whole scale, retired ratings included: old verdicts may use them."""
    return list(Rating.objects.filter(team=team).order_by("order", "id"))


def scale_bounds(team: Team) -> tuple[Any, Any]:
    """(worst, best): the smallest and largest numeric value of the team's active ratings."""
    bounds = Rating.objects.filter(team=team, active=True, value__isnull=False).aggregate(
        worst=Min("value"), best=Max("value")
    )
    return bounds["worst"], bounds["best"]


def publication_dates(claims: list[ClaimRow]) -> dict[int, datetime]:
    """When each approved or published claim was last published (or else approved).

    One query for the whole chunk. A claim without such an event (imported, say) is missing
    from the answer; callers fall back to its updated_at.
    """
    wanted = {claim.pk: claim.status for claim in claims}
    found: dict[int, dict[str, datetime]] = {}
    events = Event.objects.filter(claim_id__in=list(wanted), verb__in=PUBLICATION_VERBS)
    for claim_id, verb, created_at in events.values_list("claim_id", "verb", "created_at"):
        latest = found.setdefault(claim_id, {})
        if verb not in latest or created_at > latest[verb]:
            latest[verb] = created_at
    dates: dict[int, datetime] = {}
    for claim_id, status in wanted.items():
        latest = found.get(claim_id, {})
        if status == ClaimStatus.PUBLISHED and verbs.CLAIM_PUBLISHED in latest:
            dates[claim_id] = latest[verbs.CLAIM_PUBLISHED]
        elif verbs.CLAIM_APPROVED in latest:
            dates[claim_id] = latest[verbs.CLAIM_APPROVED]
    return dates
