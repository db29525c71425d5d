"""Assignments in the API: who is assigned to an article or a claim (with due dates), assigning
and unassigning (editors and admins), and the caller's queue.

The views find the article or claim through the team-scoped queries (outsiders get 404) and
call services/assignments.py, where the role checks, the Events and the notifications are.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import services
from annotations.api.base import (
    READ,
    WRITE,
    ApiListView,
    ApiView,
    ArticleChildListView,
    ClaimChildListView,
    list_schema,
    no_content_responses,
    responses_for,
    validated,
)
from annotations.api.errors import error_responses
from annotations.api.serializers import InputSerializer
from annotations.models import ArticleAssignment, ArticleStatus, ClaimAssignment, ClaimStatus
from annotations.queries import queue, resources, scope

# --- shapes ------------------------------------------------------------------------------------


class AssignmentInputSerializer(InputSerializer):
    user = serializers.CharField(
        max_length=150, help_text="Username of a reviewer, editor or admin of the team."
    )
    due_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="YYYY-MM-DD, or null for none. Assigning someone again changes it.",
    )


class AssignmentSerializer(serializers.Serializer):
    user = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.get_full_name")
    due_on = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField(help_text="The due date is before today.")
    assigned_by = serializers.CharField(
        source="assigned_by.username", allow_null=True, default=None
    )
    assigned_at = serializers.DateTimeField(source="created_at")


class QueueArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    team = serializers.SlugField(source="team.slug")
    status = serializers.ChoiceField(choices=ArticleStatus.choices)


class QueueClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    article = serializers.IntegerField(source="article_id")
    article_title = serializers.CharField(source="article.title")
    team = serializers.SlugField(source="article.team.slug")
    exact = serializers.CharField()
    summary = serializers.CharField()
    status = serializers.ChoiceField(choices=ClaimStatus.choices)


class _QueueItemSerializer(serializers.Serializer):
    due_on = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()


class QueueAssignedArticleSerializer(_QueueItemSerializer):
    article = QueueArticleSerializer()
    assigned_by = serializers.CharField(
        source="assigned_by.username", allow_null=True, default=None
    )
    assigned_at = serializers.DateTimeField(source="created_at")


class QueueAssignedClaimSerializer(_QueueItemSerializer):
    claim = QueueClaimSerializer()
    assigned_by = serializers.CharField(
        source="assigned_by.username", allow_null=True, default=None
    )
    assigned_at = serializers.DateTimeField(source="created_at")


class QueueWaitingSerializer(_QueueItemSerializer):
    claim = QueueClaimSerializer(source="*")
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    yours = serializers.BooleanField(source="mine", help_text="You created this claim.")


class QueueSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        source="total", help_text="Open items (a claim both assigned and waiting counts once)."
    )
    overdue = serializers.IntegerField(source="overdue_total")
    assigned_articles = QueueAssignedArticleSerializer(many=True, source="articles")
    assigned_claims = QueueAssignedClaimSerializer(many=True, source="claims")
    waiting_for_review = QueueWaitingSerializer(many=True, source="waiting")


# --- assignments of one article or claim -------------------------------------------------------

ORDERING = ("created_at",)
ORDERING_FIELDS = ("created_at", "id")


class _AssignmentList(ApiListView):
    serializer_class = AssignmentSerializer
    ordering = ORDERING
    ordering_fields = ORDERING_FIELDS

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        queue.mark_overdue(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _assign(self, request: Request, assign: Any, rows: Any) -> Response:
        """Validate the input, `assign` (the service, its article or claim given) and answer
        with the assignment as `rows` (the parent's assignments) shows it."""
        data = validated(AssignmentInputSerializer, request.data)
        result = assign(assignee=data["user"], due_on=data.get("due_on"), actor=request.user)
        row = queue.mark_overdue([rows.get(pk=result.assignment.pk)])[0]
        return Response(
            AssignmentSerializer(row).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


ASSIGN_RESPONSES = {
    201: OpenApiResponse(AssignmentSerializer, "Assigned."),
    200: OpenApiResponse(AssignmentSerializer, "Already assigned: the due date is now this."),
    **error_responses(*WRITE),
}
ASSIGN_DESCRIPTION = (
    "Editors and admins assign a member of the team with at least the reviewer role. "
    "Assigning someone already assigned changes their due date. The assignee is notified."
)


class ArticleAssignmentListView(_AssignmentList, ArticleChildListView):
    model = ArticleAssignment

    def rows(self):  # noqa: ANN201
        return queue.article_assignments(self.get_article()).order_by()

    @list_schema("Who is assigned to the article, with due dates", AssignmentSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return self.list(request)

    @extend_schema(
        summary="Assign a member to the article (or change their due date)",
        description=ASSIGN_DESCRIPTION,
        request=AssignmentInputSerializer,
        responses=ASSIGN_RESPONSES,
    )
    def post(self, request: Request, pk: int) -> Response:
        article = self.get_article()
        assign = partial(services.article_assign, article=article)
        return self._assign(request, assign, queue.article_assignments(article))


class ClaimAssignmentListView(_AssignmentList, ClaimChildListView):
    model = ClaimAssignment

    def rows(self):  # noqa: ANN201
        return queue.claim_assignments(self.get_claim()).order_by()

    @list_schema("Who is assigned to the claim, with due dates", AssignmentSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return self.list(request)

    @extend_schema(
        summary="Assign a member to the claim (or change their due date)",
        description=ASSIGN_DESCRIPTION,
        request=AssignmentInputSerializer,
        responses=ASSIGN_RESPONSES,
    )
    def post(self, request: Request, pk: int) -> Response:
        claim = self.get_claim()
        assign = partial(services.claim_assign, claim=claim)
        return self._assign(request, assign, queue.claim_assignments(claim))


UNASSIGN_RESPONSES = no_content_responses("No longer assigned.")


class ArticleAssignmentDetailView(ApiView):
    @extend_schema(
        summary="Unassign a person from the article", request=None, responses=UNASSIGN_RESPONSES
    )
    def delete(self, request: Request, pk: int, username: str) -> Response:
        article = scope.article_for_user(request.user, pk, prepare=resources.with_team)
        services.article_unassign(article=article, assignee=username, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClaimAssignmentDetailView(ApiView):
    @extend_schema(
        summary="Unassign a person from the claim", request=None, responses=UNASSIGN_RESPONSES
    )
    def delete(self, request: Request, pk: int, username: str) -> Response:
        claim = scope.claim_for_user(request.user, pk, prepare=resources.with_article)
        services.claim_unassign(claim=claim, assignee=username, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the caller's queue ------------------------------------------------------------------------


class QueueView(ApiView):
    @extend_schema(
        summary="Your queue: what is assigned to you and what waits for your review",
        description=(
            "Across all your teams: articles and claims assigned to you that are not published, "
            "and the claims waiting for your review (editors and admins: every claim in review "
            "in their teams; reviewers: claims given to them, directly or through their "
            "article, without a verdict of theirs). Each list is overdue first, then by due "
            "date (none last), then oldest."
        ),
        responses=responses_for(QueueSerializer, *READ),
    )
    def get(self, request: Request) -> Response:
        return Response(QueueSerializer(queue.queue_for(request.user)).data)


urlpatterns = [
    path(
        "articles/<int:pk>/assignments/",
        ArticleAssignmentListView.as_view(),
        name="api-article-assignments",
    ),
    path(
        "articles/<int:pk>/assignments/<str:username>/",
        ArticleAssignmentDetailView.as_view(),
        name="api-article-assignment-detail",
    ),
    path(
        "claims/<int:pk>/assignments/",
        ClaimAssignmentListView.as_view(),
        name="api-claim-assignments",
    ),
    path(
        "claims/<int:pk>/assignments/<str:username>/",
        ClaimAssignmentDetailView.as_view(),
        name="api-claim-assignment-detail",
    ),
    path("queue/", QueueView.as_view(), name="api-queue"),
]
