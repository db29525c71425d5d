"""The notifications page: the user's own notifications, unread first, with mark-read actions.

`/notifications/` lists them (50 a page); `/notifications/<id>/open/` marks one read and goes
to the claim or article it concerns; `…/<id>/read/` and `/notifications/read-all/` mark read.
Someone else's notification is a 404. An htmx request gets the list fragment back in place.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from annotations import queries, services
from annotations.pages import page_updates

TEMPLATE = "annotations/notifications/notifications.html"
PAGE_SIZE = 50


def _list_context(request: HttpRequest, page_number: str | None = None) -> dict:
    rows = queries.inbox_order(queries.notifications_of(request.user))
    page = Paginator(rows, PAGE_SIZE).get_page(page_number or request.GET.get("page"))
    items = queries.with_urls(page.object_list, queries.team_ids_of(request.user))
    unread = queries.unread_count(request.user)
    return {"page": page, "items": items, "unread": unread, "notifications_unread": unread}


def _back(request: HttpRequest) -> HttpResponse:
    """After a mark-read action: the list again (htmx) or a redirect to the page it was on."""
    page = request.POST.get("page", "")
    if request.htmx:
        context = _list_context(request, page)
        response = render(request, f"{TEMPLATE}#notification-list", context)
        return page_updates.with_page_updates(request, response)
    url = reverse("notification_list")
    return redirect(f"{url}?page={page}" if page.isdigit() and page != "1" else url)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def notification_list(request: HttpRequest) -> HttpResponse:
    context = _list_context(request)
    if request.htmx and request.htmx.target == "notification-list":
        return render(request, f"{TEMPLATE}#notification-list", context)
    return render(request, TEMPLATE, context)


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    found = queries.notification_for_user(request.user, notification_id)
    services.notification_mark_read(notification=found, actor=request.user)
    if not request.htmx:
        messages.success(request, "Marked read.")
    return _back(request)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    marked = services.notification_mark_all_read(actor=request.user)
    if not request.htmx:
        messages.success(request, f"Marked {marked} notification{'' if marked == 1 else 's'} read.")
    return _back(request)


@login_required
@require_GET
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark the notification read and go where it leads (the list when it leads nowhere now)."""
    found = queries.notification_for_user(request.user, notification_id)
    services.notification_mark_read(notification=found, actor=request.user)
    url = queries.target_url(found, queries.team_ids_of(request.user))
    if url is None:
        messages.info(request, "What this notification concerns is no longer open to you.")
        return redirect("notification_list")
    return redirect(url)
