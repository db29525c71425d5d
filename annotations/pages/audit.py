"""Pages of the audit trail: a claim's history (a full page, and the list the claim panel's
"History" section loads when opened) and a team's activity feed with filters.

Reads only: every member of the team sees them (viewers included); anyone else gets 404. A
deleted claim's history stays readable: its events keep the claim's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from annotations import policies, queries
from annotations.models import Article, Claim, Event, Membership, Team
from annotations.pages.forms import PageForm
from annotations.queries import audit

ACTIVITY_PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 50
# The claim panel shows the latest few events and links to the full page.
PANEL_SIZE = 10


# --- claim history ------------------------------------------------------------------------------


@dataclass
class HistorySubject:
    """The claim a history is about, alive or deleted, and where it lives."""

    claim_id: int
    team: Team
    article: Article | None
    claim: Claim | None  # None: deleted
    summary: str
    number: int | None = None  # its number in the team (#123); None for one deleted before


def history_subject(user: AbstractBaseUser, claim_id: int) -> HistorySubject:
    """The claim (or what its events remember of it) if it is in one of the user's teams."""
    claim = (
        Claim.objects.filter(pk=claim_id, article__team__memberships__user=user)
        .select_related("article__team")
        .defer("article__text", "article__blocks")
        .first()
    )
    if claim is not None:
        return HistorySubject(
            claim_id, claim.article.team, claim.article, claim, claim.summary, claim.number
        )
    # Deleted: its last event (the deletion) names the team and article and remembers it.
    last = (
        Event.objects.filter(claim_id=claim_id, team__memberships__user=user)
        .select_related("team", "article")
        .defer("article__text", "article__blocks")
        .order_by("-id")
        .first()
    )
    if last is None:
        raise Http404("No such claim.")
    summary = ""
    for name in ("summary", "exact"):
        values = (last.changes or {}).get(name)
        if isinstance(values, list) and values and values[0]:
            summary = str(values[0])
            break
    article = last.article if last.article_id else None
    number = audit.claim_numbers([claim_id]).get(claim_id)
    return HistorySubject(claim_id, last.team, article, None, summary, number)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def claim_history(request: HttpRequest, claim_id: int) -> HttpResponse:
    subject = history_subject(request.user, claim_id)
    events = audit.team_events(subject.team.pk).filter(claim_id=claim_id)
    template = "annotations/audit/claim_history.html"
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        # The claim panel's History section, loaded when it is opened.
        page = audit.keyset_page(events, before=None, size=PANEL_SIZE)
        context = {"subject": subject, "entries": audit.present(page.items), "page": page}
        return render(request, template + "#history-panel", context)
    before = audit.parse_before(request.GET.get("before"))
    page = audit.keyset_page(events, before=before, size=HISTORY_PAGE_SIZE)
    context = {
        "subject": subject,
        "entries": audit.present(page.items),
        "page": page,
        "older_url": f"?before={page.older_than}" if page.older_than else "",
    }
    return render(request, template, context)


# --- team activity ------------------------------------------------------------------------------


class ActivityFilterForm(PageForm):
    """The activity feed's filters (GET parameters; every field optional)."""

    actor = forms.ModelChoiceField(
        label="Who",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Anyone",
        to_field_name="username",
    )
    article = forms.ModelChoiceField(
        label="Article", queryset=Article.objects.none(), required=False, empty_label="Any article"
    )
    kind = forms.ChoiceField(
        label="Kind of change", required=False, choices=[("", "Any change"), *audit.KIND_CHOICES]
    )
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = get_user_model().objects
        acted = Event.objects.filter(team=team, actor=OuterRef("pk"))
        # Members, and people who left but whose work is in the log.
        self.fields["actor"].queryset = users.filter(
            Q(Exists(Membership.objects.filter(team=team, user=OuterRef("pk")))) | Q(Exists(acted))
        ).order_by("username")
        self.fields["article"].queryset = (
            Article.objects.filter(team=team).only("id", "title").order_by("title", "id")
        )
        self.fields["article"].label_from_instance = lambda article: (
            article.title or (f"Article {article.pk}")
        )

    def filters(self) -> dict[str, Any]:
        """The valid filters; an invalid value (an unknown user, a bad date) is ignored."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: value for name, value in data.items() if value not in (None, "")}


def can_export_audit(membership: Membership) -> bool:
    """The audit export names everyone's every change: editors and admins only."""
    return policies.allows(membership, policies.AUDIT_EXPORT)


@login_required
@require_GET
def team_activity(request: HttpRequest, slug: str) -> HttpResponse:
    membership = queries.membership_for_user(request.user, slug)
    team = membership.team
    form = ActivityFilterForm(request.GET or None, team=team)
    chosen = form.filters()
    events = audit.filter_events(audit.team_events(team.pk), **chosen)
    before = audit.parse_before(request.GET.get("before"))
    page = audit.keyset_page(events, before=before, size=ACTIVITY_PAGE_SIZE)
    entries = audit.present(page.items)
    numbers = audit.claim_numbers(entry.event.claim_id for entry in entries)
    for entry in entries:
        entry.claim_number = numbers.get(entry.event.claim_id)
    filter_query = {
        name: request.GET[name] for name in form.fields if request.GET.get(name) and name in chosen
    }
    older_url = (
        "?" + urlencode({**filter_query, "before": page.older_than}) if page.older_than else ""
    )
    export_query = {
        key: value
        for key, value in (
            ("since", chosen.get("since")),
            ("until", chosen.get("until")),
        )
        if value
    }
    context = {
        "team": team,
        "membership": membership,
        "form": form,
        "filtering": bool(chosen),
        "entries": entries,
        "page": page,
        "older_url": older_url,
        "newest_url": "?" + urlencode(filter_query) if filter_query else "?",
        "can_export": can_export_audit(membership),
        "export_query": urlencode({k: v.isoformat() for k, v in export_query.items()}),
    }
    return render(request, "annotations/audit/team_activity.html", context)
