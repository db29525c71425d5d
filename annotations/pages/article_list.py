"""The article list: the articles of your teams, filtered and paged, with the export menu."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from annotations import queries
from annotations.pages import session
from annotations.pages.export_links import export_menu
from annotations.pages.forms import (
    ArticleFilterForm,
)

ARTICLES_PER_PAGE = 50


# --- article list ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
@vary_on_headers("HX-Request")
def article_list(request: HttpRequest) -> HttpResponse:
    teams = queries.teams_for(request.user).order_by("name")
    data = request.GET
    # Without a team in the query, the list starts from the team chosen in the header.
    current = None if "team" in data else session.session_team(request)
    if current is not None:
        data = data.copy()
        data["team"] = str(current.pk)
    form = ArticleFilterForm(
        data or None, teams=teams, assignees=queries.assignee_names(request.user)
    )
    articles = queries.articles_for(request.user)
    # Invalid values (a team the user is not in, an unknown status) are ignored, not fatal.
    form.is_valid()
    chosen = form.cleaned_data if form.is_bound else {}
    q = (chosen.get("q") or "").strip()
    if q:
        articles = articles.filter(Q(title__icontains=q) | Q(publisher__icontains=q))
    if chosen.get("team"):
        articles = articles.filter(team=chosen["team"])
    if chosen.get("status"):
        articles = articles.filter(status=chosen["status"])
    archived = bool(chosen.get("archived"))
    articles = articles.filter(archived_at__isnull=not archived)
    if chosen.get("assignee"):
        articles = articles.filter(assignees__username=chosen["assignee"])
    filtering = bool(q or chosen.get("team") or chosen.get("status") or chosen.get("assignee"))
    # The page's assignees in one query, whatever the number of rows.
    articles = articles.prefetch_related(
        Prefetch("assignees", queryset=get_user_model().objects.order_by("username"))
    )
    page = Paginator(articles.order_by("-imported_at", "-id"), ARTICLES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    team_list = list(teams)
    # Export the team's articles as listed: the chosen team, else each of the user's teams.
    filters = {
        "q": q,
        "status": chosen.get("status"),
        "assignee": chosen.get("assignee"),
        "archived": "1" if archived else "",
    }
    exported = [chosen["team"]] if chosen.get("team") else team_list
    context = {
        "export_menus": [export_menu(team, filters=filters) for team in exported],
        "form": form,
        "page": page,
        "filtering": filtering,
        "archived": archived,
        "show_team": len(team_list) > 1,
        "user_teams": team_list,  # the header's team switcher reuses them
    }
    template = "annotations/articles/article_list.html"
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        template += "#results"
    return render(request, template, context)
