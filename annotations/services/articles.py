"""Articles: loading one from pasted text, a file or a URL (lib.ingest does the reading), importing
it, editing its details, archiving, restoring and deleting it, and keeping its status in step
with its claims.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from annotations import policies, verbs
from annotations.errors import (
    Conflict,
    InvalidInput,
    NotAnArticle,
    ServiceError,
)
from annotations.lib import ingest
from annotations.lib.text import human_size
from annotations.models import (
    Article,
    ArticleAssignment,
    ArticleRevision,
    ArticleStatus,
    Claim,
    ClaimAssignment,
    ClaimStatus,
    Comment,
    Source,
    Team,
    Verdict,
)
from annotations.services._base import UNSET, created_values, event_record, require, validate_model

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
    max_blocks = settings.FACTCHECK_MAX_BLOCKS
    try:
        if text is not None and text != "":
            _check_size(text, limit)
            loaded = ingest.load_text(text, title=title, max_blocks=max_blocks)
        elif markdown:
            _check_size(markdown, limit)
            loaded = ingest.load_markdown(markdown, title=title, max_blocks=max_blocks)
        elif html:
            _check_size(html, limit)
            loaded = ingest.load_html(html, title=title, max_blocks=max_blocks)
        elif url:
            loaded = ingest.fetch_url(
                url.strip(),
                allow_private=settings.FACTCHECK_ALLOW_PRIVATE_URLS,
                max_bytes=limit,
                connect_timeout=settings.FACTCHECK_URL_CONNECT_TIMEOUT,
                read_timeout=settings.FACTCHECK_URL_READ_TIMEOUT,
                max_blocks=max_blocks,
            )
        else:
            loaded = ingest.load_file(
                file_name or "upload.txt", file_data or b"", max_bytes=limit, max_blocks=max_blocks
            )
    except ingest.IngestError as error:
        raise ServiceError(error.message, code=error.code, status=error.status) from None
    if title.strip():
        loaded.title = title.strip()
    if not loaded.title:
        loaded.title = loaded.text.split("\n", 1)[0][:200]
    return loaded


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


def keepable_url(loaded: ingest.LoadedArticle) -> str:
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
    actor: AbstractBaseUser | None,
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

    `actor=None` is the command line acting on the team's behalf. A web page that does not
    look like an article (ingest.article_doubts: too short, a login form, a list of links)
    raises NotAnArticle with the reasons and a preview, unless `force`. The input is loaded
    before the transaction, so a slow fetch holds no lock; the article, its first revision
    and its Event are written together or not at all.
    """
    if actor is not None:
        require(actor, team, policies.ARTICLE_IMPORT)
    loaded = load_article_input(
        text=text,
        markdown=markdown,
        html=html,
        url=url,
        file_name=file_name,
        file_data=file_data,
        title=title,
    )
    # Hashing and judging a large text take a while: done before the write transaction too.
    return _article_import_apply(
        team=team,
        actor=actor,
        loaded=loaded,
        force=force,
        digest=content_hash(loaded.text),
        doubts=ingest.article_doubts(loaded),
    )


@transaction.atomic
def _article_import_apply(
    *,
    team: Team,
    actor: AbstractBaseUser | None,
    loaded: ingest.LoadedArticle,
    force: bool,
    digest: str,
    doubts: list[str],
) -> ImportResult:
    existing = Article.objects.filter(team=team, content_hash=digest).first()
    if existing is not None:
        message = (
            f"This text is already in {team.name} as “{existing.title}”; nothing new was imported."
        )
        if existing.archived_at is not None:
            message += " That article is archived: restore it from its page to work on it."
        return ImportResult(article=existing, created=False, message=message)
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
        url=keepable_url(loaded),
        publisher=loaded.publisher[:200],
        author=loaded.author[:300],
        published_at=loaded.published_at,
        published_at_guessed=bool(loaded.published_at and loaded.published_at_guessed),
        language=loaded.language[:16],
        text=loaded.text,
        blocks=loaded.blocks,
        links=loaded.links,
        source_kind=loaded.source_kind,
        imported_by=actor,
        content_hash=digest,
    )
    validate_model(article, exclude=["assignees"])
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
        created_by=actor,
    )
    event_record(
        team=team,
        verb=verbs.ARTICLE_IMPORTED,
        actor=actor,
        article=article,
        changes=created_values(article, ["title", "url", "source_kind"]),
        note="Imported although it did not look like an article: " + " ".join(doubts)
        if doubts
        else "",
    )
    return ImportResult(article=article, created=True, message=f"Imported “{article.title}”.")


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


# The metadata an editor may change, with each one's limit (the model's max_length).
METADATA_FIELDS: dict[str, int | None] = {
    "title": 500,
    "url": 2000,
    "publisher": 200,
    "author": 300,
    "published_at": None,
    "language": 16,
}


_http_url = URLValidator(schemes=["http", "https"])


# --- metadata ------------------------------------------------------------------------------------


def _clean_language(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    parts = value.replace("_", "-").split("-")
    if not (
        2 <= len(parts[0]) <= 3
        and parts[0].isascii()
        and parts[0].isalpha()
        and all(1 <= len(part) <= 8 and part.isascii() and part.isalnum() for part in parts[1:])
    ):
        raise InvalidInput(
            f"“{value}” is not a language code: use one like en, uk or pt-BR.", field="language"
        )
    return "-".join([parts[0].lower(), *parts[1:]])


def _clean_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(
            f"“{value}” is not a date: use YYYY-MM-DD.", field="published_at"
        ) from None


def clean_metadata(field: str, value: Any) -> Any:
    """One metadata value as it is stored, or InvalidInput naming the field and why."""
    if field == "published_at":
        return _clean_date(value)
    text = "" if value is None else str(value).strip()
    if field == "language":
        return _clean_language(text)
    limit = METADATA_FIELDS[field]
    if limit is not None and len(text) > limit:
        raise InvalidInput(
            f"The {_label(field)} is longer than {limit} characters ({len(text)}).", field=field
        )
    if field == "title" and not text:
        raise InvalidInput("An article needs a title.", field="title")
    if field == "url" and text:
        scheme, _, rest = text.partition("://")
        text = f"{scheme.lower()}://{rest}" if rest else text
        try:
            _http_url(text)
        except ValidationError:
            raise InvalidInput(
                "The original URL must be a web address starting with http:// or https://.",
                field="url",
            ) from None
    return text


def _as_seen(field: str, value: Any) -> str:
    """A value as a form shows it, to compare what someone saw with what is stored."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _label(field: str) -> str:
    return {"url": "original URL", "published_at": "published date"}.get(field, field)


def _shown(value: Any) -> str:
    if value in (None, ""):
        return "empty"
    return f"“{value.isoformat() if isinstance(value, date) else value}”"


@transaction.atomic
def article_update(
    *,
    actor: AbstractBaseUser,
    article: Article,
    expected: Mapping[str, Any] | None = None,
    title: str = UNSET,
    url: str = UNSET,
    publisher: str = UNSET,
    author: str = UNSET,
    published_at: date | str | None = UNSET,
    language: str = UNSET,
) -> Article:
    """Change an article's metadata; only the fields given change, and only those that
    differ are recorded (one `article.updated` Event with their before and after).

    `expected` holds the values the editor saw (a form's hidden copies): when someone changed
    one of the fields being changed meanwhile, nothing is saved and Conflict `stale` names
    them, with their current values.
    """
    require(actor, article.team, policies.ARTICLE_MANAGE)
    given = {
        name: value
        for name, value in (
            ("title", title),
            ("url", url),
            ("publisher", publisher),
            ("author", author),
            ("published_at", published_at),
            ("language", language),
        )
        if value is not UNSET
    }
    wanted = {name: clean_metadata(name, value) for name, value in given.items()}
    locked = Article.objects.select_for_update().get(pk=article.pk)
    changes = {
        name: (getattr(locked, name), value)
        for name, value in wanted.items()
        if getattr(locked, name) != value
    }
    if expected is not None:
        stale = [
            name
            for name in changes
            if name in expected
            and _as_seen(name, expected[name]) != _as_seen(name, getattr(locked, name))
            and getattr(locked, name) != wanted[name]
        ]
        if stale:
            detail = "; ".join(
                f"the {_label(name)} is now {_shown(getattr(locked, name))}" for name in stale
            )
            raise Conflict(
                f"Someone changed this article since you opened it: {detail}. Your values are "
                "kept below; save again to replace theirs.",
                code="stale",
            )
    if not changes:
        _refresh(article, locked)
        return article
    for name, (_before, after) in changes.items():
        setattr(locked, name, after)
    fields = [*changes, "updated_at"]
    if "published_at" in changes and locked.published_at_guessed:
        # A date somebody typed is no longer the extractor's guess (the Event's date change
        # says it all).
        locked.published_at_guessed = False
        fields.append("published_at_guessed")
    locked.save(update_fields=fields)
    event_record(
        team=locked.team,
        verb=verbs.ARTICLE_UPDATED,
        actor=actor,
        article=locked,
        changes=changes,
    )
    _refresh(article, locked)
    return article


def _refresh(target: Article, source: Article) -> None:
    for name in (
        *METADATA_FIELDS,
        "published_at_guessed",
        "archived_at",
        "archived_by_id",
        "updated_at",
    ):
        setattr(target, name, getattr(source, name))


# --- archive and restore -------------------------------------------------------------------------


def article_archive(*, actor: AbstractBaseUser, article: Article, note: str = "") -> Article:
    """Take an article out of the lists and queues, keeping everything (restorable)."""
    return _archived_set(actor=actor, article=article, archived=True, note=note)


def article_restore(*, actor: AbstractBaseUser, article: Article) -> Article:
    """Bring an archived article back into the lists and queues."""
    return _archived_set(actor=actor, article=article, archived=False)


@transaction.atomic
def _archived_set(
    *, actor: AbstractBaseUser, article: Article, archived: bool, note: str = ""
) -> Article:
    require(actor, article.team, policies.ARTICLE_MANAGE)
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if (locked.archived_at is not None) == archived:
        if archived:
            raise Conflict("This article is already archived.", code="already_archived")
        raise Conflict("This article is not archived.", code="not_archived")
    locked.archived_at = timezone.now() if archived else None
    locked.archived_by = actor if archived else None
    locked.save(update_fields=["archived_at", "archived_by", "updated_at"])
    event_record(
        team=locked.team,
        verb=verbs.ARTICLE_ARCHIVED if archived else verbs.ARTICLE_RESTORED,
        actor=actor,
        article=locked,
        changes={"archived": (not archived, archived)},
        note=(note or "").strip(),
    )
    _refresh(article, locked)
    return article


# --- delete --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleContents:
    """What deleting an article removes with it."""

    claims: int
    verdicts: int
    sources: int
    comments: int
    revisions: int
    assignments: int

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def in_words(self) -> str:
        parts = []
        for name, count in self.as_dict().items():
            noun = name if count != 1 else name[:-1]
            parts.append(f"{count} {noun}")
        return ", ".join(parts)


def article_contents(article: Article) -> ArticleContents:
    """Counts of everything that goes with the article: seven small COUNT queries."""
    claims = Claim.objects.filter(article=article)
    article_assignments = ArticleAssignment.objects.filter(article=article).count()
    claim_assignments = ClaimAssignment.objects.filter(claim__article=article).count()
    return ArticleContents(
        claims=claims.count(),
        verdicts=Verdict.objects.filter(claim__article=article).count(),
        sources=Source.objects.filter(claim__article=article).count(),
        comments=Comment.objects.filter(claim__article=article, deleted_at__isnull=True).count(),
        revisions=ArticleRevision.objects.filter(article=article).count(),
        assignments=article_assignments + claim_assignments,
    )


@transaction.atomic
def article_delete(*, actor: AbstractBaseUser, article: Article, note: str = "") -> ArticleContents:
    """Delete an article for good with its claims, verdicts, sources, comments, revisions and
    assignments (admins). The `article.deleted` Event keeps the title, the address and the
    counts; earlier Events keep their article and claim ids, so the history stays readable."""
    require(actor, article.team, policies.ARTICLE_DELETE)
    locked = Article.objects.select_for_update().get(pk=article.pk)
    contents = article_contents(locked)
    changes: dict[str, tuple[Any, Any]] = {
        "title": (locked.title, None),
        "url": (locked.url or None, None),
    }
    changes |= {name: (count, None) for name, count in contents.as_dict().items()}
    event_record(
        team=locked.team,
        verb=verbs.ARTICLE_DELETED,
        actor=actor,
        article=locked,
        changes=changes,
        note=(note or "").strip(),
    )
    locked.delete()
    return contents
