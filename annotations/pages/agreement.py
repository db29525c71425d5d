"""Pages showing how far a team's reviewers agree: the team's figures at
/teams/<slug>/agreement/ and one article's at /articles/<id>/agreement/.

Reads only, for every member of the team (viewers included); anyone else gets 404. The figures
come from agreement_queries (a constant number of queries whatever the team's size).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotations import queries
from annotations.models import Team
from annotations.queries import agreement as agreement_queries


@login_required
@require_GET
def team_agreement(request: HttpRequest, slug: str) -> HttpResponse:
    team = queries.team_for_user(request.user, slug)
    result = agreement_queries.team_agreement(team)
    articles = [
        (article, agreement_queries.describe(article.figures.alpha)) for article in result.articles
    ]
    return _agreement_page(request, team, result.figures, articles=articles)


@login_required
@require_GET
def article_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    article = queries.article_for_user(request.user, pk)
    return _agreement_page(
        request,
        article.team,
        agreement_queries.article_agreement(article),
        article=article,
        disagreements=agreement_queries.article_disagreements(article),
    )


def _agreement_page(
    request: HttpRequest, team: Team, figures: agreement_queries.Figures, **rows: Any
) -> HttpResponse:
    """The one page for both: the figures and their alpha in words, then the team's articles
    or the article's disagreements (`rows`)."""
    context = {
        "team": team,
        "figures": figures,
        "alpha_text": agreement_queries.describe(figures.alpha),
        **rows,
    }
    return render(request, "annotations/agreement/agreement.html", context)
