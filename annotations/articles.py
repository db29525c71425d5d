"""Managing an article as a whole: its metadata, archiving and restoring it, deleting it.

Editors correct an article's metadata (title, original URL, publisher, author, published
date, language) and archive or restore it; admins delete one for good. Every change is one
Event. What an archived article allows:

- it is out of the article lists (page and API) and of everyone's queue, unless asked for
  ("Archived" tab, `?archived=1`); team exports leave it out unless `include_archived=1`;
- it is kept whole: its claims, verdicts, sources, comments, revisions and assignments stay,
  readable on its page and in the export of that article;
- it takes no new work: no new claims and no new versions (restore it first). Its metadata
  can still be corrected.

Deleting an article removes it with everything that hangs off it; the Events stay (they
reference the article and its claims without a database constraint), and the deletion
Event keeps the title, address and what went with it, so the audit trail stays readable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from annotations.errors import Conflict, InvalidInput
from annotations.models import (
    Article,
    ArticleAssignment,
    ArticleRevision,
    Claim,
    ClaimAssignment,
    Comment,
    Role,
    Source,
    Verdict,
)
from annotations.services import UNSET, event_record, require_role

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
    require_role(actor, article.team, Role.EDITOR)
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
        verb="article.updated",
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


@transaction.atomic
def article_archive(*, actor: AbstractBaseUser, article: Article, note: str = "") -> Article:
    """Take an article out of the lists and queues, keeping everything (restorable)."""
    require_role(actor, article.team, Role.EDITOR)
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if locked.archived_at is not None:
        raise Conflict("This article is already archived.", code="already_archived")
    locked.archived_at = timezone.now()
    locked.archived_by = actor
    locked.save(update_fields=["archived_at", "archived_by", "updated_at"])
    event_record(
        team=locked.team,
        verb="article.archived",
        actor=actor,
        article=locked,
        changes={"archived": (False, True)},
        note=(note or "").strip(),
    )
    _refresh(article, locked)
    return article


@transaction.atomic
def article_restore(*, actor: AbstractBaseUser, article: Article) -> Article:
    """Bring an archived article back into the lists and queues."""
    require_role(actor, article.team, Role.EDITOR)
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if locked.archived_at is None:
        raise Conflict("This article is not archived.", code="not_archived")
    locked.archived_at = None
    locked.archived_by = None
    locked.save(update_fields=["archived_at", "archived_by", "updated_at"])
    event_record(
        team=locked.team,
        verb="article.restored",
        actor=actor,
        article=locked,
        changes={"archived": (True, False)},
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
    require_role(actor, article.team, Role.ADMIN)
    locked = Article.objects.select_for_update().get(pk=article.pk)
    contents = article_contents(locked)
    changes: dict[str, tuple[Any, Any]] = {
        "title": (locked.title, None),
        "url": (locked.url or None, None),
    }
    changes |= {name: (count, None) for name, count in contents.as_dict().items()}
    event_record(
        team=locked.team,
        verb="article.deleted",
        actor=actor,
        article=locked,
        changes=changes,
        note=(note or "").strip(),
    )
    locked.delete()
    return contents
