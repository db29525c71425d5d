"""Importing articles from the browser: one article (pasted, uploaded or from a URL) with a preview
before saving, and many files at once, each imported on its own so one bad file loses nothing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import RequestDataTooBig
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from annotations import queries, services
from annotations.errors import NotAnArticle, ServiceError
from annotations.lib import ingest
from annotations.lib.text import human_size
from annotations.models import Article, Role, Team
from annotations.pages import session
from annotations.pages.forms import (
    ArticleImportForm,
    BulkImportForm,
    ImportItemForm,
)

logger = logging.getLogger(__name__)


def importable_teams(user: AbstractBaseUser) -> QuerySet[Team]:
    """The teams where the user may import articles (reviewer or higher)."""
    if not user.is_authenticated:
        return Team.objects.none()
    roles = [role for role in Role.values if Role.rank(role) >= Role.rank(Role.REVIEWER)]
    return Team.objects.filter(memberships__user=user, memberships__role__in=roles)


def import_link(request: HttpRequest) -> dict[str, object]:
    """Context processor: `can_import`, whether the header offers Import (one query, when shown)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can_import": False}
    return {"can_import": SimpleLazyObject(lambda: importable_teams(user).exists())}


# --- import ----------------------------------------------------------------------------------


def _reads_body_first(view: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Answer a form body over DATA_UPLOAD_MAX_MEMORY_SIZE with the page and a 413.

    Django raises RequestDataTooBig while the CSRF check reads the body, which ends as a bare
    400. So the CSRF check is done here instead, after reading the body ourselves.
    """
    protected = csrf_protect(view)

    @csrf_exempt  # the check is `protected`, right below
    @functools.wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 - parse the body now, to catch its size
            except RequestDataTooBig:
                return _import_too_large(request)
        return protected(request)

    return wrapper


def _import_too_large(request: HttpRequest) -> HttpResponse:
    teams = importable_teams(request.user)
    if not teams.exists():
        return _cannot_import(request)
    form = ArticleImportForm(teams=teams)
    limit = human_size(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    message = (
        f"What you sent is larger than the {limit} a form may carry, so nothing was "
        "imported. Upload the article as a file, or import it from its web address."
    )
    context = {"form": form, "too_large": message}
    return render(request, "annotations/articles/article_import.html", context, status=413)


@login_required
@_reads_body_first
@require_http_methods(["GET", "POST"])
def article_import(request: HttpRequest) -> HttpResponse:
    """Import one article into one of the user's teams, from text, HTML, a file or a URL."""
    teams = importable_teams(request.user)
    if not teams.exists():
        return _cannot_import(request)

    if request.method != "POST":
        current = session.session_team(request)
        if current is None or not teams.filter(pk=current.pk).exists():
            current = teams.order_by("name").first()
        form = ArticleImportForm(teams=teams, initial={"team": current})
        return render(request, "annotations/articles/article_import.html", _import_context(form))

    form = ArticleImportForm(request.POST, request.FILES, teams=teams)
    if not form.is_valid():
        return render(
            request, "annotations/articles/article_import.html", _import_context(form), status=400
        )
    try:
        result = services.article_import(actor=request.user, **form.service_input())
    except NotAnArticle as doubt:
        # Show what was extracted and ask; every input comes back. A file cannot be sent back
        # to the browser, so an uploaded page returns as pasted HTML.
        data = request.POST.copy()
        upload = form.cleaned_data.get("file")
        if form.cleaned_data["source"] == "file" and upload is not None:
            upload.seek(0)
            data["source"] = "html"
            data["html"] = ingest.decode_html(upload.read())
        form = ArticleImportForm(data, teams=teams)
        form.is_valid()
        context = _import_context(form) | {"doubt": doubt}
        return render(request, "annotations/articles/article_import.html", context, status=422)
    except ServiceError as error:
        form.add_error(form.field_for_error(error.field), error.message)
        return render(
            request,
            "annotations/articles/article_import.html",
            _import_context(form),
            status=error.status,
        )
    if result.created:
        messages.success(request, result.message)
    else:
        messages.info(request, result.message)
    return redirect("article_detail", pk=result.article.pk)


def _cannot_import(request: HttpRequest) -> HttpResponse:
    """The import page for someone whose roles allow no imports: why, with a 403."""
    memberships = queries.teams_for(request.user).order_by("name")
    context = {"teams": memberships}
    return render(request, "annotations/articles/article_import.html", context, status=403)


def _import_context(form: ArticleImportForm, bulk: BulkImportForm | None = None) -> dict:
    if bulk is None:
        bulk = BulkImportForm(teams=form.fields["team"].queryset, initial=form.initial)
    return {
        "form": form,
        "bulk": bulk,
        "batch_max": settings.FACTCHECK_IMPORT_BATCH_MAX,
    }


# --- several at once -------------------------------------------------------------------------

# An uploaded page found not to be an article is sent back inside its row's "Import anyway"
# form as HTML, up to this size; a larger one is uploaded again with the batch's checkbox.
RETRY_HTML_MAX = 1024 * 1024


@dataclass
class ImportRow:
    """One item of a batch and what became of it (the results list shows these)."""

    name: str
    kind: str  # "file" or "url"
    state: str = "pending"  # imported, existing, revised, failed, not_article
    message: str = ""
    article: Article | None = None
    reasons: list[str] = field(default_factory=list)
    preview: dict = field(default_factory=dict)
    retry_url: str = ""
    retry_html: str = ""


def _import_one(
    user: AbstractBaseUser,
    team: Team,
    row: ImportRow,
    *,
    data: bytes | None = None,
    url: str = "",
    html: str = "",
    force: bool = False,
) -> ImportRow:
    """Import one item in its own transaction; whatever happens is written on its row."""
    try:
        if row.kind == "url":
            result = services.article_import(team=team, actor=user, url=url, force=force)
        elif html:
            result = services.article_import(team=team, actor=user, html=html, force=force)
        else:
            result = services.article_import(
                team=team, actor=user, file_name=row.name, file_data=data or b"", force=force
            )
    except NotAnArticle as doubt:
        row.state, row.message = "not_article", doubt.message
        row.reasons, row.preview = doubt.reasons, doubt.preview
        if row.kind == "url":
            row.retry_url = url
        elif html:
            row.retry_html = html
        elif data is not None and len(data) <= RETRY_HTML_MAX:
            row.retry_html = ingest.decode_html(data)
        return row
    except ServiceError as error:
        row.state, row.message = "failed", error.message
        return row
    except Exception:  # one broken item must not stop the others
        logger.exception("import of %s failed", row.name)
        row.state, row.message = "failed", "An unexpected error stopped this item."
        return row
    row.article = result.article
    row.state = "imported" if result.created else "existing"
    row.message = result.message
    return row


def _import_page(request: HttpRequest, teams: QuerySet[Team], **context: object) -> dict:
    current = session.session_team(request)
    if current is None or not teams.filter(pk=current.pk).exists():
        current = teams.order_by("name").first()
    form = ArticleImportForm(teams=teams, initial={"team": current})
    return _import_context(form) | context


@login_required
@require_http_methods(["POST"])
def article_import_batch(request: HttpRequest) -> HttpResponse:
    """Several files and web addresses at once, each imported on its own, then the results.

    This is the page without JavaScript: one request does every item in turn. With it, the
    page's script sends the items one by one to article_import_item and shows each result
    as it comes.
    """
    teams = importable_teams(request.user)
    if not teams.exists():
        return _cannot_import(request)
    bulk = BulkImportForm(request.POST, request.FILES, teams=teams)
    template = "annotations/articles/article_import.html"
    if not bulk.is_valid():
        context = _import_page(request, teams) | {"bulk": bulk, "bulk_open": True}
        return render(request, template, context, status=400)
    team = bulk.cleaned_data["team"]
    force = bulk.cleaned_data["force"]
    rows: list[ImportRow] = []
    for upload in bulk.cleaned_data["files"]:
        row = ImportRow(name=upload.name, kind="file")
        if upload.size > settings.FACTCHECK_MAX_UPLOAD_BYTES:
            limit = human_size(settings.FACTCHECK_MAX_UPLOAD_BYTES)
            row.state, row.message = "failed", f"The file is larger than the {limit} limit."
        else:
            _import_one(request.user, team, row, data=upload.read(), force=force)
        rows.append(row)
    for address in bulk.url_list():
        rows.append(
            _import_one(request.user, team, ImportRow(address, "url"), url=address, force=force)
        )
    context = _import_page(request, teams) | {"rows": rows, "batch_team": team, "bulk": bulk}
    return render(request, template, context)


@login_required
@_reads_body_first
@require_http_methods(["POST"])
def article_import_item(request: HttpRequest) -> HttpResponse:
    """One item: the page's script posts each item of a batch here and shows the row it gets
    back; "Import anyway" posts here too. Without htmx the answer is the import page."""
    teams = importable_teams(request.user)
    if not teams.exists():
        return _cannot_import(request)
    form = ImportItemForm(request.POST, request.FILES, teams=teams)
    if not form.is_valid():
        row = ImportRow(name=request.POST.get("name", "") or "Item", kind="file", state="failed")
        row.message = " ".join(form.errors.get("__all__", [])) or " ".join(
            f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()
        )
        status = 400
    else:
        data = form.cleaned_data
        upload = data.get("file")
        if data.get("url"):
            row = ImportRow(name=data["url"].strip(), kind="url")
            _import_one(request.user, data["team"], row, url=row.name, force=data["force"])
        elif upload is not None and upload.size > settings.FACTCHECK_MAX_UPLOAD_BYTES:
            limit = human_size(settings.FACTCHECK_MAX_UPLOAD_BYTES)
            row = ImportRow(
                upload.name, "file", "failed", f"The file is larger than the {limit} limit."
            )
        elif upload is not None:
            row = ImportRow(name=upload.name, kind="file")
            _import_one(request.user, data["team"], row, data=upload.read(), force=data["force"])
        else:
            row = ImportRow(name=data.get("name") or "Pasted page", kind="file")
            _import_one(request.user, data["team"], row, html=data["html"], force=data["force"])
        status = 200
    context = {"row": row, "batch_team": form.cleaned_data.get("team") if form.is_valid() else None}
    if request.htmx:
        return render(
            request, "annotations/articles/article_import.html#import-row", context, status=status
        )
    page = _import_page(request, teams) | {"rows": [row], "batch_team": context["batch_team"]}
    return render(request, "annotations/articles/article_import.html", page, status=status)
