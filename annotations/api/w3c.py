"""The W3C Web Annotation Protocol: one annotation container per article.

https://www.w3.org/TR/annotation-protocol/ — paths relative to /api/v1/:
- `articles/{id}/annotations/` — the container (an LDP BasicContainer and an
  AnnotationCollection). GET describes it with its first AnnotationPage embedded; `?page=N`
  (from 0) is one page. `Prefer: return=representation; include="…"` picks what the container
  embeds: `ldp#PreferMinimalContainer` (no page), `oa#PreferContainedIRIs` (items as IRIs) or
  `oa#PreferContainedDescriptions` (full annotations, the default); `?iris=1` asks for IRIs
  in the URL. POST a W3C annotation to create a claim: 201 with Location.
- `articles/{id}/annotations/{claim_id}` — one annotation: GET, HEAD, PUT (replaces the claim's
  content, services.claim_replace), DELETE, OPTIONS. ETag is the claim's version, so every
  write to the claim changes it; If-Match, when sent, must match (412 otherwise).

Responses are `application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"` whenever the
client accepts JSON-LD or JSON (406 otherwise); bodies may be sent as JSON-LD or JSON (415
otherwise). Errors are the API's JSON `{"detail", "code"}`. The mapping itself is
annotations/exports/formats/w3c.py; writes go through the services.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count, F, Max, QuerySet
from django.urls import path
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations import policies, services
from annotations.api import etags
from annotations.api.errors import error_responses, precondition_failed_from
from annotations.api.parsers import StrictJSONParser
from annotations.errors import Conflict, InvalidInput
from annotations.exports.formats import w3c
from annotations.models import Article, Claim, Rating, Team
from annotations.queries import claims, scope

PREFER_MINIMAL = "http://www.w3.org/ns/ldp#PreferMinimalContainer"
PREFER_IRIS = "http://www.w3.org/ns/oa#PreferContainedIRIs"
PREFER_DESCRIPTIONS = "http://www.w3.org/ns/oa#PreferContainedDescriptions"
CONTAINER_LINK = (
    '<http://www.w3.org/ns/ldp#BasicContainer>; rel="type", '
    '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"'
)
RESOURCE_LINK = '<http://www.w3.org/ns/ldp#Resource>; rel="type"'
ACCEPT_POST = f"{w3c.MEDIA_TYPE}, application/json"
# JSON-LD profiles this server's output satisfies: the anno context, compacted.
KNOWN_PROFILES = {w3c.ANNO_CONTEXT, "http://www.w3.org/ns/json-ld#compacted"}


class AnnotationRenderer(JSONRenderer):
    media_type = w3c.MEDIA_TYPE
    format = "jsonld"


class AnnotationParser(StrictJSONParser):
    """JSON-LD bodies (any profile) are JSON."""

    media_type = "application/ld+json"


def _media_ranges(accept: str) -> list[tuple[str, dict[str, str]]]:
    """The media ranges of an Accept header with q > 0, each with its parameters."""
    ranges = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if not media:
            continue
        values: dict[str, str] = {}
        for param in params:
            name, _, value = param.partition("=")
            values[name.strip().lower()] = value.strip().strip('"')
        try:
            quality = float(values.get("q", "1"))
        except ValueError:
            quality = 1.0
        if quality > 0:
            ranges.append((media.lower(), values))
    return ranges


def accepts_annotation_json(accept: str) -> bool:
    """Whether a response in the annotation media type satisfies this Accept header.

    JSON-LD with no profile or the anno profile, plain JSON (JSON-LD is JSON), application/*
    and */* are all served the JSON-LD; text/turtle and friends are not.
    """
    if not accept.strip():
        return True
    for media, params in _media_ranges(accept):
        if media in ("*/*", "application/*", "application/json"):
            return True
        if media == "application/ld+json":
            profiles = params.get("profile", "").split()
            if all(profile in KNOWN_PROFILES for profile in profiles):
                return True
    return False


class AnnotationNegotiation(BaseContentNegotiation):
    """Serve the annotation media type to anyone who accepts JSON; 406 for the rest."""

    def select_parser(self, request, parsers):  # noqa: ANN001, ANN201 - DRF's interface
        return DefaultContentNegotiation().select_parser(request, parsers)

    def select_renderer(self, request, renderers, format_suffix=None):  # noqa: ANN001, ANN201
        if accepts_annotation_json(request.META.get("HTTP_ACCEPT", "")):
            return renderers[0], renderers[0].media_type
        raise exceptions.NotAcceptable(
            "This resource is JSON-LD: accept application/ld+json "
            f'(profile="{w3c.ANNO_CONTEXT}") or application/json.'
        )


class _ProtocolView(APIView):
    renderer_classes = [AnnotationRenderer, JSONRenderer]
    parser_classes = [AnnotationParser, StrictJSONParser]
    content_negotiation_class = AnnotationNegotiation

    def finalize_response(self, request, response, *args, **kwargs):  # noqa: ANN001, ANN201
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            # An error is not an annotation: it goes out as the API's plain JSON.
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = "application/json"
        patch_vary_headers(response, ["Accept"])
        return response


# --- helpers --------------------------------------------------------------------------------


def _claims(article: Article) -> QuerySet[Claim]:
    """The container's order: text order, orphans (no position) last, on every database."""
    return claims.claims_for_article(article).order_by(F("start").asc(nulls_last=True), "end", "id")


def _claim(article: Article, claim_id: int) -> Claim:
    claim = _claims(article).filter(pk=claim_id).first()
    if claim is None:
        raise exceptions.NotFound("No such annotation.")
    claim.article = article
    return claim


def _etag(claim: Claim) -> str:
    # Every write to a claim (wording, position, verdict, source, status) raises its version.
    # Strong, with the same opaque tag as the claims API (etags.claim_etag), so an If-Match
    # taken from either face names the same version.
    return f'"claim-{claim.pk}-v{claim.version}"'


def _content_etag(data: Any) -> str:
    encoded = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return '"' + hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:32] + '"'


def _not_modified(request: Request, etag: str) -> bool:
    wanted = parse_etags(request.headers.get("If-None-Match", ""))
    return "*" in wanted or etag in wanted or f"W/{etag}" in wanted


def _check_if_match(request: Request, claim: Claim) -> None:
    """If-Match is honoured when sent: it must name the current version (412 otherwise)."""
    etags.check_if_match(request, _etag(claim))


def _rating_slug(team: Team, value: str | None) -> str | None:
    """A verdict written as a slug or as its label (what the annotation shows) → the slug.

    Unknown values pass through unchanged: the service refuses them, naming the valid ones.
    """
    if not value:
        return None
    scale = dict(Rating.objects.filter(team=team).values_list("slug", "label"))
    if value in scale:
        return value
    wanted = value.strip().casefold()
    for slug, label in scale.items():
        if label.casefold() == wanted:
            return slug
    return value


def _read_annotation(request: Request, *, creator: str | None) -> dict[str, Any]:
    try:
        return w3c.claim_input_from_annotation(request.data, creator=creator)
    except w3c.AnnotationInputError as error:
        raise InvalidInput(error.message, code=error.code, field=error.field) from None


def _annotation_response(
    request: Request, claim: Claim, *, status_code: int = 200, location: bool = False
) -> Response:
    base = w3c.site_base_url(request)
    iri = w3c.annotation_iri(claim.article_id, claim.pk, base_url=base)
    headers = {
        "ETag": _etag(claim),
        "Link": RESOURCE_LINK,
        "Content-Location": iri,
    }
    if location:
        headers["Location"] = iri
    return Response(w3c.annotation(claim, base_url=base), status=status_code, headers=headers)


def _page_size() -> int:
    return max(1, int(settings.FACTCHECK_W3C_PAGE_SIZE))


def _preferences(request: Request) -> tuple[bool, str, bool]:
    """(minimal container?, "full" or "iris", was a return=representation preference given?)

    From `Prefer: return=representation; include="URI URI"` (RFC 7240, the protocol's 4.2);
    `?iris=1` / `?iris=0` in the URL overrides the choice of items.
    """
    minimal, embed, applied = False, "full", False
    for preference in request.headers.get("Prefer", "").split(","):
        parts = [part.strip() for part in preference.split(";")]
        if parts[0].replace(" ", "").lower() != "return=representation":
            continue
        applied = True
        for param in parts[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() != "include":
                continue
            uris = value.strip().strip('"').split()
            minimal = minimal or PREFER_MINIMAL in uris
            if PREFER_IRIS in uris and PREFER_DESCRIPTIONS not in uris:
                embed = "iris"
    iris = request.query_params.get("iris")
    if iris is not None:
        if iris not in ("0", "1"):
            raise exceptions.ValidationError({"iris": ["Use iris=1 (IRIs) or iris=0 (full)."]})
        embed = "iris" if iris == "1" else "full"
    return minimal, embed, applied


def _page_number(request: Request) -> int | None:
    raw = request.query_params.get("page")
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise exceptions.ValidationError({"page": ["page is a page number from 0."]})
    return int(raw)


# --- views ----------------------------------------------------------------------------------

PREFER_PARAMETER = OpenApiParameter(
    "Prefer",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='`return=representation; include="URI"` with '
    f"`{PREFER_MINIMAL}`, `{PREFER_IRIS}` or `{PREFER_DESCRIPTIONS}` (the default).",
)
IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of the annotation you read; 412 when it has changed since.",
)
ANNOTATION_RESPONSE = OpenApiResponse(OpenApiTypes.OBJECT, description="A W3C Web Annotation.")


class AnnotationContainerView(_ProtocolView):
    """The article's annotation container."""

    @extend_schema(
        tags=["W3C annotations"],
        summary="The article's annotation container, or one page of it",
        operation_id="w3c_annotation_container",
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 0."),
            OpenApiParameter("iris", OpenApiTypes.INT, enum=[0, 1], description="1: IRIs."),
            PREFER_PARAMETER,
        ],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT, description="An AnnotationCollection or AnnotationPage."
            ),
            304: OpenApiResponse(description="Not modified (If-None-Match)."),
            **error_responses(400, 401, 404, 406, 429),
        },
    )
    def get(self, request: Request, article_id: int) -> Response:
        article = scope.article_for_user(request.user, article_id)
        minimal, embed, applied = _preferences(request)
        page = _page_number(request)
        base = w3c.site_base_url(request)
        container = w3c.container_iri(article.pk, base_url=base)
        per_page = _page_size()
        label = f"Claims in “{article.title}”"
        stats = Claim.objects.filter(article=article).aggregate(
            total=Count("id"), modified=Max("updated_at")
        )
        total = stats["total"]

        def page_of(number: int, *, context: bool) -> dict[str, Any]:
            claims = list(_claims(article)[number * per_page : (number + 1) * per_page])
            for claim in claims:
                claim.article = article
            return w3c.annotation_page(
                claims,
                base_url=base,
                container_iri=container,
                page=number,
                per_page=per_page,
                total=total,
                embed=embed,
                context=context,
                label=label,
            )

        headers = {}
        if page is not None:
            if page > w3c.last_page(total, per_page):
                raise exceptions.NotFound(
                    f"No such page: the last page is {w3c.last_page(total, per_page)}."
                )
            data = page_of(page, context=True)
            headers["Content-Location"] = data["id"]
        else:
            first = page_of(0, context=False) if total and not minimal else None
            data = w3c.collection(
                base_url=base,
                container_iri=container,
                label=label,
                total=total,
                per_page=per_page,
                first_page=first,
                embed=embed,
                modified=stats["modified"],
            )
            headers["Link"] = CONTAINER_LINK
            headers["Accept-Post"] = ACCEPT_POST
            headers["Content-Location"] = f"{container}?iris={1 if embed == 'iris' else 0}"
            if applied:
                headers["Preference-Applied"] = "return=representation"
        headers["ETag"] = _content_etag(data)
        if _not_modified(request, headers["ETag"]):
            response = Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        else:
            response = Response(data, headers=headers)
        patch_vary_headers(response, ["Accept", "Prefer"])
        return response

    @extend_schema(
        tags=["W3C annotations"],
        summary="Create a claim from a W3C Web Annotation",
        operation_id="w3c_annotation_create",
        description="The target needs a TextQuoteSelector and/or a TextPositionSelector "
        "(code points). Bodies by purpose: describing (the claim as checked), identifying "
        "(the claimant), assessing (the verdict: rating label or slug), commenting (its "
        "rationale), tagging, linking (a source: SpecificResource with the URL as source).",
        request={
            w3c.MEDIA_TYPE: OpenApiTypes.OBJECT,
            "application/json": OpenApiTypes.OBJECT,
        },
        responses={
            201: ANNOTATION_RESPONSE,
            **error_responses(400, 401, 403, 404, 406, 413, 415, 429),
        },
    )
    def post(self, request: Request, article_id: int) -> Response:
        article = scope.article_for_user(request.user, article_id)
        services.require(request.user, article.team, policies.CLAIM_WORK)
        fields = _read_annotation(request, creator=None)
        fields["rating"] = _rating_slug(article.team, fields["rating"])
        claim = services.claim_create(article=article, actor=request.user, **fields)
        return _annotation_response(
            request, _claim(article, claim.pk), status_code=status.HTTP_201_CREATED, location=True
        )

    @extend_schema(exclude=True)
    def options(self, request: Request, article_id: int) -> Response:
        scope.article_for_user(request.user, article_id)
        return Response(headers={"Link": CONTAINER_LINK, "Accept-Post": ACCEPT_POST})


class AnnotationView(_ProtocolView):
    """One annotation (a claim) of the article's container."""

    @extend_schema(
        tags=["W3C annotations"],
        summary="A claim as a W3C Web Annotation",
        operation_id="w3c_annotation_retrieve",
        responses={
            200: ANNOTATION_RESPONSE,
            304: OpenApiResponse(description="Not modified (If-None-Match)."),
            **error_responses(401, 404, 406, 429),
        },
    )
    def get(self, request: Request, article_id: int, claim_id: int) -> Response:
        article = scope.article_for_user(request.user, article_id)
        claim = _claim(article, claim_id)
        if _not_modified(request, _etag(claim)):
            return Response(
                status=status.HTTP_304_NOT_MODIFIED,
                headers={"ETag": _etag(claim), "Link": RESOURCE_LINK},
            )
        return _annotation_response(request, claim)

    @extend_schema(
        tags=["W3C annotations"],
        summary="Replace a claim's content with a W3C Web Annotation",
        operation_id="w3c_annotation_replace",
        description="Replaces the quote and position, wording, claimant, tags and sources; the "
        "verdict given becomes yours (others' verdicts stay). Send If-Match with the ETag you "
        "read to avoid overwriting someone else's change.",
        parameters=[IF_MATCH_PARAMETER],
        request={
            w3c.MEDIA_TYPE: OpenApiTypes.OBJECT,
            "application/json": OpenApiTypes.OBJECT,
        },
        responses={
            200: ANNOTATION_RESPONSE,
            **error_responses(400, 401, 403, 404, 406, 409, 412, 413, 415, 429),
        },
    )
    def put(self, request: Request, article_id: int, claim_id: int) -> Response:
        article = scope.article_for_user(request.user, article_id)
        claim = _claim(article, claim_id)
        services.require(request.user, article.team, policies.CLAIM_WORK)
        _check_if_match(request, claim)
        base = w3c.site_base_url(request)
        data = request.data
        if isinstance(data, dict) and "id" in data:
            # The host may differ behind a proxy; the path must name this annotation.
            iri = w3c.annotation_iri(article.pk, claim.pk, base_url=base)
            if not isinstance(data["id"], str) or urlsplit(data["id"]).path != urlsplit(iri).path:
                raise InvalidInput(
                    f"The annotation's id is not this annotation ({iri}).",
                    code="invalid_annotation",
                    field="id",
                )
        fields = _read_annotation(request, creator=w3c.user_iri(request.user.pk, base_url=base))
        fields["rating"] = _rating_slug(article.team, fields["rating"])
        try:
            services.claim_replace(
                claim=claim, actor=request.user, expected_version=claim.version, **fields
            )
        except Conflict as error:
            if error.code == "stale":  # changed between our If-Match check and the write
                raise precondition_failed_from(error) from None
            raise
        return _annotation_response(request, _claim(article, claim.pk))

    @extend_schema(
        tags=["W3C annotations"],
        summary="Delete a claim",
        operation_id="w3c_annotation_delete",
        parameters=[IF_MATCH_PARAMETER],
        responses={
            204: OpenApiResponse(description="Deleted."),
            **error_responses(401, 403, 404, 406, 409, 412, 429),
        },
    )
    def delete(self, request: Request, article_id: int, claim_id: int) -> Response:
        article = scope.article_for_user(request.user, article_id)
        claim = _claim(article, claim_id)
        services.require(request.user, article.team, policies.CLAIM_WORK)
        _check_if_match(request, claim)
        try:
            services.claim_delete(claim=claim, actor=request.user, expected_version=claim.version)
        except Conflict as error:
            if error.code == "stale":
                raise precondition_failed_from(error) from None
            raise
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(exclude=True)
    def options(self, request: Request, article_id: int, claim_id: int) -> Response:
        article = scope.article_for_user(request.user, article_id)
        if not Claim.objects.filter(article=article, pk=claim_id).exists():
            raise exceptions.NotFound("No such annotation.")
        return Response(headers={"Link": RESOURCE_LINK})


urlpatterns = [
    path(
        "articles/<int:article_id>/annotations/",
        AnnotationContainerView.as_view(),
        name="w3c-annotation-container",
    ),
    path(
        "articles/<int:article_id>/annotations/<int:claim_id>",
        AnnotationView.as_view(),
        name="w3c-annotation",
    ),
]
