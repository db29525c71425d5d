"""The caller's notifications: list (newest first, `?unread=1`), mark one read, mark all read.

Notifications belong to one user: every member (and anyone in another team) reads and marks
only their own; someone else's id is a 404, like anything outside the caller's reach.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import services
from annotations.api.base import (
    ApiListView,
    ApiView,
    list_schema,
    responses_for,
)
from annotations.api.errors import error_responses
from annotations.api.filters import MAX_ID
from annotations.models import Notification
from annotations.queries import notifications, scope

UNREAD = OpenApiParameter(
    "unread",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    enum=["1", "0", "true", "false"],
    description="1: only the notifications not read yet.",
)
MARK = (401, 404, 406, 429)


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="mention, assigned, sent_back, …")
    message = serializers.CharField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    team = serializers.CharField(source="team.slug")
    article = serializers.IntegerField(source="article_id", allow_null=True)
    claim = serializers.IntegerField(source="claim_id", allow_null=True)
    comment = serializers.IntegerField(source="comment_id", allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    read = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(
        help_text="The page it concerns; null once you have left its team."
    )

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_url(self, notification: Notification) -> str | None:
        url = getattr(notification, "url", None)
        request = self.context.get("request")
        if url is None or request is None:
            return url
        return request.build_absolute_uri(url)


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread.")


def _unread_only(request: Request) -> bool:
    value = request.query_params.get("unread", "")
    if value not in ("", "0", "1", "true", "false"):
        raise serializers.ValidationError({"unread": ["Use 1 (or true) or 0 (or false)."]})
    return value in ("1", "true")


class NotificationListView(ApiListView):
    serializer_class = NotificationSerializer
    ordering = ("-id",)
    ordering_fields = ("id", "created_at")
    model = Notification

    def rows(self):  # noqa: ANN201
        return notifications.notifications_of(
            self.request.user, unread_only=_unread_only(self.request)
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        notifications.with_urls(page, notifications.team_ids_of(request.user))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @list_schema("Your notifications, newest first", NotificationSerializer, parameters=[UNREAD])
    def get(self, request: Request) -> Response:
        return self.list(request)


class NotificationReadView(ApiView):
    @extend_schema(
        summary="Mark one of your notifications read",
        request=None,
        responses=responses_for(NotificationSerializer, *MARK),
    )
    def post(self, request: Request, notification_id: int) -> Response:
        if notification_id > MAX_ID:
            raise Http404("No such notification.")
        found = scope.notification_for_user(request.user, notification_id)
        services.notification_mark_read(notification=found, actor=request.user)
        row = notifications.notifications_of(request.user).get(pk=found.pk)
        notifications.with_urls([row], notifications.team_ids_of(request.user))
        return Response(NotificationSerializer(row, context={"request": request}).data)


class NotificationReadAllView(ApiView):
    @extend_schema(
        summary="Mark all your notifications read",
        request=None,
        responses={
            200: OpenApiResponse(MarkedSerializer, "How many were unread."),
            **error_responses(401, 406, 429),
        },
    )
    def post(self, request: Request) -> Response:
        marked = services.notification_mark_all_read(actor=request.user)
        return Response({"marked": marked})


urlpatterns = [
    path("notifications/", NotificationListView.as_view(), name="api-notification-list"),
    path(
        "notifications/read-all/",
        NotificationReadAllView.as_view(),
        name="api-notification-read-all",
    ),
    path(
        "notifications/<int:notification_id>/read/",
        NotificationReadView.as_view(),
        name="api-notification-read",
    ),
]
