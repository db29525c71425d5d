"""An open claim's Discussion section as the article page shows it: the thread, the comment form
when the role allows it, and its rendering (the {% discussion %} tag and the discussion views
both use it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from annotations import policies, queries
from annotations.models import Claim, Membership

TEMPLATE = "annotations/discussion/discussion.html"


def discussion_context(
    claim: Claim | Any,
    team_id: int,
    membership: Membership | None,
    *,
    team_slug: str = "",
    **extra: Any,
) -> dict[str, Any]:
    """What the discussion section shows: the thread and what this member may do. `team_slug`
    links claims cited by number (#12); a model claim with its article's team loaded gives it."""
    if not team_slug and isinstance(claim, Claim):
        team_slug = claim.article.team.slug
    items = queries.thread(claim.pk, team_id, membership, team_slug)
    return {
        "claim_id": claim.pk,
        "claim_number": getattr(claim, "number", None),
        "items": items,
        "count": sum(1 for item in items if not item.deleted),
        "can_comment": policies.allows(membership, policies.COMMENT),
        "replying": None,
        "editing": None,
        "typed": "",
        "error": "",
        "notice": "",
        **extra,
    }


def render_discussion(request: HttpRequest, context: dict[str, Any]) -> str:
    return render_to_string(f"{TEMPLATE}#discussion", context, request=request)
