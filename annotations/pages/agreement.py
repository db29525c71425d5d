"""Pages showing how far a team's reviewers agree: the team's figures at
/teams/<slug>/agreement/ and one article's at /articles/<id>/agreement/.

Reads only, for every member of the team (viewers included); anyone else gets 404. The figures
come from agreement_queries (a constant number of queries whatever the team's size).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotations import queries
from annotations.queries import agreement as agreement_queries


@login_required
@require_GET
def team_agreement(request: HttpRequest, slug: str) -> HttpResponse:
    team = queries.team_for_user(request.user, slug)
    result = agreement_queries.team_agreement(team)
    context = {
        "team": team,
        "figures": result.figures,
        "alpha_text": agreement_queries.describe(result.figures.alpha),
        "articles": [
            (article, agreement_queries.describe(article.figures.alpha))
            for article in result.articles
        ],
    }
    return render(request, "annotations/agreement/agreement.html", context)


@login_required
@require_GET
def article_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    article = queries.article_for_user(request.user, pk)
    figures = agreement_queries.article_agreement(article)
    context = {
        "team": article.team,
        "article": article,
        "figures": figures,
        "alpha_text": agreement_queries.describe(figures.alpha),
        "disagreements": agreement_queries.article_disagreements(article),
    }
    return render(request, "annotations/agreement/agreement.html", context)
