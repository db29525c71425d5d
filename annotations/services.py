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
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from . import anchoring, ingest
from .errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from .models import (
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


@transaction.atomic
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
) -> ImportResult:
    """Load an article into `team`, or give back the one that already has the same text.

    `user=None` is the command line acting on the team's behalf.
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
    digest = content_hash(loaded.text)
    existing = Article.objects.filter(team=team, content_hash=digest).first()
    if existing is not None:
        return ImportResult(
            article=existing,
            created=False,
            message=f"This text is already in {team.name} as “{existing.title}”; "
            "nothing new was imported.",
        )
    article = Article(
        team=team,
        title=loaded.title[:500],
        url=(loaded.url or "")[:2000],
        publisher=loaded.publisher[:200],
        author=loaded.author[:300],
        published_at=loaded.published_at,
        language=loaded.language[:16],
        text=loaded.text,
        blocks=loaded.blocks,
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
    )
    return ImportResult(article=article, created=True, message=f"Imported “{article.title}”.")


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
    _full_clean(claim, exclude=["final_verdict", "assignees"])
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


@transaction.atomic
def comment_add(
    *, claim: Claim, user: AbstractBaseUser, body: str, reply_to: Comment | None = None
) -> Comment:
    team = claim.article.team
    require_role(user, team, Role.REVIEWER)
    body = (body or "").strip()
    if not body:
        raise InvalidInput("A comment cannot be empty.", field="body")
    if reply_to is not None and reply_to.claim_id != claim.pk:
        raise InvalidInput("You can only reply to a comment on the same claim.", field="reply_to")
    comment = Comment(claim=claim, author=user, body=body, reply_to=reply_to)
    _full_clean(comment, exclude=["claim", "author", "reply_to"])
    comment.save()
    event_record(
        team=team,
        verb="comment.added",
        actor=user,
        article=claim.article,
        claim=claim,
        changes=_created(comment, ["body"]),
    )
    return comment


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
        raise Conflict(
            f"Someone changed this claim since you opened it (you have version {expected}, "
            f"it is now at version {current}). Reload to see their change.",
            code="stale",
        )


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


# (from, to) -> the role needed and the event verb
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
    expected_version: int | str | None = None,
) -> Claim:
    """Move a claim along draft → in_review → approved → published.

    Reviewers submit their own claims and may withdraw them; editors approve (choosing the
    final verdict), send back, publish, and correct published claims (a note is required).
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
    before = claim.status
    fields = ["status", "version", "updated_at"]
    if to == ClaimStatus.APPROVED:
        claim.final_verdict = _choose_final_verdict(claim, user, final_verdict)
        fields.append("final_verdict")
    elif to in (ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW) and claim.final_verdict_id:
        claim.final_verdict = None
        fields.append("final_verdict")
    claim.status = to
    claim.version = Claim.objects.filter(pk=claim.pk).values_list("version", flat=True)[0] + 1
    claim.save(update_fields=fields)
    changes: dict[str, tuple[Any, Any]] = {"status": (before, to)}
    if "final_verdict" in fields and claim.final_verdict is not None:
        changes["final_verdict"] = (None, claim.final_verdict.rating.slug)
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
def source_remove(*, source: Source, user: AbstractBaseUser) -> None:
    claim = source.claim
    _require_claim_editor(user, claim)
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


@transaction.atomic
def comment_update(*, comment: Comment, user: AbstractBaseUser, body: str) -> Comment:
    claim = comment.claim
    require_role(user, claim.article.team, Role.REVIEWER)
    if comment.author_id != user.pk:
        raise Forbidden("You can edit only your own comments.")
    body = (body or "").strip()
    if not body:
        raise InvalidInput("A comment cannot be empty.", field="body")
    if body == comment.body:
        return comment
    before = comment.body
    comment.body = body
    comment.save(update_fields=["body", "updated_at"])
    event_record(
        team=claim.article.team,
        verb="comment.updated",
        actor=user,
        article=claim.article,
        claim=claim,
        changes={"body": (before, body)},
    )
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, user: AbstractBaseUser) -> None:
    """Authors delete their own comments; editors moderate anyone's."""
    claim = comment.claim
    membership = require_role(user, claim.article.team, Role.REVIEWER)
    if comment.author_id != user.pk and not membership.has_role(Role.EDITOR):
        raise Forbidden("You can delete only your own comments.")
    event_record(
        team=claim.article.team,
        verb="comment.deleted",
        actor=user,
        article=claim.article,
        claim=claim,
        changes={"body": (comment.body, None)},
    )
    comment.delete()


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
]
