"""ETags and If-Match for optimistic concurrency.

A claim's ETag names its version (`W/"claim-<id>-v<version>"`), so a client's If-Match tells
which version it read; the services' `expected_version` then refuses a stale write atomically.
An article's names its revision, last change, status and claim count. Other single objects
get a hash of their JSON.

Reuse: `claim_etag`, `article_etag`, `content_etag`, `if_match_tags(request)`,
`check_if_match(request, current)` (raises PreconditionFailed, 412) and
`claim_version_from_if_match(request, claim)` (the version an If-Match names, or None).
Tags are compared weakly (the W/ prefix ignored): they identify versions, not bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from django.http import HttpRequest

from annotations.api.errors import PreconditionFailed
from annotations.models import Article, Claim
from annotations.queries import conflicts

_TAG = re.compile(r'\s*(?:W/)?"([^"]*)"\s*(?:,|$)')
_CLAIM_TAG = re.compile(r"^claim-(\d+)-v(\d+)$")


def claim_etag(claim: Claim) -> str:
    return f'W/"claim-{claim.pk}-v{claim.version}"'


def article_etag(article: Article) -> str:
    """Revision and last change; the status and claim count too, because the services change
    those with UPDATE queries that leave updated_at alone."""
    changed = int(article.updated_at.timestamp() * 1_000_000)
    claims = getattr(article, "claim_count", "")
    return f'W/"article-{article.pk}-r{article.revision}-{changed}-{article.status}-{claims}"'


def content_etag(data: Any) -> str:
    """A weak ETag for any JSON-able representation (teams, comments…)."""
    encoded = json.dumps(data, sort_keys=True, default=str).encode("utf-8")
    return f'W/"{hashlib.sha256(encoded).hexdigest()[:32]}"'


def _opaque(tag: str) -> str:
    tag = tag.strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    return tag.strip('"')


def if_match_tags(request: HttpRequest) -> list[str] | None:
    """The opaque tags of If-Match (["*"] for a wildcard), or None when the header is absent.

    A header that cannot be parsed matches nothing, so it fails like a stale one.
    """
    header = request.META.get("HTTP_IF_MATCH")
    if header is None:
        return None
    header = header.strip()
    if header == "*":
        return ["*"]
    tags: list[str] = []
    position = 0
    while position < len(header):
        match = _TAG.match(header, position)
        if not match or match.end() == position:
            return []
        tags.append(match.group(1))
        position = match.end()
    return tags


def check_if_match(request: HttpRequest, current: str) -> None:
    """Raise PreconditionFailed when If-Match is given and does not name the current ETag."""
    tags = if_match_tags(request)
    if tags is None or "*" in tags:
        return
    if _opaque(current) not in tags:
        raise PreconditionFailed()


def claim_version_from_if_match(request: HttpRequest, claim: Claim) -> int | None:
    """The claim version that If-Match names (checked against the claim now: 412 if stale).

    The caller passes it to the service as expected_version, so a write racing in between the
    check and the service is refused there too.
    """
    tags = if_match_tags(request)
    if tags is None or "*" in tags:
        return None
    try:
        check_if_match(request, claim_etag(claim))
    except PreconditionFailed as failed:
        named = [int(m.group(2)) for tag in tags if (m := _CLAIM_TAG.match(tag))]
        conflicts.mark_stale(failed, claim_id=claim.pk, your_version=named[0] if named else None)
        raise
    return claim.version
