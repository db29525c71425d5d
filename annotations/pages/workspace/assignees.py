"""The Assignees sections of the article page and of an open claim: who has the work, the form
that gives it to a member (editors and up), and each assignment's due date."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse

from annotations import queries, services
from annotations.models import Article, Claim
from annotations.pages.forms import PageForm
from annotations.pages.workspace.cards import Access


class AssignForm(PageForm):
    user = forms.ChoiceField(label="Reviewer")
    due_on = forms.DateField(
        label="Due date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Optional.",
    )

    def __init__(self, *args: Any, people: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Choose a person…"), *people]


def _people(article: Article) -> list[tuple[str, str]]:
    rows = []
    for membership in services.assignable_members(article.team):
        name = membership.user.get_username()
        full = membership.user.get_full_name()
        role = membership.get_role_display().lower()
        rows.append((name, f"{full} ({name}, {role})" if full else f"{name} ({role})"))
    return rows


def assign_form(article: Article, data: Any = None, *, ids: str) -> AssignForm:
    return AssignForm(data, people=_people(article), auto_id=ids)


# --- what the article page shows (called by workspace.py) ----------------------------------------


def article_panel(
    article: Article, access: Access, *, form: AssignForm | None = None, notice: dict | None = None
) -> dict[str, Any]:
    """The article's Assignees block (the page's `assignees` partial, like a claim's): who,
    with due dates; for editors the form."""
    return _panel(
        article,
        access,
        rows=queries.article_assignments(article),
        claim_id=None,
        section_id="assignees",
        ids="assign-%s",
        urls=("article", article.pk),
        form=form,
        notice=notice,
    )


def claim_panel(
    claim: Claim | Any,
    article: Article,
    access: Access,
    *,
    form: AssignForm | None = None,
    notice: dict | None = None,
) -> dict[str, Any]:
    """An open claim's assignees and, for editors, the compact "Assign claim" form."""
    return _panel(
        article,
        access,
        rows=queries.claim_assignments(claim.pk),
        claim_id=claim.pk,
        section_id=f"claim-{claim.pk}-assignees",
        ids=f"c{claim.pk}-assign-%s",
        urls=("claim", claim.pk),
        form=form,
        notice=notice,
    )


def _panel(
    article: Article,
    access: Access,
    *,
    rows: Any,
    claim_id: int | None,
    section_id: str,
    ids: str,
    urls: tuple[str, int],
    form: AssignForm | None,
    notice: dict | None,
) -> dict[str, Any]:
    """The `assignees` partial's context; `urls` names the assign/unassign routes' prefix and
    argument ("article" or "claim")."""
    can_assign = access.is_editor and article.archived_at is None  # archived: no new work
    if can_assign and form is None:
        form = assign_form(article, ids=ids)
    prefix, pk = urls
    return {
        "claim_id": claim_id,
        "section_id": section_id,
        "assign_url": reverse(f"{prefix}_assign", args=[pk]),
        "unassign_url": reverse(f"{prefix}_unassign", args=[pk]),
        "rows": queries.mark_overdue(list(rows)),
        "can_assign": can_assign,
        "form": form,
        "notice": notice,
    }
