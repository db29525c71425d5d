"""What an in-place (htmx) action refreshes outside the fragment it answers with.

An action taken in place — a workflow move, a verdict, an assignment, a claim created or
deleted, a notification marked read — can change the header's counts (My queue, unread
notifications) and the article's status, which sit elsewhere on the page. Every such answer
carries them out of band (`hx-swap-oob`), from this one helper, so the page never shows a
count or a status that the action just made wrong.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from annotations.models import Article, ArticleStatus

TEMPLATE = "annotations/shared/_page_updates.html"


def out_of_band(request: HttpRequest, *, article: Article | None = None) -> str:
    """The header's counts and, for an article's page, its current status, as oob fragments.

    The status is read again: the action may just have changed it (a claim published)."""
    status = None
    if article is not None:
        value = Article.objects.filter(pk=article.pk).values_list("status", flat=True).first()
        status = ArticleStatus(value) if value else None
    # The links mark the page the browser shows, not the action's address.
    shown = urlsplit(request.htmx.current_url_abs_path or "").path if request.htmx else ""
    context = {"article_status": status, "nav_path": shown or request.path}
    return render_to_string(TEMPLATE, context, request=request)


def with_page_updates(
    request: HttpRequest, response: HttpResponse, *, article: Article | None = None
) -> HttpResponse:
    """Add the out-of-band refresh to the answer of an htmx action (a POST); others as they are."""
    if request.htmx and request.method == "POST" and not response.streaming:
        response.content += out_of_band(request, article=article).encode()
    return response
