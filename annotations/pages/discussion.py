"""The discussion of a claim on the review page: post, reply, edit, delete (and moderate).

The thread is a section of the open claim (the `{% discussion %}` tag renders it). Every
action is a plain form that works without JavaScript (a redirect back to the open claim, or a
small page of its own for a reply, an edit or a confirmation); with htmx the same endpoints
answer with the discussion section, swapped in place. A refused action comes back with what
was typed and the reason. Outsiders get 404, viewers 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from annotations import policies, queries, services
from annotations.errors import Conflict, Forbidden, ServiceError
from annotations.models import Claim, Comment, Membership
from annotations.pages.responses import refused
from annotations.pages.workspace.discussion import TEMPLATE, discussion_context, render_discussion

PAGE_TEMPLATE = "annotations/discussion/comment_form.html"


def _claim_url(claim_id: int) -> str:
    """The claim opened on its article's page, at its discussion."""
    return f"{reverse('claim_edit', args=[claim_id])}#discussion-{claim_id}"


def _claim_for(request: HttpRequest, claim_id: int) -> tuple[Claim, Membership]:
    claim = queries.claim_for_user(request.user, claim_id)
    membership = services.membership_for(request.user, claim.article.team)
    if membership is None:
        raise Http404("No such claim.")
    return claim, membership


def _comment_for(request: HttpRequest, comment_id: int) -> tuple[Comment, Claim, Membership]:
    """A comment of one of the user's teams (404 otherwise), with its claim and the user's
    membership of the claim's team."""
    comment = queries.comment_for_user(request.user, comment_id)
    membership = services.membership_for(request.user, comment.claim.article.team)
    if membership is None:
        raise Http404("No such comment.")
    return comment, comment.claim, membership


def _answer(
    request: HttpRequest,
    claim: Claim,
    membership: Membership,
    *,
    message: str = "",
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    """After an action: the discussion section (htmx) or the open claim (a redirect)."""
    if request.htmx:
        context = discussion_context(
            claim, claim.article.team_id, membership, notice=message, **extra
        )
        return HttpResponse(render_discussion(request, context), status=status)
    if message:
        messages.success(request, message)
    return redirect(_claim_url(claim.pk))


def _failed(
    request: HttpRequest,
    claim: Claim,
    membership: Membership,
    error: ServiceError,
    *,
    mode: str,
    comment: Comment | None = None,
) -> HttpResponse:
    """A refused action keeps what was typed and says why: in the section (htmx) or on the
    action's own small page."""
    typed = request.POST.get("body", "")
    status = error.status if error.status != 404 else 400
    if request.htmx:
        extra: dict[str, Any] = {"typed": typed, "error": error.message}
        if mode == "reply" and comment is not None:
            extra["replying"] = comment.pk
        elif mode == "edit" and comment is not None:
            extra["editing"] = comment.pk
        context = discussion_context(claim, claim.article.team_id, membership, **extra)
        response = HttpResponse(render_discussion(request, context), status=status)
        # The page's script swaps an error answer in when it says where it goes.
        retarget(response, f"#discussion-{claim.pk}")
        reswap(response, "outerHTML")
        return response
    if error.status == 403:
        return refused(request, error)
    return _form_page(
        request, claim, mode=mode, comment=comment, typed=typed, error=error.message, status=status
    )


def _form_page(
    request: HttpRequest,
    claim: Claim,
    *,
    mode: str,
    comment: Comment | None = None,
    typed: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """A reply, an edit, a confirmation or a refused comment on a page of its own (no JS)."""
    members = queries.team_usernames(claim.article.team_id)
    shown = None
    if comment is not None and comment.deleted_at is None:
        shown = queries.body_html(comment.body, members, claim.article.team.slug)
    context = {
        "mode": mode,
        "claim": claim,
        "article": claim.article,
        "comment": comment,
        "comment_html": shown,
        "typed": typed,
        "error": error,
        "back_url": _claim_url(claim.pk),
    }
    return render(request, PAGE_TEMPLATE, context, status=status)


# --- views ------------------------------------------------------------------------------------


@login_required
@require_GET
def discussion(request: HttpRequest, claim_id: int) -> HttpResponse:
    """The discussion section (htmx: closing a reply or edit form); otherwise the open claim."""
    claim, membership = _claim_for(request, claim_id)
    if not request.htmx:
        return redirect(_claim_url(claim.pk))
    context = discussion_context(claim, claim.article.team_id, membership)
    return HttpResponse(render_discussion(request, context))


@login_required
@require_POST
def comment_post(request: HttpRequest, claim_id: int) -> HttpResponse:
    """A new comment on the claim, or (with `reply_to`) a reply to one of its comments."""
    claim, membership = _claim_for(request, claim_id)
    reply_to = None
    raw = request.POST.get("reply_to", "")
    if raw:
        reply_to = Comment.objects.filter(pk=raw if raw.isdigit() else 0, claim=claim).first()
        if reply_to is None:
            raise Http404("No such comment on this claim.")
    mode = "reply" if reply_to is not None else "new"
    if not policies.allows(membership, policies.COMMENT):
        return _failed(
            request, claim, membership, Forbidden(policies.refusal(policies.COMMENT)), mode=mode
        )
    try:
        services.comment_add(
            claim=claim, actor=request.user, body=request.POST.get("body", ""), reply_to=reply_to
        )
    except ServiceError as error:
        return _failed(request, claim, membership, error, mode=mode, comment=reply_to)
    return _answer(
        request, claim, membership, message="Reply posted." if reply_to else "Comment posted."
    )


@login_required
@require_GET
def comment_reply(request: HttpRequest, comment_id: int) -> HttpResponse:
    """The form to reply to a comment: in the thread (htmx) or on its own page."""
    comment, claim, membership = _comment_for(request, comment_id)
    if not policies.allows(membership, policies.COMMENT):
        return refused(request, Forbidden(policies.refusal(policies.COMMENT)))
    if comment.deleted_at is not None:
        return _failed(
            request,
            claim,
            membership,
            Conflict("That comment was deleted: it cannot be replied to.", code="comment_deleted"),
            mode="reply",
        )
    if request.htmx:
        context = {"claim_id": claim.pk, "item": comment, "typed": "", "error": ""}
        return render(request, f"{TEMPLATE}#reply-form", context)
    return _form_page(request, claim, mode="reply", comment=comment)


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    """GET: the thread with this comment's edit form (or its own page). POST: save it."""
    comment, claim, membership = _comment_for(request, comment_id)
    if request.method == "GET":
        if comment.author_id != request.user.pk or not policies.allows(
            membership, policies.COMMENT
        ):
            return refused(request, Forbidden("You can edit only your own comments."))
        if request.htmx:
            context = discussion_context(
                claim, claim.article.team_id, membership, editing=comment.pk, typed=comment.body
            )
            return HttpResponse(render_discussion(request, context))
        return _form_page(request, claim, mode="edit", comment=comment, typed=comment.body)
    try:
        services.comment_update(comment=comment, actor=request.user, body=request.POST.get("body"))
    except ServiceError as error:
        return _failed(request, claim, membership, error, mode="edit", comment=comment)
    return _answer(request, claim, membership, message="Comment saved.")


@login_required
@require_http_methods(["GET", "POST"])
def comment_delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    """GET: ask to confirm (without JavaScript). POST: delete (authors) or remove (editors)."""
    comment, claim, membership = _comment_for(request, comment_id)
    if request.method == "GET":
        if not policies.allows(membership, policies.COMMENT) or not (
            comment.author_id == request.user.pk
            or policies.allows(membership, policies.COMMENT_MODERATE)
        ):
            refusal = "You can delete only your own comments; editors can remove any."
            return refused(request, Forbidden(refusal))
        return _form_page(request, claim, mode="delete", comment=comment)
    own = comment.author_id == request.user.pk
    try:
        services.comment_delete(comment=comment, actor=request.user)
    except ServiceError as error:
        if request.htmx:
            return _failed(request, claim, membership, error, mode="delete")
        if error.status == 403:
            return refused(request, error)
        messages.error(request, error.message)
        return redirect(_claim_url(claim.pk))
    return _answer(
        request, claim, membership, message="Comment deleted." if own else "Comment removed."
    )
