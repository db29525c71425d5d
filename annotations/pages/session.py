"""The team a person is working in, kept in their session (the header's team switcher), and
what the switcher shows. Shared by every page that starts from "your current team".
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from annotations.models import Team

SESSION_TEAM = "current_team"


# --- helpers -------------------------------------------------------------------------------------


def optional_url(name: str, slug: str) -> str | None:
    """Pages other parts of the product add to a team (activity, agreement), when present."""
    try:
        return reverse(name, args=[slug])
    except NoReverseMatch:
        return None


def session_team(request: HttpRequest) -> Team | None:
    """The team chosen in the header's switcher, while the user is still in it."""
    team_id = request.session.get(SESSION_TEAM)
    if not team_id or not request.user.is_authenticated:
        return None
    return Team.objects.filter(pk=team_id, memberships__user=request.user).first()


# --- the header's team switcher ------------------------------------------------------------------


def switcher_context(request: HttpRequest, user_teams: list[Team] | None = None) -> dict[str, Any]:
    """What the header's team switcher shows: the user's teams (when more than one). A page
    that has already loaded them (by name) passes them in, saving the query."""
    if not request.user.is_authenticated:
        return {"teams": []}
    teams_of_user = (
        user_teams
        if user_teams is not None
        else list(
            Team.objects.filter(memberships__user=request.user)
            .order_by("name")
            .only("pk", "name", "slug")
        )
    )
    current = request.session.get(SESSION_TEAM)
    return {
        "teams": teams_of_user if len(teams_of_user) > 1 else [],
        "current": next((t for t in teams_of_user if t.pk == current), None),
    }
