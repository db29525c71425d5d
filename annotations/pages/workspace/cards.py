"""What the review page shows about an article's claims: who may do what with each, how each
is described (verdict in words and colour, number, links), the list's cards, and its filters.

Everything here works on the rows of queries.claims_for_workspace and makes no queries of its
own beyond those, so the page's query count does not grow with its claims.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, QueryDict
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from annotations import policies, queries, services
from annotations.errors import ServiceError
from annotations.lib import anchoring
from annotations.lib.text import shorten
from annotations.models import Article, Claim, ClaimStatus, Membership
from annotations.pages.forms import ClaimFilterForm
from annotations.pages.ratings import rating_class
from annotations.pages.workspace import workflow

# How long the page offers to undo a deletion (the toast); the server allows it later too.
UNDO_SECONDS = 10
# The default scale's slugs have a colour class in app.css; any other slug gets a neutral one.
FILTER_SELECTS = ("status", "verdict", "claimant", "reviewer")


# --- who may do what ---------------------------------------------------------------------------


@dataclass
class Access:
    """The user's membership in the article's team, and what it allows on this page."""

    user: AbstractBaseUser
    membership: Membership

    def __post_init__(self) -> None:
        # Asked once per claim on a page of hundreds: worked out once.
        self.can_create = policies.allows(self.membership, policies.CLAIM_WORK)
        self.is_editor = policies.allows(self.membership, policies.CLAIM_REVIEW)
        self.user_id = self.user.pk

    def can_edit(self, claim: Claim) -> bool:
        """Mirrors _base._require_claim_editor plus the freeze of published claims."""
        status = claim.status
        if status == "published" or not self.can_create:
            return False
        return self.is_editor or (
            claim.created_by_id == self.user_id and status in ("draft", "in_review")
        )

    def can_rate(self, claim: Claim) -> bool:
        return self.can_create and claim.status != "published"

    def transitions(self, claim: Claim) -> list[workflow.Move]:
        """The workflow moves this user may make on this claim (see services.TRANSITIONS);
        each has `to`, `kind` and `label` (workflow.moves)."""
        return workflow.moves(self.membership, self.user_id, claim)


def access_for(request: HttpRequest, article: Article) -> Access:
    membership = services.membership_for(request.user, article.team)
    if membership is None:  # article_for_user already checked; a membership removed since
        raise Http404("No such article.")
    return Access(user=request.user, membership=membership)


def selector_message(error: ServiceError, text: str, exact: str) -> str:
    """A refused quote in the page's words: what to do on the page, not the API's fields.

    The services word an ambiguous quote for API clients (prefix/suffix context, offsets); on
    the page the fix is to select the passage in the text, or to type a longer quote.
    """
    if error.code != "ambiguous_quote":
        return error.message
    times = len(anchoring.find_all(text, exact)) if exact else 0
    where = f"occurs {times} times" if times > 1 else "occurs more than once"
    return (
        f"This quote {where} in the article. Select the passage in the text instead, or type "
        "a longer quote, so it is clear which one you mean."
    )


# --- what the page shows about each claim -------------------------------------------------------


def _describe(claim: queries.ClaimRow, position: int, access: Access) -> None:
    """Set what the page shows about a claim, from the prefetched rows only (no queries).

    The approved (final) verdict wins; otherwise the reviewers' current verdicts, coloured
    when they agree and neutral when they differ or there are none. Colour is never the only
    cue: `verdict_label` says the same in words.
    """
    # Its place in the list (text order): a reading aid only. People cite `claim.number`,
    # the permanent number in the team (#123), which no edit, move or restore changes.
    claim.position = position
    current = claim.current_verdicts
    claim.shown_verdicts = current
    for verdict in current:
        verdict.css_class = rating_class(verdict.rating.slug, verdict.rating.pk)
    if claim.final_rating is not None:
        claim.final_rating.css_class = rating_class(claim.final_rating.slug, claim.final_rating.pk)
        claim.mark_class = claim.final_rating.css_class
        claim.verdict_state = "approved"
        claim.verdict_label = claim.final_rating.label
    else:
        labels = {verdict.rating.slug: verdict.rating.label for verdict in current}
        if len(labels) == 1:
            slug, label = labels.popitem()
            claim.mark_class = current[0].css_class
            claim.verdict_state = "proposed"
            claim.verdict_label = label
        else:
            claim.mark_class = "verdict-split" if labels else "verdict-none"
            claim.verdict_state = "split" if labels else "none"
            claim.verdict_label = "Verdicts differ" if labels else "No verdict yet"
    claim.source_count = claim.source_total
    claim.can_edit = access.can_edit(claim)
    claim.can_rate = access.can_rate(claim)
    who = f" by {claim.claimant}" if claim.claimant else ""
    claim.ref_label = f"Claim #{claim.number}{who}: {claim.verdict_label}"
    claim.reviewer_ids = {claim.created_by_id} | {v.reviewer_id for v in current}
    claim.edit_url = edit_url(claim.pk)
    claim.just_saved = False
    claim.panel_mode = ""
    claim.card = functools.partial(_card_html, claim)


# The list's cards are written here rather than in the template: a panel of 500 claims costs
# about 0.6 ms per card through the template engine, and 10 µs this way. The open claim and
# its forms stay in the template (article_detail.html), where there is only one of them.
STATUS_LABELS = dict(ClaimStatus.choices)
STATE_NOTES = {
    "approved": ' <span class="hint">(approved)</span>',
    "proposed": ' <span class="hint">(proposed)</span>',
}


ANCHOR_BADGES = {
    "fuzzy": '<p class="claim-card__anchor"><span class="badge badge--fuzzy">Fuzzy match</span> '
    '<span class="hint">Re-placed after a text change: confirm it.</span></p>',
    "orphaned": '<p class="claim-card__anchor"><span class="badge badge--orphaned">Orphaned</span> '
    '<span class="hint">Not found in the current text.</span></p>',
}


def _card_html(claim: Claim) -> SafeString:
    """A claim as the list shows it: number, status, quote, claimant, verdict, sources."""
    pk = claim.pk
    selected = claim.just_saved
    classes = f"claim-card claim-card--{claim.mark_class}" + (" is-current" if selected else "")
    claimant = (
        escape(claim.claimant) if claim.claimant else '<span class="hint">Claimant not given</span>'
    )
    count = claim.source_count
    fuzzy = ANCHOR_BADGES.get(claim.anchor, "")
    url = claim.edit_url
    quote = shorten(claim.exact, 240, collapse_spaces=False)
    return mark_safe(  # noqa: S308 - every value from the database is escaped here
        f'<li id="claim-{pk}" class="{classes}" data-claim="{pk}" tabindex="-1"'
        f"{' data-focus-after-swap' if selected else ''}>"
        '<div class="claim-card__head">'
        f'<a class="claim-card__title" href="{url}" hx-get="{url}" hx-target="#claim-{pk}" '
        f'hx-swap="outerHTML" data-open-claim>Claim #{claim.number}</a>'
        f'<span class="status status--{claim.status}">'
        f"{escape(STATUS_LABELS.get(claim.status, claim.status))}</span></div>"
        f'<blockquote class="claim-card__quote">{escape(quote)}</blockquote>'
        f'<p class="claim-card__facts"><span class="claim-card__claimant">{claimant}</span> '
        f'<span class="verdict"><span class="swatch {claim.mark_class}" aria-hidden="true">'
        f"</span>{escape(claim.verdict_label)}{STATE_NOTES.get(claim.verdict_state, '')}</span> "
        f'<span class="claim-card__sources">{count} source{"" if count == 1 else "s"}</span>'
        f"{_comment_count_html(claim)}"
        f"</p>{fuzzy}{workflow.public_url_html(claim)}{workflow.correction_html(claim)}"
        "</li>"
    )


def _comment_count_html(claim: Claim) -> str:
    total = getattr(claim, "comment_total", 0)
    if not total:
        return ""
    return f' <span class="claim-card__comments">{total} comment{"" if total == 1 else "s"}</span>'


def edit_url(claim_id: int) -> str:
    """reverse() once, then fill in ids: the list renders hundreds of these links."""
    global _EDIT_URL_PATTERN
    if _EDIT_URL_PATTERN is None:
        _EDIT_URL_PATTERN = reverse("claim_edit", args=[987654321]).replace("987654321", "{}")
    return _EDIT_URL_PATTERN.format(claim_id)


_EDIT_URL_PATTERN: str | None = None


def load_claims(article: Article, access: Access) -> list[Claim]:
    """Every claim of the article in list order (text order, orphans last), described."""
    claims = queries.claims_for_workspace(article)
    anchored = sorted(
        (c for c in claims if c.start is not None), key=lambda c: (c.start, c.end, c.pk)
    )
    ordered = anchored + [c for c in claims if c.start is None]
    for position, claim in enumerate(ordered, start=1):
        _describe(claim, position, access)
    return ordered


def filter_ratings(article: Article, claims: Iterable[Claim]) -> list[tuple[str, str]]:
    """The team's active ratings, plus retired ones still in use here (for the filter)."""
    ratings = [(r.slug, r.label) for r in queries.active_ratings(article.team)]
    known = {slug for slug, _ in ratings}
    for claim in claims:
        for verdict in claim.shown_verdicts:
            if verdict.rating.slug not in known:
                known.add(verdict.rating.slug)
                ratings.append((verdict.rating.slug, f"{verdict.rating.label} (retired)"))
    return ratings


# --- filters --------------------------------------------------------------------------------------


def _filter_data(request: HttpRequest, *, from_page_url: bool) -> QueryDict:
    """The panel's filters: the GET parameters of the page, or of the page an htmx request
    came from (so a change re-renders the list as the user has it filtered)."""
    if not from_page_url:
        return request.GET
    current = request.htmx.current_url if request.htmx else None
    return QueryDict(urlsplit(current).query if current else "")


def _filter_form(
    data: QueryDict, claims: list[Claim], ratings: list[tuple[str, str]]
) -> ClaimFilterForm:
    claimants = sorted({c.claimant for c in claims if c.claimant}, key=str.casefold)
    people: dict[int, str] = {}
    for claim in claims:
        if claim.created_by_id:
            people[claim.created_by_id] = claim.created_by.get_username()
        for verdict in claim.shown_verdicts:
            people[verdict.reviewer_id] = verdict.reviewer.get_username()
    reviewers = sorted(((str(pk), name) for pk, name in people.items()), key=lambda p: p[1])
    present = {name: data[name] for name in ClaimFilterForm.FIELDS if data.get(name)}
    return ClaimFilterForm(
        present or None, ratings=ratings, claimants=claimants, reviewers=reviewers
    )


def _matches(claim: Claim, chosen: dict[str, str]) -> bool:
    if chosen.get("status") and claim.status != chosen["status"]:
        return False
    verdict = chosen.get("verdict")
    if verdict:
        slugs = {v.rating.slug for v in claim.shown_verdicts}
        if claim.final_rating is not None:
            slugs = {claim.final_rating.slug}
        if (verdict == "none" and slugs) or (verdict != "none" and verdict not in slugs):
            return False
    if chosen.get("claimant") and claim.claimant != chosen["claimant"]:
        return False
    if chosen.get("reviewer") and int(chosen["reviewer"]) not in claim.reviewer_ids:
        return False
    words = chosen.get("q", "").casefold().split()
    if words:
        haystack = " ".join([claim.exact, claim.summary, claim.claimant]).casefold()
        if not all(word in haystack for word in words):
            return False
    return True


# --- building the page and its fragments ---------------------------------------------------------


def list_context(
    request: HttpRequest,
    article: Article,
    access: Access,
    claims: list[Claim],
    *,
    from_page_url: bool,
) -> dict[str, Any]:
    ratings = filter_ratings(article, claims)
    filter_form = _filter_form(_filter_data(request, from_page_url=from_page_url), claims, ratings)
    chosen = filter_form.chosen()
    shown = [c for c in claims if _matches(c, chosen)] if chosen else claims
    return {
        "article": article,
        "access": access,
        "ratings": ratings,
        "filter_form": filter_form,
        "filter_selects": {name: filter_form.select_html(name) for name in FILTER_SELECTS},
        "filtering": bool(chosen),
        "claim_total": len(claims),
        "shown_total": len(shown),
        "shown_anchored": list_items([c for c in shown if c.start is not None]),
        "shown_orphaned": list_items([c for c in shown if c.start is None]),
        "undo_seconds": UNDO_SECONDS,
    }


def list_items(claims: list) -> list[dict[str, Any]]:
    """The list as the template walks it: runs of ready-made cards joined into one piece of
    HTML, and the claim that is open (or being deleted) on its own, for its template partial.
    Hundreds of cards thus cost the template one loop step, not hundreds."""
    items: list[dict[str, Any]] = []
    run: list[str] = []
    for claim in claims:
        if claim.panel_mode:
            if run:
                items.append({"html": mark_safe("".join(run))})  # noqa: S308 - cards escape
                run = []
            items.append({"claim": claim, "mode": claim.panel_mode})
        else:
            run.append(claim.card())
    if run:
        items.append({"html": mark_safe("".join(run))})  # noqa: S308 - cards escape
    return items
