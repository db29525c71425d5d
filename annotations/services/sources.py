"""Evidence for a claim: sources added (URL, title, excerpt, stance) and removed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from annotations import verbs
from annotations.errors import (
    InvalidInput,
)
from annotations.models import (
    Claim,
    Source,
    Stance,
)
from annotations.services._base import (
    _bump_version,
    _check_not_published,
    _claim_event,
    _http_url,
    _require_claim_editor,
    check_version,
    created_values,
    lock_claim,
    validate_model,
)

SOURCE_FIELDS = frozenset(
    {"url", "title", "publisher", "excerpt", "stance", "accessed_at", "archived_url"}
)


def _lowercase_scheme(url: str) -> str:
    """'HTTPS://x' is a valid address, but the database check (case-sensitive on PostgreSQL,
    not on SQLite) wants a lower-case scheme: store the canonical form."""
    scheme, separator, rest = url.partition("://")
    return f"{scheme.lower()}{separator}{rest}" if separator else url


@transaction.atomic
def source_add(
    *,
    claim: Claim,
    actor: AbstractBaseUser,
    url: str,
    title: str = "",
    publisher: str = "",
    excerpt: str = "",
    stance: str = Stance.CONTEXT,
    accessed_at: date | None = None,
    archived_url: str | None = "",
) -> Source:
    _require_claim_editor(actor, claim)
    lock_claim(claim)  # not published meanwhile (a publish waits, or is seen)
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
        added_by=actor,
    )
    validate_model(source, exclude=["claim", "added_by"])
    source.save()
    _bump_version(claim)
    _claim_event(
        claim=claim,
        verb=verbs.SOURCE_ADDED,
        actor=actor,
        changes=created_values(source, ["url", "title", "stance"]),
    )
    return source


@transaction.atomic
def source_remove(
    *, source: Source, actor: AbstractBaseUser, expected_version: int | str | None = None
) -> None:
    claim = source.claim
    _require_claim_editor(actor, claim)
    check_version(claim, expected_version)
    _check_not_published(claim)
    _claim_event(
        claim=claim,
        verb=verbs.SOURCE_REMOVED,
        actor=actor,
        changes={"url": (source.url, None), "title": (source.title, None)},
    )
    source.delete()
    _bump_version(claim)


# --- whole-claim replacement (W3C Web Annotation Protocol PUT) --------------------------------


def _source_matches(source: Source, wanted: Mapping[str, Any]) -> bool:
    """Whether an existing source already says what `wanted` (a source's fields) says.

    Only the fields given are compared, so a replacement that does not carry a field (the
    W3C form has no stance) keeps the stored value. An archived copy without an access date is
    dated by the day it was added (that is what the W3C TimeState carries), so the same date
    coming back counts as unchanged.
    """

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
