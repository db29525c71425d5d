"""Every write goes through here: permission checks, validation, the change, and its Event.

Pages, the API and management commands all call these functions; none of them writes models
directly. Functions are keyword-only and atomic. Errors are ServiceError subclasses whose
message can be shown to the user as is.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from annotations import anchoring, ingest, publishing
from annotations.errors import Conflict, Forbidden, InvalidInput, NotAnArticle, NotFound, ServiceError
from annotations.models import (
    AnchorState,
    ApiToken,
    Article,
    ArticleRevision,
    ArticleStatus,
    Claim,
    ClaimStatus,
    Comment,
    Event,
    Membership,
    Rating,
    Role,
    Source,
    SourceKind,
    Stance,
    Team,
    Verdict,
)

# slug, label, value, colour, description
DEFAULT_SCALE: list[tuple[str, str, int | None, str, str]] = [
    ("true", "True", 5, "#15803d", "Accurate, with nothing significant missing."),
    ("mostly-true", "Mostly true", 4, "#65a30d", "Accurate but needs clarification or context."),
    ("half-true", "Half true", 3, "#ca8a04", "Partly accurate; leaves out important details."),
    ("mostly-false", "Mostly false", 2, "#ea580c", "Contains some truth but ignores key facts."),
    ("false", "False", 1, "#b91c1c", "Not accurate."),
    ("misleading", "Misleading", None, "#7c3aed", "Accurate facts presented to mislead."),
    ("unverifiable", "Unverifiable", None, "#475569", "Cannot be proved or disproved now."),
]

_http_url = URLValidator(schemes=["http", "https"])
SOURCE_FIELDS = frozenset(
    {"url", "title", "publisher", "excerpt", "stance", "accessed_at", "archived_url"}
)


# --- access -------------------------------------------------------------------------------


def membership_for(user: AbstractBaseUser, team: Team) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, team=team).first()


def require_role(user: AbstractBaseUser, team: Team, role: str) -> Membership:
    """The user's membership if it has at least `role`.

    Outsiders get NotFound (404: the team's objects do not exist for them); members with a
    lesser role get Forbidden (403).
    """
    membership = membership_for(user, team)
    if membership is None:
        raise NotFound("Not found.")
    if not membership.has_role(role):
        raise Forbidden(
            f"Your role in {team.name} is {membership.get_role_display().lower()}; this needs "
            f"{Role(role).label.lower()} or higher."
        )
    return membership


# --- events -------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Rating):
        return value.slug
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value


def event_record(
    *,
    team: Team,
    verb: str,
    actor: AbstractBaseUser | None,
    article: Article | None = None,
    claim: Claim | None = None,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    note: str = "",
) -> Event:
    return Event.objects.create(
        team=team,
        verb=verb,
        actor=actor if actor is not None and actor.is_authenticated else None,
        article=article,
        claim=claim,
        changes={
            field: [_jsonable(before), _jsonable(after)]
            for field, (before, after) in (changes or {}).items()
        },
        note=note,
    )


def _created(obj: Any, fields: Iterable[str]) -> dict[str, tuple[Any, Any]]:
    return {field: (None, getattr(obj, field)) for field in fields}


def _full_clean(obj: Any, *, exclude: Iterable[str] = ()) -> None:
    """Model validation, turned into a service error naming the first failing field."""
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            field, errors = next(iter(error.error_dict.items()))
            message = " ".join(m for e in errors for m in e.messages)
            label = "" if field == "__all__" else f"{field}: "
            raise InvalidInput(f"{label}{message}", field=field) from None
        raise InvalidInput(" ".join(error.messages)) from None


# --- teams --------------------------------------------------------------------------------


@transaction.atomic
def team_create(*, name: str, slug: str, actor: AbstractBaseUser | None = None) -> Team:
    """A new team with the default rating scale; `actor` becomes its admin."""
    team = Team(name=name.strip(), slug=slug.strip())
    _full_clean(team)
    team.save()
    for order, (rating_slug, label, value, colour, description) in enumerate(DEFAULT_SCALE):
        Rating.objects.create(
            team=team,
            slug=rating_slug,
            label=label,
            value=value,
            colour=colour,
            description=description,
            order=order,
        )
    event_record(team=team, verb="team.created", actor=actor, changes=_created(team, ["name"]))
    if actor is not None and actor.is_authenticated:
        Membership.objects.create(team=team, user=actor, role=Role.ADMIN)
    return team


@transaction.atomic
def membership_set(
    *, team: Team, user: AbstractBaseUser, role: str, actor: AbstractBaseUser | None = None
) -> Membership:
    """Add `user` to `team` with `role`, or change their role.

    `actor=None` is the command line (trusted); otherwise the actor must be a team admin.
    """
    if role not in Role.values:
        raise InvalidInput(f"Unknown role {role!r}: use one of {', '.join(Role.values)}.")
    if actor is not None:
        require_role(actor, team, Role.ADMIN)
    membership, created = Membership.objects.get_or_create(
        team=team, user=user, defaults={"role": role}
    )
    before = None if created else membership.role
    if (
        before == Role.ADMIN
        and role != Role.ADMIN
        and not Membership.objects.filter(team=team, role=Role.ADMIN).exclude(pk=membership.pk)
    ):
        raise Conflict(
            f"{user.get_username()} is the last admin of {team.name}; make someone else admin "
            "first.",
            code="last_admin",
        )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    if created or before != role:
        event_record(
            team=team,
            verb="member.added" if created else "member.role_changed",
            actor=actor,
            changes={"user": (None, user.get_username()), "role": (before, role)},
        )
    return membership


# --- articles -----------------------------------------------------------------------------


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class ImportResult:
    article: Article
    created: bool
    message: str


def load_article_input(
    *,
    text: str | None = None,
    markdown: str | None = None,
    html: str | None = None,
    url: str | None = None,
    file_name: str | None = None,
    file_data: bytes | None = None,
    title: str = "",
) -> ingest.LoadedArticle:
    """Turn exactly one kind of input into article text (no database access)."""
    given = [
        name
        for name, value in (
            ("text", text),
            ("markdown", markdown),
            ("html", html),
            ("url", url),
            ("file", file_data),
        )
        if value not in (None, "")
    ]
    if not given:
        if file_name is not None and file_data is not None:
            raise InvalidInput("The file is empty.", code="empty", field="file")
        raise InvalidInput(
            "Nothing to import: paste text, upload a file or give a URL.", code="empty"
        )
    if len(given) > 1:
        raise InvalidInput(f"Give only one of {' / '.join(given)}.", code="ambiguous_input")
    limit = settings.FACTCHECK_MAX_UPLOAD_BYTES
    try:
        if text is not None and text != "":
            _check_size(text, limit)
            loaded = ingest.load_text(text, title=title)
        elif markdown:
            _check_size(markdown, limit)
            loaded = ingest.load_markdown(markdown, title=title)
        elif html:
            _check_size(html, limit)
            loaded = ingest.load_html(html, title=title)
        elif url:
            loaded = ingest.fetch_url(
                url.strip(),
                allow_private=settings.FACTCHECK_ALLOW_PRIVATE_URLS,
                max_bytes=limit,
                connect_timeout=settings.FACTCHECK_URL_CONNECT_TIMEOUT,
                read_timeout=settings.FACTCHECK_URL_READ_TIMEOUT,
            )
        else:
            loaded = ingest.load_file(file_name or "upload.txt", file_data or b"", max_bytes=limit)
    except ingest.IngestError as error:
        raise ServiceError(error.message, code=error.code, status=error.status) from None
    if title.strip():
        loaded.title = title.strip()
    if not loaded.title:
        loaded.title = loaded.text.split("\n", 1)[0][:200]
    return loaded


def human_size(size: int) -> str:
    """A byte count as people say it: 5 MB, 512 KB, 900 bytes."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} bytes"


def _check_size(value: str, limit: int) -> None:
    if len(value.encode("utf-8")) > limit:
        raise ServiceError(
            f"The text is larger than the {human_size(limit)} limit.",
            code="too_large",
            status=413,
        )


PREVIEW_LINES = 5


def article_preview(loaded: ingest.LoadedArticle) -> dict[str, Any]:
    """What was extracted, for a person deciding whether it is the article: the title, the
    first lines of text and the number of words."""
    lines = [line for line in loaded.text.split("\n") if line.strip()][:PREVIEW_LINES]
    return {
        "title": loaded.title,
        "first_lines": [line[:300] for line in lines],
        "words": loaded.word_count,
    }


def _keepable_url(loaded: ingest.LoadedArticle) -> str:
    """The article's address, when the model accepts it (a page's canonical may not be)."""
    address = (loaded.url or "")[:2000]
    try:
        _http_url(address)
    except ValidationError:
        return ""
    return address


def article_import(
    *,
    team: Team,
    user: AbstractBaseUser | None,
    text: str | None = None,
    markdown: str | None = None,
    html: str | None = None,
    url: str | None = None,
    file_name: str | None = None,
    file_data: bytes | None = None,
    title: str = "",
    force: bool = False,
) -> ImportResult:
    """Load an article into `team`, or give back the one that already has the same text.

    `user=None` is the command line acting on the team's behalf. A web page that does not
    look like an article (ingest.article_doubts: too short, a login form, a list of links)
    raises NotAnArticle with the reasons and a preview, unless `force`. The input is loaded
    before the transaction, so a slow fetch holds no lock; the article, its first revision
    and its Event are written together or not at all.
    """
    if user is not None:
        require_role(user, team, Role.REVIEWER)
    loaded = load_article_input(
        text=text,
        markdown=markdown,
        html=html,
        url=url,
        file_name=file_name,
        file_data=file_data,
        title=title,
    )
    return _article_import_apply(team=team, user=user, loaded=loaded, force=force)


@transaction.atomic
def _article_import_apply(
    *, team: Team, user: AbstractBaseUser | None, loaded: ingest.LoadedArticle, force: bool
) -> ImportResult:
    digest = content_hash(loaded.text)
    existing = Article.objects.filter(team=team, content_hash=digest).first()
    if existing is not None:
        message = (
            f"This text is already in {team.name} as “{existing.title}”; nothing new was imported."
        )
        if existing.archived_at is not None:
            message += " That article is archived: restore it from its page to work on it."
        return ImportResult(article=existing, created=False, message=message)
    doubts = ingest.article_doubts(loaded)
    if doubts and not force:
        raise NotAnArticle(
            "This does not look like an article: " + " ".join(doubts) + " Nothing was "
            "imported; import it anyway if it is the text you want to check.",
            reasons=doubts,
            preview=article_preview(loaded),
        )
    article = Article(
        team=team,
        title=loaded.title[:500],
        url=_keepable_url(loaded),
        publisher=loaded.publisher[:200],
        author=loaded.author[:300],
        published_at=loaded.published_at,
        published_at_guessed=bool(loaded.published_at and loaded.published_at_guessed),
        language=loaded.language[:16],
        text=loaded.text,
        blocks=loaded.blocks,
        links=loaded.links,
        source_kind=loaded.source_kind,
        imported_by=user,
        content_hash=digest,
    )
    _full_clean(article, exclude=["assignees"])
    article.save()
    ArticleRevision.objects.create(
        article=article,
        number=1,
        text=article.text,
        blocks=article.blocks,
        links=article.links,
        title=article.title,
        source_kind=article.source_kind,
        source_url=article.url,
        content_hash=digest,
        created_by=user,
    )
    event_record(
        team=team,
        verb="article.imported",
        actor=user,
        article=article,
        changes=_created(article, ["title", "url", "source_kind"]),
        note="Imported although it did not look like an article: " + " ".join(doubts)
        if doubts
        else "",
    )
    return ImportResult(article=article, created=True, message=f"Imported “{article.title}”.")


def require_not_archived(article: Article, doing: str) -> None:
    """An archived article takes no new work (see articles.py): 409 `archived`."""
    if article.archived_at is not None:
        raise Conflict(f"This article is archived: restore it before {doing}.", code="archived")


# --- claims -------------------------------------------------------------------------------


def rating_for(team: Team, rating: Rating | str) -> Rating:
    """The team's active rating with this slug (or the Rating itself, checked)."""
    slug = rating.slug if isinstance(rating, Rating) else str(rating).strip()
    found = Rating.objects.filter(team=team, slug=slug).first()
    if found is None:
        choices = ", ".join(
            Rating.objects.filter(team=team, active=True).values_list("slug", flat=True)
        )
        raise InvalidInput(
            f"Unknown verdict {slug!r}: use one of {choices}.",
            code="unknown_rating",
            field="rating",
        )
    if not found.active:
        raise InvalidInput(
            f"The verdict “{found.label}” is retired and can no longer be given.",
            code="retired_rating",
            field="rating",
        )
    return found


def next_claim_numbers(team: Team, count: int) -> range:
    """Give out the team's next `count` claim numbers, inside the caller's transaction.

    The UPDATE raises the counter in the database (F(), not a value read beforehand) and
    locks the team's row until the transaction ends, so two claims created at once on
    PostgreSQL wait for each other and never get the same number; SQLite serialises writers
    anyway. The counter only grows: numbers are never reused.
    """
    Team.objects.filter(pk=team.pk).update(claim_counter=F("claim_counter") + count)
    last = Team.objects.values_list("claim_counter", flat=True).get(pk=team.pk)
    team.claim_counter = last
    return range(last - count + 1, last + 1)


def next_claim_number(team: Team) -> int:
    return next_claim_numbers(team, 1)[0]


@transaction.atomic
def claim_create(
    *,
    article: Article,
    user: AbstractBaseUser,
    start: int | None = None,
    end: int | None = None,
    exact: str | None = None,
    prefix: str = "",
    suffix: str = "",
    claimant: str = "",
    summary: str = "",
    rating: Rating | str | None = None,
    rationale: str = "",
    sources: Iterable[Mapping[str, Any]] = (),
    tags: Iterable[str] = (),
) -> Claim:
    """Highlight a claim, from start/end offsets or from its quote (with optional context).

    The server never trusts offsets alone: when a quote is given it must be what the offsets
    select, or it is searched for. A quote that occurs several times needs context.
    """
    require_role(user, article.team, Role.REVIEWER)
    require_not_archived(article, "adding claims")
    if rationale.strip() and not rating:
        raise InvalidInput("A rationale needs a verdict to go with it.", field="rating")
    try:
        anchor = anchoring.resolve_selector(
            article.text, start=start, end=end, exact=exact, prefix=prefix, suffix=suffix
        )
    except anchoring.AnchorError as error:
        raise InvalidInput(error.message, code=error.code, field="exact") from None
    claim = Claim(
        article=article,
        team_id=article.team_id,
        number=1,  # a placeholder for full_clean; the real one is taken right before saving
        start=anchor.start,
        end=anchor.end,
        exact=anchor.exact,
        prefix=anchor.prefix,
        suffix=anchor.suffix,
        anchored_revision=article.revision,
        claimant=claimant.strip(),
        summary=summary.strip() or anchor.exact.strip(),
        tags=_clean_tags(tags),
        created_by=user,
    )
    _full_clean(claim, exclude=["final_verdict", "assignees", "team", "number"])
    claim.number = next_claim_number(article.team)
    claim.save()
    event_record(
        team=article.team,
        verb="claim.created",
        actor=user,
        article=article,
        claim=claim,
        changes=_created(claim, ["start", "end", "exact", "claimant", "summary", "status"]),
    )
    if rating:
        verdict_set(claim=claim, user=user, rating=rating, rationale=rationale)
    for source in sources:
        unknown = set(source) - SOURCE_FIELDS
        if unknown:
            raise InvalidInput(
                f"Unknown source field(s): {', '.join(sorted(unknown))}. "
                f"A source takes {', '.join(sorted(SOURCE_FIELDS))}.",
                field="sources",
            )
        source_add(claim=claim, user=user, **source)
    article_status_refresh(article)
    return claim


def _clean_tags(tags: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        tag = str(tag).strip()
        if tag and tag not in cleaned:
            cleaned.append(tag[:50])
    return cleaned


def _bump_version(claim: Claim) -> None:
    # Increment in the database, not from this (possibly stale) copy: two writers holding the
    # same version must end two versions later, or a stale If-Match would still pass.
    Claim.objects.filter(pk=claim.pk).update(version=F("version") + 1)
    claim.refresh_from_db(fields=["version"])


@transaction.atomic
def verdict_set(
    *,
    claim: Claim,
    user: AbstractBaseUser,
    rating: Rating | str,
    rationale: str = "",
    expected_version: int | None = None,
) -> Verdict:
    """Record the user's current verdict on a claim; an earlier one of theirs is kept as history."""
    team = claim.article.team
    require_role(user, team, Role.REVIEWER)
    _check_version(claim, expected_version)
    _check_not_published(claim)
    chosen = rating_for(team, rating)
    previous = Verdict.objects.filter(claim=claim, reviewer=user, is_current=True).first()
    if previous is not None:
        if previous.rating_id == chosen.pk and previous.rationale == rationale.strip():
            return previous
        Verdict.objects.filter(pk=previous.pk).update(is_current=False)
    verdict = Verdict(claim=claim, reviewer=user, rating=chosen, rationale=rationale.strip())
    _full_clean(verdict, exclude=["claim", "reviewer", "rating"])
    try:
        with transaction.atomic():
            verdict.save()
    except IntegrityError:
        raise Conflict(
            "Another verdict of yours on this claim was saved at the same moment; reload.",
            code="conflict",
        ) from None
    _bump_version(claim)
    event_record(
        team=team,
        verb="verdict.set",
        actor=user,
        article=claim.article,
        claim=claim,
        changes={
            "rating": (previous.rating.slug if previous else None, chosen.slug),
            "rationale": (previous.rationale if previous else None, verdict.rationale),
        },
    )
    return verdict


def _lowercase_scheme(url: str) -> str:
    """'HTTPS://x' is a valid address, but the database check (case-sensitive on PostgreSQL,
    not on SQLite) wants a lower-case scheme: store the canonical form."""
    scheme, separator, rest = url.partition("://")
    return f"{scheme.lower()}{separator}{rest}" if separator else url


@transaction.atomic
def source_add(
    *,
    claim: Claim,
    user: AbstractBaseUser,
    url: str,
    title: str = "",
    publisher: str = "",
    excerpt: str = "",
    stance: str = Stance.CONTEXT,
    accessed_at: date | None = None,
    archived_url: str | None = "",
) -> Source:
    team = claim.article.team
    _require_claim_editor(user, claim)
    _check_not_published(claim)
    url = _lowercase_scheme((url or "").strip())
    archived_url = _lowercase_scheme((archived_url or "").strip())
    for field, value in (("url", url), ("archived_url", archived_url)):
        if field == "archived_url" and not value:
            continue
        try:
            _http_url(value)
        except ValidationError:
            raise InvalidInput(
                f"{value!r} is not a web address: a source needs an http:// or https:// URL.",
                code="invalid_url",
                field=field,
            ) from None
    if stance not in Stance.values:
        raise InvalidInput(
            f"Unknown stance {stance!r}: use supports, refutes or context.", field="stance"
        )
    source = Source(
        claim=claim,
        url=url,
        title=(title or "").strip(),
        publisher=(publisher or "").strip(),
        excerpt=(excerpt or "").strip(),
        stance=stance,
        accessed_at=accessed_at,
        archived_url=archived_url,
        added_by=user,
    )
    _full_clean(source, exclude=["claim", "added_by"])
    source.save()
    _bump_version(claim)
    event_record(
        team=team,
        verb="source.added",
        actor=user,
        article=claim.article,
        claim=claim,
        changes=_created(source, ["url", "title", "stance"]),
    )
    return source


# Comment services (threads, tombstones, mentions) live in comments.py, which builds on this
# module: these hand over to it, imported on first use to avoid an import cycle.


def comment_add(**kwargs: Any) -> Comment:
    from annotations import comments

    return comments.comment_add(**kwargs)


def comment_update(**kwargs: Any) -> Comment:
    from annotations import comments

    return comments.comment_update(**kwargs)


def comment_delete(**kwargs: Any) -> Comment:
    from annotations import comments

    return comments.comment_delete(**kwargs)


# --- claim editing, deletion and workflow ---------------------------------------------------

UNSET: Any = object()


def _check_version(claim: Claim, expected_version: int | str | None) -> None:
    """Optimistic concurrency: a write naming an older version than the stored one is refused."""
    if expected_version is None:
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        raise InvalidInput("version must be a whole number.", field="version") from None
    current = Claim.objects.filter(pk=claim.pk).values_list("version", flat=True).first()
    if current is None:
        raise NotFound("This claim has been deleted.", code="deleted")
    if expected != current:
        from annotations.conflicts import mark_stale  # the API's 409 body names what changed

        stale = Conflict(
            f"Someone changed this claim since you opened it (you have version {expected}, "
            f"it is now at version {current}). Reload to see their change.",
            code="stale",
        )
        raise mark_stale(stale, claim_id=claim.pk, your_version=expected)


def _check_not_published(claim: Claim) -> None:
    if claim.status == ClaimStatus.PUBLISHED:
        raise Conflict(
            "This claim is published and frozen. An editor can correct it, which reopens it "
            "with a note.",
            code="published",
        )


def _require_claim_editor(user: AbstractBaseUser, claim: Claim) -> Membership:
    """Editors change any claim of their team; reviewers only their own, before approval."""
    membership = require_role(user, claim.article.team, Role.REVIEWER)
    if membership.has_role(Role.EDITOR):
        return membership
    if claim.created_by_id != user.pk:
        raise Forbidden("Reviewers can change only their own claims; ask an editor.")
    if claim.status not in (ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW):
        raise Forbidden("This claim is approved; only an editor can change it now.")
    return membership


@transaction.atomic
def claim_update(
    *,
    claim: Claim,
    user: AbstractBaseUser,
    expected_version: int | str | None = None,
    claimant: str = UNSET,
    summary: str = UNSET,
    tags: Iterable[str] = UNSET,
    start: int | None = UNSET,
    end: int | None = UNSET,
    exact: str | None = UNSET,
    prefix: str = "",
    suffix: str = "",
) -> Claim:
    """Change a claim's wording, claimant, tags or position. Only what is given changes."""
    _require_claim_editor(user, claim)
    _check_version(claim, expected_version)
    _check_not_published(claim)
    claim.refresh_from_db()
    changes: dict[str, tuple[Any, Any]] = {}

    def change(field: str, value: Any) -> None:
        before = getattr(claim, field)
        if before != value:
            changes[field] = (before, value)
            setattr(claim, field, value)

    if claimant is not UNSET:
        change("claimant", (claimant or "").strip())
    if summary is not UNSET:
        cleaned = (summary or "").strip()
        if not cleaned:
            raise InvalidInput("The claim's wording cannot be empty.", field="summary")
        change("summary", cleaned)
    if tags is not UNSET:
        change("tags", _clean_tags(tags or []))
    if any(value is not UNSET for value in (start, end, exact)):
        article = claim.article
        try:
            anchor = anchoring.resolve_selector(
                article.text,
                start=None if start is UNSET else start,
                end=None if end is UNSET else end,
                exact=None if exact is UNSET else exact,
                prefix=prefix,
                suffix=suffix,
            )
        except anchoring.AnchorError as error:
            raise InvalidInput(error.message, code=error.code, field="exact") from None
        for field in ("start", "end", "exact", "prefix", "suffix"):
            change(field, getattr(anchor, field))
        change("anchor", AnchorState.ANCHORED)
        change("anchored_revision", article.revision)
    if not changes:
        return claim
    _full_clean(claim, exclude=["final_verdict", "assignees", "article", "created_by"])
    claim.version = Claim.objects.filter(pk=claim.pk).values_list("version", flat=True)[0] + 1
    claim.save()
    event_record(
        team=claim.article.team,
        verb="claim.updated",
        actor=user,
        article=claim.article,
        claim=claim,
        changes=changes,
    )
    return claim


def claim_snapshot(claim: Claim) -> dict[str, Any]:
    """Everything needed to put a deleted claim back (kept in its deletion Event)."""
    return {
        "number": claim.number,
        "start": claim.start,
        "end": claim.end,
        "exact": claim.exact,
        "prefix": claim.prefix,
        "suffix": claim.suffix,
        "claimant": claim.claimant,
        "summary": claim.summary,
        "status": claim.status,
        "tags": claim.tags,
        "created_by": claim.created_by_id,
        # Whose verdict an editor approved, so an undo can put the approval back too.
        "final_verdict_reviewer": claim.final_verdict.reviewer_id
        if claim.final_verdict_id
        else None,
        "verdicts": [
            {"reviewer": v.reviewer_id, "rating": v.rating.slug, "rationale": v.rationale}
            for v in claim.verdicts.filter(is_current=True).select_related("rating")
        ],
        "sources": [
            {
                "url": src.url,
                "title": src.title,
                "publisher": src.publisher,
                "excerpt": src.excerpt,
                "stance": src.stance,
                "archived_url": src.archived_url,
            }
            for src in claim.sources.all()
        ],
    }


@transaction.atomic
def claim_delete(
    *, claim: Claim, user: AbstractBaseUser, expected_version: int | str | None = None
) -> dict[str, Any]:
    """Delete a claim; its history and a snapshot stay in the Event log."""
    _require_claim_editor(user, claim)
    _check_version(claim, expected_version)
    _check_not_published(claim)
    snapshot = claim_snapshot(claim)
    article = claim.article
    event_record(
        team=article.team,
        verb="claim.deleted",
        actor=user,
        article=article,
        claim=claim,
        changes={field: (value, None) for field, value in snapshot.items()},
    )
    claim_id = claim.pk
    claim.delete()
    article_status_refresh(article)
    snapshot["id"] = claim_id
    return snapshot


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
    (ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW): (Role.REVIEWER, "claim.submitted"),
    (ClaimStatus.IN_REVIEW, ClaimStatus.DRAFT): (Role.REVIEWER, "claim.sent_back"),
    (ClaimStatus.IN_REVIEW, ClaimStatus.APPROVED): (Role.EDITOR, "claim.approved"),
    (ClaimStatus.APPROVED, ClaimStatus.IN_REVIEW): (Role.EDITOR, "claim.sent_back"),
    (ClaimStatus.APPROVED, ClaimStatus.PUBLISHED): (Role.EDITOR, "claim.published"),
    (ClaimStatus.PUBLISHED, ClaimStatus.IN_REVIEW): (Role.EDITOR, "claim.corrected"),
}


@transaction.atomic
def claim_transition(
    *,
    claim: Claim,
    user: AbstractBaseUser,
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
    membership = require_role(user, claim.article.team, Role.REVIEWER)
    _check_version(claim, expected_version)
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
    if not membership.has_role(Role.EDITOR) and claim.created_by_id != user.pk:
        raise Forbidden("Reviewers can move only their own claims; ask an editor.")
    note = (note or "").strip()
    if verb == "claim.corrected" and not note:
        raise InvalidInput(
            "Correcting a published claim needs a note saying what was wrong.", field="note"
        )
    if verb == "claim.sent_back" and _is_withdrawal(claim, to, user):
        verb = "claim.withdrawn"
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
    if verb == "claim.corrected":
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
                claim=claim, user=user, rating=own_rating, rationale=own_rationale
            )
        claim.final_verdict = _choose_final_verdict(claim, user, final_verdict)
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
    if verb == "claim.sent_back":
        _notify_sent_back(claim, user, note)
    event_record(
        team=claim.article.team,
        verb=verb,
        actor=user,
        article=claim.article,
        claim=claim,
        changes=changes,
        note=note,
    )
    article_status_refresh(claim.article)
    return claim


@transaction.atomic
def claim_public_url_set(
    *,
    claim: Claim,
    user: AbstractBaseUser,
    public_url: str | None,
    expected_version: int | str | None = None,
) -> Claim:
    """Set or change where a published claim's fact check is published (editors).

    The only change a published claim takes without a correction: the address says where the
    verdict is, not what it is. Empty clears it (the ClaimReview then has no `url`). Raises the
    claim's version; a `claim.public_url_changed` Event has the old and new address.
    """
    require_role(user, claim.article.team, Role.EDITOR)
    _check_version(claim, expected_version)
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
    event_record(
        team=claim.article.team,
        verb="claim.public_url_changed",
        actor=user,
        article=claim.article,
        claim=claim,
        changes={"public_url": (before or None, wanted or None)},
    )
    return claim


def _is_withdrawal(claim: Claim, to: str, user: AbstractBaseUser) -> bool:
    """A claim's own author taking it back from review to draft withdraws it (no one to tell)."""
    return to == ClaimStatus.DRAFT and claim.created_by_id == user.pk


def _notify_sent_back(claim: Claim, user: AbstractBaseUser, note: str) -> None:
    """Tell the claim's author that an editor sent it back, with the editor's note."""
    from annotations.models import Notification

    if claim.created_by_id is None or claim.created_by_id == user.pk:
        return
    wording = claim.summary or claim.exact
    if len(wording) > 80:
        wording = wording[:79].rstrip() + "…"
    message = f"{user.get_username()} sent back your claim #{claim.number} “{wording}”"
    message += f": {note}" if note else "."
    Notification.objects.create(
        user_id=claim.created_by_id,
        team=claim.article.team,
        kind="sent_back",
        actor=user,
        article=claim.article,
        claim=claim,
        message=message,
    )


def _choose_final_verdict(
    claim: Claim, user: AbstractBaseUser, chosen: Verdict | int | None
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
    own = [verdict for verdict in current if verdict.reviewer_id == user.pk]
    if own:
        return own[0]
    if len({verdict.rating_id for verdict in current}) == 1:
        return current[0]
    raise Conflict(
        "Reviewers disagree on this claim: choose which verdict is final, or give your own.",
        code="choose_verdict",
    )


def article_status_refresh(article: Article) -> None:
    """The article's status follows its claims: new, in progress, ready, published."""
    statuses = set(Claim.objects.filter(article=article).values_list("status", flat=True))
    if not statuses:
        status = ArticleStatus.NEW
    elif statuses == {ClaimStatus.PUBLISHED}:
        status = ArticleStatus.PUBLISHED
    elif statuses <= {ClaimStatus.APPROVED, ClaimStatus.PUBLISHED}:
        status = ArticleStatus.READY
    else:
        status = ArticleStatus.IN_PROGRESS
    if article.status != status:
        Article.objects.filter(pk=article.pk).update(status=status)
        article.status = status


@transaction.atomic
def source_remove(
    *, source: Source, user: AbstractBaseUser, expected_version: int | str | None = None
) -> None:
    claim = source.claim
    _require_claim_editor(user, claim)
    _check_version(claim, expected_version)
    _check_not_published(claim)
    event_record(
        team=claim.article.team,
        verb="source.removed",
        actor=user,
        article=claim.article,
        claim=claim,
        changes={"url": (source.url, None), "title": (source.title, None)},
    )
    source.delete()
    _bump_version(claim)


# --- API tokens ------------------------------------------------------------------------------

TOKEN_PREFIX = "fct_"


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def token_create(*, user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`. The secret is returned once and stored only as a hash."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Give the token a name, so you know later what uses it.", field="name")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name[:100], key_prefix=raw[:12], key_hash=token_hash(raw))
    token.save()
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, user: AbstractBaseUser) -> ApiToken:
    if token.user_id != user.pk:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


__all__ = [
    "DEFAULT_SCALE",
    "token_create",
    "token_hash",
    "token_revoke",
    "TRANSITIONS",
    "article_status_refresh",
    "claim_delete",
    "claim_snapshot",
    "claim_transition",
    "claim_update",
    "comment_delete",
    "comment_update",
    "source_remove",
    "ImportResult",
    "SourceKind",
    "article_import",
    "claim_create",
    "comment_add",
    "content_hash",
    "event_record",
    "load_article_input",
    "membership_for",
    "membership_set",
    "rating_for",
    "require_role",
    "source_add",
    "team_create",
    "verdict_set",
    "token_mark_used",
]


# How often a token's last_used_at may change: once a minute is precise enough to tell whether a
# token is still in use, and spares a database write on every API request.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def token_mark_used(*, token: ApiToken, now: datetime | None = None) -> bool:
    """Record that `token` was just used, at most once per TOKEN_USE_RESOLUTION.

    Returns whether the database was written. One conditional UPDATE (atomic on its own), so
    concurrent requests with the same token write at most once. No Event: a token belongs to a
    user, not a team, and using it changes nothing in the desk's work.
    """
    now = now or timezone.now()
    cutoff = now - TOKEN_USE_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > cutoff:
        return False
    written = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=cutoff))
        .update(last_used_at=now)
    )
    token.last_used_at = now
    return bool(written)


# --- JSON import (the round trip of the `json` export) ----------------------------------------


@dataclass
class TeamImportResult:
    articles: int
    claims: int
    verdicts: int
    sources: int
    comments: int
    users_created: list[str]

    @property
    def message(self) -> str:
        created = (
            f"; created inactive user(s) {', '.join(self.users_created)}"
            if self.users_created
            else ""
        )
        return (
            f"Imported {self.articles} article(s), {self.claims} claim(s), {self.verdicts} "
            f"verdict(s), {self.sources} source(s) and {self.comments} comment(s){created}."
        )


IMPORT_BATCH_SIZE = 500


def _imported_links(item: Mapping[str, Any], where: str) -> list[dict]:
    """An exported article's (or revision's) links, checked against its text."""
    try:
        return ingest.clean_links(item.get("links"), len(item["text"]))
    except ValueError as error:
        raise InvalidInput(f"{where}.{error}", code="invalid_export") from None


def _import_fields(obj: Any, where: str, exclude: Iterable[str] = ()) -> None:
    """Field rules of the model (lengths, URLs, choices, slugs), as an error naming `where`.

    Only field validation: uniqueness and check constraints would cost a query per object;
    the file's own validation covers them and the database enforces them.
    """
    try:
        obj.clean_fields(exclude=list(exclude))
    except ValidationError as error:
        field, errors = next(iter(error.error_dict.items()))
        message = " ".join(m for e in errors for m in e.messages)
        raise InvalidInput(f"{where}.{field}: {message}", code="invalid_export") from None


def _when(value: str | None) -> datetime | date | None:
    if value is None:
        return None
    return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)


@transaction.atomic
def team_import_json(
    *, team: Team, data: Any, user: AbstractBaseUser | None = None
) -> TeamImportResult:
    """Recreate a `json` export (ourjson.py) in `team`, which must have no articles yet.

    Everything or nothing: the file is validated first, and any error (with where it is)
    leaves the database as it was. Restored as they were: the rating scale (replacing the
    team's, which no verdict uses yet), articles with text, blocks, metadata, revisions and
    assignees; claims with selectors, anchor state, status, tags, version, final verdict and
    dates; all verdicts (superseded ones too), sources and comments (with replies).

    People are matched by username: a name that exists on this installation is that user; a
    name that does not is created as an *inactive* user without a password, so their work
    keeps its author but nobody can log in as them (an admin can activate them later). No one
    is added to the team. The team keeps its own name and slug. One `team.imported` Event
    records the import; the source installation's event history is not part of the file.

    `user=None` is the command line; otherwise the user must be an admin of the team.
    """
    from annotations.exports import ourjson

    if user is not None:
        require_role(user, team, Role.ADMIN)
    problems = ourjson.validate(data)
    if problems:
        more = " (and possibly more)" if len(problems) >= ourjson.MAX_ERRORS else ""
        raise InvalidInput(
            "This is not a valid export file: " + "; ".join(problems) + more,
            code="invalid_export",
        )
    if Article.objects.filter(team=team).exists():
        raise Conflict(
            f"{team.name} already has articles. Import into an empty team, so that nothing "
            "is mixed or duplicated.",
            code="team_not_empty",
        )
    try:
        return _team_import(team=team, data=data, user=user)
    except IntegrityError as error:
        # A rule the checks above missed, caught by the database: the transaction is rolled
        # back as the error leaves team_import_json's atomic block.
        raise InvalidInput(
            f"This export file breaks a database rule ({error}); nothing was imported.",
            code="invalid_export",
        ) from None


def _imported_claim_numbers(items: list[dict[str, Any]]) -> list[int]:
    """Each imported claim's number: the one the file gives, else (a file from before claims
    had numbers) the next ones after the file's highest, in the order the claims were created.
    """
    numbers: list[int | None] = [item.get("number") for item in items]
    seen: dict[int, int] = {}
    for index, number in enumerate(numbers):
        if number is None:
            continue
        if number in seen:
            raise InvalidInput(
                f"claims[{index}].number: #{number} is also the number of claims[{seen[number]}]; "
                "a number belongs to one claim.",
                code="invalid_export",
            )
        seen[number] = index
    highest = max(seen, default=0)
    missing = sorted(
        (index for index, number in enumerate(numbers) if number is None),
        key=lambda index: (items[index].get("created_at") or "", index),
    )
    for offset, index in enumerate(missing, start=1):
        numbers[index] = highest + offset
    return [int(number) for number in numbers if number is not None]


def _team_import(
    *, team: Team, data: dict[str, Any], user: AbstractBaseUser | None
) -> TeamImportResult:
    """The writes of team_import_json, on a validated document."""
    from django.contrib.auth import get_user_model

    # People ------------------------------------------------------------------------------
    User = get_user_model()
    names: set[str] = set()
    for article in data["articles"]:
        names.update(filter(None, [article["imported_by"], *article["assignees"]]))
        names.update(filter(None, (r["created_by"] for r in article["revisions"])))
    for claim in data["claims"]:
        names.update(filter(None, [claim["created_by"], *claim["assignees"]]))
        names.update(v["reviewer"] for v in claim["verdicts"])
        names.update(filter(None, (s["added_by"] for s in claim["sources"])))
        names.update(filter(None, (c["author"] for c in claim["comments"])))
        names.update(filter(None, (c.get("deleted_by") for c in claim["comments"])))
    people = {
        person.get_username(): person
        for person in User.objects.filter(**{f"{User.USERNAME_FIELD}__in": names})
    }
    created_users: list[str] = []
    for name in sorted(names - set(people)):
        person = User(**{User.USERNAME_FIELD: name}, is_active=False)
        person.set_unusable_password()
        _import_fields(person, f"user {name!r}", exclude=["password"])
        person.save()
        people[name] = person
        created_users.append(name)

    def who(name: str | None) -> Any:
        return people[name] if name else None

    # Publishing settings (files written before them have none: the team keeps its own) -----
    publishing_before = publishing.settings_of(team)
    settings_in_file = data["team"].get("publishing")
    if settings_in_file is not None:
        try:
            team.organisation_name = settings_in_file["organisation_name"].strip()[:200]
            for field, label in (("site_url", "site URL"), ("logo_url", "logo URL")):
                setattr(
                    team,
                    field,
                    publishing.check_url(settings_in_file[field], field=field, label=label),
                )
            team.public_url_pattern = publishing.check_pattern(
                settings_in_file["public_url_pattern"]
            )
        except InvalidInput as error:
            raise InvalidInput(
                f"team.publishing.{error.field}: {error.message}", code="invalid_export"
            ) from None
        team.save(update_fields=list(publishing.SETTINGS_FIELDS))
    publishing_after = publishing.settings_of(team)

    # The rating scale ------------------------------------------------------------------------
    Rating.objects.filter(team=team).delete()
    ratings: dict[str, Rating] = {}
    for index, item in enumerate(data["ratings"]):
        rating = Rating(team=team, **item)
        _import_fields(rating, f"ratings[{index}]", exclude=["team"])
        rating.save()
        ratings[rating.slug] = rating

    # Articles and their revisions -------------------------------------------------------
    articles: dict[int, Article] = {}
    for index, item in enumerate(data["articles"]):
        article = Article(
            team=team,
            title=item["title"],
            url=item["url"],
            publisher=item["publisher"],
            author=item["author"],
            published_at=_when(item["published_at"]),
            published_at_guessed=bool(item.get("published_at_guessed")),
            language=item["language"],
            text=item["text"],
            blocks=item["blocks"],
            links=_imported_links(item, f"articles[{index}]"),
            revision=item["revision"],
            status=item["status"],
            source_kind=item["source_kind"],
            imported_by=who(item["imported_by"]),
            content_hash=content_hash(item["text"]),
            archived_at=_when(item.get("archived_at")),
        )
        _import_fields(article, f"articles[{index}]", exclude=["team", "imported_by"])
        articles[item["id"]] = article
    Article.objects.bulk_create(articles.values(), batch_size=IMPORT_BATCH_SIZE)
    revisions: list[ArticleRevision] = []
    revision_dates: list[str] = []
    article_assignees = []
    for index, item in enumerate(data["articles"]):
        article = articles[item["id"]]
        # bulk_create stamped "now" on the auto_now fields: put the file's dates back.
        article.imported_at = _when(item["imported_at"])
        article.updated_at = _when(item["updated_at"])
        for name in item["assignees"]:
            article_assignees.append(
                Article.assignees.through(article_id=article.pk, user_id=people[name].pk)
            )
        for number, revision_item in enumerate(item["revisions"]):
            revision = ArticleRevision(
                article=article,
                number=revision_item["number"],
                title=revision_item["title"],
                text=revision_item["text"],
                blocks=revision_item["blocks"],
                links=_imported_links(revision_item, f"articles[{index}].revisions[{number}]"),
                source_kind=revision_item["source_kind"],
                source_url=revision_item["source_url"],
                content_hash=content_hash(revision_item["text"]),
                created_by=who(revision_item["created_by"]),
            )
            _import_fields(
                revision,
                f"articles[{index}].revisions[{number}]",
                exclude=["article", "created_by"],
            )
            revisions.append(revision)
            revision_dates.append(revision_item["created_at"])
    Article.objects.bulk_update(
        articles.values(), ["imported_at", "updated_at"], batch_size=IMPORT_BATCH_SIZE
    )
    Article.assignees.through.objects.bulk_create(article_assignees, batch_size=1000)
    ArticleRevision.objects.bulk_create(revisions, batch_size=IMPORT_BATCH_SIZE)
    for revision, when in zip(revisions, revision_dates, strict=True):
        revision.created_at = _when(when)
    ArticleRevision.objects.bulk_update(revisions, ["created_at"], batch_size=IMPORT_BATCH_SIZE)

    # Claims ----------------------------------------------------------------------------------
    numbers = _imported_claim_numbers(data["claims"])
    claims: list[Claim] = []
    for index, item in enumerate(data["claims"]):
        claim = Claim(
            article=articles[item["article"]["id"]],
            team=team,
            number=numbers[index],
            start=item["start"],
            end=item["end"],
            exact=item["exact"],
            prefix=item["prefix"],
            suffix=item["suffix"],
            anchor=item["anchor"],
            anchored_revision=item["anchored_revision"],
            claimant=item["claimant"],
            summary=item["summary"],
            status=item["status"],
            tags=item["tags"],
            version=item["version"],
            created_by=who(item["created_by"]),
        )
        claim.public_url = item.get("public_url", "")
        if item.get("correction"):
            claim.correction_note = item["correction"]["note"]
            claim.corrected_at = _when(item["correction"]["at"])
        _import_fields(
            claim,
            f"claims[{index}]",
            exclude=["article", "team", "created_by", "final_verdict"],
        )
        claims.append(claim)
    Claim.objects.bulk_create(claims, batch_size=IMPORT_BATCH_SIZE)
    Team.objects.filter(pk=team.pk).update(claim_counter=max(numbers, default=0))

    verdicts: list[Verdict] = []
    verdict_ids: dict[tuple[int, int], Verdict] = {}
    sources: list[Source] = []
    comments: list[Comment] = []
    comment_ids: dict[tuple[int, int], Comment] = {}
    claim_assignees = []
    for index, (claim, item) in enumerate(zip(claims, data["claims"], strict=True)):
        for name in item["assignees"]:
            claim_assignees.append(
                Claim.assignees.through(claim_id=claim.pk, user_id=people[name].pk)
            )
        for number, verdict_item in enumerate(item["verdicts"]):
            verdict = Verdict(
                claim=claim,
                reviewer=people[verdict_item["reviewer"]],
                rating=ratings[verdict_item["rating"]["slug"]],
                rationale=verdict_item["rationale"],
                is_current=verdict_item["current"],
            )
            _import_fields(
                verdict,
                f"claims[{index}].verdicts[{number}]",
                exclude=["claim", "reviewer", "rating"],
            )
            verdicts.append(verdict)
            verdict_ids[(index, verdict_item["id"])] = verdict
        for number, source_item in enumerate(item["sources"]):
            source = Source(
                claim=claim,
                url=source_item["url"],
                title=source_item["title"],
                publisher=source_item["publisher"],
                excerpt=source_item["excerpt"],
                stance=source_item["stance"],
                accessed_at=_when(source_item["accessed_at"]),
                archived_url=source_item["archived_url"],
                added_by=who(source_item["added_by"]),
            )
            _import_fields(
                source, f"claims[{index}].sources[{number}]", exclude=["claim", "added_by"]
            )
            sources.append(source)
        for number, comment_item in enumerate(item["comments"]):
            comment = Comment(claim=claim, author=who(comment_item["author"]))
            comment.body = comment_item["body"]
            if comment_item.get("deleted_at"):  # a tombstone: its text was not exported
                from annotations.comments import TOMBSTONE_BODY

                comment.body = TOMBSTONE_BODY
                comment.deleted_by = who(comment_item.get("deleted_by"))
            _import_fields(
                comment,
                f"claims[{index}].comments[{number}]",
                exclude=["claim", "author", "reply_to", "deleted_by"],
            )
            comments.append(comment)
            comment_ids[(index, comment_item["id"])] = comment
    Claim.assignees.through.objects.bulk_create(claim_assignees, batch_size=1000)
    Verdict.objects.bulk_create(verdicts, batch_size=IMPORT_BATCH_SIZE)
    Source.objects.bulk_create(sources, batch_size=IMPORT_BATCH_SIZE)
    Comment.objects.bulk_create(comments, batch_size=IMPORT_BATCH_SIZE)

    # Now that everything has an id: final verdicts, replies, and the file's dates.
    for index, (claim, item) in enumerate(zip(claims, data["claims"], strict=True)):
        claim.created_at = _when(item["created_at"])
        claim.updated_at = _when(item["updated_at"])
        if item["final_verdict"] is not None:
            claim.final_verdict = verdict_ids[(index, item["final_verdict"]["id"])]
        for verdict_item in item["verdicts"]:
            verdict_ids[(index, verdict_item["id"])].created_at = _when(verdict_item["created_at"])
        for comment_item in item["comments"]:
            comment = comment_ids[(index, comment_item["id"])]
            comment.created_at = _when(comment_item["created_at"])
            comment.updated_at = _when(comment_item["updated_at"])
            comment.deleted_at = _when(comment_item.get("deleted_at"))
            if comment_item["reply_to"] is not None:
                comment.reply_to = comment_ids[(index, comment_item["reply_to"])]
    for source, source_item in zip(
        sources, (s for item in data["claims"] for s in item["sources"]), strict=True
    ):
        source.created_at = _when(source_item["created_at"])
    Claim.objects.bulk_update(
        claims, ["created_at", "updated_at", "final_verdict"], batch_size=IMPORT_BATCH_SIZE
    )
    Verdict.objects.bulk_update(verdicts, ["created_at"], batch_size=IMPORT_BATCH_SIZE)
    Source.objects.bulk_update(sources, ["created_at"], batch_size=IMPORT_BATCH_SIZE)
    Comment.objects.bulk_update(
        comments,
        ["created_at", "updated_at", "reply_to", "deleted_at"],
        batch_size=IMPORT_BATCH_SIZE,
    )

    result = TeamImportResult(
        articles=len(articles),
        claims=len(claims),
        verdicts=len(verdicts),
        sources=len(sources),
        comments=len(comments),
        users_created=created_users,
    )
    event_record(
        team=team,
        verb="team.imported",
        actor=user,
        changes={
            "articles": (None, result.articles),
            "claims": (None, result.claims),
            "verdicts": (None, result.verdicts),
            "sources": (None, result.sources),
            "comments": (None, result.comments),
            "users_created": (None, created_users),
            **{
                field: (publishing_before[field], publishing_after[field])
                for field in publishing.SETTINGS_FIELDS
                if publishing_before[field] != publishing_after[field]
            },
        },
        note=(
            f"From a {data['format']} file (version {data['version']}) of team "
            f"{data['team']['slug']!r}, exported at {data['exported_at']}."
        ),
    )
    return result


# --- whole-claim replacement (W3C Web Annotation Protocol PUT) --------------------------------


def _source_matches(source: Source, wanted: Mapping[str, Any]) -> bool:
    """Whether an existing source already says what `wanted` (a source's fields) says.

    Only the fields given are compared, so a replacement that does not carry a field (the
    W3C form has no stance) keeps the stored value. An archived copy without an access date is
    dated by the day it was added (that is what the W3C TimeState carries), so the same date
    coming back counts as unchanged.
    """
    from datetime import UTC  # local: the module's imports belong to other work

    if source.url != _lowercase_scheme(str(wanted.get("url") or "").strip()):
        return False
    for field in ("title", "publisher", "excerpt", "archived_url", "stance"):
        if field in wanted and getattr(source, field) != str(wanted[field] or "").strip():
            return False
    if "accessed_at" in wanted:
        stored = source.accessed_at
        if stored is None and source.archived_url:
            stored = source.created_at.astimezone(UTC).date()
        if stored != wanted["accessed_at"]:
            return False
    return True


@transaction.atomic
def claim_replace(
    *,
    claim: Claim,
    user: AbstractBaseUser,
    expected_version: int | str | None = None,
    start: int | None = None,
    end: int | None = None,
    exact: str | None = None,
    prefix: str = "",
    suffix: str = "",
    claimant: str = "",
    summary: str = "",
    tags: Iterable[str] = (),
    rating: Rating | str | None = None,
    rationale: str = "",
    sources: Iterable[Mapping[str, Any]] = (),
) -> Claim:
    """Replace what a claim says as a whole, as a W3C annotation PUT does. One transaction.

    Takes the same arguments as claim_create. What is not given is cleared (claimant, tags,
    sources) or falls back as on creation (the summary becomes the quote). A position equal to
    the stored one is kept as it is, so an orphaned claim sent back unchanged stays orphaned.
    The verdict given becomes the user's own current verdict; verdicts cannot be withdrawn
    here, so without one the user's and other reviewers' verdicts stay. Sources are matched on
    their fields: unchanged ones stay (with their stance), the others are removed or added.
    Each change is recorded by the service that makes it (claim.updated, verdict.set,
    source.added, source.removed).
    """
    _require_claim_editor(user, claim)
    _check_version(claim, expected_version)
    _check_not_published(claim)
    claim.refresh_from_db()
    sources = [dict(source) for source in sources]
    for source in sources:
        unknown = set(source) - SOURCE_FIELDS
        if unknown:
            raise InvalidInput(
                f"Unknown source field(s): {', '.join(sorted(unknown))}. "
                f"A source takes {', '.join(sorted(SOURCE_FIELDS))}.",
                field="sources",
            )
    if rationale.strip() and not rating:
        raise InvalidInput("A rationale needs a verdict to go with it.", field="rating")

    position_unchanged = (exact is None or exact == claim.exact) and (
        start is None or (start == claim.start and end == claim.end)
    )
    position: dict[str, Any] = {}
    if (start is not None or exact is not None) and not position_unchanged:
        position = {"start": start, "end": end, "exact": exact, "prefix": prefix, "suffix": suffix}
    quote = exact if exact is not None and not position_unchanged else claim.exact
    claim = claim_update(
        claim=claim,
        user=user,
        claimant=claimant,
        summary=summary.strip() or quote.strip(),
        tags=tags,
        **position,
    )
    if rating:
        verdict_set(claim=claim, user=user, rating=rating, rationale=rationale)

    existing = list(claim.sources.all())
    unmatched = list(sources)
    for source in existing:
        match = next((wanted for wanted in unmatched if _source_matches(source, wanted)), None)
        if match is not None:
            unmatched.remove(match)
            continue
        # A changed source keeps its stance when the replacement does not say one.
        for wanted in unmatched:
            if "stance" not in wanted and _source_matches(source, {"url": wanted.get("url")}):
                wanted["stance"] = source.stance
        source_remove(source=source, user=user)
    for wanted in unmatched:
        source_add(claim=claim, user=user, **wanted)
    claim.refresh_from_db()
    return claim


__all__.append("claim_replace")


# --- the reviewing workspace: one form's save, withdrawing a verdict, undoing a deletion -----


@transaction.atomic
def verdict_withdraw(
    *, claim: Claim, user: AbstractBaseUser, expected_version: int | str | None = None
) -> bool:
    """Withdraw the user's current verdict on a claim; it stays in the history, not current.

    Returns whether there was a verdict to withdraw. The verdict an editor approved as final
    cannot be withdrawn while the claim is approved: send the claim back first.
    """
    team = claim.article.team
    require_role(user, team, Role.REVIEWER)
    _check_version(claim, expected_version)
    _check_not_published(claim)
    current = (
        Verdict.objects.filter(claim=claim, reviewer=user, is_current=True)
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
    event_record(
        team=team,
        verb="verdict.withdrawn",
        actor=user,
        article=claim.article,
        claim=claim,
        changes={"rating": (current.rating.slug, None), "rationale": (current.rationale, None)},
    )
    return True


def _check_source_fields(sources: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    checked = list(sources)
    for source in checked:
        unknown = set(source) - SOURCE_FIELDS
        if unknown:
            raise InvalidInput(
                f"Unknown source field(s): {', '.join(sorted(unknown))}. "
                f"A source takes {', '.join(sorted(SOURCE_FIELDS))}.",
                field="sources",
            )
    return checked


@transaction.atomic
def claim_revise(
    *,
    claim: Claim,
    user: AbstractBaseUser,
    expected_version: int | str | None = None,
    claimant: str = UNSET,
    summary: str = UNSET,
    rating: Rating | str | None = UNSET,
    rationale: str = "",
    sources: Iterable[Mapping[str, Any]] = (),
) -> Claim:
    """Save the review form of one claim in one go: wording, claimant, the user's own verdict
    (an empty rating withdraws it) and new sources.

    The version is checked once, before anything changes, and the whole save is one
    transaction. Only what differs from the stored claim is written, each part through its own
    service (and Event), so a reviewer may give a verdict on a colleague's claim without the
    right to edit its wording.
    """
    require_role(user, claim.article.team, Role.REVIEWER)
    _check_version(claim, expected_version)
    claim.refresh_from_db()
    wording: dict[str, str] = {}
    if claimant is not UNSET and (claimant or "").strip() != claim.claimant:
        wording["claimant"] = claimant or ""
    if summary is not UNSET and (summary or "").strip() != claim.summary:
        wording["summary"] = summary or ""
    if wording:
        claim_update(claim=claim, user=user, **wording)

    rationale = (rationale or "").strip()
    if rating is not UNSET:
        current = (
            Verdict.objects.filter(claim=claim, reviewer=user, is_current=True)
            .select_related("rating")
            .first()
        )
        if rating:
            slug = rating.slug if isinstance(rating, Rating) else str(rating).strip()
            unchanged = (
                current is not None
                and current.rating.slug == slug
                and current.rationale == rationale
            )
            if not unchanged:
                verdict_set(claim=claim, user=user, rating=rating, rationale=rationale)
        elif rationale:
            raise InvalidInput("A rationale needs a verdict to go with it.", field="rating")
        elif current is not None:
            verdict_withdraw(claim=claim, user=user)
    elif rationale:
        raise InvalidInput("A rationale needs a verdict to go with it.", field="rating")

    for source in _check_source_fields(sources):
        source_add(claim=claim, user=user, **source)
    claim.refresh_from_db()
    return claim


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
    user: AbstractBaseUser,
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
    require_role(user, claim.article.team, Role.REVIEWER)
    _check_version(claim, expected_version)
    own_before = (
        Verdict.objects.filter(claim=claim, reviewer=user, is_current=True)
        .values_list("pk", flat=True)
        .first()
    )
    claim = claim_revise(claim=claim, user=user, **dict(changes or {}))
    chosen: Any = final_verdict
    if to == ClaimStatus.APPROVED and final_verdict is not None:
        own_now = (
            Verdict.objects.filter(claim=claim, reviewer=user, is_current=True)
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
        user=user,
        to=to,
        note=note,
        final_verdict=chosen,
        expected_version=claim.version,
        **dict(move or {}),
    )


__all__.append("claim_revise_and_transition")


def _restored_anchor(article: Article, snapshot: Mapping[str, Any]) -> tuple[Any, str]:
    """Where a restored claim goes: its old place when the text there is unchanged, else where
    its quote is found now (fuzzy), else nowhere (orphaned, kept with its quote)."""
    exact = snapshot.get("exact") or ""
    start, end = snapshot.get("start"), snapshot.get("end")
    if isinstance(start, int) and isinstance(end, int) and article.text[start:end] == exact:
        return anchoring.anchor_at(article.text, start, end), AnchorState.ANCHORED
    try:
        anchor = anchoring.locate_quote(
            article.text,
            exact,
            prefix=snapshot.get("prefix") or "",
            suffix=snapshot.get("suffix") or "",
            near=start if isinstance(start, int) else None,
        )
    except anchoring.AnchorError:
        return None, AnchorState.ORPHANED
    return anchor, AnchorState.FUZZY


def _restored_number(team: Team, number: Any) -> int:
    """A restored claim keeps the number it had. A deletion recorded before claims had numbers
    (or a number somehow taken meanwhile) gets the next one instead."""
    if (
        isinstance(number, int)
        and 0 < number <= team.claim_counter
        and not Claim.objects.filter(team=team, number=number).exists()
    ):
        return number
    return next_claim_number(team)


@transaction.atomic
def claim_restore(
    *, article: Article, user: AbstractBaseUser, snapshot: Mapping[str, Any]
) -> Claim:
    """Put a deleted claim back from the snapshot its deletion recorded (the undo of a delete).

    The same people may restore as may delete: editors, and the reviewer who created the claim
    while it is a draft or in review. The claim gets its old id back when the snapshot has one
    (so links and its history read on), with its verdicts, approved verdict and sources. If the
    article text changed since, the quote is looked for again; a quote that is gone leaves the
    claim orphaned, never lost.
    """
    from django.contrib.auth import get_user_model

    membership = require_role(user, article.team, Role.REVIEWER)
    status = snapshot.get("status") or ClaimStatus.DRAFT
    if status not in ClaimStatus.values:
        raise InvalidInput(f"Unknown status {status!r} in the snapshot.", field="status")
    if not membership.has_role(Role.EDITOR):
        if snapshot.get("created_by") != user.pk:
            raise Forbidden("Reviewers can restore only their own claims; ask an editor.")
        if status not in (ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW):
            raise Forbidden("This claim was approved; only an editor can restore it.")
    claim_id = snapshot.get("id")
    if claim_id is not None and Claim.objects.filter(pk=claim_id).exists():
        raise Conflict("This claim is already back.", code="restored")
    exact = snapshot.get("exact") or ""
    if not exact.strip():
        raise InvalidInput("The snapshot has no quote, so there is nothing to restore.")

    anchor, state = _restored_anchor(article, snapshot)
    user_ids = {snapshot.get("created_by"), snapshot.get("final_verdict_reviewer")}
    user_ids |= {item.get("reviewer") for item in snapshot.get("verdicts") or []}
    existing_users = set(
        get_user_model()
        .objects.filter(pk__in=[i for i in user_ids if i])
        .values_list("pk", flat=True)
    )
    # Higher than any version the claim had: every version change records an Event, and its
    # deletion did too. A form still open on the deleted claim is therefore stale.
    version = Event.objects.filter(claim_id=claim_id).count() + 1 if claim_id else 1
    claim = Claim(
        pk=claim_id,
        article=article,
        team_id=article.team_id,
        number=_restored_number(article.team, snapshot.get("number")),
        start=anchor.start if anchor else None,
        end=anchor.end if anchor else None,
        exact=exact,
        prefix=anchor.prefix if anchor else (snapshot.get("prefix") or "")[:64],
        suffix=anchor.suffix if anchor else (snapshot.get("suffix") or "")[:64],
        anchor=state,
        anchored_revision=article.revision,
        claimant=(snapshot.get("claimant") or "").strip(),
        summary=(snapshot.get("summary") or "").strip() or exact.strip(),
        status=status,
        tags=_clean_tags(snapshot.get("tags") or []),
        created_by_id=snapshot.get("created_by")
        if snapshot.get("created_by") in existing_users
        else None,
        version=version,
    )
    _full_clean(claim, exclude=["final_verdict", "assignees", "created_by", "team", "number"])
    claim.save(force_insert=True)

    ratings = {rating.slug: rating for rating in Rating.objects.filter(team=article.team)}
    final: Verdict | None = None
    dropped: list[str] = []
    for item in snapshot.get("verdicts") or []:
        rating = ratings.get(item.get("rating"))
        if rating is None or item.get("reviewer") not in existing_users:
            dropped.append(str(item.get("rating")))
            continue
        verdict = Verdict.objects.create(
            claim=claim,
            reviewer_id=item["reviewer"],
            rating=rating,
            rationale=(item.get("rationale") or "").strip(),
        )
        if item["reviewer"] == snapshot.get("final_verdict_reviewer"):
            final = verdict
    note = "Restored after deletion."
    if status in (ClaimStatus.APPROVED, ClaimStatus.PUBLISHED):
        if final is None:
            # An approval without its verdict would break the workflow's rule: review again.
            claim.status = ClaimStatus.IN_REVIEW
            note += " Its approved verdict could not be restored, so it is back in review."
        else:
            claim.final_verdict = final
        claim.save(update_fields=["status", "final_verdict"])
    if dropped:
        note += f" Verdicts no longer possible were left out: {', '.join(dropped)}."

    for item in snapshot.get("sources") or []:
        source = Source(
            claim=claim,
            url=_lowercase_scheme((item.get("url") or "").strip()),
            title=(item.get("title") or "").strip(),
            publisher=(item.get("publisher") or "").strip(),
            excerpt=(item.get("excerpt") or "").strip(),
            stance=item.get("stance") or Stance.CONTEXT,
            archived_url=_lowercase_scheme((item.get("archived_url") or "").strip()),
            added_by=user,
        )
        _full_clean(source, exclude=["claim", "added_by"])
        source.save()

    event_record(
        team=article.team,
        verb="claim.restored",
        actor=user,
        article=article,
        claim=claim,
        changes=_created(claim, ["start", "end", "exact", "claimant", "summary", "status"]),
        note=note,
    )
    article_status_refresh(article)
    return claim


__all__ += ["claim_restore", "claim_revise", "verdict_withdraw"]


# --- article revisions and re-anchoring ----------------------------------------------------------

# Event verbs of re-anchoring. A published claim that a revision moved or changed gets
# REANCHOR_FLAG_VERB instead of REANCHOR_VERB: it stays on the editors' "needs attention"
# list (queries.claims_needing_attention) until someone confirms or re-attaches it.
REANCHOR_VERB = "claim.reanchored"
REANCHOR_FLAG_VERB = "claim.moved"
ANCHOR_CONFIRM_VERB = "claim.anchor_confirmed"
REATTACH_VERB = "claim.reattached"
_SELECTOR_FIELDS = ("start", "end", "exact", "prefix", "suffix", "anchor")


@dataclass
class RevisionResult:
    """What article_revise did.

    `created` is False when the text was the current revision's (nothing changed, `revision`
    is None). `counts` has the claims per anchor state after the revision ("anchored",
    "fuzzy", "orphaned"), how many were "relocated" (anchored, but not where the diff carried
    them), "changed" (any selector field changed: version bumped, Event recorded) and
    "flagged" (published claims that moved). `flagged` lists those claims' ids.
    """

    article: Article
    revision: ArticleRevision | None
    created: bool
    message: str
    counts: dict[str, int]
    flagged: list[int]

    @property
    def unchanged(self) -> bool:
        return not self.created


def article_revise(
    *,
    article: Article,
    user: AbstractBaseUser | None,
    text: str | None = None,
    markdown: str | None = None,
    html: str | None = None,
    url: str | None = None,
    file_name: str | None = None,
    file_data: bytes | None = None,
    title: str = "",
) -> RevisionResult:
    """Load a new version of an article (exactly like an import) and re-anchor every claim.

    Reviewers and up may add revisions (as they may import); `user=None` is the command line.
    The input is loaded before the transaction (a URL fetch does not hold the database). Text
    identical to the current revision is not a new revision: the result says "unchanged".
    Otherwise the article gets revision number + 1 with its new text, blocks and metadata
    (author, publisher, date, language, URL where the new input has them; the title only
    when `title` is given, else the current one stays), and every
    claim is placed on the new text (anchoring.Reanchorer): anchored, fuzzy (it keeps its old
    quote, now pointing at the close variant, until a person confirms it) or orphaned (kept,
    with its quote, without a position). No claim is ever deleted. Each claim whose selector
    changed gets version + 1 and a `claim.reanchored` Event (before/after); a published one
    that moved or changed gets `claim.moved` instead, which flags it for an editor. One
    `article.revised` Event carries the counts.
    """
    if user is not None:
        require_role(user, article.team, Role.REVIEWER)
    require_not_archived(article, "loading a new version")
    loaded = load_article_input(
        text=text,
        markdown=markdown,
        html=html,
        url=url,
        file_name=file_name,
        file_data=file_data,
        title=title,
    )
    return _article_revise_apply(
        article=article, user=user, loaded=loaded, title_given=bool(title.strip())
    )


@transaction.atomic
def _article_revise_apply(
    *,
    article: Article,
    user: AbstractBaseUser | None,
    loaded: ingest.LoadedArticle,
    title_given: bool,
) -> RevisionResult:
    # The article row is the lock: two revisions of one article, or a confirmation racing a
    # revision, run one after the other.
    locked = Article.objects.select_for_update().get(pk=article.pk)
    digest = content_hash(loaded.text)
    if digest == locked.content_hash and loaded.text == locked.text:
        _copy_article(locked, article)
        return RevisionResult(
            article=article,
            revision=None,
            created=False,
            message=f"The text is the same as the current revision (r{locked.revision}) of "
            f"“{locked.title}”; no new revision was made.",
            counts={},
            flagged=[],
        )
    latest = (
        ArticleRevision.objects.filter(article=locked)
        .order_by("-number")
        .values_list("number", flat=True)
    ).first() or 0
    number = max(locked.revision, latest) + 1
    old_text = locked.text

    before = {field: getattr(locked, field) for field in _REVISED_ARTICLE_FIELDS}
    locked.text = loaded.text
    locked.blocks = loaded.blocks
    locked.links = loaded.links
    locked.content_hash = digest
    locked.revision = number
    locked.source_kind = loaded.source_kind
    # A title left empty keeps the current one: the new input's own title (or its first
    # line) never replaces a title somebody chose.
    if title_given:
        locked.title = loaded.title[:500]
    for field, value, limit in (
        ("url", _keepable_url(loaded), 2000),
        ("publisher", loaded.publisher, 200),
        ("author", loaded.author, 300),
        ("language", loaded.language, 16),
    ):
        if value:
            setattr(locked, field, value[:limit])
    if loaded.published_at:
        locked.published_at = loaded.published_at
        locked.published_at_guessed = loaded.published_at_guessed
    _full_clean(locked, exclude=["assignees", "team", "imported_by"])
    locked.save()
    revision = ArticleRevision.objects.create(
        article=locked,
        number=number,
        text=locked.text,
        blocks=locked.blocks,
        links=locked.links,
        title=locked.title,
        source_kind=locked.source_kind,
        source_url=_keepable_url(loaded),
        content_hash=digest,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    counts, flagged = _reanchor_claims(locked, old_text, number, user)

    changes: dict[str, tuple[Any, Any]] = {
        field: (before[field], getattr(locked, field))
        for field in _REVISED_ARTICLE_FIELDS
        if before[field] != getattr(locked, field)
    }
    changes.update({name: (None, value) for name, value in counts.items()})
    message = (
        f"Revision r{number} of “{locked.title}”: {counts['anchored']} claim(s) anchored, "
        f"{counts['fuzzy']} fuzzy, {counts['orphaned']} orphaned"
    )
    if flagged:
        message += f"; {counts['flagged']} published claim(s) moved, for an editor to check"
    message += "."
    event_record(
        team=locked.team,
        verb="article.revised",
        actor=user,
        article=locked,
        changes=changes,
        note=message,
    )
    _copy_article(locked, article)
    return RevisionResult(
        article=article,
        revision=revision,
        created=True,
        message=message,
        counts=counts,
        flagged=flagged,
    )


_REVISED_ARTICLE_FIELDS = (
    "revision",
    "title",
    "url",
    "publisher",
    "author",
    "published_at",
    "published_at_guessed",
    "language",
    "source_kind",
)


def _copy_article(source: Article, target: Article) -> None:
    """Bring the caller's Article object up to date with the saved row."""
    if source is target:
        return
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _reanchor_claims(
    article: Article, old_text: str, number: int, user: AbstractBaseUser | None
) -> tuple[dict[str, int], list[int]]:
    """Place every claim of `article` (whose text is already the new one) and save them.

    Bulk writes whatever the number of claims: one UPDATE statement executed for all changed
    claims, one INSERT per 500 Events, and one UPDATE raising anchored_revision on the anchored
    claims whose selectors did not change.
    """
    claims = list(
        Claim.objects.filter(article=article)
        .only("id", *_SELECTOR_FIELDS, "anchored_revision", "status", "version")
        .order_by("id")
    )
    selectors = [
        anchoring.Selector(
            claim.start if claim.anchor != AnchorState.ORPHANED else None,
            claim.end if claim.anchor != AnchorState.ORPHANED else None,
            claim.exact,
            claim.prefix,
            claim.suffix,
        )
        for claim in claims
    ]
    results = anchoring.reanchor(old_text, article.text, selectors)
    counts = dict.fromkeys(("anchored", "fuzzy", "orphaned", "relocated", "changed", "flagged"), 0)
    flagged: list[int] = []
    changed: list[Claim] = []
    unchanged = 0
    events: list[Event] = []
    now = timezone.now()
    actor = user if user is not None and user.is_authenticated else None
    for claim, result in zip(claims, results, strict=True):
        counts[result.state] += 1
        if result.state == AnchorState.ANCHORED and result.moved:
            counts["relocated"] += 1
        wanted: dict[str, Any] = {"anchor": result.state}
        if result.state == AnchorState.ANCHORED:
            # The quote as it is in the new text (only typography may differ), and its context.
            wanted.update(
                start=result.start,
                end=result.end,
                exact=result.exact,
                prefix=result.prefix,
                suffix=result.suffix,
            )
        elif result.state == AnchorState.FUZZY:
            # Points at the close variant but keeps the quote (and context) it was made on,
            # from anchored_revision, until a person confirms the match.
            wanted.update(start=result.start, end=result.end)
        else:
            wanted.update(start=None, end=None)
        diff = {
            field: (getattr(claim, field), value)
            for field, value in wanted.items()
            if getattr(claim, field) != value
        }
        if not diff:
            unchanged += result.state == AnchorState.ANCHORED
            continue
        if result.state == AnchorState.ANCHORED:
            diff["anchored_revision"] = (claim.anchored_revision, number)
            claim.anchored_revision = number
        for field, (_, value) in diff.items():
            setattr(claim, field, value)
        changed.append(claim)
        counts["changed"] += 1
        is_flagged = claim.status == ClaimStatus.PUBLISHED and result.moved
        if is_flagged:
            flagged.append(claim.pk)
            counts["flagged"] += 1
        events.append(
            Event(
                team_id=article.team_id,
                article=article,
                claim_id=claim.pk,
                actor=actor,
                verb=REANCHOR_FLAG_VERB if is_flagged else REANCHOR_VERB,
                changes={
                    field: [_jsonable(old), _jsonable(new)] for field, (old, new) in diff.items()
                },
                note=_reanchor_note(result, number, is_flagged),
            )
        )
    if changed:
        _save_reanchored(changed, now)
        Event.objects.bulk_create(events, batch_size=500)
    if unchanged:
        # Their quote is verified in this revision too (the changed ones are already set).
        Claim.objects.filter(article=article, anchor=AnchorState.ANCHORED).exclude(
            anchored_revision=number
        ).update(anchored_revision=number)
    return counts, flagged


def _save_reanchored(claims: list[Claim], now: datetime) -> None:
    """Write the new selectors of many claims, raising each one's version in the database.

    One UPDATE statement run for every claim (executemany): Django's bulk_update builds a
    CASE expression per field and row, which takes seconds for a thousand claims.
    """
    from django.db import connections, router

    connection = connections[router.db_for_write(Claim)]
    quote = connection.ops.quote_name
    fields = [Claim._meta.get_field(name) for name in (*_SELECTOR_FIELDS, "anchored_revision")]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = (
        f"UPDATE {quote(Claim._meta.db_table)} SET {assignments}, "  # noqa: S608 - names from the model, values are parameters
        f"{quote('version')} = {quote('version')} + 1, {quote('updated_at')} = %s "
        f"WHERE {quote('id')} = %s"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    rows = [
        [getattr(claim, field.attname) for field in fields] + [stamp, claim.pk] for claim in claims
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _reanchor_note(result: anchoring.Reanchored, number: int, flagged: bool) -> str:
    how = {
        "position": f"Kept in place in revision r{number}.",
        "normalised": f"Kept in revision r{number}; only typography or spacing changed.",
        "search": f"The quote moved in revision r{number}; found again by its text.",
        "fuzzy": f"The quote changed in revision r{number}; the closest text "
        f"({result.score:.0%} similar) awaits confirmation.",
        "orphaned": f"The quote was not found in revision r{number}; the claim is kept "
        "without a position.",
    }[result.method]
    if flagged:
        how += " This claim is published: an editor should check it."
    return how


def _require_anchor_fixer(user: AbstractBaseUser, claim: Claim) -> Membership:
    """Reviewers fix the anchors of claims not yet approved; approved and published claims
    need an editor (their text is what the desk stands behind)."""
    membership = require_role(user, claim.article.team, Role.REVIEWER)
    if claim.status in (ClaimStatus.APPROVED, ClaimStatus.PUBLISHED) and not membership.has_role(
        Role.EDITOR
    ):
        raise Forbidden(
            f"This claim is {claim.get_status_display().lower()}; only an editor can change "
            "where it points."
        )
    return membership


def _save_anchor(
    claim: Claim,
    *,
    user: AbstractBaseUser,
    article: Article,
    anchor: anchoring.Anchor,
    verb: str,
    note: str = "",
) -> Claim:
    values = {
        "start": anchor.start,
        "end": anchor.end,
        "exact": anchor.exact,
        "prefix": anchor.prefix,
        "suffix": anchor.suffix,
        "anchor": AnchorState.ANCHORED,
        "anchored_revision": article.revision,
    }
    changes = {
        field: (getattr(claim, field), value)
        for field, value in values.items()
        if getattr(claim, field) != value
    }
    for field, value in values.items():
        setattr(claim, field, value)
    if changes:
        _full_clean(claim, exclude=["final_verdict", "assignees", "article", "created_by"])
        claim.version = Claim.objects.filter(pk=claim.pk).values_list("version", flat=True)[0] + 1
        claim.save(update_fields=[*values, "version", "updated_at"])
    event_record(
        team=article.team,
        verb=verb,
        actor=user,
        article=article,
        claim=claim,
        changes=changes,
        note=note,
    )
    return claim


@transaction.atomic
def claim_confirm_anchor(
    *, claim: Claim, user: AbstractBaseUser, expected_version: int | str | None = None
) -> Claim:
    """A person confirms where a revision put a claim.

    A fuzzy claim becomes anchored and takes the new text it points at as its quote (with
    new context, from the current revision). A published claim that a revision moved is
    acknowledged, which takes it off the editors' attention list. An orphan has nothing to
    confirm: re-attach it. Reviewers confirm claims not yet approved; editors any.
    """
    require_role(user, claim.article.team, Role.REVIEWER)
    article = Article.objects.select_for_update().select_related("team").get(pk=claim.article_id)
    claim.refresh_from_db()
    _require_anchor_fixer(user, claim)  # on the claim's current status
    _check_version(claim, expected_version)
    if claim.anchor == AnchorState.ORPHANED:
        raise Conflict(
            "This claim's quote was not found in the current text, so there is no match to "
            "confirm. Select the text it belongs to and re-attach it.",
            code="orphaned",
        )
    try:
        anchor = anchoring.anchor_at(article.text, claim.start, claim.end)
    except anchoring.AnchorError as error:
        raise Conflict(error.message, code="invalid_selector") from None
    if claim.anchor == AnchorState.ANCHORED and anchor.exact == claim.exact:
        from annotations.queries import claim_is_flagged

        if not claim_is_flagged(claim):
            return claim  # nothing to confirm (a second click, say)
    before_quote = claim.exact
    note = (
        f"Confirmed the match in revision r{article.revision}."
        if before_quote == anchor.exact
        else f"Confirmed the match in revision r{article.revision}: the quote is now the "
        "text there."
    )
    return _save_anchor(
        claim, user=user, article=article, anchor=anchor, verb=ANCHOR_CONFIRM_VERB, note=note
    )


@transaction.atomic
def claim_reattach(
    *,
    claim: Claim,
    user: AbstractBaseUser,
    start: int | None = None,
    end: int | None = None,
    exact: str | None = None,
    prefix: str = "",
    suffix: str = "",
    expected_version: int | str | None = None,
) -> Claim:
    """Attach an orphaned or fuzzy claim (or a published one a revision moved) to newly
    selected text of the current revision: start/end and/or the quote, as in claim_create.

    The claim becomes anchored with that text as its quote. Reviewers re-attach claims not
    yet approved; editors any. Anchored claims that need no attention are moved by editing
    them (claim_update) instead.
    """
    require_role(user, claim.article.team, Role.REVIEWER)
    article = Article.objects.select_for_update().select_related("team").get(pk=claim.article_id)
    claim.refresh_from_db()
    _require_anchor_fixer(user, claim)  # on the claim's current status
    _check_version(claim, expected_version)
    if claim.anchor == AnchorState.ANCHORED:
        from annotations.queries import claim_is_flagged

        if not claim_is_flagged(claim):
            raise Conflict(
                "This claim is anchored; to point it at other text, edit the claim.",
                code="anchored",
            )
    try:
        anchor = anchoring.resolve_selector(
            article.text, start=start, end=end, exact=exact, prefix=prefix, suffix=suffix
        )
    except anchoring.AnchorError as error:
        raise InvalidInput(error.message, code=error.code, field="exact") from None
    return _save_anchor(
        claim,
        user=user,
        article=article,
        anchor=anchor,
        verb=REATTACH_VERB,
        note=f"Re-attached to new text in revision r{article.revision}.",
    )


__all__ += [
    "ANCHOR_CONFIRM_VERB",
    "REANCHOR_FLAG_VERB",
    "REANCHOR_VERB",
    "REATTACH_VERB",
    "RevisionResult",
    "article_revise",
    "claim_confirm_anchor",
    "claim_reattach",
]
