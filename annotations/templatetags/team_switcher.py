"""The header's team switcher: `{% team_switcher %}` lists the user's teams when they are in
more than one, and posts the choice to /teams/switch/."""

from __future__ import annotations

from typing import Any

from django import template

from annotations.pages.session import switcher_context

register = template.Library()


@register.inclusion_tag("annotations/teams/switcher.html", takes_context=True)
def team_switcher(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    if request is None:
        return {"teams": []}
    return {
        **switcher_context(request, context.get("user_teams")),
        # Back to the page the switch was made on; after a POST, to the article list.
        "next": request.get_full_path() if request.method == "GET" else "",
        "csrf_token": context.get("csrf_token"),
    }
