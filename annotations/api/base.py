"""What every API view shares: the answers each kind of endpoint documents (READ, LIST, WRITE),
the If-Match parameter, input validation, and the base views (scoped lookups, cursor paging,
errors as JSON).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.api.errors import (
    RequestTooLarge,
    error_responses,
)
from annotations.api.pagination import ApiCursorPagination, ApiOrderingFilter
from annotations.api.parsers import StrictJSONParser
from annotations.queries import resources, scope

# Error statuses each kind of operation can answer (documented in the schema).
READ = (401, 404, 406, 429)


LIST = (400, 401, 404, 406, 429)


WRITE = (400, 401, 403, 404, 406, 409, 413, 415, 429)


CONDITIONAL_WRITE = (*WRITE, 412)


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag you read: a stale one is refused with 412.",
)


def responses_for(serializer: Any, *statuses: int, description: str = "") -> dict:
    return {200: OpenApiResponse(serializer, description), **error_responses(*statuses)}


def created_responses(serializer: Any, description: str) -> dict:
    """What a write that creates documents: 201 with the new object, or a WRITE error."""
    return {201: OpenApiResponse(serializer, description), **error_responses(*WRITE)}


def no_content_responses(description: str) -> dict:
    """What a write that answers nothing (a delete, a removal) documents: 204 or an error."""
    return {204: OpenApiResponse(description=description), **error_responses(*WRITE)}


def list_schema(
    summary: str, serializer: type[serializers.Serializer], *statuses: int, **kwargs: Any
) -> Any:
    """The schema of a list endpoint's GET: a page of `serializer`, or an error (LIST unless
    other `statuses` are given)."""
    return extend_schema(
        summary=summary,
        responses=responses_for(serializer(many=True), *(statuses or LIST)),
        **kwargs,
    )


WITH_ETAG = "The ETag header carries the object's version: send it back in If-Match."


def validated(serializer_class: type[serializers.Serializer], data: Any, **kwargs: Any) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _api_url(request: Request, name: str, *args: Any) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


# --- base views --------------------------------------------------------------------------------


# drf-spectacular shows a view's docstring (inherited ones too) as the operation description,
# so the base classes explain themselves in comments.


class ApiMetadata(SimpleMetadata):
    """OPTIONS: name, description, media types (and the Allow header); no per-method "actions",
    which DRF builds by calling get_object() and serializers these views do not have."""

    def determine_actions(self, request: Request, view: Any) -> dict:
        return {}


class ApiView(generics.GenericAPIView):
    # Throttles before permissions (so unauthenticated callers are counted too, failed token
    # guesses included), and a body over DATA_UPLOAD_MAX_MEMORY_SIZE refused with 413 before
    # anything reads it.

    filter_backends: list = []
    pagination_class = None
    parser_classes = [StrictJSONParser]
    metadata_class = ApiMetadata

    def perform_authentication(self, request: Request) -> None:
        try:
            request.user  # noqa: B018 - authenticates
        except AuthenticationFailed:
            self.check_throttles(request)
            raise

    def check_permissions(self, request: Request) -> None:
        self.check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request: Request) -> None:
        if getattr(request, "_throttles_checked", False):
            return
        request._throttles_checked = True
        super().check_throttles(request)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise RequestTooLarge.for_limit(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


class ApiListView(mixins.ListModelMixin, ApiView):
    # A cursor-paginated, ordered list; subclasses give serializer_class and rows() (or their
    # own get_queryset). drf-spectacular builds the view without a request to read: it gets an
    # empty queryset of `model` instead of rows().

    filter_backends = [ApiOrderingFilter]
    pagination_class = ApiCursorPagination
    model: Any = None

    def get_queryset(self):  # noqa: ANN201
        if schema_only(self):
            return self.model.objects.none()
        return self.rows()

    def rows(self):  # noqa: ANN201
        raise NotImplementedError


class ClaimListMixin:
    # A page of claims gets its verdicts and sources in two queries (resources.attach_nested).

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        resources.attach_nested(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class FilteredListView(ApiListView):
    filter_backends = [DjangoFilterBackend, ApiOrderingFilter]


def schema_only(view: ApiView) -> bool:
    """drf-spectacular builds views without a real request to read their querysets."""
    return getattr(view, "swagger_fake_view", False)


# --- teams: the views are in annotations/api/teams.py -------------------------------------------


class ChildListView(ApiListView):
    # A list under a team, article or claim: that parent is found once per request, through the
    # caller's teams.

    def _parent(self, find: Any) -> Any:
        if not hasattr(self, "_found_parent"):
            self._found_parent = find(self.request.user)
        return self._found_parent


class TeamChildListView(ChildListView):
    # A list under /teams/{slug}/.

    def get_team(self):  # noqa: ANN201
        slug = self.kwargs["slug"]
        return self._parent(lambda user: scope.team_for_user(user, slug, with_role=True))


class ArticleChildListView(ChildListView):
    # A list under /articles/{pk}/.

    def get_article(self):  # noqa: ANN201
        pk = self.kwargs["pk"]
        return self._parent(
            lambda user: scope.article_for_user(user, pk, prepare=resources.with_team)
        )


class ClaimChildListView(ChildListView):
    # A list under /claims/{pk}/.

    def get_claim(self):  # noqa: ANN201
        pk = self.kwargs["pk"]
        return self._parent(
            lambda user: scope.claim_for_user(user, pk, prepare=resources.with_article)
        )
