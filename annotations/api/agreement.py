"""Agreement between reviewers in the API (annotations/lib/agreement.py computes it).

- GET /api/v1/teams/{slug}/agreement/ — the team's Krippendorff's alpha over every claim with
  at least two current verdicts, each article's alpha, and every pair of reviewers' agreement.
- GET /api/v1/articles/{id}/agreement/ — the same for one article.

Any member of the team (viewers included); anyone else gets 404. Constant query counts.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.api.base import READ, ApiView, responses_for
from annotations.queries import agreement as agreement_queries
from annotations.queries import resources, scope


class PairSerializer(serializers.Serializer):
    reviewer_a = serializers.CharField()
    reviewer_b = serializers.CharField()
    claims = serializers.IntegerField(help_text="Claims both reviewers rated.")
    same = serializers.IntegerField(help_text="Of those, claims they gave the same rating.")
    agreement = serializers.FloatField(help_text="same / claims (0 to 1).")
    few_claims = serializers.BooleanField(
        help_text="True when the two rated fewer than 5 claims in common: too few to rely on."
    )
    kappa = serializers.FloatField(
        allow_null=True, help_text="Cohen's kappa over those claims; null when undefined."
    )


class AlphaFields(serializers.Serializer):
    alpha = serializers.FloatField(
        allow_null=True,
        help_text="Krippendorff's alpha; null when undefined (see undefined_because).",
    )
    metric = serializers.ChoiceField(
        choices=["ordinal", "nominal"],
        help_text="ordinal over the ratings' numbers when every rating used has one, else nominal.",
    )
    units = serializers.IntegerField(help_text="Claims with at least two current verdicts.")
    values = serializers.IntegerField(help_text="Current verdicts on those claims.")
    coders = serializers.IntegerField(help_text="Reviewers who gave those verdicts.")
    undefined_because = serializers.ChoiceField(
        choices=["not enough data", "not enough variation"], allow_null=True
    )
    rated_claims = serializers.IntegerField(help_text="Claims with at least one current verdict.")
    few_claims = serializers.BooleanField(
        help_text="True when alpha comes from fewer than 5 claims (units): too few to rely on."
    )


class ArticleAgreementRowSerializer(AlphaFields):
    id = serializers.IntegerField()
    title = serializers.CharField()


class ArticleAgreementSerializer(AlphaFields):
    article = serializers.IntegerField()
    pairs = PairSerializer(many=True)


class TeamAgreementSerializer(AlphaFields):
    team = serializers.SlugField()
    pairs = PairSerializer(many=True)
    articles = ArticleAgreementRowSerializer(
        many=True, help_text="Articles with at least one current verdict, newest first."
    )


class TeamAgreementView(ApiView):
    @extend_schema(
        operation_id="team_agreement",
        summary="Agreement between the team's reviewers",
        responses=responses_for(TeamAgreementSerializer, *READ),
    )
    def get(self, request: Request, slug: str) -> Response:
        team = scope.team_for_user(request.user, slug, with_role=True)
        return Response(agreement_queries.team_agreement(team).as_dict())


class ArticleAgreementView(ApiView):
    @extend_schema(
        operation_id="article_agreement",
        summary="Agreement between reviewers on one article",
        responses=responses_for(ArticleAgreementSerializer, *READ),
    )
    def get(self, request: Request, pk: int) -> Response:
        article = scope.article_for_user(request.user, pk, prepare=resources.article_detail)
        figures = agreement_queries.article_agreement(article)
        return Response({"article": article.pk, **figures.as_dict()})


urlpatterns = [
    path("teams/<slug:slug>/agreement/", TeamAgreementView.as_view(), name="api-team-agreement"),
    path(
        "articles/<int:pk>/agreement/",
        ArticleAgreementView.as_view(),
        name="api-article-agreement",
    ),
]
