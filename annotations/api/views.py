"""The REST API's resources under /api/v1/: teams, articles, claims and what hangs off claims.

Each view finds its object through a team-scoped query (annotations/api/queries.py: outsiders
get 404), validates the input with an input serializer (types and sizes), calls one service
(roles, rules and the event log live there: members below the role get 403), and serializes
the result. Errors take one shape everywhere (annotations/api/errors.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import path, reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, parsers, serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import policies, services
from annotations.api import benchmark, queries
from annotations.api.errors import (
    ErrorSerializer,
    PreconditionFailed,
    RequestTooLarge,
    error_responses,
    precondition_failed_from,
)
from annotations.api.etags import (
    article_etag,
    check_if_match,
    claim_etag,
    claim_version_from_if_match,
)
from annotations.api.filters import ArticleFilter, ClaimFilter
from annotations.api.pagination import ApiCursorPagination, ApiOrderingFilter
from annotations.api.parsers import StrictJSONParser
from annotations.api.serializers import (
    ArticleArchiveInputSerializer,
    ArticleDetailSerializer,
    ArticleImportInputSerializer,
    ArticleImportResultSerializer,
    ArticleSerializer,
    ArticleUpdateInputSerializer,
    ClaimCreateInputSerializer,
    ClaimSerializer,
    ClaimUpdateInputSerializer,
    CommentInputSerializer,
    CommentSerializer,
    CommentUpdateInputSerializer,
    EventSerializer,
    RevisionInputSerializer,
    RevisionResultSerializer,
    RevisionSerializer,
    SourceInputSerializer,
    SourceSerializer,
    TransitionInputSerializer,
    VerdictInputSerializer,
    VerdictSerializer,
)
from annotations.errors import Conflict, InvalidInput
from annotations.exports.streams import claim_review_for
from annotations.models import Claim, Verdict
from annotations.queries import discussion, scope

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


def _ok(serializer: Any, *statuses: int, description: str = "") -> dict:
    return {200: OpenApiResponse(serializer, description), **error_responses(*statuses)}


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
    # A cursor-paginated, ordered list; subclasses give get_queryset and serializer_class.

    filter_backends = [ApiOrderingFilter]
    pagination_class = ApiCursorPagination


class ClaimListMixin:
    # A page of claims gets its verdicts and sources in two queries (queries.attach_nested).

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        queries.attach_nested(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class FilteredListView(ApiListView):
    filter_backends = [DjangoFilterBackend, ApiOrderingFilter]


def _fake(view: ApiView) -> bool:
    """drf-spectacular builds views without a real request to read their querysets."""
    return getattr(view, "swagger_fake_view", False)


# --- teams: the views are in annotations/api/teams.py -------------------------------------------


class TeamChildListView(ApiListView):
    # A list under /teams/{slug}/: the team is found once, through the caller's memberships.

    def get_team(self):  # noqa: ANN201
        if not hasattr(self, "_team"):
            self._team = scope.team_for_user(
                self.request.user,
                self.kwargs["slug"],
                with_role=True,
            )
        return self._team


# --- articles ----------------------------------------------------------------------------------


class ArticleListView(FilteredListView):
    serializer_class = ArticleSerializer
    filterset_class = ArticleFilter
    ordering = ("-imported_at",)
    ordering_fields = ("imported_at", "updated_at", "title", "id")
    parser_classes = [StrictJSONParser, parsers.MultiPartParser]

    def get_queryset(self):  # noqa: ANN201
        if _fake(self):
            return queries.Article.objects.none()
        return queries.api_articles_for(self.request.user)

    @extend_schema(
        summary="Articles of your teams", responses=_ok(ArticleSerializer(many=True), *LIST)
    )
    def get(self, request: Request) -> Response:
        return self.list(request)

    @extend_schema(
        summary="Import an article",
        description=(
            "Give `team` and exactly one of `text`, `markdown`, `html`, `url` (JSON), or a "
            "multipart `file` (.txt, .md, .html). The same text already in the team gives back "
            "that article with 200 and a message; a new one is 201 with Location."
        ),
        request={
            "application/json": ArticleImportInputSerializer,
            "multipart/form-data": ArticleImportInputSerializer,
        },
        responses={
            201: OpenApiResponse(ArticleImportResultSerializer, "Imported (Location, ETag)."),
            200: OpenApiResponse(ArticleImportResultSerializer, "Already there: nothing new."),
            **error_responses(*WRITE, 422),
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(ArticleImportInputSerializer, request.data)
        team = scope.team_for_user(request.user, data.pop("team"), with_role=True)
        upload = data.pop("file", None)
        result = services.article_import(
            team=team,
            actor=request.user,
            file_name=upload.name if upload is not None else None,
            file_data=upload.read() if upload is not None else None,
            **data,
        )
        article = scope.article_for_user(
            request.user, result.article.pk, prepare=queries.article_detail
        )
        body = {
            **ArticleDetailSerializer(article).data,
            "created": result.created,
            "message": result.message,
        }
        headers = {"ETag": article_etag(article)}
        if result.created:
            headers["Location"] = _api_url(request, "api-article-detail", article.pk)
        return Response(
            body,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
            headers=headers,
        )


def _article_response(request: Request, pk: int, **kwargs: Any) -> Response:
    article = scope.article_for_user(request.user, pk, prepare=queries.article_detail)
    return Response(
        ArticleDetailSerializer(article).data, headers={"ETag": article_etag(article)}, **kwargs
    )


class ArticleDetailView(ApiView):
    @extend_schema(
        summary="An article with its text",
        responses=_ok(ArticleDetailSerializer, *READ, description=WITH_ETAG),
    )
    def get(self, request: Request, pk: int) -> Response:
        return _article_response(request, pk)

    @extend_schema(
        summary="Correct an article's metadata (editors)",
        description=(
            "Only the fields given change: `title`, `url` (http/https), `publisher`, `author`, "
            "`published_at` (YYYY-MM-DD or null), `language`. Each change is one "
            "`article.updated` event with the changed fields' before and after. Other fields "
            "of the article are refused by name (400). Send If-Match with the ETag you read to "
            "refuse a stale write (412)."
        ),
        parameters=[IF_MATCH],
        request=ArticleUpdateInputSerializer(partial=True),
        responses=_ok(ArticleDetailSerializer, *CONDITIONAL_WRITE, description=WITH_ETAG),
    )
    def patch(self, request: Request, pk: int) -> Response:
        article = scope.article_for_user(request.user, pk, prepare=queries.article_detail)
        services.require(request.user, article.team, policies.ARTICLE_MANAGE)
        check_if_match(request, article_etag(article))
        data = validated(ArticleUpdateInputSerializer, request.data, partial=True)
        # With If-Match, the values read with the ETag are the ones expected: a change racing
        # in between is refused by the service too.
        expected = (
            {name: getattr(article, name) for name in data}
            if request.META.get("HTTP_IF_MATCH")
            else None
        )
        try:
            services.article_update(actor=request.user, article=article, expected=expected, **data)
        except Conflict as error:
            if error.code == "stale":
                raise PreconditionFailed(error.message) from None
            raise
        return _article_response(request, pk)

    @extend_schema(
        summary="Delete an article for good (admins)",
        description=(
            "Deletes the article with its claims, verdicts, sources, comments, revisions and "
            "assignments. The `article.deleted` event keeps its title, address and those counts; "
            "earlier events stay. To keep it out of the way instead, archive it."
        ),
        parameters=[IF_MATCH],
        request=None,
        responses={204: OpenApiResponse(description="Deleted."), **error_responses(*WRITE, 412)},
    )
    def delete(self, request: Request, pk: int) -> Response:
        article = scope.article_for_user(request.user, pk, prepare=queries.article_detail)
        services.require(request.user, article.team, policies.ARTICLE_DELETE)
        check_if_match(request, article_etag(article))
        services.article_delete(actor=request.user, article=article)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ArticleArchiveView(ApiView):
    @extend_schema(
        summary="Archive an article (editors)",
        description=(
            "Out of the article list (unless `?archived=1`), of every queue and of team exports "
            "(unless `include_archived=1`); kept whole and restorable. It takes no new claims "
            "or versions while archived. 409 `already_archived`."
        ),
        request=ArticleArchiveInputSerializer,
        responses=_ok(ArticleDetailSerializer, *WRITE, description=WITH_ETAG),
    )
    def post(self, request: Request, pk: int) -> Response:
        article = scope.article_for_user(request.user, pk, prepare=queries.with_team)
        services.require(request.user, article.team, policies.ARTICLE_MANAGE)
        data = validated(ArticleArchiveInputSerializer, request.data or {})
        services.article_archive(actor=request.user, article=article, note=data.get("note", ""))
        return _article_response(request, pk)


class ArticleRestoreView(ApiView):
    @extend_schema(
        summary="Restore an archived article (editors)",
        description="Back in the lists and queues. 409 `not_archived`.",
        request=None,
        responses=_ok(ArticleDetailSerializer, *WRITE, description=WITH_ETAG),
    )
    def post(self, request: Request, pk: int) -> Response:
        article = scope.article_for_user(request.user, pk, prepare=queries.with_team)
        services.article_restore(actor=request.user, article=article)
        return _article_response(request, pk)


class ArticleChildListView(ApiListView):
    def get_article(self):  # noqa: ANN201
        if not hasattr(self, "_article"):
            self._article = scope.article_for_user(
                self.request.user, self.kwargs["pk"], prepare=queries.with_team
            )
        return self._article


class RevisionListView(ArticleChildListView):
    serializer_class = RevisionSerializer
    ordering = ("number",)
    ordering_fields = ("number", "created_at")

    def get_queryset(self):  # noqa: ANN201
        if _fake(self):
            return queries.ArticleRevision.objects.none()
        return queries.revisions_of(self.get_article())

    parser_classes = [StrictJSONParser, parsers.MultiPartParser]

    @extend_schema(
        summary="Every version of the article's text, oldest first",
        responses=_ok(RevisionSerializer(many=True), *LIST),
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.list(request)

    @extend_schema(
        summary="Load a new version of the article",
        description=(
            "Exactly like an import: one of `text`, `markdown`, `html`, `url` (JSON), or a "
            "multipart `file`. Every claim is re-anchored (anchored, fuzzy or orphaned; none is "
            "deleted). 201 with the new revision; the same text as the current one is 200 with "
            "a message and nothing new."
        ),
        request={
            "application/json": RevisionInputSerializer,
            "multipart/form-data": RevisionInputSerializer,
        },
        responses={
            201: OpenApiResponse(RevisionResultSerializer, "A new revision (Location)."),
            200: OpenApiResponse(RevisionResultSerializer, "The same text: nothing new."),
            **error_responses(*WRITE),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        article = scope.article_for_user(request.user, pk, prepare=queries.article_detail)
        data = validated(RevisionInputSerializer, request.data)
        upload = data.pop("file", None)
        result = services.article_revise(
            article=article,
            actor=request.user,
            file_name=upload.name if upload is not None else None,
            file_data=upload.read() if upload is not None else None,
            **data,
        )
        body = {
            "created": result.created,
            "message": result.message,
            "revision": RevisionSerializer(result.revision).data if result.revision else None,
            "counts": result.counts,
            "flagged": result.flagged,
        }
        headers = {}
        if result.created:
            headers["Location"] = _api_url(request, "api-article-revisions", article.pk)
        return Response(
            body,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
            headers=headers,
        )


class ArticleClaimListView(ClaimListMixin, ArticleChildListView):
    serializer_class = ClaimSerializer
    filter_backends = [DjangoFilterBackend, ApiOrderingFilter]
    filterset_class = ClaimFilter
    ordering = ("position",)
    ordering_fields = ("position", "created_at", "updated_at", "id")

    def get_queryset(self):  # noqa: ANN201
        if _fake(self):
            return Claim.objects.none()
        return queries.claims_of_article(self.get_article())

    @extend_schema(
        summary="The article's claims in text order (orphans last)",
        description="`ordering=position` is text order; orphaned claims come last.",
        responses=_ok(ClaimSerializer(many=True), *LIST),
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.list(request)

    @extend_schema(
        summary="Highlight a claim",
        description=(
            "Give `start`/`end` (code points of the article text, end exclusive), or the "
            "`exact` quote (with `prefix`/`suffix` to choose among repeats), or both: the "
            "offsets must select the quote, else the quote is searched for. Optionally your "
            "verdict (`rating` slug, `rationale`), `sources` and `tags`."
        ),
        request=ClaimCreateInputSerializer,
        responses={
            201: OpenApiResponse(ClaimSerializer, "Created (Location, ETag)."),
            **error_responses(*WRITE),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        article = self.get_article()
        data = validated(ClaimCreateInputSerializer, request.data)
        for field in ("exact", "rating"):
            data[field] = data.get(field) or None
        claim = services.claim_create(article=article, actor=request.user, **data)
        claim = queries.attach_nested(
            [scope.claim_for_user(request.user, claim.pk, prepare=queries.claim_detail)]
        )[0]
        return Response(
            ClaimSerializer(claim).data,
            status=status.HTTP_201_CREATED,
            headers={
                "Location": _api_url(request, "api-claim-detail", claim.pk),
                "ETag": claim_etag(claim),
            },
        )


# --- claims ------------------------------------------------------------------------------------


class ClaimListView(ClaimListMixin, FilteredListView):
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilter
    ordering = ("-created_at",)
    ordering_fields = ("created_at", "updated_at", "id", "position")

    def get_queryset(self):  # noqa: ANN201
        if _fake(self):
            return Claim.objects.none()
        return queries.api_claims_for(self.request.user)

    @extend_schema(
        summary="Claims of your teams, newest first",
        responses=_ok(ClaimSerializer(many=True), *LIST),
    )
    def get(self, request: Request) -> Response:
        return self.list(request)


def _claim_response(request: Request, pk: int, **kwargs: Any) -> Response:
    claim = queries.attach_nested(
        [scope.claim_for_user(request.user, pk, prepare=queries.claim_detail)]
    )[0]
    return Response(ClaimSerializer(claim).data, headers={"ETag": claim_etag(claim)}, **kwargs)


def _expected_version(request: Request, claim: Claim, body_version: int | None) -> int | None:
    """The version a write expects: from If-Match (412 now when stale), else from the body."""
    from_header = claim_version_from_if_match(request, claim)
    return from_header if from_header is not None else body_version


def _conditional(request: Request, write: Any) -> Any:
    """Run a service call; a version conflict found by the service when the client sent
    If-Match is a failed precondition (412), not a 409."""
    try:
        return write()
    except Conflict as error:
        if error.code == "stale" and request.META.get("HTTP_IF_MATCH"):
            raise precondition_failed_from(error) from None
        raise


CLAIM_FIELDS = ("claimant", "summary", "tags", "start", "end", "exact", "prefix", "suffix")


class ClaimDetailView(ApiView):
    def _update(self, request: Request, pk: int, *, partial: bool) -> Response:
        claim = scope.claim_for_user(request.user, pk, prepare=queries.with_article)
        expected = _expected_version(request, claim, None)
        data = validated(ClaimUpdateInputSerializer, request.data, partial=partial)
        if expected is None:
            expected = data.get("version")
        changes = {field: data[field] for field in CLAIM_FIELDS if field in data}

        def write() -> None:
            # A published claim's public URL changes without a correction (its own service);
            # with other fields too, both happen or neither.
            with transaction.atomic():
                version = expected
                if changes or "public_url" not in data:
                    services.claim_update(
                        claim=claim, actor=request.user, expected_version=version, **changes
                    )
                    version = None
                if "public_url" in data:
                    services.claim_public_url_set(
                        claim=claim,
                        actor=request.user,
                        public_url=data["public_url"],
                        expected_version=version,
                    )

        _conditional(request, write)
        return _claim_response(request, pk)

    @extend_schema(
        summary="A claim with its verdicts and sources",
        responses=_ok(ClaimSerializer, *READ, description=WITH_ETAG),
    )
    def get(self, request: Request, pk: int) -> Response:
        return _claim_response(request, pk)

    @extend_schema(
        summary="Change some of a claim's fields",
        description="Only the fields given change. Send If-Match (or `version`) to refuse a "
        "stale write. Status changes go through /transition/, verdicts through /verdicts/. "
        "`public_url` is the only field a published claim takes without a correction (editors).",
        parameters=[IF_MATCH],
        request=ClaimUpdateInputSerializer(partial=True),
        responses=_ok(ClaimSerializer, *CONDITIONAL_WRITE, description=WITH_ETAG),
    )
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    @extend_schema(
        summary="Replace a claim's claimant, summary and tags (and position, when given)",
        parameters=[IF_MATCH],
        request=ClaimUpdateInputSerializer,
        responses=_ok(ClaimSerializer, *CONDITIONAL_WRITE, description=WITH_ETAG),
    )
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(
        summary="Delete a claim (its history stays)",
        parameters=[IF_MATCH],
        request=None,
        responses={
            204: OpenApiResponse(description="Deleted."),
            **error_responses(*CONDITIONAL_WRITE),
        },
    )
    def delete(self, request: Request, pk: int) -> Response:
        claim = scope.claim_for_user(request.user, pk, prepare=queries.with_article)
        expected = _expected_version(request, claim, None)
        _conditional(
            request,
            lambda: services.claim_delete(
                claim=claim, actor=request.user, expected_version=expected
            ),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClaimChildListView(ApiListView):
    def get_claim(self) -> Claim:
        if not hasattr(self, "_claim"):
            self._claim = scope.claim_for_user(
                self.request.user, self.kwargs["pk"], prepare=queries.with_article
            )
        return self._claim


class ClaimVerdictListView(ClaimChildListView):
    serializer_class = VerdictSerializer
    ordering = ("-created_at",)
    ordering_fields = ("created_at", "id")

    def get_queryset(self):  # noqa: ANN201
        if _fake(self):
            return Verdict.objects.none()
        return queries.verdicts_of(self.get_claim())

    @extend_schema(
        summary="Every verdict on the claim, superseded ones too (is_current=false)",
        responses=_ok(VerdictSerializer(many=True), *LIST),
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.list(request)

    @extend_schema(
        summary="Set your verdict on the claim",
        description="Your earlier verdict is kept as history. 200 when nothing changed.",
        parameters=[IF_MATCH],
        request=VerdictInputSerializer,
        responses={
            201: OpenApiResponse(VerdictSerializer, "Your new current verdict."),
            200: OpenApiResponse(VerdictSerializer, "The same verdict was already current."),
            **error_responses(*CONDITIONAL_WRITE),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        claim = self.get_claim()
        expected = _expected_version(request, claim, None)
        data = validated(VerdictInputSerializer, request.data)
        body_version = data.pop("version", None)
        if expected is None:
            expected = body_version
        before = queries.current_verdict_id(claim, request.user)
        verdict = _conditional(
            request,
            lambda: services.verdict_set(
                claim=claim, actor=request.user, expected_version=expected, **data
            ),
        )
        verdict = queries.verdicts_of(claim).get(pk=verdict.pk)
        created = verdict.pk != before
        return Response(
            VerdictSerializer(verdict).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ClaimSourceListView(ClaimChildListView):
    serializer_class = SourceSerializer
    ordering = ("created_at",)
    ordering_fields = ("created_at", "id")

    def get_queryset(self):  # noqa: ANN201
        if _fake(self):
            return queries.Source.objects.none()
        return queries.sources_of(self.get_claim())

    @extend_schema(
        summary="The claim's sources (evidence)", responses=_ok(SourceSerializer(many=True), *LIST)
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.list(request)

    @extend_schema(
        summary="Add a source to the claim",
        request=SourceInputSerializer,
        responses={201: OpenApiResponse(SourceSerializer, "Added."), **error_responses(*WRITE)},
    )
    def post(self, request: Request, pk: int) -> Response:
        claim = self.get_claim()
        data = validated(SourceInputSerializer, request.data)
        source = services.source_add(claim=claim, actor=request.user, **data)
        return Response(SourceSerializer(source).data, status=status.HTTP_201_CREATED)


class ClaimSourceDetailView(ApiView):
    @extend_schema(
        summary="Remove a source from the claim",
        request=None,
        responses={204: OpenApiResponse(description="Removed."), **error_responses(*WRITE)},
    )
    def delete(self, request: Request, pk: int, source_id: int) -> Response:
        claim = scope.claim_for_user(request.user, pk, prepare=queries.with_article)
        services.source_remove(source=scope.source_of(claim, source_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClaimCommentListView(ClaimChildListView):
    serializer_class = CommentSerializer
    ordering = ("created_at",)
    ordering_fields = ("created_at", "id")

    def get_queryset(self):  # noqa: ANN201
        if _fake(self):
            return queries.Comment.objects.none()
        return queries.comments_of(self.get_claim())

    def get_serializer_context(self) -> dict[str, Any]:
        # The team's usernames, read once for the page, for each comment's `mentions`.
        context = super().get_serializer_context()
        if not _fake(self):
            context["members"] = discussion.team_usernames(self.get_claim().article.team_id)
        return context

    @extend_schema(
        summary="The claim's comments, oldest first",
        description=(
            "Replies name the comment they answer in `reply_to`. A deleted comment stays as a "
            "tombstone (`deleted` true, `body` null) so its replies keep their thread."
        ),
        responses=_ok(CommentSerializer(many=True), *LIST),
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.list(request)

    @extend_schema(
        summary="Comment on the claim",
        request=CommentInputSerializer,
        responses={201: OpenApiResponse(CommentSerializer, "Added."), **error_responses(*WRITE)},
    )
    def post(self, request: Request, pk: int) -> Response:
        claim = self.get_claim()
        data = validated(CommentInputSerializer, request.data)
        reply_to = None
        if data.get("reply_to") is not None:
            reply_to = queries.comments_of(claim).filter(pk=data["reply_to"]).first()
            if reply_to is None:
                raise InvalidInput(
                    "reply_to: there is no such comment on this claim.", field="reply_to"
                )
        comment = services.comment_add(
            claim=claim, actor=request.user, body=data["body"], reply_to=reply_to
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class ClaimCommentDetailView(ApiView):
    @extend_schema(
        summary="Edit your comment",
        request=CommentUpdateInputSerializer,
        responses=_ok(CommentSerializer, *WRITE),
    )
    def patch(self, request: Request, pk: int, comment_id: int) -> Response:
        claim = scope.claim_for_user(request.user, pk, prepare=queries.with_article)
        comment = scope.comment_of(claim, comment_id)
        data = validated(CommentUpdateInputSerializer, request.data)
        comment = services.comment_update(comment=comment, actor=request.user, body=data["body"])
        return Response(CommentSerializer(comment).data)

    @extend_schema(
        summary="Delete a comment (yours; editors moderate anyone's)",
        description="The comment becomes a tombstone; deleting it again is a 409.",
        request=None,
        responses={204: OpenApiResponse(description="Deleted."), **error_responses(*WRITE)},
    )
    def delete(self, request: Request, pk: int, comment_id: int) -> Response:
        claim = scope.claim_for_user(request.user, pk, prepare=queries.with_article)
        services.comment_delete(comment=scope.comment_of(claim, comment_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClaimHistoryView(ClaimChildListView):
    serializer_class = EventSerializer
    ordering = ("id",)
    ordering_fields = ("id",)

    def get_queryset(self):  # noqa: ANN201
        if _fake(self):
            return queries.Event.objects.none()
        return queries.history_of(self.get_claim())

    @extend_schema(
        summary="The claim's audit trail, oldest first",
        responses=_ok(EventSerializer(many=True), *LIST),
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.list(request)


class ClaimTransitionView(ApiView):
    @extend_schema(
        summary="Move the claim through the workflow",
        description=(
            "draft → in_review (reviewers, own claims) → approved (editors; `final_verdict` "
            "chooses among disagreeing verdicts) → published (editors; `public_url` is where "
            "the fact check is published: left out, the claim keeps the one it has or gets "
            "the team's pattern; null or empty publishes without one). Editors send back; a "
            "published claim is corrected back to in_review with a `note`."
        ),
        parameters=[IF_MATCH],
        request=TransitionInputSerializer,
        responses=_ok(ClaimSerializer, *CONDITIONAL_WRITE, description=WITH_ETAG),
    )
    def post(self, request: Request, pk: int) -> Response:
        claim = scope.claim_for_user(request.user, pk, prepare=queries.with_article)
        expected = _expected_version(request, claim, None)
        data = validated(TransitionInputSerializer, request.data)
        if expected is None:
            expected = data.get("version")
        _conditional(
            request,
            lambda: services.claim_transition(
                claim=claim,
                actor=request.user,
                to=data["to"],
                note=data.get("note", ""),
                final_verdict=data.get("final_verdict"),
                expected_version=expected,
                **({"public_url": data["public_url"]} if "public_url" in data else {}),
            ),
        )
        return _claim_response(request, pk)


__all__ = ["ApiListView", "ApiView", "urlpatterns"]

# benchmark.urlpatterns is empty unless FACTCHECK_BENCHMARK_VIEWS=1 (benchmarks only).


WITHOUT_PUBLIC_URL = "X-Claims-Without-Public-URL"


class ClaimReviewView(ApiView):
    """One approved or published claim as schema.org ClaimReview JSON-LD."""

    @extend_schema(
        summary="The claim as schema.org ClaimReview (approved or published claims)",
        description=(
            "`url` is the claim's public URL (left out when it has none: search engines "
            "ignore such a review; the `X-Claims-Without-Public-URL` header is then 1); "
            "`author` is the team's organisation (publishing settings)."
        ),
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, "ClaimReview JSON-LD."),
            409: OpenApiResponse(ErrorSerializer, "Not approved or published yet."),
            **error_responses(*READ),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        claim = scope.claim_for_user(request.user, pk, prepare=queries.with_article)
        review = claim_review_for(claim)
        if review is None:
            raise Conflict(
                "Only approved or published claims with a final verdict have a ClaimReview.",
                code="not_reviewed",
            )
        # As the export says it: a review without `url` is ignored by search engines.
        headers = {WITHOUT_PUBLIC_URL: "0" if review.get("url") else "1"}
        return Response(review, content_type="application/ld+json", headers=headers)


urlpatterns = benchmark.urlpatterns + [
    path("articles/", ArticleListView.as_view(), name="api-article-list"),
    path("articles/<int:pk>/", ArticleDetailView.as_view(), name="api-article-detail"),
    path("articles/<int:pk>/archive/", ArticleArchiveView.as_view(), name="api-article-archive"),
    path("articles/<int:pk>/restore/", ArticleRestoreView.as_view(), name="api-article-restore"),
    path("articles/<int:pk>/revisions/", RevisionListView.as_view(), name="api-article-revisions"),
    path("articles/<int:pk>/claims/", ArticleClaimListView.as_view(), name="api-article-claims"),
    path("claims/", ClaimListView.as_view(), name="api-claim-list"),
    path("claims/<int:pk>/", ClaimDetailView.as_view(), name="api-claim-detail"),
    path("claims/<int:pk>/verdicts/", ClaimVerdictListView.as_view(), name="api-claim-verdicts"),
    path("claims/<int:pk>/sources/", ClaimSourceListView.as_view(), name="api-claim-sources"),
    path(
        "claims/<int:pk>/sources/<int:source_id>/",
        ClaimSourceDetailView.as_view(),
        name="api-claim-source-detail",
    ),
    path("claims/<int:pk>/comments/", ClaimCommentListView.as_view(), name="api-claim-comments"),
    path(
        "claims/<int:pk>/comments/<int:comment_id>/",
        ClaimCommentDetailView.as_view(),
        name="api-claim-comment-detail",
    ),
    path("claims/<int:pk>/history/", ClaimHistoryView.as_view(), name="api-claim-history"),
    path("claims/<int:pk>/transition/", ClaimTransitionView.as_view(), name="api-claim-transition"),
    path("claims/<int:pk>/claimreview", ClaimReviewView.as_view(), name="api-claim-claimreview"),
]
