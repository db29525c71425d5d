"""Claims over the API: list, detail, edit with If-Match, delete; their verdicts, sources,
comments, history, workflow moves and ClaimReview.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import services
from annotations.api.base import (
    CONDITIONAL_WRITE,
    IF_MATCH,
    READ,
    WITH_ETAG,
    WRITE,
    ApiListView,
    ApiView,
    ClaimChildListView,
    ClaimListMixin,
    FilteredListView,
    created_responses,
    list_schema,
    no_content_responses,
    responses_for,
    schema_only,
    validated,
)
from annotations.api.errors import (
    ErrorSerializer,
    error_responses,
    precondition_failed_from,
)
from annotations.api.etags import (
    claim_etag,
    claim_version_from_if_match,
)
from annotations.api.filters import ClaimFilter
from annotations.api.serializers import (
    ClaimSerializer,
    ClaimUpdateInputSerializer,
    CommentInputSerializer,
    CommentSerializer,
    CommentUpdateInputSerializer,
    EventSerializer,
    SourceInputSerializer,
    SourceSerializer,
    TransitionInputSerializer,
    VerdictInputSerializer,
    VerdictSerializer,
)
from annotations.errors import Conflict, InvalidInput
from annotations.exports.streams import claim_review_for
from annotations.models import Claim, Comment, Event, Source, Verdict
from annotations.queries import discussion, resources, scope

# --- claims ------------------------------------------------------------------------------------


class ClaimListView(ClaimListMixin, FilteredListView):
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilter
    ordering = ("-created_at",)
    ordering_fields = ("created_at", "updated_at", "id", "position")
    model = Claim

    def rows(self):  # noqa: ANN201
        return resources.api_claims_for(self.request.user)

    @list_schema("Claims of your teams, newest first", ClaimSerializer)
    def get(self, request: Request) -> Response:
        return self.list(request)


def _claim_response(request: Request, pk: int, **kwargs: Any) -> Response:
    claim = resources.attach_nested(
        [scope.claim_for_user(request.user, pk, prepare=resources.claim_detail)]
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
        claim = scope.claim_for_user(request.user, pk, prepare=resources.with_article)
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
        responses=responses_for(ClaimSerializer, *READ, description=WITH_ETAG),
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
        responses=responses_for(ClaimSerializer, *CONDITIONAL_WRITE, description=WITH_ETAG),
    )
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    @extend_schema(
        summary="Replace a claim's claimant, summary and tags (and position, when given)",
        parameters=[IF_MATCH],
        request=ClaimUpdateInputSerializer,
        responses=responses_for(ClaimSerializer, *CONDITIONAL_WRITE, description=WITH_ETAG),
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
        claim = scope.claim_for_user(request.user, pk, prepare=resources.with_article)
        expected = _expected_version(request, claim, None)
        _conditional(
            request,
            lambda: services.claim_delete(
                claim=claim, actor=request.user, expected_version=expected
            ),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClaimVerdictListView(ClaimChildListView):
    serializer_class = VerdictSerializer
    ordering = ("-created_at",)
    ordering_fields = ("created_at", "id")
    model = Verdict

    def rows(self):  # noqa: ANN201
        return resources.verdicts_of(self.get_claim())

    @list_schema(
        "Every verdict on the claim, superseded ones too (is_current=false)", VerdictSerializer
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
        before = resources.current_verdict_id(claim, request.user)
        verdict = _conditional(
            request,
            lambda: services.verdict_set(
                claim=claim, actor=request.user, expected_version=expected, **data
            ),
        )
        verdict = resources.verdicts_of(claim).get(pk=verdict.pk)
        created = verdict.pk != before
        return Response(
            VerdictSerializer(verdict).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ClaimSourceListView(ClaimChildListView):
    serializer_class = SourceSerializer
    ordering = ("created_at",)
    ordering_fields = ("created_at", "id")
    model = Source

    def rows(self):  # noqa: ANN201
        return resources.sources_of(self.get_claim())

    @list_schema("The claim's sources (evidence)", SourceSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return self.list(request)

    @extend_schema(
        summary="Add a source to the claim",
        request=SourceInputSerializer,
        responses=created_responses(SourceSerializer, "Added."),
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
        responses=no_content_responses("Removed."),
    )
    def delete(self, request: Request, pk: int, source_id: int) -> Response:
        claim = scope.claim_for_user(request.user, pk, prepare=resources.with_article)
        services.source_remove(source=scope.source_of(claim, source_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClaimCommentListView(ClaimChildListView):
    serializer_class = CommentSerializer
    ordering = ("created_at",)
    ordering_fields = ("created_at", "id")
    model = Comment

    def rows(self):  # noqa: ANN201
        return resources.comments_of(self.get_claim())

    def get_serializer_context(self) -> dict[str, Any]:
        # The team's usernames, read once for the page, for each comment's `mentions`.
        context = super().get_serializer_context()
        if not schema_only(self):
            context["members"] = discussion.team_usernames(self.get_claim().article.team_id)
        return context

    @list_schema(
        "The claim's comments, oldest first",
        CommentSerializer,
        description=(
            "Replies name the comment they answer in `reply_to`. A deleted comment stays as a "
            "tombstone (`deleted` true, `body` null) so its replies keep their thread."
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.list(request)

    @extend_schema(
        summary="Comment on the claim",
        request=CommentInputSerializer,
        responses=created_responses(CommentSerializer, "Added."),
    )
    def post(self, request: Request, pk: int) -> Response:
        claim = self.get_claim()
        data = validated(CommentInputSerializer, request.data)
        reply_to = None
        if data.get("reply_to") is not None:
            reply_to = resources.comments_of(claim).filter(pk=data["reply_to"]).first()
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
        responses=responses_for(CommentSerializer, *WRITE),
    )
    def patch(self, request: Request, pk: int, comment_id: int) -> Response:
        claim = scope.claim_for_user(request.user, pk, prepare=resources.with_article)
        comment = scope.comment_of(claim, comment_id)
        data = validated(CommentUpdateInputSerializer, request.data)
        comment = services.comment_update(comment=comment, actor=request.user, body=data["body"])
        return Response(CommentSerializer(comment).data)

    @extend_schema(
        summary="Delete a comment (yours; editors moderate anyone's)",
        description="The comment becomes a tombstone; deleting it again is a 409.",
        request=None,
        responses=no_content_responses("Deleted."),
    )
    def delete(self, request: Request, pk: int, comment_id: int) -> Response:
        claim = scope.claim_for_user(request.user, pk, prepare=resources.with_article)
        services.comment_delete(comment=scope.comment_of(claim, comment_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClaimHistoryView(ClaimChildListView):
    serializer_class = EventSerializer
    ordering = ("id",)
    ordering_fields = ("id",)
    model = Event

    def rows(self):  # noqa: ANN201
        return resources.history_of(self.get_claim())

    @list_schema("The claim's audit trail, oldest first", EventSerializer)
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
        responses=responses_for(ClaimSerializer, *CONDITIONAL_WRITE, description=WITH_ETAG),
    )
    def post(self, request: Request, pk: int) -> Response:
        claim = scope.claim_for_user(request.user, pk, prepare=resources.with_article)
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
        claim = scope.claim_for_user(request.user, pk, prepare=resources.with_article)
        review = claim_review_for(claim)
        if review is None:
            raise Conflict(
                "Only approved or published claims with a final verdict have a ClaimReview.",
                code="not_reviewed",
            )
        # As the export says it: a review without `url` is ignored by search engines.
        headers = {WITHOUT_PUBLIC_URL: "0" if review.get("url") else "1"}
        return Response(review, content_type="application/ld+json", headers=headers)


urlpatterns = [
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
