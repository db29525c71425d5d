"""Exports of a team's (or one article's) claims in every format, streamed in pieces:

    FORMATS["ndjson"].stream(team, article=None, base_url=..., include_archived=False, within=None)

The formats themselves (exports.formats) turn rows into text and never touch the database; the
rows come from exports.claims, in chunks, so memory stays flat however many claims there are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any, NamedTuple
from urllib.parse import urlencode

from django.utils import timezone

from annotations.exports import claims
from annotations.exports.formats import claimreview, csv_export, ndjson, ourjson, w3c
from annotations.lib import publishing

BUFFER_SIZE = 64 * 1024


W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"


W3C_MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


class ExportFormat(NamedTuple):
    content_type: str
    extension: str
    # stream(team, *, article=None, base_url, include_archived=False) -> text pieces
    stream: Callable[..., Iterator[str]]


def buffered(pieces: Iterable[str], size: int | None = None) -> Iterator[str]:
    """Join small pieces into chunks of about `size` characters (fewer, larger writes)."""
    size = size or BUFFER_SIZE
    parts: list[str] = []
    length = 0
    for piece in pieces:
        parts.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(parts)
            parts, length = [], 0
    if parts:
        yield "".join(parts)


# Which articles a team export covers (the article list's filters): claims.ArticleFilter.
ArticleFilter = claims.ArticleFilter


def _claim_dicts(
    team: Any, article: Any, include_archived: bool = False, within: ArticleFilter | None = None
) -> Iterator[dict[str, Any]]:
    chosen = claims.iter_claims(
        team, article=article, include_archived=include_archived, within=within
    )
    for claim in chosen:
        yield ourjson.claim_dict(claim)


# Every stream takes `include_archived`: a team's export leaves archived articles out unless
# it is True; the export of one article includes it, archived or not. `within` narrows a
# team's export to the articles the article list shows with the same filters.


def stream_json(
    team: Any,
    *,
    article: Any = None,
    base_url: str = "",
    include_archived: bool = False,
    within: ArticleFilter | None = None,
) -> Iterator[str]:
    head = ourjson.header(
        team=team, ratings=claims.ratings(team), exported_at=timezone.now(), article=article
    )
    articles = (
        ourjson.article_dict(item)
        for item in claims.iter_articles(
            team, article=article, include_archived=include_archived, within=within
        )
    )
    yield from buffered(
        ourjson.document(head, articles, _claim_dicts(team, article, include_archived, within))
    )


def stream_ndjson(
    team: Any,
    *,
    article: Any = None,
    base_url: str = "",
    include_archived: bool = False,
    within: ArticleFilter | None = None,
) -> Iterator[str]:
    yield from buffered(ndjson.document(_claim_dicts(team, article, include_archived, within)))


def stream_csv(
    team: Any,
    *,
    article: Any = None,
    base_url: str = "",
    include_archived: bool = False,
    within: ArticleFilter | None = None,
) -> Iterator[str]:
    # The reviewer columns are known before the first row: one query, then the stream.
    reviewers = claims.reviewers(
        team, article=article, include_archived=include_archived, within=within
    )
    rows = _claim_dicts(team, article, include_archived, within)
    yield from buffered(csv_export.document(rows, reviewers=reviewers))


def export_url(
    base_url: str, fmt: str, team: Any, article: Any = None, within: ArticleFilter | None = None
) -> str:
    query: dict[str, Any] = {"format": fmt, "team": team.slug}
    if article is not None:
        query["article"] = article.pk
    if within:
        query |= within.query()
    return f"{base_url.rstrip('/')}/api/v1/export?{urlencode(query)}"


def stream_w3c(
    team: Any,
    *,
    article: Any = None,
    base_url: str = "",
    include_archived: bool = False,
    within: ArticleFilter | None = None,
) -> Iterator[str]:
    """An AnnotationCollection whose first (and only) page embeds every annotation.

    The collection's `total` comes from one COUNT before the items are streamed.
    """

    base_url = base_url or claims.base_url()
    collection_id = export_url(base_url, "w3c", team, article, within)
    total = claims.count_claims(
        team, article=article, include_archived=include_archived, within=within
    )
    scope = f"“{article.title}”" if article is not None else team.name
    collection: dict[str, Any] = {
        "@context": W3C_CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": f"Claims of {scope}",
        "total": total,
    }
    if total == 0:
        yield ourjson.dumps(collection) + "\n"
        return
    page_id = f"{collection_id}&page=0"
    collection["last"] = page_id
    page_head = {
        "id": page_id,
        "type": "AnnotationPage",
        "partOf": {"id": collection_id, "type": "AnnotationCollection", "total": total},
        "startIndex": 0,
    }

    def pieces() -> Iterator[str]:
        yield ourjson.dumps(collection)[:-1] + ',\n"first":' + ourjson.dumps(page_head)[:-1]
        yield ',"items":['
        separator = "\n"
        for claim in claims.iter_claims(
            team, article=article, include_archived=include_archived, within=within
        ):
            yield separator
            yield ourjson.dumps(w3c.annotation(claim, base_url=base_url, context=False))
            separator = ",\n"
        yield "\n]}}\n"

    yield from buffered(pieces())


def article_meta(article: Any) -> dict[str, Any]:
    """What ClaimReview says about the article a claim appears in (no text)."""
    return {
        "id": article.pk,
        "title": article.title,
        "url": article.url,
        "publisher": article.publisher,
        "author": article.author,
        "published_at": ourjson.iso(article.published_at),
        "language": article.language,
    }


def claim_reviews(
    team: Any,
    *,
    article: Any = None,
    base_url: str = "",
    include_archived: bool = False,
    within: ArticleFilter | None = None,
) -> Iterator[dict[str, Any]]:
    """ClaimReview objects for the approved and published claims that have a final verdict.

    `base_url` is not used: a ClaimReview names the public fact check and the team's
    organisation, never the tool's own pages (kept for the streams' common signature).
    """
    worst, best = (ourjson.number(bound) for bound in claims.scale_bounds(team))
    publisher = publishing.organisation(team)
    chunks = claims.iter_claim_chunks(
        team,
        article=article,
        statuses=claimreview.STATUSES,
        include_archived=include_archived,
        within=within,
    )
    for chunk in chunks:
        published = claims.publication_dates(chunk)
        for claim in chunk:
            if claim.final_verdict_id is None:
                continue
            yield claimreview.claim_review(
                ourjson.claim_dict(claim),
                article=article_meta(claim.article),
                publisher=publisher,
                worst=worst,
                best=best,
                date_published=published.get(claim.pk, claim.updated_at),
            )


def claim_review_for(claim: Any, *, base_url: str = "") -> dict[str, Any] | None:
    """One claim's ClaimReview (a model Claim: a few queries), or None when the claim is not
    approved or published with a final verdict. For a single-claim endpoint."""
    if claim.status not in claimreview.STATUSES or claim.final_verdict_id is None:
        return None
    team = claim.article.team
    worst, best = (ourjson.number(bound) for bound in claims.scale_bounds(team))
    published = claims.publication_dates([claim]).get(claim.pk, claim.updated_at)
    return claimreview.claim_review(
        ourjson.claim_dict(claim),
        article=article_meta(claim.article),
        publisher=publishing.organisation(team),
        worst=worst,
        best=best,
        date_published=published,
    )


def without_public_url(
    team: Any, *, article: Any = None, include_archived: bool = False, within: Any = None
) -> int:
    """How many ClaimReviews of a `claimreview` export have no `url` (no public URL): search
    engines ignore them. One COUNT, asked before the export streams (a response header)."""
    return claims.count_without_public_url(
        team,
        article=article,
        statuses=claimreview.STATUSES,
        include_archived=include_archived,
        within=within,
    )


def stream_claimreview(
    team: Any,
    *,
    article: Any = None,
    base_url: str = "",
    include_archived: bool = False,
    within: ArticleFilter | None = None,
) -> Iterator[str]:
    reviews = claim_reviews(team, article=article, include_archived=include_archived, within=within)
    yield from buffered(
        claimreview.feed(
            reviews, publisher=publishing.organisation(team), date_modified=timezone.now()
        )
    )


FORMATS: dict[str, ExportFormat] = {
    "json": ExportFormat("application/json", "json", stream_json),
    "csv": ExportFormat("text/csv; charset=utf-8", "csv", stream_csv),
    "ndjson": ExportFormat("application/x-ndjson", "ndjson", stream_ndjson),
    "w3c": ExportFormat(W3C_MEDIA_TYPE, "jsonld", stream_w3c),
    "claimreview": ExportFormat("application/ld+json", "jsonld", stream_claimreview),
}


def filename(fmt: str, team: Any, article: Any = None, today: date | None = None) -> str:
    """verify-2025-11-26.ndjson, verify-article-12-2025-11-26.csv, verify-w3c-….jsonld"""
    today = today or timezone.localdate()
    parts = [team.slug]
    if article is not None:
        parts.append(f"article-{article.pk}")
    if fmt in ("w3c", "claimreview"):
        parts.append(fmt)
    parts.append(today.isoformat())
    return "-".join(parts) + "." + FORMATS[fmt].extension
