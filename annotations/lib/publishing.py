"""Where a team's fact checks are published: checking its publishing settings and working out a
claim's public URL from the team's pattern.

Pure rules, no writes (the services that change settings and public URLs are
teams.team_publishing_update and services.claim_public_url_set; services.claim_transition fills a
claim's public URL when it is published).

A pattern is a URL with placeholders in braces, e.g. `https://desk.example.org/fact-checks/{claim}`:

- `{claim}` (required): the claim's permanent number in its team (`#123` without the hash);
- `{article}`: the id of the claim's article;
- `{slug}`: the claim as checked (its summary) in lower-case words joined by hyphens.
"""

from __future__ import annotations

import string
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.text import slugify

from annotations.errors import InvalidInput

PLACEHOLDERS = ("claim", "article", "slug")
SLUG_LENGTH = 80
URL_LENGTH = 2000

_http_url = URLValidator(schemes=["http", "https"])


def check_url(value: Any, *, field: str, label: str) -> str:
    """A web address (http or https), stripped; empty stays empty."""
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if not value:
        return ""
    if len(value) > URL_LENGTH:
        raise InvalidInput(f"{label}: keep it under {URL_LENGTH} characters.", field=field)
    try:
        _http_url(value)
    except ValidationError:
        raise InvalidInput(
            f"{label} must be a web address starting with http:// or https://.", field=field
        ) from None
    return value


def check_pattern(pattern: Any) -> str:
    """A public URL pattern: an http(s) address with {claim}, and no other placeholder than
    those in PLACEHOLDERS. Empty means "no pattern"."""
    pattern = (pattern or "").strip()
    if not pattern:
        return ""
    field, label = "public_url_pattern", "The public URL pattern"
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]
    except ValueError:
        raise InvalidInput(
            f"{label} has an unmatched brace: write placeholders as {{claim}}, "
            "{article} or {slug}.",
            field=field,
        ) from None
    allowed = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    unknown = sorted({name or "{}" for name in names if name not in PLACEHOLDERS})
    if unknown:
        shown = ", ".join(name if name == "{}" else f"{{{name}}}" for name in unknown)
        raise InvalidInput(
            f"{label} has an unknown placeholder {shown}: use only {allowed}.", field=field
        )
    if "claim" not in names:
        raise InvalidInput(
            f"{label} must contain {{claim}}, so that each fact check gets its own address "
            "(e.g. https://desk.example.org/fact-checks/{claim}).",
            field=field,
        )
    check_url(fill(pattern, claim=123, article=45, slug="an-example"), field=field, label=label)
    return pattern


def fill(pattern: str, *, claim: Any, article: Any, slug: str) -> str:
    return pattern.format(claim=claim, article=article, slug=slug)


def public_url_for(claim: Any, pattern: str | None = None) -> str:
    """The claim's public URL from its team's pattern ("" without a pattern)."""
    if pattern is None:
        pattern = claim.article.team.public_url_pattern
    if not pattern:
        return ""
    slug = slugify(claim.summary or claim.exact)[:SLUG_LENGTH].strip("-") or "claim"
    # {claim} is the claim's permanent number in its team (#123), as people cite it.
    return fill(pattern, claim=claim.number, article=claim.article_id, slug=slug)


def organisation(team: Any) -> dict[str, str]:
    """Who publishes the team's fact checks, for ClaimReview's author: the organisation's name
    (the team's name until one is set), its site and logo (empty when not set)."""
    return {
        "name": team.organisation_name or team.name,
        "url": team.site_url,
        "logo": team.logo_url,
    }


SETTINGS_FIELDS = ("organisation_name", "site_url", "logo_url", "public_url_pattern")


def settings_of(team: Any) -> dict[str, str]:
    return {field: getattr(team, field) for field in SETTINGS_FIELDS}
