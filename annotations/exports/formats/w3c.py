"""W3C Web Annotation JSON-LD: claims as Annotations, pages and collections, and back.

Pure mapping: nothing here queries the database. Callers pass claims loaded with what the
mapping reads — `claim.article`, `claim.created_by`, the current verdicts with their rating and
reviewer (`queries.current_verdicts()`, stored as `claim.current_verdicts`) and `claim.sources`
— as `queries.claims_for_article()` loads them (assign `claim.article` when it is not joined).

How a claim maps (https://www.w3.org/TR/annotation-model/):
- `target`: the article (its URL, or its page here when it has none) with a TextQuoteSelector
  (exact, prefix, suffix) and a TextPositionSelector (code points, end exclusive). An orphaned
  claim has no position, so it keeps only its TextQuoteSelector.
- `body`, one entry per piece, each an Embedded Textual Body or a Specific Resource told apart
  by its `purpose`:
  - `assessing`: a verdict; `value` is the rating's label, `creator` the reviewer. The rating's
    stable slug and numeric value ride along as the absolute-IRI keys `schema:identifier` and
    `schema:ratingValue` (full schema.org IRIs, so they stay valid JSON-LD under the anno
    context). The final verdict comes first.
  - `commenting`: that verdict's rationale (same `creator`).
  - `describing`: the claim as checked (its summary).
  - `identifying`: the claimant, who is identified as the speaker of the quoted text.
  - `tagging`: one body per tag.
  - `linking`: each source, a SpecificResource whose `source` is the evidence URL (`label` its
    title, `creator` its publisher), with its excerpt as a TextQuoteSelector and its archived
    copy and access date as a TimeState (`cached`, `sourceDate`).
- `motivation` is `assessing` once a verdict exists, `highlighting` before; the claim's
  workflow status is the absolute-IRI key `schema:creativeWorkStatus`.

Pages (`annotation_page`) and collections (`collection`) follow the model's section 5 and the
Web Annotation Protocol's container representation. Pages are numbered from 0, as in the
protocol's examples (`?page=0`); `?iris=1` marks pages whose items are only IRIs.

`claim_input_from_annotation` reads a posted annotation back into keyword arguments for
`services.claim_create` / `services.claim_replace`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.encoding import iri_to_uri

if TYPE_CHECKING:  # models only for type hints: this module never queries
    from django.contrib.auth.models import AbstractBaseUser
    from django.http import HttpRequest

    from annotations.models import Claim, Source, Verdict

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
MEDIA_TYPE = f'application/ld+json; profile="{ANNO_CONTEXT}"'
GENERATOR_NAME = "Factcheck"

# Extension keys: absolute IRIs, so JSON-LD processors read them without another context.
SCHEMA_IDENTIFIER = "https://schema.org/identifier"
SCHEMA_RATING_VALUE = "https://schema.org/ratingValue"
SCHEMA_STATUS = "https://schema.org/creativeWorkStatus"
SCHEMA_CORRECTION = "https://schema.org/correction"

EMBED_CHOICES = ("full", "iris")


# --- addresses --------------------------------------------------------------------------------


def site_base_url(request: HttpRequest | None = None) -> str:
    """The scheme and host every IRI starts with, without a trailing slash.

    From the request when serving one (so IRIs name the host the client used); otherwise the
    FACTCHECK_BASE_URL setting (commands, exports without a request).
    """
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    from django.conf import settings

    return str(settings.FACTCHECK_BASE_URL).rstrip("/")


def container_iri(article_id: int, *, base_url: str) -> str:
    """The article's annotation container (the protocol's BasicContainer)."""
    return f"{base_url.rstrip('/')}/api/v1/articles/{article_id}/annotations/"


def annotation_iri(article_id: int, claim_id: int, *, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/api/v1/articles/{article_id}/annotations/{claim_id}"


def page_iri(container: str, page: int, *, embed: str = "full") -> str:
    """A page of the container: `?page=N` (full descriptions) or `?iris=1&page=N` (IRIs)."""
    return f"{container}?iris=1&page={page}" if embed == "iris" else f"{container}?page={page}"


def last_page(total: int, per_page: int) -> int:
    """The number of the last page (0-based); an empty collection still has page 0."""
    return max(0, math.ceil(total / per_page) - 1)


def user_iri(user_id: int, *, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/users/{user_id}"


# --- annotations ------------------------------------------------------------------------------


def annotation(claim: Claim, *, base_url: str, context: bool = True) -> dict[str, Any]:
    """One claim as a W3C Web Annotation (`context=False` when embedded in a page)."""
    base = base_url.rstrip("/")
    verdicts = _current_verdicts(claim)
    doc: dict[str, Any] = {}
    if context:
        doc["@context"] = ANNO_CONTEXT
    doc["id"] = annotation_iri(claim.article_id, claim.pk, base_url=base)
    doc["type"] = "Annotation"
    doc["motivation"] = "assessing" if verdicts else "highlighting"
    doc["created"] = _datetime(claim.created_at)
    doc["modified"] = _datetime(_last_change(claim, verdicts))
    if claim.created_by is not None:
        doc["creator"] = _agent(claim.created_by, base)
    doc["generator"] = {
        "id": f"{base}/",
        "type": "Software",
        "name": GENERATOR_NAME,
        "homepage": f"{base}/",
    }
    doc[SCHEMA_STATUS] = claim.status
    # How people cite the claim in its team (#123); the `id` above is the API's address.
    number = getattr(claim, "number", None)
    if number:
        doc[SCHEMA_IDENTIFIER] = f"#{number}"
    if claim.corrected_at:  # the latest correction's note, once a published claim is corrected
        doc[SCHEMA_CORRECTION] = claim.correction_note
    doc["body"] = _bodies(claim, verdicts, base)
    doc["target"] = _target(claim, base)
    return doc


def _last_change(claim: Claim, verdicts: Sequence[Verdict]) -> datetime:
    """The latest of the claim's own change and its current verdicts' and sources' creation:
    the services add those without touching the claim's updated_at."""
    times = [claim.updated_at]
    times += [verdict.created_at for verdict in verdicts]
    times += [source.created_at for source in claim.sources.all()]
    return max(time for time in times if time is not None)


def _current_verdicts(claim: Claim) -> list[Verdict]:
    """The claim's current verdicts, the final one first, from what the caller prefetched."""
    verdicts = getattr(claim, "current_verdicts", None)
    if verdicts is None:
        verdicts = [verdict for verdict in claim.verdicts.all() if verdict.is_current]
    final_id = claim.final_verdict_id
    return sorted(verdicts, key=lambda verdict: (verdict.pk != final_id, verdict.pk))


def _bodies(claim: Claim, verdicts: Sequence[Verdict], base: str) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    for verdict in verdicts:
        reviewer = _agent(verdict.reviewer, base)
        rating = verdict.rating
        assessment = _text(rating.label, "assessing")
        assessment["creator"] = reviewer
        assessment["created"] = _datetime(verdict.created_at)
        assessment[SCHEMA_IDENTIFIER] = rating.slug
        if rating.value is not None:
            assessment[SCHEMA_RATING_VALUE] = _number(rating.value)
        bodies.append(assessment)
        if verdict.rationale:
            rationale = _text(verdict.rationale, "commenting")
            rationale["creator"] = reviewer
            bodies.append(rationale)
    if claim.summary:
        bodies.append(_text(claim.summary, "describing"))
    if claim.claimant:
        bodies.append(_text(claim.claimant, "identifying"))
    for tag in claim.tags or []:
        bodies.append({"type": "TextualBody", "purpose": "tagging", "value": str(tag)})
    for source in claim.sources.all():
        bodies.append(_source_body(source))
    return bodies


def _text(value: str, purpose: str) -> dict[str, Any]:
    return {"type": "TextualBody", "purpose": purpose, "value": value, "format": "text/plain"}


def _source_body(source: Source) -> dict[str, Any]:
    resource: dict[str, Any] = {"id": iri_to_uri(source.url)}
    if source.title:
        resource["label"] = source.title
    if source.publisher:
        resource["creator"] = {"type": "Organization", "name": source.publisher}
    body: dict[str, Any] = {"type": "SpecificResource", "purpose": "linking", "source": resource}
    if source.excerpt:
        body["selector"] = {"type": "TextQuoteSelector", "exact": source.excerpt}
    if source.accessed_at or source.archived_url:
        # A TimeState needs a date: the access date, else the day the source was added.
        state: dict[str, Any] = {
            "type": "TimeState",
            "sourceDate": _date(source_date(source)),
        }
        if source.archived_url:
            state["cached"] = iri_to_uri(source.archived_url)
        body["state"] = state
    return body


def source_date(source: Source) -> date | None:
    """The date a source's TimeState carries (see `_source_body`)."""
    if source.accessed_at:
        return source.accessed_at
    if source.archived_url and source.created_at:
        return source.created_at.astimezone(UTC).date()
    return None


def _target(claim: Claim, base: str) -> dict[str, Any]:
    article = claim.article
    quote: dict[str, Any] = {"type": "TextQuoteSelector", "exact": claim.exact}
    if claim.prefix:
        quote["prefix"] = claim.prefix
    if claim.suffix:
        quote["suffix"] = claim.suffix
    selectors: list[dict[str, Any]] = [quote]
    if claim.start is not None and claim.end is not None:
        selectors.append({"type": "TextPositionSelector", "start": claim.start, "end": claim.end})
    source = iri_to_uri(article.url) if article.url else f"{base}/articles/{article.pk}/"
    return {"source": source, "selector": selectors}


def _agent(user: AbstractBaseUser, base: str) -> dict[str, Any]:
    username = user.get_username()
    full_name = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return {
        "id": user_iri(user.pk, base_url=base),
        "type": "Person",
        "name": full_name or username,
        "nickname": username,
    }


def _datetime(value: datetime | None) -> str | None:
    """xsd:dateTime in UTC with a `Z`, as the model's examples write it."""
    if value is None:
        return None
    if value.tzinfo is None:  # USE_TZ off: the database holds UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _date(value: date | None) -> str | None:
    return None if value is None else f"{value.isoformat()}T00:00:00Z"


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# --- pages and collections --------------------------------------------------------------------


def annotation_page(
    claims: Iterable[Claim],
    *,
    base_url: str,
    container_iri: str,
    page: int,
    per_page: int,
    total: int,
    embed: str = "full",
    context: bool = True,
    label: str | None = None,
) -> dict[str, Any]:
    """One AnnotationPage of a collection (pages numbered from 0).

    `claims` are the page's claims, already sliced; `total` counts the whole collection.
    `embed="full"` embeds each annotation's description, `"iris"` only its IRI.
    """
    _check_paging(page=page, per_page=per_page, total=total, embed=embed)
    last = last_page(total, per_page)
    part_of: dict[str, Any] = {"id": container_iri, "type": "AnnotationCollection"}
    if label:
        part_of["label"] = label
    part_of["total"] = total
    if total:
        part_of["first"] = page_iri(container_iri, 0, embed=embed)
        part_of["last"] = page_iri(container_iri, last, embed=embed)
    doc: dict[str, Any] = {}
    if context:
        doc["@context"] = ANNO_CONTEXT
    doc["id"] = page_iri(container_iri, page, embed=embed)
    doc["type"] = "AnnotationPage"
    doc["partOf"] = part_of
    doc["startIndex"] = page * per_page
    if page < last:
        doc["next"] = page_iri(container_iri, page + 1, embed=embed)
    if page > 0:
        doc["prev"] = page_iri(container_iri, min(page, last + 1) - 1, embed=embed)
    if embed == "iris":
        doc["items"] = [
            annotation_iri(claim.article_id, claim.pk, base_url=base_url) for claim in claims
        ]
    else:
        doc["items"] = [annotation(claim, base_url=base_url, context=False) for claim in claims]
    return doc


def collection(
    *,
    base_url: str,
    container_iri: str,
    label: str,
    total: int,
    per_page: int,
    first_page: Mapping[str, Any] | None,
    embed: str = "full",
    context: bool = True,
    modified: datetime | None = None,
) -> dict[str, Any]:
    """The AnnotationCollection (and protocol BasicContainer) describing a set of annotations.

    `first_page` is the embedded first page (from `annotation_page`, its @context dropped
    here), or None for a minimal description whose `first` is only the page's IRI. An empty
    collection has neither `first` nor `last`.
    """
    _check_paging(page=0, per_page=per_page, total=total, embed=embed)
    doc: dict[str, Any] = {}
    if context:
        # BasicContainer is an LDP term: the protocol's container answers with both contexts.
        doc["@context"] = [ANNO_CONTEXT, LDP_CONTEXT]
    doc["id"] = container_iri
    doc["type"] = ["BasicContainer", "AnnotationCollection"]
    doc["label"] = label
    doc["total"] = total
    if modified is not None:
        doc["modified"] = _datetime(modified)
    if total:
        if first_page is not None:
            doc["first"] = {key: value for key, value in first_page.items() if key != "@context"}
        else:
            doc["first"] = page_iri(container_iri, 0, embed=embed)
        doc["last"] = page_iri(container_iri, last_page(total, per_page), embed=embed)
    return doc


def _check_paging(*, page: int, per_page: int, total: int, embed: str) -> None:
    if embed not in EMBED_CHOICES:
        raise ValueError(f"embed must be one of {', '.join(EMBED_CHOICES)}, not {embed!r}.")
    if per_page < 1 or page < 0 or total < 0:
        raise ValueError("per_page must be at least 1; page and total cannot be negative.")


# --- reading a posted annotation ----------------------------------------------------------------


class AnnotationInputError(ValueError):
    """A posted annotation this server cannot turn into a claim. The message says why."""

    code = "invalid_annotation"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


SUPPORTED_SELECTORS = ("TextQuoteSelector", "TextPositionSelector")
TEXT_PURPOSES = ("assessing", "commenting", "describing", "identifying", "tagging")


def claim_input_from_annotation(data: Any, *, creator: str | None = None) -> dict[str, Any]:
    """Keyword arguments for services.claim_create / claim_replace from a W3C annotation.

    Returns start, end, exact, prefix, suffix (from the TextPositionSelector and the
    TextQuoteSelector of the single target), summary (`describing`), claimant
    (`identifying`), tags (`tagging`), rating and rationale (`assessing`, `commenting`) and
    sources (`linking`). `rating` is the verdict as written — the `schema:identifier` slug when
    given, else the body's value, often the rating's label: matching it to the team's scale is
    for the caller and the services.

    Several verdict bodies are told apart by their `creator`: with `creator` (the caller's
    agent IRI) the verdict and rationale are the ones by that agent or by nobody; others'
    verdicts (sent back unchanged from a GET) are ignored.

    Raises AnnotationInputError (a ValueError) for anything this server cannot read.
    """
    if not isinstance(data, Mapping):
        raise AnnotationInputError("An annotation must be a JSON object.")
    types = _strings(data.get("type", "Annotation"), "type")
    if "Annotation" not in types:
        raise AnnotationInputError("type must be Annotation.", field="type")
    result: dict[str, Any] = {
        "start": None,
        "end": None,
        "exact": None,
        "prefix": "",
        "suffix": "",
        "summary": "",
        "claimant": "",
        "tags": [],
        "rating": None,
        "rationale": "",
        "sources": [],
    }
    result.update(_read_target(data))

    if "body" in data and "bodyValue" in data:
        raise AnnotationInputError("Give body or bodyValue, not both.", field="bodyValue")
    if "bodyValue" in data:
        result["summary"] = _string(data["bodyValue"], "bodyValue")
        return result
    bodies = data.get("body", [])
    if isinstance(bodies, (Mapping, str)):
        bodies = [bodies]
    if not isinstance(bodies, list):
        raise AnnotationInputError("body must be an object or a list of objects.", field="body")
    default_purpose = _default_purpose(data.get("motivation"))
    verdicts: list[tuple[str | None, str]] = []
    rationales: list[tuple[str | None, str]] = []
    for index, body in enumerate(bodies):
        field = f"body[{index}]"
        if not isinstance(body, Mapping):
            raise AnnotationInputError(
                f"{field} must be an object: a TextualBody or a SpecificResource (a bare IRI "
                "body is not supported; send a linking SpecificResource for a source).",
                field=field,
            )
        if "items" in body:
            raise AnnotationInputError(
                f"{field}: Choice, List and Composite bodies are not supported.", field=field
            )
        purposes = _strings(body.get("purpose", default_purpose or []), f"{field}.purpose")
        if "source" in body or ("id" in body and "value" not in body):
            result["sources"].append(_read_source(body, field, purposes))
            continue
        if "value" not in body:
            raise AnnotationInputError(f"{field} has neither a value nor a source.", field=field)
        value = _string(body["value"], f"{field}.value")
        body_format = body.get("format", "text/plain")
        if body_format not in ("text/plain", ["text/plain"]):
            raise AnnotationInputError(
                f"{field}: only text/plain bodies are supported, not {body_format!r}.",
                field=f"{field}.format",
            )
        known = [purpose for purpose in purposes if purpose in TEXT_PURPOSES]
        if len(known) != 1:
            raise AnnotationInputError(
                f"{field} needs exactly one purpose of {', '.join(TEXT_PURPOSES)} "
                "(or linking on a SpecificResource).",
                field=f"{field}.purpose",
            )
        purpose = known[0]
        if purpose == "tagging":
            result["tags"].append(value)
        elif purpose == "describing":
            _set_once(result, "summary", value, field)
        elif purpose == "identifying":
            _set_once(result, "claimant", value, field)
        elif purpose == "assessing":
            identifier = body.get(SCHEMA_IDENTIFIER)
            if identifier is not None:
                value = _string(identifier, f"{field}.{SCHEMA_IDENTIFIER}")
            verdicts.append((_creator_id(body, field), value))
        else:  # commenting
            rationales.append((_creator_id(body, field), value))
    result["rating"] = _pick(verdicts, creator, "verdict (assessing)")
    result["rationale"] = _pick(rationales, creator, "rationale (commenting)") or ""
    return result


def _read_target(data: Mapping[str, Any]) -> dict[str, Any]:
    if "target" not in data:
        raise AnnotationInputError("The annotation has no target.", field="target")
    target = data["target"]
    if isinstance(target, list):
        if len(target) != 1:
            raise AnnotationInputError(
                "Give exactly one target: the passage of this article.", field="target"
            )
        target = target[0]
    if isinstance(target, str):
        raise AnnotationInputError(
            "The target needs a selector: a TextQuoteSelector and/or a TextPositionSelector.",
            field="target",
        )
    if not isinstance(target, Mapping):
        raise AnnotationInputError("target must be an object.", field="target")
    selectors = target.get("selector")
    if selectors is None:
        raise AnnotationInputError(
            "The target needs a selector: a TextQuoteSelector and/or a TextPositionSelector.",
            field="target.selector",
        )
    if isinstance(selectors, Mapping):
        selectors = [selectors]
    if not isinstance(selectors, list) or not selectors:
        raise AnnotationInputError(
            "target.selector must be a selector object or a list of them.",
            field="target.selector",
        )
    found: dict[str, Any] = {}
    seen: set[str] = set()
    for index, selector in enumerate(selectors):
        field = f"target.selector[{index}]"
        if not isinstance(selector, Mapping):
            raise AnnotationInputError(f"{field} must be an object.", field=field)
        kind = selector.get("type")
        if kind not in SUPPORTED_SELECTORS:
            raise AnnotationInputError(
                f"{field}: selector type {kind!r} is not supported; use TextQuoteSelector "
                "and/or TextPositionSelector.",
                field=field,
            )
        if kind in seen:
            raise AnnotationInputError(f"Give at most one {kind}.", field=field)
        seen.add(kind)
        if "refinedBy" in selector:
            raise AnnotationInputError(f"{field}: refinedBy is not supported.", field=field)
        if kind == "TextQuoteSelector":
            exact = _string(selector.get("exact"), f"{field}.exact")
            if not exact.strip():
                raise AnnotationInputError(f"{field}.exact is empty.", field=f"{field}.exact")
            found["exact"] = exact
            found["prefix"] = _string(selector.get("prefix", ""), f"{field}.prefix")
            found["suffix"] = _string(selector.get("suffix", ""), f"{field}.suffix")
        else:
            found["start"] = _offset(selector.get("start"), f"{field}.start")
            found["end"] = _offset(selector.get("end"), f"{field}.end")
    return found


def _read_source(body: Mapping[str, Any], field: str, purposes: list[str]) -> dict[str, Any]:
    """A `linking` SpecificResource (or a bare External Web Resource) as a source's fields."""
    if purposes and "linking" not in purposes:
        raise AnnotationInputError(
            f"{field}: a resource body is a source and needs the purpose linking.",
            field=f"{field}.purpose",
        )
    resource = body.get("source", body)
    if isinstance(resource, str):
        resource = {"id": resource}
    if not isinstance(resource, Mapping):
        raise AnnotationInputError(f"{field}.source must be an IRI or an object.", field=field)
    source: dict[str, Any] = {"url": _string(resource.get("id"), f"{field}.source.id")}
    title = resource.get("label", resource.get("title"))
    if title is not None:
        source["title"] = _string(title, f"{field}.source.label")
    publisher = resource.get("creator")
    if publisher is not None:
        if isinstance(publisher, Mapping):
            publisher = publisher.get("name", "")
        source["publisher"] = _string(publisher, f"{field}.source.creator.name")
    selector = body.get("selector") if "source" in body else None
    if selector is not None:
        if isinstance(selector, list) and len(selector) == 1:
            selector = selector[0]
        if not isinstance(selector, Mapping) or selector.get("type") != "TextQuoteSelector":
            raise AnnotationInputError(
                f"{field}.selector: a source's excerpt is one TextQuoteSelector.",
                field=f"{field}.selector",
            )
        source["excerpt"] = _string(selector.get("exact"), f"{field}.selector.exact")
    state = body.get("state") if "source" in body else None
    if state is not None:
        if isinstance(state, list) and len(state) == 1:
            state = state[0]
        if not isinstance(state, Mapping) or state.get("type") != "TimeState":
            raise AnnotationInputError(
                f"{field}.state: only a TimeState (cached, sourceDate) is supported.",
                field=f"{field}.state",
            )
        if "cached" in state:
            source["archived_url"] = _string(state["cached"], f"{field}.state.cached")
        if "sourceDate" in state:
            source["accessed_at"] = _parse_date(state["sourceDate"], f"{field}.state.sourceDate")
    return source


def _default_purpose(motivation: Any) -> str | None:
    """A body without a purpose takes the annotation's single motivation."""
    if isinstance(motivation, list) and len(motivation) == 1:
        motivation = motivation[0]
    return motivation if isinstance(motivation, str) else None


def _pick(found: list[tuple[str | None, str]], creator: str | None, what: str) -> str | None:
    mine = [value for author, value in found if creator is None or author in (None, creator)]
    if len(mine) > 1:
        raise AnnotationInputError(
            f"Give at most one {what} body"
            + ("." if creator is None else " of yours (others' are kept as they are)."),
            field="body",
        )
    return mine[0] if mine else None


def _set_once(result: dict[str, Any], key: str, value: str, field: str) -> None:
    if result[key]:
        raise AnnotationInputError(f"{field}: give only one {key} body.", field=field)
    result[key] = value


def _creator_id(body: Mapping[str, Any], field: str) -> str | None:
    creator = body.get("creator")
    if creator is None:
        return None
    if isinstance(creator, Mapping):
        creator = creator.get("id")
    if creator is None:
        return None
    return _string(creator, f"{field}.creator")


def _string(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise AnnotationInputError(f"{field} must be a string.", field=field)
    if "\x00" in value:  # PostgreSQL cannot store NUL in text
        raise AnnotationInputError(f"{field} contains a NUL character.", field=field)
    return value


def _strings(value: Any, field: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise AnnotationInputError(f"{field} must be a string or a list of strings.", field=field)


def _offset(value: Any, field: str) -> int:
    # bool is an int in Python; JSON true is not an offset.
    if not isinstance(value, int) or isinstance(value, bool):
        raise AnnotationInputError(f"{field} must be a whole number.", field=field)
    if value < 0:
        raise AnnotationInputError(f"{field} cannot be negative.", field=field)
    return value


def _parse_date(value: Any, field: str) -> date:
    text = _string(value, field)
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise AnnotationInputError(
            f"{field} must be an xsd:dateTime such as 2024-05-01T00:00:00Z.", field=field
        ) from None


__all__ = [
    "ANNO_CONTEXT",
    "MEDIA_TYPE",
    "AnnotationInputError",
    "annotation",
    "annotation_iri",
    "annotation_page",
    "claim_input_from_annotation",
    "collection",
    "container_iri",
    "last_page",
    "page_iri",
    "site_base_url",
    "source_date",
    "user_iri",
]
