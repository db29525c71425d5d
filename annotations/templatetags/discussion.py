"""`{% discussion claim %}`: the open claim's discussion section (pages/workspace/discussion.py).

The claim panel includes it with one tag, so the thread, its forms and its queries (two, for
any number of comments) stay with the discussion code.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from annotations.pages.workspace.discussion import discussion_context, render_discussion

register = template.Library()


@register.simple_tag(takes_context=True)
def discussion(context: template.Context, claim: Any) -> SafeString:

    access = context.get("access")
    membership = getattr(access, "membership", None)
    article = context.get("article")
    team_id = article.team_id if article is not None else claim.article.team_id
    team_slug = article.team.slug if article is not None else ""
    request = context.get("request")
    html = render_discussion(
        request, discussion_context(claim, team_id, membership, team_slug=team_slug)
    )
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, which escapes
