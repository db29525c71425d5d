"""Managing an article from its page: edit its details, archive, restore, delete (articles.py).

Every view finds the article through a team-scoped query (outsiders get 404) and lets the
service check the role (a lesser role gets 403 with the reason). Plain forms, answered with a
redirect, or with the form, its errors and everything typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from annotations import policies, queries, services
from annotations.errors import ServiceError
from annotations.models import Article
from annotations.pages.forms import PageForm
from annotations.pages.responses import refused

EDIT_TEMPLATE = "annotations/articles/article_edit.html"
DELETE_TEMPLATE = "annotations/articles/article_delete.html"


class ArticleMetadataForm(PageForm):
    """An article's details, with hidden copies of the values shown (`seen_*`), so that a
    change someone else made meanwhile is noticed instead of overwritten."""

    title = forms.CharField(label="Title", max_length=500)
    url = forms.CharField(
        label="Original URL",
        required=False,
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text="Where the article was published (http:// or https://).",
    )
    publisher = forms.CharField(label="Publisher", required=False, max_length=200)
    author = forms.CharField(label="Author", required=False, max_length=300)
    published_at = forms.DateField(
        label="Published date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The day the article appeared (YYYY-MM-DD).",
    )
    language = forms.CharField(
        label="Language",
        required=False,
        max_length=16,
        help_text="A language code: en, uk, pt-BR…",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in services.METADATA_FIELDS:
            self.fields[f"seen_{name}"] = forms.CharField(required=False, widget=forms.HiddenInput)

    @classmethod
    def for_article(cls, article: Article) -> ArticleMetadataForm:
        values = {name: getattr(article, name) for name in services.METADATA_FIELDS}
        seen = {f"seen_{name}": _as_text(value) for name, value in values.items()}
        return cls(initial={**values, **seen})

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in services.METADATA_FIELDS}

    def seen(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data.get(f"seen_{name}") or ""
            for name in services.METADATA_FIELDS
            if f"seen_{name}" in self.data
        }

    def show_current(self, article: Article) -> None:
        """After a conflict: keep what was typed, and take the current values as the ones seen,
        so that saving again replaces them."""
        data = self.data.copy()
        for name in services.METADATA_FIELDS:
            data[f"seen_{name}"] = _as_text(getattr(article, name))
        self.data = data


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _refuse_below(request: HttpRequest, article: Article, action: str) -> HttpResponse | None:
    """The 403 a lesser role gets before any form is read (the same words as the service's)."""
    try:
        services.require(request.user, article.team, action)
    except ServiceError as error:
        return refused(request, error)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the article's title, original URL, publisher, author, date and language."""
    article = queries.article_for_user(request.user, pk)
    if refusal := _refuse_below(request, article, policies.ARTICLE_MANAGE):
        return refusal
    if request.method != "POST":
        form = ArticleMetadataForm.for_article(article)
        return render(request, EDIT_TEMPLATE, {"article": article, "form": form})
    form = ArticleMetadataForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.article_update(
                actor=request.user, article=article, expected=form.seen(), **form.values()
            )
        except ServiceError as error:
            if error.status in (403, 404):
                return refused(request, error)
            status = error.status
            if error.code == "stale":
                article.refresh_from_db()
                form.show_current(article)
            field = error.field if error.field in services.METADATA_FIELDS else None
            form.add_error(field, error.message)
        else:
            messages.success(request, "Saved the article's details.")
            return redirect("article_detail", pk=article.pk)
    return render(request, EDIT_TEMPLATE, {"article": article, "form": form}, status=status)


@login_required
@require_POST
def article_archive(request: HttpRequest, pk: int) -> HttpResponse:
    return _archive_or_restore(
        request,
        pk,
        services.article_archive,
        "Archived “{title}”. It is no longer in the article list or anyone's queue; find it "
        "under Archived. Its claims are kept.",
    )


@login_required
@require_POST
def article_restore(request: HttpRequest, pk: int) -> HttpResponse:
    return _archive_or_restore(
        request,
        pk,
        services.article_restore,
        "Restored “{title}”: it is back in the article list.",
    )


def _archive_or_restore(
    request: HttpRequest, pk: int, service: Callable[..., Any], done: str
) -> HttpResponse:
    """Archive or restore (editors and up), then back to the article page; a refusal such as
    "already archived" is a message there, `done` (with the article's {title}) the success."""
    article = queries.article_for_user(request.user, pk)
    if refusal := _refuse_below(request, article, policies.ARTICLE_MANAGE):
        return refusal
    try:
        service(actor=request.user, article=article)
    except ServiceError as error:
        messages.info(request, error.message)
    else:
        messages.success(request, done.format(title=article.title))
    return redirect("article_detail", pk=article.pk)


@login_required
@require_http_methods(["GET", "POST"])
def article_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET names what goes with the article; POST deletes it for good (admins)."""
    article = queries.article_for_user(request.user, pk)
    if refusal := _refuse_below(request, article, policies.ARTICLE_DELETE):
        return refusal
    if request.method != "POST":
        contents = services.article_contents(article)
        context = {"article": article, "contents": contents}
        return render(request, DELETE_TEMPLATE, context)
    title, team = article.title, article.team
    contents = services.article_delete(actor=request.user, article=article)
    messages.success(
        request,
        f"Deleted “{title}” with {contents.in_words()}. The record of it stays in the "
        f"activity of {team.name}.",
    )
    return redirect(reverse("article_list"))
