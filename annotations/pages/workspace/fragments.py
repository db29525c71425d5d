"""How the article page answers: the whole page, or for htmx the fragments an action changed
(the claim list, the text blocks a claim touches, the open claim) with the header's counts out
of band, and the toasts (undo, deleted) that go with them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django_htmx.http import reswap, retarget

from annotations import queries
from annotations.models import Article, Claim
from annotations.pages import page_updates
from annotations.pages.article_text import blocks_touching, groups_html, layout
from annotations.pages.export_links import export_menu
from annotations.pages.workspace import assignees, attention
from annotations.pages.workspace.cards import (
    Access,
    list_context,
    load_claims,
)
from annotations.queries.audit import latest_event_id

TEMPLATE = "annotations/workspace/article_detail.html"


# Element ids: the new-claim form and each open claim's form may be on the page together.
NEW_IDS = "new-%s"


def claim_ids(claim_id: int) -> str:
    return f"c{claim_id}-%s"


def page_answer(
    request: HttpRequest,
    page_article: Article,
    page_access: Access,
    *,
    status: int = 200,
    claims: list[Claim] | None = None,
    **extra: Any,
) -> HttpResponse:
    """The whole workspace page, optionally with a form open in the panel. (`extra` may
    repeat the article and access: the fragments' contexts carry them too.)"""
    article, access = page_article, page_access
    # Read before the claims: the live stream starts after it, so nothing falls in between.
    live_after = latest_event_id(article)
    claims = claims if claims is not None else load_claims(article, access)
    # The list shows the open (or confirming) claim in place of its card.
    for mode, key in (("open", "open_claim"), ("confirm", "confirm_claim")):
        if extra.get(key) is not None:
            extra[key].panel_mode = mode
    context = list_context(request, article, access, claims, from_page_url=False)
    context |= {
        "article_html": groups_html(
            layout(article.text, article.blocks, claims, links=article.links)
        ),
        "composer": None,
        "attention": attention.attention_items(article),
        "live_after": live_after,
        "assignment": assignees.article_panel(article, access),
        "export_menu": export_menu(article.team, article=article),
        **extra,
    }
    return render(request, TEMPLATE, context, status=status)


def fragment(request: HttpRequest, name: str, context: dict[str, Any]) -> str:
    return render_to_string(f"{TEMPLATE}#{name}", context, request=request)


def changed_blocks(article: Article, claims: list[Claim], ranges: Iterable[tuple]) -> list:
    """The rendered blocks that the given (start, end) ranges show in, for out-of-band swaps."""
    wanted: set[int] = set()
    for start, end in ranges:
        wanted |= blocks_touching(article.text, article.blocks, start, end)
    if not wanted:
        return []
    groups = layout(article.text, article.blocks, claims, only=wanted, links=article.links)
    return [block for group in groups for block in group.blocks if block.start in wanted]


def htmx_answer(
    request: HttpRequest,
    *,
    main: str,
    target: str,
    swap: str,
    context: dict[str, Any],
    status: int = 200,
    blocks: list | None = None,
    announce: str = "",
    toast: dict | None = None,
    clear_toast: bool = False,
    clear_composer: bool = False,
    count: int | None = None,
) -> HttpResponse:
    """The main fragment (placed by HX-Retarget/HX-Reswap) and the out-of-band ones."""
    oob = {
        "changed_blocks": blocks or [],
        "announce": announce,
        "toast": toast,
        "toast_update": toast is not None or clear_toast,
        "clear_composer": clear_composer,
        "count_update": count is not None,
        "claim_total": count,
    }
    body = fragment(request, main, context) + fragment(request, "oob", {**context, **oob})
    response = HttpResponse(body, status=status)
    retarget(response, target)
    reswap(response, swap)
    # The header's counts and the article's status, which the action may have changed.
    return page_updates.with_page_updates(request, response, article=context.get("article"))


def article_url(article: Article, claim_id: int | None = None) -> str:
    url = reverse("article_detail", args=[article.pk])
    return f"{url}#claim-{claim_id}" if claim_id else url


def undo_toast(request: HttpRequest, article: Article, access: Access) -> dict | None:
    """After a deletion without JavaScript, the page offers its undo (`?deleted=<id>`)."""
    deleted = request.GET.get("deleted", "")
    if not deleted.isdigit() or not access.can_create:
        return None
    if Claim.objects.filter(pk=int(deleted)).exists():
        return None
    snapshot = queries.deleted_claim_snapshot(article, int(deleted))
    if snapshot is None:
        return None
    return deleted_toast(article, int(deleted), snapshot.get("number"))


def deleted_toast(article: Article, claim_id: int, number: int | None = None) -> dict:
    name = f"Claim #{number}" if number else "The claim"
    return {
        "message": f"{name} was deleted.",
        "kind": "undo",
        "restore_url": reverse("claim_restore", args=[article.pk]),
        "claim_id": claim_id,
    }
