"""The pages' one answer to a refusal that no form can fix: a role too low, something gone, a
state that forbids the action. The service's message and status go back to the user, in place
when htmx asked, on a page of its own otherwise.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django_htmx.http import reswap, retarget

from annotations.errors import ServiceError
from annotations.models import Team

PAGE_TEMPLATE = "annotations/shared/refused.html"
# The article page's toast, where the htmx actions that can be refused live.
TOAST_TEMPLATE = "annotations/workspace/article_detail.html#toast"
TOAST_REGION = "#toast-region"


def refused(request: HttpRequest, error: ServiceError, *, team: Team | None = None) -> HttpResponse:
    """The refusal `error` (403, 404, 409...) with its message and status.

    htmx: the message as an error toast, named by HX-Retarget so that js/htmx-errors.js swaps
    it in whatever the status. Otherwise a 404 is the site's 404 page (outsiders learn nothing
    more), anything else a page saying why, with a way back to `team` when given.
    """
    if request.htmx:
        context = {"toast": {"message": error.message, "kind": "error"}}
        body = render_to_string(TOAST_TEMPLATE, context, request=request)
        response = HttpResponse(body, status=error.status)
        retarget(response, TOAST_REGION)
        reswap(response, "innerHTML")
        return response
    if error.status == 404:
        raise Http404(error.message)
    context = {"message": error.message, "team": team}
    return render(request, PAGE_TEMPLATE, context, status=error.status)
