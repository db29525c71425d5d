"""A team's publishing settings in the API: GET (any member) and PATCH (admins).

/api/v1/teams/{slug}/publishing/ — the organisation that publishes the team's fact checks
(ClaimReview `author`: name, site URL, logo URL) and the pattern of their public addresses.
The rules and the Event are in services.team_publishing_update.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import services
from annotations.api.base import READ, WITH_ETAG, WRITE, ApiView, responses_for, validated
from annotations.api.etags import content_etag
from annotations.api.serializers import InputSerializer
from annotations.lib import publishing
from annotations.models import Team
from annotations.queries import scope

PATTERN_HELP = (
    "The address of a published fact check, e.g. https://desk.example.org/fact-checks/{claim}: "
    "{claim} (required) is the claim's number in the team (its id until claims have one), "
    "{article} the article's id, {slug} the claim's wording as lower-case-words. Publishing "
    "a claim without a URL of its own gives it this one. Empty: no pattern."
)


class PublishingSerializer(serializers.Serializer):
    organisation_name = serializers.CharField(
        help_text="Who publishes the fact checks (ClaimReview author); empty: the team's name."
    )
    site_url = serializers.CharField(help_text="The organisation's public site (author url).")
    logo_url = serializers.CharField(help_text="The organisation's logo (author logo).")
    public_url_pattern = serializers.CharField(help_text=PATTERN_HELP)
    author_name = serializers.CharField(
        help_text="The name ClaimReviews give as author (organisation name or team name)."
    )


class PublishingInputSerializer(InputSerializer):
    organisation_name = serializers.CharField(
        required=False, allow_blank=True, max_length=200, trim_whitespace=True
    )
    site_url = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="http:// or https://"
    )
    logo_url = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="http:// or https://"
    )
    public_url_pattern = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text=PATTERN_HELP
    )


def _body(team: Team) -> dict[str, str]:
    return {
        **publishing.settings_of(team),
        "author_name": publishing.organisation(team)["name"],
    }


class TeamPublishingView(ApiView):
    @extend_schema(
        summary="The team's publishing settings",
        responses=responses_for(PublishingSerializer, *READ, description=WITH_ETAG),
    )
    def get(self, request: Request, slug: str) -> Response:
        data = _body(scope.team_for_user(request.user, slug, with_role=True))
        return Response(data, headers={"ETag": content_etag(data)})

    @extend_schema(
        summary="Change the team's publishing settings (admins)",
        description=(
            "Only the fields given change; an empty string clears one. URLs must be http or "
            "https; the pattern must contain {claim} and no other placeholder than {claim}, "
            "{article} and {slug}. Each change is a `team.publishing_changed` event."
        ),
        request=PublishingInputSerializer,
        responses=responses_for(PublishingSerializer, *WRITE),
    )
    def patch(self, request: Request, slug: str) -> Response:
        team = scope.team_for_user(request.user, slug, with_role=True)
        data = validated(PublishingInputSerializer, request.data)
        team = services.team_publishing_update(team=team, actor=request.user, **data)
        return Response(_body(team))


urlpatterns = [
    path(
        "teams/<slug:slug>/publishing/",
        TeamPublishingView.as_view(),
        name="api-team-publishing",
    ),
]
