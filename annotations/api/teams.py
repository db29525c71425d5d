"""Teams in the API: your teams (and creating one), a team's rating scale (reading and editing
it), its members (roles, removal) and its invitation links, and accepting an invitation.

The views find the team through the caller's memberships (outsiders get 404), validate the
input's types and sizes, and call services/teams.py, where the role checks (admins manage
members, invitations and the scale: others get 403), the rules and the Events are.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import Http404
from django.urls import path, reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import policies, services
from annotations.api.base import (
    LIST,
    READ,
    WITH_ETAG,
    WRITE,
    ApiListView,
    ApiView,
    TeamChildListView,
    created_responses,
    list_schema,
    no_content_responses,
    responses_for,
    validated,
)
from annotations.api.etags import content_etag
from annotations.api.serializers import (
    InputSerializer,
    MemberSerializer,
    RatingSerializer,
    TeamSerializer,
)
from annotations.models import Invite, Membership, Rating, Role, Team
from annotations.queries import resources, scope

# --- shapes ------------------------------------------------------------------------------------


class TeamCreateInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        help_text="The team's address; made from the name when left out. A taken one is 409.",
    )


class RatingCreateInputSerializer(InputSerializer):
    label = serializers.CharField(max_length=80)
    slug = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        help_text="Made from the label when left out; it never changes afterwards.",
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    value = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Optional number on the scale (at most two decimals).",
    )
    colour = serializers.CharField(
        max_length=7, required=False, help_text="#rrggbb (default #6b7280)."
    )


class RatingUpdateInputSerializer(InputSerializer):
    label = serializers.CharField(max_length=80, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    value = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="A number, or null to clear it.",
    )
    colour = serializers.CharField(max_length=7, required=False, help_text="#rrggbb.")
    order = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=10_000,
        help_text="Its place in the scale; 0 is first.",
    )
    active = serializers.BooleanField(
        required=False,
        help_text="false retires it (no longer offered for new verdicts); true restores it.",
    )


class ScaleRatingSerializer(RatingSerializer):
    in_use = serializers.IntegerField(help_text="How many verdicts give this rating.")


class MemberUpdateInputSerializer(InputSerializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InviteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=Role.choices)
    note = serializers.CharField()
    key_prefix = serializers.CharField(help_text="The first characters of the link's secret.")
    state = serializers.ChoiceField(choices=["open", "used", "revoked", "expired"])
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    used_by = serializers.CharField(source="used_by.username", allow_null=True, default=None)
    used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class InviteCreatedSerializer(InviteSerializer):
    token = serializers.CharField(help_text="The secret: shown in this answer only.")
    link = serializers.URLField(help_text="The page that accepts it: send this to the invitee.")


class InviteCreateInputSerializer(InputSerializer):
    role = serializers.ChoiceField(choices=Role.choices, default=Role.REVIEWER)
    expires_in_days = serializers.IntegerField(
        min_value=1, max_value=services.MAX_INVITE_DAYS, default=services.DEFAULT_INVITE_DAYS
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class InviteAcceptInputSerializer(InputSerializer):
    token = serializers.CharField(max_length=200)


class JoinedSerializer(MemberSerializer):
    team = TeamSerializer(source="joined_team")


# --- helpers -----------------------------------------------------------------------------------


def _team(request: Request, slug: str) -> Team:
    return scope.team_for_user(request.user, slug, with_role=True)


def _rating(team: Team, rating_slug: str) -> Rating:
    rating = Rating.objects.filter(team=team, slug=rating_slug).select_related("team").first()
    if rating is None:
        raise Http404("No such rating.")
    return rating


def _scale(team: Team) -> Any:
    return Rating.objects.filter(team=team).annotate(in_use=Count("verdicts"))


def _scale_rating(team: Team, pk: int) -> Rating:
    return _scale(team).get(pk=pk)


def _member(team: Team, username: str) -> Membership:
    membership = (
        Membership.objects.filter(team=team, user__username=username).select_related("user").first()
    )
    if membership is None:
        raise Http404("No such member.")
    return membership


def _with_state(invite: Invite) -> Invite:
    invite.state = services.invite_state(invite)
    return invite


def _invites(team: Team) -> Any:
    return Invite.objects.filter(team=team).select_related("created_by", "used_by")


# --- teams -------------------------------------------------------------------------------------


class TeamListView(ApiListView):
    serializer_class = TeamSerializer
    ordering = ("name",)
    ordering_fields = ("name", "slug", "created_at")

    def get_queryset(self):  # noqa: ANN201
        return resources.api_teams_for(self.request.user)

    @list_schema("Your teams", TeamSerializer)
    def get(self, request: Request) -> Response:
        return self.list(request)

    @extend_schema(
        summary="Create a team (you become its admin)",
        request=TeamCreateInputSerializer,
        responses=created_responses(TeamSerializer, "Created (Location)."),
    )
    def post(self, request: Request) -> Response:
        data = validated(TeamCreateInputSerializer, request.data)
        team = services.team_start(actor=request.user, **data)
        body = TeamSerializer(scope.team_for_user(request.user, team.slug, with_role=True)).data
        location = request.build_absolute_uri(reverse("api-team-detail", args=[team.slug]))
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})


class TeamDetailView(ApiView):
    @extend_schema(
        summary="A team", responses=responses_for(TeamSerializer, *READ, description=WITH_ETAG)
    )
    def get(self, request: Request, slug: str) -> Response:
        data = TeamSerializer(scope.team_for_user(request.user, slug, with_role=True)).data
        return Response(data, headers={"ETag": content_etag(data)})


# --- the rating scale --------------------------------------------------------------------------


class TeamRatingListView(TeamChildListView):
    serializer_class = ScaleRatingSerializer
    ordering = ("order",)
    ordering_fields = ("order", "slug", "label")
    model = Rating

    def rows(self):  # noqa: ANN201
        return _scale(self.get_team())

    @list_schema(
        "The team's rating scale (retired ratings too, with active=false)", ScaleRatingSerializer
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)

    @extend_schema(
        summary="Add a rating at the end of the scale (admins)",
        request=RatingCreateInputSerializer,
        responses=created_responses(ScaleRatingSerializer, "Added (Location)."),
    )
    def post(self, request: Request, slug: str) -> Response:
        team = self.get_team()
        data = validated(RatingCreateInputSerializer, request.data)
        rating = services.rating_create(team=team, actor=request.user, **data)
        location = request.build_absolute_uri(
            reverse("api-team-rating-detail", args=[team.slug, rating.slug])
        )
        return Response(
            ScaleRatingSerializer(_scale_rating(team, rating.pk)).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class TeamRatingDetailView(ApiView):
    @extend_schema(
        summary="Reword, recolour, renumber, move, retire or restore a rating (admins)",
        description=(
            "Its slug never changes. `order` is its new place in the scale (0 is first); "
            "`active: false` retires it: verdicts that have it keep it."
        ),
        request=RatingUpdateInputSerializer,
        responses=responses_for(ScaleRatingSerializer, *WRITE),
    )
    def patch(self, request: Request, slug: str, rating_slug: str) -> Response:
        team = _team(request, slug)
        rating = _rating(team, rating_slug)
        data = validated(RatingUpdateInputSerializer, request.data)
        services.rating_update(rating=rating, actor=request.user, **data)
        return Response(ScaleRatingSerializer(_scale_rating(team, rating.pk)).data)

    @extend_schema(
        summary="Delete a rating no verdict uses (admins); one in use is 409: retire it",
        responses=no_content_responses("Deleted."),
    )
    def delete(self, request: Request, slug: str, rating_slug: str) -> Response:
        team = _team(request, slug)
        services.rating_delete(rating=_rating(team, rating_slug), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- members -----------------------------------------------------------------------------------


class TeamMemberListView(TeamChildListView):
    serializer_class = MemberSerializer
    ordering = ("created_at",)
    ordering_fields = ("created_at", "role")
    model = Membership

    def rows(self):  # noqa: ANN201
        return resources.members_of(self.get_team())

    @list_schema("The team's members and roles", MemberSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)


class TeamMemberDetailView(ApiView):
    @extend_schema(
        summary="Change a member's role (admins); the last admin stays admin (409)",
        request=MemberUpdateInputSerializer,
        responses=responses_for(MemberSerializer, *WRITE),
    )
    def patch(self, request: Request, slug: str, username: str) -> Response:
        team = _team(request, slug)
        membership = _member(team, username)
        data = validated(MemberUpdateInputSerializer, request.data)
        services.member_role_set(
            team=team, user=membership.user, role=data["role"], actor=request.user
        )
        return Response(MemberSerializer(_member(team, username)).data)

    @extend_schema(
        summary="Remove a member (admins); their work stays theirs, their assignments go",
        responses=no_content_responses("Removed."),
    )
    def delete(self, request: Request, slug: str, username: str) -> Response:
        team = _team(request, slug)
        membership = _member(team, username)
        services.member_remove(team=team, user=membership.user, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- invitations -------------------------------------------------------------------------------


class TeamInviteListView(TeamChildListView):
    serializer_class = InviteSerializer
    ordering = ("-created_at",)
    ordering_fields = ("created_at", "expires_at")
    model = Invite

    def rows(self):  # noqa: ANN201
        return _invites(self.get_team())

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.require(request.user, self.get_team(), policies.MEMBERS_INVITE)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = [_with_state(invite) for invite in page]
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    @list_schema(
        "The team's invitations, used, revoked and expired ones too (admins)",
        InviteSerializer,
        403,
        *LIST,
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)

    @extend_schema(
        summary="Make a single-use invitation link (admins); its secret is answered once",
        request=InviteCreateInputSerializer,
        responses=created_responses(InviteCreatedSerializer, "Made: `link` is shown only here."),
    )
    def post(self, request: Request, slug: str) -> Response:
        team = self.get_team()
        data = validated(InviteCreateInputSerializer, request.data)
        invite, raw = services.invite_create(team=team, actor=request.user, **data)
        invite = _with_state(_invites(team).get(pk=invite.pk))
        invite.token = raw
        invite.link = request.build_absolute_uri(reverse("invite_accept", args=[raw]))
        return Response(InviteCreatedSerializer(invite).data, status=status.HTTP_201_CREATED)


class TeamInviteDetailView(ApiView):
    @extend_schema(
        summary="Revoke an invitation link (admins)",
        responses=no_content_responses("Revoked."),
    )
    def delete(self, request: Request, slug: str, invite_id: int) -> Response:
        team = _team(request, slug)
        invite = Invite.objects.filter(team=team, pk=invite_id).select_related("team").first()
        if invite is None:
            raise Http404("No such invitation.")
        services.invite_revoke(invite=invite, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InviteAcceptView(ApiView):
    @extend_schema(
        summary="Accept an invitation: join its team with its role",
        description=(
            "Give the link's secret as `token`. A link works once; an expired, revoked or used "
            "one is 409, and so is one for a team you are already in (the link stays unused)."
        ),
        request=InviteAcceptInputSerializer,
        responses=created_responses(JoinedSerializer, "Joined."),
    )
    def post(self, request: Request) -> Response:
        data = validated(InviteAcceptInputSerializer, request.data)
        membership = services.invite_accept(raw=data["token"], actor=request.user)
        membership = Membership.objects.select_related("user").get(pk=membership.pk)
        membership.joined_team = scope.team_for_user(
            request.user, membership.team.slug, with_role=True
        )
        return Response(JoinedSerializer(membership).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("teams/", TeamListView.as_view(), name="api-team-list"),
    path("teams/<slug:slug>/", TeamDetailView.as_view(), name="api-team-detail"),
    path("teams/<slug:slug>/ratings/", TeamRatingListView.as_view(), name="api-team-ratings"),
    path(
        "teams/<slug:slug>/ratings/<slug:rating_slug>/",
        TeamRatingDetailView.as_view(),
        name="api-team-rating-detail",
    ),
    path("teams/<slug:slug>/members/", TeamMemberListView.as_view(), name="api-team-members"),
    path(
        "teams/<slug:slug>/members/<str:username>/",
        TeamMemberDetailView.as_view(),
        name="api-team-member-detail",
    ),
    path("teams/<slug:slug>/invites/", TeamInviteListView.as_view(), name="api-team-invites"),
    path(
        "teams/<slug:slug>/invites/<int:invite_id>/",
        TeamInviteDetailView.as_view(),
        name="api-team-invite-detail",
    ),
    path("invites/accept/", InviteAcceptView.as_view(), name="api-invite-accept"),
]
