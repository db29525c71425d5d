"""The reviewing workspace: the article page and every page endpoint that changes its claims.

Each view finds what it changes through a team-scoped query (outsiders get 404), checks the
role, calls a service, and answers in one of two ways:

* an htmx request gets the fragments that changed: the main one named by `HX-Retarget` /
  `HX-Reswap` (the claim list, one claim, or the new-claim form), the text blocks a claim
  shows in and the screen-reader announcement out of band;
* a plain form post (no JavaScript) gets a redirect back to the article page, or, when a
  form has to come back with errors or a conflict, the whole page with that form open.

A form that fails — invalid input, a service refusal, a version conflict, a claim deleted by
someone else meanwhile — always comes back with everything that was typed.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from annotations import policies, queries, services
from annotations.errors import Conflict, Forbidden, NotFound, ServiceError
from annotations.lib import anchoring
from annotations.models import Article, Claim, ClaimStatus, Source
from annotations.pages.article_text import groups_html, layout
from annotations.pages.forms import ClaimForm, SourceFormSet, SourceRowFormSet, new_sources
from annotations.pages.responses import refused
from annotations.pages.workspace import assignees, workflow
from annotations.pages.workspace.cards import (
    UNDO_SECONDS,
    Access,
    access_for,
    list_context,
    load_claims,
    selector_message,
)
from annotations.pages.workspace.fragments import (
    NEW_IDS,
    TEMPLATE,
    article_url,
    changed_blocks,
    claim_ids,
    deleted_toast,
    htmx_answer,
    page_answer,
    undo_toast,
)
from annotations.queries import conflicts

SOURCES_PREFIX = "sources"


# --- the page ------------------------------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The reviewing workspace (read-only for viewers). `?q=&status=&verdict=&claimant=&
    reviewer=` filter the claim list; an htmx request from the filter form gets only the list.
    """
    article = queries.article_for_user(request.user, pk)
    access = access_for(request, article)
    if request.htmx and request.htmx.target == "claim-list":
        claims = load_claims(article, access)
        context = list_context(request, article, access, claims, from_page_url=False)
        return render(request, f"{TEMPLATE}#claim-list", context)
    opened = _opened_claim(request, article)
    if opened is not None:
        # `permalinked`: the claim panel starts scrolled to the open claim (CSS
        # scroll-initial-target, no script needed), while the URL's fragment scrolls the
        # text to its highlight.
        context = _editor_context(opened)
        return page_answer(
            request, article, access, claims=opened.claims, permalinked=True, **context
        )
    toast = undo_toast(request, article, access)
    return page_answer(request, article, access, toast=toast)


def _opened_claim(request: HttpRequest, article: Article) -> Found | None:
    """`?claim=<id>` (a claim's permalink leads here): the page with that claim open. A claim
    of another article, or one that is gone, leaves the page as it is."""
    claim_id = request.GET.get("claim", "")
    if request.htmx or not claim_id.isdigit() or not 0 < int(claim_id) < 2**63:
        return None
    try:
        found = _find(request, int(claim_id))
    except Http404:
        return None
    return found if found.article.pk == article.pk else None


@login_required
@require_GET
def claim_permalink(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """A claim's permanent address, by its number in the team (#123): the article page with
    the claim open and its highlight in view. Outside the user's teams, or a number that no
    claim has (now), is a 404."""
    claim = queries.claim_by_number(request.user, slug, number)
    url = reverse("article_detail", args=[claim.article_id])
    anchor = f"mark-{claim.pk}" if claim.start is not None else f"claim-{claim.pk}"
    return redirect(f"{url}?claim={claim.pk}#{anchor}")


# --- creating a claim ----------------------------------------------------------------------------


def _claim_form(
    article: Article,
    data: Any = None,
    *,
    creating: bool,
    claim_id: int | None = None,
    **kwargs: Any,
) -> ClaimForm:
    ratings = queries.verdict_choices(article, claim_id=claim_id)
    return ClaimForm(data, ratings=ratings, creating=creating, **kwargs)


def _composer_context(form: ClaimForm, rows: Any) -> dict[str, Any]:
    return {"composer": {"form": form, "rows": rows}}


@login_required
@require_GET
def claim_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The new-claim form, prefilled from a selection (`start`, `end`, `exact`, `prefix`,
    `suffix` as the selection script sends them) or empty, to type the quote by hand."""
    article = queries.article_for_user(request.user, pk)
    access = access_for(request, article)
    if not access.can_create:
        return refused(request, Forbidden(policies.refusal(policies.CLAIM_WORK)))
    initial = {
        name: request.GET[name]
        for name in ("start", "end", "exact", "prefix", "suffix")
        if request.GET.get(name)
    }
    if not initial.get("exact") and initial.get("start", "").isdigit():
        # A long selection sends only its offsets; the quote is read from the text.
        try:
            anchor = anchoring.anchor_at(
                article.text, int(initial["start"]), int(initial.get("end") or 0)
            )
        except anchoring.AnchorError:
            pass
        else:
            initial |= {"exact": anchor.exact, "prefix": anchor.prefix, "suffix": anchor.suffix}
    if initial.get("exact"):
        # The wording to check starts as the quote, on one line.
        initial["summary"] = " ".join(initial["exact"].split())
    claims = load_claims(article, access)
    form = _claim_form(article, creating=True, initial=initial, auto_id=NEW_IDS)
    rows = SourceFormSet(prefix=SOURCES_PREFIX, auto_id=NEW_IDS)
    context = {"article": article, "access": access, **_composer_context(form, rows)}
    if request.htmx:
        return render(request, f"{TEMPLATE}#composer-body", context)
    return page_answer(request, article, access, claims=claims, **_composer_context(form, rows))


@login_required
@require_POST
def claim_create(request: HttpRequest, pk: int) -> HttpResponse:
    article = queries.article_for_user(request.user, pk)
    access = access_for(request, article)
    if not access.can_create:
        return refused(request, Forbidden(policies.refusal(policies.CLAIM_WORK)))
    claims = load_claims(article, access)
    form = _claim_form(article, request.POST, creating=True, auto_id=NEW_IDS)
    rows = SourceFormSet(request.POST, prefix=SOURCES_PREFIX, auto_id=NEW_IDS)
    status = 400
    if form.is_valid() and rows.is_valid():
        data = form.cleaned_data
        try:
            claim = services.claim_create(
                article=article,
                actor=request.user,
                **form.selector(),
                claimant=data["claimant"],
                summary=data["summary"],
                rating=data["rating"] or None,
                rationale=data["rationale"],
                sources=new_sources(rows),
            )
        except ServiceError as error:
            message = selector_message(error, article.text, data["exact"] or "")
            form.add_error(form.field_for_error(error.field), message)
            status = error.status if error.status != 404 else 400
        else:
            return _created(request, article, access, claim)
    if request.htmx:
        context = {"article": article, "access": access, **_composer_context(form, rows)}
        return htmx_answer(
            request,
            main="composer-body",
            target="#composer",
            swap="innerHTML",
            context=context,
            status=status,
            announce="The claim was not saved: see the messages in the form.",
        )
    return page_answer(
        request, article, access, claims=claims, status=status, **_composer_context(form, rows)
    )


def _created(
    request: HttpRequest,
    article: Article,
    access: Access,
    claim: Claim,
    *,
    verb: str = "saved",
    clear_composer: bool = True,
) -> HttpResponse:
    """The answer to a claim that now exists (created, or restored after a deletion)."""
    claims = load_claims(article, access)
    saved = next(c for c in claims if c.pk == claim.pk)
    message = f"Claim #{saved.number} {verb}."
    if not request.htmx:
        messages.success(request, message)
        return redirect(article_url(article, claim.pk))
    saved.just_saved = True
    return _list_answer(
        request,
        article,
        access,
        claims,
        claim,
        announce=message,
        clear_composer=clear_composer,
        clear_toast=True,
    )


def _list_answer(
    request: HttpRequest,
    article: Article,
    access: Access,
    claims: list,
    claim: Claim,
    **answer: Any,
) -> HttpResponse:
    """The whole claim list after `claim` came or went, with the text around its passage
    redrawn; `answer` adds the announcement, toast and so on."""
    context = list_context(request, article, access, claims, from_page_url=True)
    return htmx_answer(
        request,
        main="claim-list",
        target="#claim-list",
        swap="outerHTML",
        context=context,
        blocks=changed_blocks(article, claims, [(claim.start, claim.end)]),
        count=len(claims),
        **answer,
    )


# --- one claim: open, edit, verdict, sources, workflow ------------------------------------------


class Found:
    """A claim found for a request, and its article. The article's other claims (for the list
    and the claim's number) are loaded only when a page or fragment needs them, so a save that
    succeeds reads them once, after the change."""

    def __init__(self, article: Article, access: Access, ref: Claim) -> None:
        self.article = article
        self.access = access
        self.ref = ref  # the whole row, for the services

    @functools.cached_property
    def claims(self) -> list:
        return load_claims(self.article, self.access)

    @functools.cached_property
    def claim(self) -> queries.ClaimRow:
        """The claim as the page shows it (described, with its number)."""
        return next(c for c in self.claims if c.pk == self.ref.pk)

    @property
    def can_edit(self) -> bool:
        return self.access.can_edit(self.ref)

    @property
    def can_rate(self) -> bool:
        return self.access.can_rate(self.ref)


def _find(request: HttpRequest, claim_id: int) -> Found:
    """The claim, 404 outside the user's teams."""
    ref = queries.claim_for_user(request.user, claim_id)
    return Found(article=ref.article, access=access_for(request, ref.article), ref=ref)


def _editor_form(found: Found, data: Any = None, **kwargs: Any) -> ClaimForm:
    return _claim_form(
        found.article,
        data,
        creating=False,
        claim_id=found.ref.pk,
        auto_id=claim_ids(found.ref.pk),
        **kwargs,
    )


def _editor_rows(found: Found, data: Any = None) -> Any:
    return SourceRowFormSet(data, prefix=SOURCES_PREFIX, auto_id=claim_ids(found.ref.pk))


def _user_verdict(claim: Claim, user: AbstractBaseUser) -> Any:
    return next((v for v in claim.shown_verdicts if v.reviewer_id == user.pk), None)


def _editor_initial(claim: Claim, user: AbstractBaseUser) -> dict[str, Any]:
    own = _user_verdict(claim, user)
    return {
        "claimant": claim.claimant,
        "summary": claim.summary,
        "rating": own.rating.slug if own else "",
        "rationale": own.rationale if own else "",
        "version": claim.version,
    }


def _editor_context(
    found: Found,
    *,
    form: ClaimForm | None = None,
    rows: Any = None,
    notice: dict | None = None,
    public_url_typed: str | None = None,
) -> dict[str, Any]:
    claim = found.claim
    if form is None:
        form = _editor_form(found, initial=_editor_initial(claim, found.access.user))
    # The workflow (workflow.py): moves, verdicts side by side, final pick, correction.
    failed = bool(notice and notice["kind"] != "done") or bool(form.is_bound and form.errors)
    review = workflow.context(
        found.ref,
        found.access.membership,
        found.access.user_id,
        data=form.data if form.is_bound else None,
        failed=failed,
    )
    return {
        "article": found.article,
        "access": found.access,
        "claim": claim,
        "open_claim": claim,
        "editor": {
            "unsaved": _unsaved_fields(form, claim, found.access.user),
            "sources": list(Source.objects.filter(claim_id=claim.pk).order_by("created_at", "id")),
            "form": form,
            "rows": rows if rows is not None else _editor_rows(found),
            "own_verdict": _user_verdict(claim, found.access.user),
            "others": [v for v in claim.shown_verdicts if v.reviewer_id != found.access.user.pk],
            "transitions": review["moves"],
            "notice": notice,
        },
        "claim_assignment": assignees.claim_panel(claim, found.article, found.access),
        "review": review,
        "public_url": {
            "current": found.ref.public_url,
            "typed": found.ref.public_url if public_url_typed is None else public_url_typed,
            "editable": review["public_url_editable"],
            "published": found.ref.status == ClaimStatus.PUBLISHED,
        },
    }


def _unsaved_fields(form: ClaimForm, claim: Claim, user: AbstractBaseUser) -> str:
    """The labels of the fields a form comes back with that differ from what is stored (after
    a refused save, a conflict, or an action that saved only its own part), for the page's
    question before they are thrown away (static/js/ui.js reads `data-unsaved`): the page
    shows them as the fields' values, so the browser alone would not know they are unsaved."""
    if not form.is_bound:
        return ""
    stored = _editor_initial(claim, user)
    names = []
    for name in ("claimant", "summary", "rating", "rationale"):
        if name not in form.fields or name not in form.data:
            continue
        typed = str(form.data.get(name) or "").replace("\r\n", "\n").strip()
        if typed != str(stored.get(name) or "").strip():
            names.append(str(form.fields[name].label))
    rows_typed = any(
        key.startswith(f"{SOURCES_PREFIX}-")
        and key.endswith(("-url", "-title", "-excerpt"))
        and value
        for key, value in form.data.items()
    )
    if rows_typed:
        names.append("New source")
    return "|".join(names)


def _show_editor(
    request: HttpRequest, found: Found, *, status: int = 200, announce: str = "", **kwargs: Any
) -> HttpResponse:
    blocks = kwargs.pop("blocks", None)
    context = _editor_context(found, **kwargs)
    if request.htmx:
        return htmx_answer(
            request,
            main="claim-open",
            target=f"#claim-{found.ref.pk}",
            swap="outerHTML",
            context=context,
            status=status,
            announce=announce,
            blocks=blocks,
        )
    return page_answer(
        request, found.article, found.access, claims=found.claims, status=status, **context
    )


def _kept_input(post: QueryDict, claim: Claim, user: AbstractBaseUser) -> QueryDict:
    """What the user typed into a claim's form, at the claim's current version.

    Actions inside the open claim (add or remove a source, move it in the workflow) post the
    whole form, so the form can come back as typed even though those actions save only their
    own part; fields the post did not carry keep the stored values.
    """
    data = post.copy()
    for name, value in _editor_initial(claim, user).items():
        if name not in data:
            data[name] = value
    data["version"] = str(claim.version)
    for name in list(data):
        if name.startswith(f"{SOURCES_PREFIX}-"):
            del data[name]
    return data


@login_required
@require_GET
def claim_card(request: HttpRequest, claim_id: int) -> HttpResponse:
    """One claim as the list shows it (closing an open claim); without htmx, the page."""
    found = _find(request, claim_id)
    if not request.htmx:
        return redirect(article_url(found.article, found.ref.pk))
    context = {"article": found.article, "access": found.access, "claim": found.claim}
    return render(request, f"{TEMPLATE}#claim-card", context)


@login_required
@require_http_methods(["GET", "POST"])
def claim_edit(request: HttpRequest, claim_id: int) -> HttpResponse:
    """GET: the claim opened in the panel (a form for those who may change it, the details for
    everyone else). POST: save the form — wording, claimant, your verdict, new sources — at
    the version it was opened with."""
    try:
        found = _find(request, claim_id)
    except Http404:
        if request.method == "POST":
            return _claim_gone(request, claim_id)
        raise
    if request.method == "GET":
        return _show_editor(request, found)

    if not found.can_rate:
        return refused(request, _cannot_change(found))
    form = _editor_form(found, request.POST)
    rows = _editor_rows(found, request.POST)
    if not (form.is_valid() and rows.is_valid()):
        return _show_editor(request, found, form=form, rows=rows, status=400)
    data = form.cleaned_data
    changes: dict[str, Any] = {"rating": data["rating"], "rationale": data["rationale"]}
    if found.can_edit:
        changes |= {
            "claimant": data["claimant"],
            "summary": data["summary"],
            "sources": new_sources(rows),
        }
    try:
        services.claim_revise(
            claim=found.ref, actor=request.user, expected_version=data["version"], **changes
        )
    except ServiceError as error:
        return _editor_failed(request, found, error, form=form, rows=rows)
    return _saved(request, claim_id, "Claim {number} saved.")


def _cannot_change(found: Found) -> ServiceError:
    if found.ref.status == ClaimStatus.PUBLISHED:
        return Conflict(
            "This claim is published and frozen. An editor can correct it, which reopens it.",
            code="published",
        )
    if found.can_rate:
        return Forbidden("Reviewers can change only their own claims; ask an editor.")
    return Forbidden(policies.refusal(policies.CLAIM_WORK))


def _editor_failed(
    request: HttpRequest, found: Found, error: ServiceError, *, form: ClaimForm, rows: Any
) -> HttpResponse:
    """A refused save: the form comes back as typed, with the reason beside it."""
    if isinstance(error, NotFound) and error.code == "deleted":
        return _claim_gone(request, found.ref.pk)
    if error.code == "stale":
        found_version = request.POST.get("version")
        fresh = _find(request, found.ref.pk)
        data = request.POST.copy()
        # Saving again now means "keep my version": the form takes the current version.
        data["version"] = str(fresh.claim.version)
        form = _editor_form(fresh, data)
        rows = _editor_rows(fresh, data)
        notice = _conflict_notice(
            fresh.claim, request, team_id=fresh.article.team_id, stale_version=found_version
        )
        return _show_editor(
            request,
            fresh,
            form=form,
            rows=rows,
            notice=notice,
            status=409,
            announce="Someone else changed this claim. Your text is kept.",
        )
    form.add_error(form.field_for_error(error.field), error.message)
    return _show_editor(
        request,
        found,
        form=form,
        rows=rows,
        status=error.status,
        announce="The claim was not saved: see the messages in the form.",
    )


def _conflict_notice(
    claim: Claim, request: HttpRequest, *, team_id: int, stale_version: Any
) -> dict:
    """Who changed the claim and, field by field, their value beside what was typed
    (conflicts.py), then the claim as it is now."""
    verdicts = ", ".join(
        f"{v.rating.label} ({v.reviewer.get_username()})" for v in claim.shown_verdicts
    )
    notice = conflicts.conflict_notice(
        claim,
        team_id=team_id,
        your_version=stale_version,
        typed=request.POST,
        user_name=request.user.get_username(),
    )
    return {
        **notice,
        "current": [
            ("Claimant", claim.claimant or "—"),
            ("Claim", claim.summary),
            ("Verdicts", verdicts or "none"),
            ("Sources", str(claim.source_count)),
            ("Status", claim.get_status_display()),
        ],
    }


def _claim_gone(request: HttpRequest, claim_id: int) -> HttpResponse:
    """The claim was deleted while the user had it open: keep their input, offer to save it
    as a new claim at the same place."""
    event = queries.claim_deletion(request.user, claim_id)
    if event is None or event.article is None:
        raise Http404("No such claim.")
    article = event.article
    access = access_for(request, article)
    snapshot = queries.deleted_claim_snapshot(article, claim_id) or {}
    claims = load_claims(article, access)
    data = request.POST.copy()
    for name in ("start", "end", "exact", "prefix", "suffix"):
        value = snapshot.get(name)
        data[name] = "" if value is None else str(value)
    ids = f"gone{claim_id}-%s"
    form = _claim_form(article, data, creating=True, auto_id=ids)
    rows = SourceFormSet(
        _moved_rows(request.POST, SOURCES_PREFIX, SourceFormSet.extra),
        prefix=SOURCES_PREFIX,
        auto_id=ids,
    )
    who = event.actor.get_username() if event.actor else "Someone"
    when = event.created_at
    context = {
        "article": article,
        "access": access,
        "gone": {"claim_id": claim_id, "who": who, "when": when},
        **_composer_context(form, rows),
    }
    status = 409
    if request.htmx:
        return htmx_answer(
            request,
            main="claim-gone",
            target=f"#claim-{claim_id}",
            swap="outerHTML",
            context=context,
            status=status,
            announce=f"{who} deleted this claim while you were editing it. Your text is kept.",
        )
    return page_answer(request, article, access, claims=claims, status=status, **context)


def _moved_rows(post: QueryDict, prefix: str, total: int) -> QueryDict:
    """The editor's one new-source row as the first row of the new-claim form."""
    data = QueryDict(mutable=True)
    data[f"{prefix}-TOTAL_FORMS"] = str(total)
    data[f"{prefix}-INITIAL_FORMS"] = "0"
    for field in ("url", "title", "excerpt", "stance"):
        value = post.get(f"{prefix}-0-{field}")
        if value is not None:
            data[f"{prefix}-0-{field}"] = value
    return data


def _saved(request: HttpRequest, claim_id: int, message: str, **extra: Any) -> HttpResponse:
    """After a change to one claim: the claim's card and its text blocks. "{number}" in the
    message becomes the claim's number."""
    found = _find(request, claim_id)
    message = message.replace("{number}", f"#{found.claim.number}")
    if not request.htmx:
        messages.success(request, message)
        return redirect(article_url(found.article, claim_id))
    found.claim.just_saved = True
    context = {"article": found.article, "access": found.access, "claim": found.claim}
    return htmx_answer(
        request,
        main="claim-card",
        target=f"#claim-{claim_id}",
        swap="outerHTML",
        context=context,
        blocks=changed_blocks(found.article, found.claims, [(found.claim.start, found.claim.end)]),
        announce=message,
        **extra,
    )


@login_required
@require_POST
def claim_verdict(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Set (or, with an empty verdict, withdraw) the user's own verdict on a claim."""
    found = _find(request, claim_id)
    if not found.can_rate:
        return refused(request, _cannot_change(found))
    form = _editor_form(found, request.POST)
    if not form.is_valid():
        return _show_editor(request, found, form=form, status=400)
    data = form.cleaned_data
    try:
        services.claim_revise(
            claim=found.ref,
            actor=request.user,
            expected_version=data["version"],
            rating=data["rating"],
            rationale=data["rationale"],
        )
    except ServiceError as error:
        return _editor_failed(request, found, error, form=form, rows=None)
    label = "withdrawn" if not data["rating"] else "saved"
    return _saved(request, claim_id, f"Your verdict on claim {{number}} was {label}.")


@login_required
@require_POST
def claim_source_add(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Add the source typed into the open claim's new-source row; the rest of the form comes
    back as typed (it is saved with "Save claim")."""
    found = _find(request, claim_id)
    if not found.can_edit:
        return refused(request, _cannot_change(found))
    rows = _editor_rows(found, request.POST)
    form = _editor_form(found, request.POST)
    adding = new_sources(rows) if rows.is_valid() else []
    if rows.is_valid() and not adding:
        rows.forms[0].add_error("url", "Give the source's web address (http:// or https://).")
    if not adding:
        return _show_editor(request, found, form=form, rows=rows, status=400)
    try:
        services.claim_revise(
            claim=found.ref,
            actor=request.user,
            expected_version=request.POST.get("version") or None,
            sources=adding,
        )
    except ServiceError as error:
        return _editor_failed(request, found, error, form=form, rows=rows)
    return _after_inside_action(request, claim_id, "Source added.")


def _after_inside_action(
    request: HttpRequest, claim_id: int, message: str, *, blocks: bool = False
) -> HttpResponse:
    """The open claim again, with what was typed kept, after an action inside it. "{number}" in
    the message becomes the claim's number."""
    found = _find(request, claim_id)
    message = message.replace("{number}", f"#{found.claim.number}")
    data = _kept_input(request.POST, found.claim, request.user)
    form = _editor_form(found, data)
    notice = {"kind": "done", "title": message, "text": ""}
    changed = (
        changed_blocks(found.article, found.claims, [(found.claim.start, found.claim.end)])
        if blocks
        else None
    )
    return _show_editor(request, found, form=form, notice=notice, announce=message, blocks=changed)


@login_required
@require_POST
def source_remove(request: HttpRequest, source_id: int) -> HttpResponse:
    source = queries.source_for_user(request.user, source_id)
    found = _find(request, source.claim_id)
    if not found.can_edit:
        return refused(request, _cannot_change(found))
    form = _editor_form(found, request.POST)
    try:
        services.source_remove(
            source=source,
            actor=request.user,
            expected_version=request.POST.get("version") or None,
        )
    except ServiceError as error:
        return _editor_failed(request, found, error, form=form, rows=None)
    title = source.title or source.url
    return _after_inside_action(request, found.ref.pk, f"Source “{title}” removed.")


# The fields of the claim's form that a workflow button posts with it (article_detail.html:
# the buttons are inside the form). Their presence means "save these first".
FORM_FIELDS = ("claimant", "summary", "rating", "rationale")


def _form_changes(found: Found, form: ClaimForm, rows: Any) -> dict[str, Any]:
    """What a valid claim form changes, as claim_revise takes it: the user's verdict always
    (anyone who may rate), the wording and new sources for those who may edit the claim."""
    data = form.cleaned_data
    changes: dict[str, Any] = {"rating": data["rating"], "rationale": data["rationale"]}
    if found.can_edit:
        changes |= {
            "claimant": data["claimant"],
            "summary": data["summary"],
            "sources": new_sources(rows) if rows is not None else [],
        }
    return changes


def _move_extra(post: QueryDict, target: str) -> dict[str, Any]:
    """What a move takes besides its target, the note and the final-verdict pick, as
    claim_transition's keywords: Publish sends the Public URL field (prefilled from the team's
    pattern; emptied, the claim is published without one). Both paths of claim_status pass
    these on."""
    if target == ClaimStatus.PUBLISHED and "public_url" in post:
        return {"public_url": post["public_url"]}
    return {}


@login_required
@require_POST
def claim_status(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Move the claim along the workflow (`to`, with `note` and `final_verdict` when needed).

    Pressed inside the claim's form, the button posts the form too: what was typed is saved
    first, at the version the form was opened with, and the claim moves only if that save
    succeeds — one transaction (services.claim_revise_and_transition). A stale version gets the
    usual conflict answer and an invalid field its error, the form as typed, nothing moved.
    (Publish asks in the page before it drops a changed verdict: workspace.js.)
    """
    found = _find(request, claim_id)
    if not found.access.can_create:
        return refused(request, Forbidden(policies.refusal(policies.CLAIM_WORK)))
    target = request.POST.get("to", "")
    note = request.POST.get("note", "")
    final = request.POST.get("final_verdict") or None
    extra = _move_extra(request.POST, target)
    with_form = found.can_rate and any(name in request.POST for name in FORM_FIELDS)
    # A field the post does not carry keeps its stored value (a post of only a few fields).
    posted = request.POST.copy()
    for name, value in _editor_initial(found.claim, request.user).items():
        if name not in posted:
            posted[name] = value
    form = _editor_form(found, posted)
    posts_rows = f"{SOURCES_PREFIX}-TOTAL_FORMS" in request.POST
    rows = _editor_rows(found, request.POST) if found.can_edit and posts_rows else None
    if with_form and not (form.is_valid() and (rows is None or rows.is_valid())):
        notice = {
            "kind": "error",
            "title": "Nothing was saved and the claim did not move: see the messages below.",
            "text": "",
        }
        return _show_editor(
            request,
            found,
            form=form,
            rows=rows,
            notice=notice,
            status=400,
            announce="The claim was not saved and did not move: see the messages in the form.",
        )
    version_before = found.ref.version
    try:
        if with_form:
            moved = services.claim_revise_and_transition(
                claim=found.ref,
                actor=request.user,
                to=target,
                expected_version=form.cleaned_data["version"],
                changes=_form_changes(found, form, rows),
                note=note,
                final_verdict=final,
                move=extra,
            )
        else:
            # "own": approve with the verdict typed into the form's Verdict and Rationale.
            own = final == services.FINAL_OWN and target == ClaimStatus.APPROVED
            moved = services.claim_transition(
                claim=found.ref,
                actor=request.user,
                to=target,
                note=note,
                final_verdict=int(final) if final and final.isdigit() else None,
                own_rating=(request.POST.get("rating") or "") if own else None,
                own_rationale=request.POST.get("rationale", "") if own else "",
                expected_version=request.POST.get("version") or None,
                **extra,
            )
    except ServiceError as error:
        if error.field in ("note", "final_verdict", "to", "public_url"):
            notice = {"kind": "error", "title": error.message, "text": ""}
            return _show_editor(
                request, found, form=form, rows=rows, notice=notice, status=error.status
            )
        return _editor_failed(request, found, error, form=form, rows=rows)
    label = ClaimStatus(target).label.lower()
    # A move alone adds one version; more means the typed changes were saved first.
    saved = with_form and moved.version > version_before + 1
    verb = "saved and now" if saved else "is now"
    return _after_inside_action(request, claim_id, f"Claim {{number}} {verb} {label}.", blocks=True)


@login_required
@require_POST
def claim_public_url(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Set or change a published claim's public URL (editors), without a correction."""
    found = _find(request, claim_id)
    if not policies.allows(found.access.membership, policies.CLAIM_PUBLIC_URL):
        return refused(request, Forbidden(policies.refusal(policies.CLAIM_PUBLIC_URL)))
    try:
        services.claim_public_url_set(
            claim=found.ref,
            actor=request.user,
            public_url=request.POST.get("public_url", ""),
            expected_version=request.POST.get("version") or None,
        )
    except ServiceError as error:
        if error.code == "stale" or isinstance(error, NotFound):
            return _editor_failed(
                request, found, error, form=_editor_form(found, request.POST), rows=None
            )
        notice = {"kind": "error", "title": error.message, "text": ""}
        data = _kept_input(request.POST, found.claim, request.user)
        return _show_editor(
            request,
            found,
            form=_editor_form(found, data),
            notice=notice,
            status=error.status,
            public_url_typed=request.POST.get("public_url", ""),
        )
    return _after_inside_action(request, claim_id, "Claim {number}: public URL saved.")


# --- deleting and undoing ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def claim_delete(request: HttpRequest, claim_id: int) -> HttpResponse:
    """GET: ask to confirm. POST: delete (at the version confirmed); the answer offers undo."""
    found = _find(request, claim_id)
    if not found.can_edit:
        return refused(request, _cannot_change(found))
    if request.method == "GET":
        return _confirm_delete(request, found)
    claim = found.claim  # its number and place, for the answer
    try:
        services.claim_delete(
            claim=found.ref,
            actor=request.user,
            expected_version=request.POST.get("version") or None,
        )
    except ServiceError as error:
        if error.code == "stale":
            return _confirm_delete(
                request,
                _find(request, claim_id),
                notice="Someone changed this claim since you opened it. Check it, then confirm.",
                status=409,
            )
        return refused(request, error)
    article, access = found.article, found.access
    toast = deleted_toast(article, claim_id, claim.number)
    if not request.htmx:
        # The page says so in its undo toast (`?deleted=`).
        return redirect(f"{article_url(article)}?deleted={claim_id}")
    claims = load_claims(article, access)
    return _list_answer(
        request,
        article,
        access,
        claims,
        claim,
        announce=f"Claim #{claim.number} deleted. Undo is offered for {UNDO_SECONDS} seconds.",
        toast=toast,
    )


def _confirm_delete(
    request: HttpRequest, found: Found, *, notice: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "article": found.article,
        "access": found.access,
        "claim": found.claim,
        "confirm_claim": found.claim,
        "confirm_notice": notice,
    }
    if request.htmx:
        return htmx_answer(
            request,
            main="claim-confirm-delete",
            target=f"#claim-{found.ref.pk}",
            swap="outerHTML",
            context=context,
            status=status,
        )
    return page_answer(
        request, found.article, found.access, claims=found.claims, status=status, **context
    )


@login_required
@require_POST
def claim_restore(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a deletion: `claim` names the deleted claim; it comes back from its snapshot."""
    article = queries.article_for_user(request.user, pk)
    access = access_for(request, article)
    if not access.can_create:
        return refused(request, Forbidden(policies.refusal(policies.CLAIM_WORK)))
    claim_id = request.POST.get("claim", "")
    snapshot = (
        queries.deleted_claim_snapshot(article, int(claim_id)) if claim_id.isdigit() else None
    )
    if snapshot is None:
        return refused(request, NotFound("There is no deleted claim to restore here."))
    try:
        claim = services.claim_restore(article=article, actor=request.user, snapshot=snapshot)
    except ServiceError as error:
        return refused(request, error)
    return _created(request, article, access, claim, verb="restored", clear_composer=False)


# --- what the page fetches after an Event ---------------------------------------------------


@login_required
@require_GET
def article_live_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """The claim list as it is now, with the article text (its highlights) and the claim count
    out of band, for htmx to put in place after a live Event. GET parameters filter the list
    as on the page."""
    article = queries.article_for_user(request.user, pk)
    access = access_for(request, article)
    claims = load_claims(article, access)
    context = list_context(request, article, access, claims, from_page_url=False)
    text = groups_html(layout(article.text, article.blocks, claims, links=article.links))
    listing = render_to_string(f"{TEMPLATE}#claim-list", context, request=request)
    body = (
        f"{listing}"
        f'<div id="article-text" hx-swap-oob="innerHTML">{text}</div>'
        f'<span id="claim-count" class="count" hx-swap-oob="true">{len(claims)}</span>'
    )
    response = HttpResponse(body)
    response["Cache-Control"] = "no-store"
    return response
