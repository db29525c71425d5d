"""Pages for assignments: "My queue", and the Assignees forms of the article page and of an
open claim.

The forms work with htmx (the answer is the Assignees fragment that changed) and without
JavaScript (a redirect back to the article page, or to the open claim, with a message).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget

from annotations import policies, queries, services
from annotations.errors import Forbidden, ServiceError
from annotations.models import Article, Claim
from annotations.pages import page_updates
from annotations.pages.responses import refused
from annotations.pages.workspace.assignees import (
    AssignForm,
    article_panel,
    assign_form,
    claim_panel,
)
from annotations.pages.workspace.cards import Access, access_for

ARTICLE_TEMPLATE = "annotations/workspace/article_detail.html"


# --- answers ---------------------------------------------------------------------------------


def _article_answer(
    request: HttpRequest,
    article: Article,
    access: Access,
    *,
    message: str,
    ok: bool,
    form: AssignForm | None = None,
) -> HttpResponse:
    if not request.htmx:
        (messages.success if ok else messages.error)(request, message)
        return redirect(reverse("article_detail", args=[article.pk]) + "#assignees")
    notice = {"kind": "done" if ok else "error", "text": message}
    panel = article_panel(article, access, form=None if ok else form, notice=notice)
    context = {"article": article, "access": access, "panel": panel}
    response = render(request, f"{ARTICLE_TEMPLATE}#assignees", context, status=200 if ok else 400)
    return _in_place(request, response, f"#{panel['section_id']}", article)


def _claim_answer(
    request: HttpRequest,
    claim: Claim,
    access: Access,
    *,
    message: str,
    ok: bool,
    form: AssignForm | None = None,
) -> HttpResponse:
    if not request.htmx:
        (messages.success if ok else messages.error)(request, message)
        return redirect(reverse("claim_edit", args=[claim.pk]) + f"#claim-{claim.pk}-assignees")
    notice = {"kind": "done" if ok else "error", "text": message}
    panel = claim_panel(claim, claim.article, access, form=None if ok else form, notice=notice)
    context = {"article": claim.article, "access": access, "panel": panel}
    status = 200 if ok else 400
    response = render(request, f"{ARTICLE_TEMPLATE}#assignees", context, status=status)
    return _in_place(request, response, f"#{panel['section_id']}", claim.article)


def _in_place(
    request: HttpRequest, response: HttpResponse, target: str, article: Article
) -> HttpResponse:
    """Name where the fragment goes, so a refusal (400) is swapped in place too, and refresh
    the header's counts (an assignment changes the assignee's queue)."""
    retarget(response, target)
    reswap(response, "outerHTML")
    return page_updates.with_page_updates(request, response, article=article)


def _form_error(form: AssignForm) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        return f"{label}: {errors[0]}" if label else errors[0]
    return "Check the form."


# --- assigning: the same steps for an article and for a single claim -------------------------


@dataclass(frozen=True)
class _Target:
    """What an assignment form acts on (an article or one claim): its article, the reader's
    access, the id pattern of its form's fields, its services, and how to answer."""

    article: Article
    access: Access
    ids: str
    assign: Callable[..., services.AssignResult]
    unassign: Callable[..., Any]
    answer: Callable[..., HttpResponse]


def _article_target(request: HttpRequest, pk: int) -> _Target:
    article = queries.article_for_user(request.user, pk)
    access = access_for(request, article)
    return _Target(
        article=article,
        access=access,
        ids="assign-%s",
        assign=partial(services.article_assign, article=article),
        unassign=partial(services.article_unassign, article=article),
        answer=partial(_article_answer, request, article, access),
    )


def _claim_target(request: HttpRequest, claim_id: int) -> _Target:
    claim = queries.claim_for_user(request.user, claim_id)
    access = access_for(request, claim.article)
    return _Target(
        article=claim.article,
        access=access,
        ids=f"c{claim.pk}-assign-%s",
        assign=partial(services.claim_assign, claim=claim),
        unassign=partial(services.claim_unassign, claim=claim),
        answer=partial(_claim_answer, request, claim, access),
    )


def _assign(request: HttpRequest, target: _Target) -> HttpResponse:
    """Assign the posted member (or change their due date); the target answers."""
    if not target.access.is_editor:
        return refused(request, Forbidden(policies.refusal(policies.ASSIGN)))
    form = assign_form(target.article, request.POST, ids=target.ids)
    if not form.is_valid():
        return target.answer(message=_form_error(form), ok=False, form=form)
    try:
        result = target.assign(
            assignee=form.cleaned_data["user"],
            due_on=form.cleaned_data["due_on"],
            actor=request.user,
        )
    except ServiceError as error:
        if error.status in (403, 404):
            return refused(request, error)
        return target.answer(message=error.message, ok=False, form=form)
    return target.answer(message=result.message, ok=True)


def _unassign(request: HttpRequest, target: _Target) -> HttpResponse:
    if not target.access.is_editor:
        return refused(request, Forbidden(policies.refusal(policies.ASSIGN)))
    name = request.POST.get("user", "")
    try:
        target.unassign(assignee=name, actor=request.user)
    except ServiceError as error:
        if error.status == 403:
            return refused(request, error)
        return target.answer(message=error.message, ok=False)
    return target.answer(message=f"{name} is no longer assigned.", ok=True)


@login_required
@require_POST
def article_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign a member to the article (or change their due date)."""
    return _assign(request, _article_target(request, pk))


@login_required
@require_POST
def article_unassign(request: HttpRequest, pk: int) -> HttpResponse:
    return _unassign(request, _article_target(request, pk))


@login_required
@require_POST
def claim_assign(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Assign a member to one claim (or change their due date)."""
    return _assign(request, _claim_target(request, claim_id))


@login_required
@require_POST
def claim_unassign(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _unassign(request, _claim_target(request, claim_id))


# --- My queue --------------------------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request")
def queue(request: HttpRequest) -> HttpResponse:
    """What is assigned to me, and what waits for my review: overdue first, then by due date
    (none last), then oldest. The same few queries however long the queue is."""
    my_queue = queries.queue_for(request.user)
    for claim in my_queue.waiting:
        claim.url = queries.claim_url(claim)
    for row in my_queue.claims:
        row.url = queries.claim_url(row.claim)
    context = {
        "queue": my_queue,
        "show_team": queries.teams_for(request.user).count() > 1,
    }
    return render(request, "annotations/assignments/queue.html", context)
