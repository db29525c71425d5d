"""Article revisions on the page: a new version, the list of revisions, one revision, a diff
between two, and the claims a revision left needing attention (confirm a fuzzy match,
re-attach a claim to newly selected text).

Every view finds the article or claim through a team-scoped query (outsiders get 404) and
checks the role (viewers get 403) before calling a service. Everything works without
JavaScript: forms post and are answered with a redirect, or with the form and its errors.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotations import policies, queries, services
from annotations.errors import Forbidden, ServiceError
from annotations.models import ArticleRevision
from annotations.pages.article_text import groups_html, layout
from annotations.pages.forms import ArticleRevisionForm, ImportSource
from annotations.pages.responses import refused
from annotations.pages.workspace.cards import access_for, selector_message

REVISE_TEMPLATE = "annotations/revisions/article_revise.html"


def revision_message(result: services.RevisionResult) -> str:
    if not result.created:
        return result.message
    counts = result.counts
    flagged = counts.get("flagged", len(result.flagged))
    return (
        f"Revision {result.revision.number} saved. Claims: {counts.get('anchored', 0)} anchored, "
        f"{counts.get('fuzzy', 0)} fuzzy, {counts.get('orphaned', 0)} orphaned; "
        f"{flagged} published claim{'' if flagged == 1 else 's'} flagged."
    )


@login_required
@require_http_methods(["GET", "POST"])
def article_revise(request: HttpRequest, pk: int) -> HttpResponse:
    """Load a new version of the article (text, Markdown, HTML, a file or its web address)."""
    article = queries.article_for_user(request.user, pk)
    if not access_for(request, article).can_create:
        return refused(request, Forbidden(policies.refusal(policies.CLAIM_WORK)))
    if request.method != "POST":
        initial = {"url": article.url, "source": ImportSource.TEXT}
        form = ArticleRevisionForm(initial=initial)
        return render(request, REVISE_TEMPLATE, {"article": article, "form": form})
    form = ArticleRevisionForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        try:
            result = services.article_revise(
                article=article, actor=request.user, **form.service_input()
            )
        except ServiceError as error:
            form.add_error(form.field_for_error(error.field), error.message)
            status = error.status if error.status not in (403, 404) else 400
        else:
            (messages.success if result.created else messages.info)(
                request, revision_message(result)
            )
            return redirect("article_detail", pk=article.pk)
    context = {"article": article, "form": form}
    return render(request, REVISE_TEMPLATE, context, status=status)


@login_required
@require_GET
def revision_list(request: HttpRequest, pk: int) -> HttpResponse:
    article = queries.article_for_user(request.user, pk)
    access = access_for(request, article)
    revisions = list(
        ArticleRevision.objects.filter(article=article)
        .select_related("created_by")
        .defer("text", "blocks", "links")
        .order_by("-number")
    )
    context = {"article": article, "access": access, "revisions": revisions}
    return render(request, "annotations/revisions/revision_list.html", context)


@login_required
@require_GET
def revision_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    article = queries.article_for_user(request.user, pk)
    revision = queries.article_revision(article, number)
    text_html = groups_html(layout(revision.text, revision.blocks, [], links=revision.links))
    context = {"article": article, "revision": revision, "text_html": text_html}
    return render(request, "annotations/revisions/revision_detail.html", context)


def _number(value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit():
        raise Http404("No such revision.")
    return int(value)


@login_required
@require_GET
def revision_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """`?a=&b=`: what changed from revision a to revision b (default: previous → current)."""
    article = queries.article_for_user(request.user, pk)
    new = _number(request.GET.get("b"), article.revision)
    old = _number(request.GET.get("a"), max(new - 1, 1))
    ops = queries.revision_diff(article, old, new)
    numbers = list(
        ArticleRevision.objects.filter(article=article)
        .order_by("number")
        .values_list("number", flat=True)
    )
    changed = sum(op.tag != "equal" for op in ops)
    context = {
        "article": article,
        "ops": ops,
        "a": old,
        "b": new,
        "numbers": numbers,
        "changed": changed,
    }
    return render(request, "annotations/revisions/revision_diff.html", context)


def _back(claim_article_id: int) -> HttpResponse:
    return redirect(reverse("article_detail", args=[claim_article_id]) + "#needs-attention")


@login_required
@require_POST
def claim_confirm_anchor(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = queries.claim_for_user(request.user, claim_id)
    if not access_for(request, claim.article).can_create:
        return refused(request, Forbidden(policies.refusal(policies.CLAIM_WORK)))
    try:
        services.claim_confirm_anchor(
            claim=claim, actor=request.user, expected_version=request.POST.get("version") or None
        )
    except ServiceError as error:
        if error.status == 403:
            return refused(request, error)
        messages.error(request, error.message)
    else:
        messages.success(request, "The new position of the claim was confirmed.")
    return _back(claim.article_id)


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
@require_http_methods(["GET", "POST"])
def claim_reattach(request: HttpRequest, claim_id: int) -> HttpResponse:
    """GET: the current text to select in, and a form for the quote; POST: re-attach there."""
    claim = queries.claim_for_user(request.user, claim_id)
    article = claim.article
    if not access_for(request, article).can_create:
        return refused(request, Forbidden(policies.refusal(policies.CLAIM_WORK)))
    data = request.POST if request.method == "POST" else request.GET
    values = {name: data.get(name, "") for name in ("start", "end", "exact", "prefix", "suffix")}
    error_message = ""
    status = 200
    if request.method == "POST":
        exact = values["exact"].replace("\r\n", "\n")
        try:
            services.claim_reattach(
                claim=claim,
                actor=request.user,
                start=_int_or_none(values["start"]),
                end=_int_or_none(values["end"]),
                exact=exact or None,
                prefix=values["prefix"],
                suffix=values["suffix"],
                expected_version=data.get("version") or None,
            )
        except ServiceError as error:
            if error.status == 403:
                return refused(request, error)
            error_message = selector_message(error, article.text, exact)
            status = 400 if error.status == 404 else error.status
        else:
            messages.success(request, "The claim was re-attached to the selected text.")
            return redirect(reverse("article_detail", args=[article.pk]) + f"#claim-{claim.pk}")
    comparison = queries.anchor_comparison(claim, article)
    context = {
        "article": article,
        "claim": claim,
        "comparison": comparison,
        "values": values,
        "error_message": error_message,
        "text_html": groups_html(layout(article.text, article.blocks, [], links=article.links)),
    }
    return render(request, "annotations/revisions/claim_reattach.html", context, status=status)
