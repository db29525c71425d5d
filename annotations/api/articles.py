"""Articles over the API: list (filtered, cursor-paged), import, detail, edit, archive, restore,
delete, their revisions and their claims.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import parsers, status
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import policies, services
from annotations.api.base import (
    CONDITIONAL_WRITE,
    IF_MATCH,
    READ,
    WITH_ETAG,
    WRITE,
    ApiView,
    ArticleChildListView,
    ClaimListMixin,
    FilteredListView,
    _api_url,
    created_responses,
    list_schema,
    responses_for,
    validated,
)
from annotations.api.errors import (
    PreconditionFailed,
    error_responses,
)
from annotations.api.etags import (
    article_etag,
    check_if_match,
    claim_etag,
)
from annotations.api.filters import ArticleFilter, ClaimFilter
from annotations.api.pagination import ApiOrderingFilter
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
    RevisionInputSerializer,
    RevisionResultSerializer,
    RevisionSerializer,
)
from annotations.errors import Conflict
from annotations.models import Article, ArticleRevision, Claim
from annotations.queries import resources, scope

# --- articles ----------------------------------------------------------------------------------


class ArticleListView(FilteredListView):
    serializer_class = ArticleSerializer
    filterset_class = ArticleFilter
    ordering = ("-imported_at",)
    ordering_fields = ("imported_at", "updated_at", "title", "id")
    parser_classes = [StrictJSONParser, parsers.MultiPartParser]

    model = Article

    def rows(self):  # noqa: ANN201
        return resources.api_articles_for(self.request.user)

    @list_schema("Articles of your teams", ArticleSerializer)
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
            request.user, result.article.pk, prepare=resources.article_detail
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
    article = scope.article_for_user(request.user, pk, prepare=resources.article_detail)
    return Response(
        ArticleDetailSerializer(article).data, headers={"ETag": article_etag(article)}, **kwargs
    )


class ArticleDetailView(ApiView):
    @extend_schema(
        summary="An article with its text",
        responses=responses_for(ArticleDetailSerializer, *READ, description=WITH_ETAG),
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
        responses=responses_for(ArticleDetailSerializer, *CONDITIONAL_WRITE, description=WITH_ETAG),
    )
    def patch(self, request: Request, pk: int) -> Response:
        article = scope.article_for_user(request.user, pk, prepare=resources.article_detail)
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
        article = scope.article_for_user(request.user, pk, prepare=resources.article_detail)
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
        responses=responses_for(ArticleDetailSerializer, *WRITE, description=WITH_ETAG),
    )
    def post(self, request: Request, pk: int) -> Response:
        article = scope.article_for_user(request.user, pk, prepare=resources.with_team)
        services.require(request.user, article.team, policies.ARTICLE_MANAGE)
        data = validated(ArticleArchiveInputSerializer, request.data or {})
        services.article_archive(actor=request.user, article=article, note=data.get("note", ""))
        return _article_response(request, pk)


class ArticleRestoreView(ApiView):
    @extend_schema(
        summary="Restore an archived article (editors)",
        description="Back in the lists and queues. 409 `not_archived`.",
        request=None,
        responses=responses_for(ArticleDetailSerializer, *WRITE, description=WITH_ETAG),
    )
    def post(self, request: Request, pk: int) -> Response:
        article = scope.article_for_user(request.user, pk, prepare=resources.with_team)
        services.article_restore(actor=request.user, article=article)
        return _article_response(request, pk)


class RevisionListView(ArticleChildListView):
    serializer_class = RevisionSerializer
    ordering = ("number",)
    ordering_fields = ("number", "created_at")
    model = ArticleRevision

    def rows(self):  # noqa: ANN201
        return resources.revisions_of(self.get_article())

    parser_classes = [StrictJSONParser, parsers.MultiPartParser]

    @list_schema("Every version of the article's text, oldest first", RevisionSerializer)
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
        article = scope.article_for_user(request.user, pk, prepare=resources.article_detail)
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
    model = Claim

    def rows(self):  # noqa: ANN201
        return resources.claims_of_article(self.get_article())

    @list_schema(
        "The article's claims in text order (orphans last)",
        ClaimSerializer,
        description="`ordering=position` is text order; orphaned claims come last.",
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
        responses=created_responses(ClaimSerializer, "Created (Location, ETag)."),
    )
    def post(self, request: Request, pk: int) -> Response:
        article = self.get_article()
        data = validated(ClaimCreateInputSerializer, request.data)
        for field in ("exact", "rating"):
            data[field] = data.get(field) or None
        claim = services.claim_create(article=article, actor=request.user, **data)
        claim = resources.attach_nested(
            [scope.claim_for_user(request.user, claim.pk, prepare=resources.claim_detail)]
        )[0]
        return Response(
            ClaimSerializer(claim).data,
            status=status.HTTP_201_CREATED,
            headers={
                "Location": _api_url(request, "api-claim-detail", claim.pk),
                "ETag": claim_etag(claim),
            },
        )


urlpatterns = [
    path("articles/", ArticleListView.as_view(), name="api-article-list"),
    path("articles/<int:pk>/", ArticleDetailView.as_view(), name="api-article-detail"),
    path("articles/<int:pk>/archive/", ArticleArchiveView.as_view(), name="api-article-archive"),
    path("articles/<int:pk>/restore/", ArticleRestoreView.as_view(), name="api-article-restore"),
    path("articles/<int:pk>/revisions/", RevisionListView.as_view(), name="api-article-revisions"),
    path("articles/<int:pk>/claims/", ArticleClaimListView.as_view(), name="api-article-claims"),
]
