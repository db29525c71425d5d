"""The audit trail in the API: a team's activity feed and the audit log export.

- GET /api/v1/teams/{slug}/activity/ — every event of the team, newest first, cursor-paginated
  like every list, with the filters of the activity page (actor, article, claim, kind, since,
  until). Any member of the team (viewers included).
- GET /api/v1/teams/{slug}/audit?format=csv|ndjson[&since=…&until=…] — the whole log, oldest
  first, streamed (annotations/exports/audit.py). Editors and admins only: the log names every
  member's every change, including role changes and invitations, which a desk's reviewers and
  viewers do not otherwise see in bulk. Other members get 403; outsiders 404.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.core.handlers.asgi import ASGIRequest
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.urls import path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations import policies, services
from annotations.api.base import (
    TeamChildListView,
    list_schema,
)
from annotations.api.errors import error_responses
from annotations.api.export import IgnoreFormatParameter, in_thread
from annotations.api.filters import IdFilter, SafeIsoDateTimeField, SafeIsoDateTimeFilter
from annotations.api.pagination import ApiOrderingFilter
from annotations.api.serializers import EventSerializer
from annotations.errors import InvalidInput
from annotations.exports import audit as audit_export
from annotations.models import Event
from annotations.queries import audit, scope


class ActivityEventSerializer(EventSerializer):
    kind = serializers.CharField(
        help_text="claims, verdicts, sources, comments, assignments, articles, members, scale "
        "(empty when none fits)."
    )
    sentence = serializers.CharField(help_text="The change in words, as the activity page says it.")
    article = serializers.IntegerField(source="article_id", allow_null=True)
    article_title = serializers.CharField(source="article.title", allow_null=True, default=None)
    claim = serializers.IntegerField(
        source="claim_id", allow_null=True, help_text="Kept after the claim is deleted."
    )


class ActivityFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(
        field_name="actor__username", max_length=150, help_text="Username of who made the change."
    )
    article = IdFilter(method="filter_article", help_text="Article id (deleted articles too).")
    claim = IdFilter(method="filter_claim", help_text="Claim id (deleted claims too).")
    kind = django_filters.ChoiceFilter(
        choices=audit.KIND_CHOICES, method="filter_kind", help_text="Kind of change."
    )
    since = SafeIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="ISO 8601 date or time, inclusive."
    )
    until = SafeIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="ISO 8601 date or time, exclusive."
    )

    class Meta:
        model = Event
        fields = ["actor", "article", "claim", "kind", "since", "until"]

    def filter_claim(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        # Not a `claim_id__exact` lookup: Claim has a field named `exact`, which Django would
        # follow instead (a join on the claim's quote).
        return queryset.filter(claim_id=value)

    def filter_article(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return audit.about_article(queryset, value)

    def filter_kind(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(audit.kind_q(value))


class TeamActivityView(TeamChildListView):
    serializer_class = ActivityEventSerializer
    filter_backends = [DjangoFilterBackend, ApiOrderingFilter]
    filterset_class = ActivityFilter
    ordering = ("-id",)
    ordering_fields = ("id",)
    model = Event

    def rows(self):  # noqa: ANN201
        return audit.team_events(self.get_team().pk)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        for entry in audit.present(page):
            entry.event.sentence = entry.sentence
            entry.event.kind = entry.kind
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @list_schema("The team's activity: every change, newest first", ActivityEventSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)


_moment = SafeIsoDateTimeField(required=False)
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _moment_param(request: Request, name: str) -> Any:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    if DAY.fullmatch(value):
        # A date alone is a whole day, included at either end (as on the activity page).
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    try:
        return _moment.clean(value)
    except ValidationError:
        raise InvalidInput(
            f"{name} must be an ISO 8601 date or date-time (2026-11-26 or "
            f"2026-11-26T09:00:00Z), not {value!r}.",
            field=name,
        ) from None


FORMAT_NAMES = ", ".join(audit_export.FORMATS)


class TeamAuditExportView(APIView):
    content_negotiation_class = IgnoreFormatParameter

    @extend_schema(
        operation_id="team_audit_export",
        summary="Export the team's audit log",
        description=(
            "Streamed, oldest first. `csv` (the default): one row per changed field (an event "
            "without field changes has one row) with columns id, time (ISO 8601, UTC), team, "
            "actor, verb, article_id, article_title, claim_id, field, before, after, note; UTF-8 "
            "with BOM, formula cells neutralised. `ndjson`: one event per line with all its "
            "changes. Editors and admins only."
        ),
        parameters=[
            OpenApiParameter(
                "format",
                str,
                required=False,
                enum=list(audit_export.FORMATS),
                description="Format (csv when not given).",
            ),
            OpenApiParameter(
                "since",
                OpenApiTypes.DATETIME,
                description="ISO 8601 date-time (inclusive), or a date: from that day on.",
            ),
            OpenApiParameter(
                "until",
                OpenApiTypes.DATETIME,
                description="ISO 8601 date-time (exclusive), or a date: up to that day, included.",
            ),
        ],
        responses={
            (200, content_type.split(";")[0]): OpenApiResponse(
                OpenApiTypes.STR, description="The audit log, as an attachment (streamed)."
            )
            for content_type, _extension in audit_export.FORMATS.values()
        }
        | error_responses(400, 401, 403, 404, 429),
    )
    def get(self, request: Request, slug: str) -> StreamingHttpResponse:
        team = scope.team_for_user(request.user, slug, with_role=True)  # outsiders: 404
        services.require(request.user, team, policies.AUDIT_EXPORT)
        name = request.query_params.get("format") or "csv"
        if name not in audit_export.FORMATS:
            raise InvalidInput(
                f"Unknown audit export format {name!r}: use one of {FORMAT_NAMES}.",
                code="unknown_format",
                field="format",
            )
        since = _moment_param(request, "since")
        until = _moment_param(request, "until")
        chunks = audit_export.stream(team, name, since=since, until=until)
        if isinstance(request._request, ASGIRequest):
            chunks = in_thread(chunks)
        response = StreamingHttpResponse(chunks, content_type=audit_export.FORMATS[name][0])
        filename = audit_export.filename(team, name)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Accel-Buffering"] = "no"
        response["Cache-Control"] = "no-store"
        return response


urlpatterns = [
    path("teams/<slug:slug>/activity/", TeamActivityView.as_view(), name="api-team-activity"),
    path("teams/<slug:slug>/audit", TeamAuditExportView.as_view(), name="api-team-audit"),
]
