"""Every change is an Event: each write service records exactly one, with the actor, the verb
and the before/after values of the fields it changed — and the audit trail can say it in
words (no event falls back to the generic sentence)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.utils import timezone

from annotations import services
from annotations.models import Comment, Event, Membership, Rating, Role, Source
from annotations.queries import audit
from tests.factories import QUOTE, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.article(title="Troops in Kursk"),
    pytest.mark.claim(claimant="Zelensky"),
]


@dataclass
class Recorded:
    events: list[Event] = field(default_factory=list)

    @property
    def event(self) -> Event:
        [only] = self.events
        return only

    @property
    def changes(self) -> dict:
        return self.event.changes


@contextmanager
def one_event(verb: str, actor, **expected_changes) -> Iterator[Recorded]:
    """The block records exactly one Event: `verb`, by `actor`, with (at least) these changes
    as [before, after]."""
    last = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    recorded = Recorded()
    yield recorded
    recorded.events = list(Event.objects.filter(id__gt=last).order_by("id"))
    assert [e.verb for e in recorded.events] == [verb]
    event = recorded.event
    assert event.actor_id == (actor.pk if actor is not None else None)
    assert event.created_at is not None
    for name, pair in expected_changes.items():
        assert event.changes.get(name) == list(pair), (name, event.changes)
    [entry] = audit.present([event])
    assert f" did {verb}" not in entry.sentence, entry.sentence


@contextmanager
def nothing_recorded() -> Iterator[None]:
    last = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    yield
    assert not Event.objects.filter(id__gt=last).exists()


# --- articles and claims ------------------------------------------------------------------------


def test_importing_an_article(desk):
    with one_event("article.imported", desk.reviewer) as recorded:
        article = services.article_import(
            team=desk.team, actor=desk.reviewer, text="A short story.", title="Short"
        ).article
    assert recorded.event.article_id == article.pk


def test_revising_an_article(desk, article):
    with one_event("article.revised", desk.editor) as recorded:
        services.article_revise(article=article, actor=desk.editor, text=article.text + "\n\nMore.")
    assert recorded.event.article_id == article.pk


def test_creating_a_claim(desk, article):
    with one_event(
        "claim.created",
        desk.reviewer,
        exact=(None, QUOTE),
        claimant=(None, "Zelensky"),
        status=(None, "draft"),
    ) as recorded:
        claim = services.claim_create(
            article=article, actor=desk.reviewer, exact=QUOTE, claimant="Zelensky"
        )
    assert (recorded.event.claim_id, recorded.event.article_id) == (claim.pk, article.pk)


def test_editing_a_claim_records_only_what_changed(desk, claim):
    with one_event("claim.updated", desk.editor, claimant=("Zelensky", "Pentagon")) as recorded:
        services.claim_update(
            claim=claim, actor=desk.editor, claimant="Pentagon", summary=claim.summary
        )
    assert set(recorded.changes) == {"claimant"}
    with nothing_recorded():
        services.claim_update(claim=claim, actor=desk.editor, claimant="Pentagon")


def test_deleting_and_restoring_a_claim(desk, claim, article):
    claim_id = claim.pk
    with one_event(
        "claim.deleted", desk.editor, claimant=("Zelensky", None), exact=(QUOTE, None)
    ) as recorded:
        snapshot = services.claim_delete(claim=claim, actor=desk.editor)
    assert recorded.event.claim_id == claim_id
    with one_event("claim.restored", desk.editor, exact=(None, QUOTE)) as recorded:
        services.claim_restore(article=article, actor=desk.editor, snapshot=snapshot)
    assert recorded.event.claim_id == claim_id


def test_every_workflow_move(desk, claim):
    services.verdict_set(claim=claim, actor=desk.reviewer, rating="false")
    with one_event("claim.submitted", desk.reviewer, status=("draft", "in_review")):
        services.claim_transition(claim=claim, actor=desk.reviewer, to="in_review")
    with one_event(
        "claim.approved",
        desk.editor,
        status=("in_review", "approved"),
        final_verdict=(None, "false"),
    ):
        services.claim_transition(claim=claim, actor=desk.editor, to="approved")
    with one_event(
        "claim.sent_back",
        desk.editor,
        status=("approved", "in_review"),
        final_verdict=("false", None),
    ) as recorded:
        services.claim_transition(claim=claim, actor=desk.editor, to="in_review", note="Recheck.")
    assert recorded.event.note == "Recheck."
    services.claim_transition(claim=claim, actor=desk.editor, to="approved")
    with one_event("claim.published", desk.editor, status=("approved", "published")):
        services.claim_transition(claim=claim, actor=desk.editor, to="published")
    with one_event(
        "claim.corrected",
        desk.editor,
        status=("published", "in_review"),
        final_verdict=("false", None),
        correction_note=(None, "The figure was 12.000."),
    ) as recorded:
        services.claim_transition(
            claim=claim, actor=desk.editor, to="in_review", note="The figure was 12.000."
        )
    assert recorded.event.note == "The figure was 12.000."


def test_a_reviewer_taking_their_claim_back(desk, claim):
    services.claim_transition(claim=claim, actor=desk.reviewer, to="in_review")
    with one_event("claim.withdrawn", desk.reviewer, status=("in_review", "draft")):
        services.claim_transition(claim=claim, actor=desk.reviewer, to="draft")


# --- verdicts and sources -----------------------------------------------------------------------


def test_giving_changing_and_withdrawing_a_verdict(desk, claim):
    with one_event(
        "verdict.set", desk.reviewer, rating=(None, "mostly-false"), rationale=(None, "")
    ):
        services.verdict_set(claim=claim, actor=desk.reviewer, rating="mostly-false")
    with one_event(
        "verdict.set",
        desk.reviewer,
        rating=("mostly-false", "false"),
        rationale=("", "Pentagon says 10.000."),
    ):
        services.verdict_set(
            claim=claim, actor=desk.reviewer, rating="false", rationale="Pentagon says 10.000."
        )
    with nothing_recorded():
        services.verdict_set(
            claim=claim, actor=desk.reviewer, rating="false", rationale="Pentagon says 10.000."
        )
    with one_event(
        "verdict.withdrawn",
        desk.reviewer,
        rating=("false", None),
        rationale=("Pentagon says 10.000.", None),
    ):
        services.verdict_withdraw(claim=claim, actor=desk.reviewer)


def test_adding_and_removing_a_source(desk, claim):
    url = "https://example.org/pentagon"
    with one_event("source.added", desk.reviewer, url=(None, url), title=(None, "Briefing")):
        services.source_add(claim=claim, actor=desk.reviewer, url=url, title="Briefing")
    source = Source.objects.get(claim=claim)
    with one_event("source.removed", desk.editor, url=(url, None), title=("Briefing", None)):
        services.source_remove(source=source, actor=desk.editor)


# --- comments -----------------------------------------------------------------------------------


def test_commenting_editing_and_deleting(desk, claim):
    with one_event("comment.added", desk.reviewer, body=(None, "Check the Pentagon.")):
        comment = services.comment_add(claim=claim, actor=desk.reviewer, body="Check the Pentagon.")
    with one_event("comment.added", desk.editor, body=(None, "Done."), reply_to=(None, comment.pk)):
        services.comment_add(claim=claim, actor=desk.editor, body="Done.", reply_to=comment)
    with one_event(
        "comment.updated",
        desk.reviewer,
        body=("Check the Pentagon.", "Check the Pentagon's figure."),
    ):
        services.comment_update(
            comment=comment, actor=desk.reviewer, body="Check the Pentagon's figure."
        )
    comment = Comment.objects.get(pk=comment.pk)
    with one_event(
        "comment.deleted", desk.editor, body=("Check the Pentagon's figure.", None)
    ) as r:
        services.comment_delete(comment=comment, actor=desk.editor)
    [entry] = audit.present([r.event])
    assert entry.sentence == "editor-user removed a comment as an editor"


# --- members, invitations and the team ----------------------------------------------------------


def test_adding_a_member_and_changing_their_role(desk):
    newcomer = UserFactory(username="newcomer")
    with one_event("member.added", desk.admin, user=(None, "newcomer"), role=(None, "viewer")):
        services.membership_set(team=desk.team, user=newcomer, role="viewer", actor=desk.admin)
    with one_event("member.role_changed", desk.admin, role=("viewer", "reviewer")) as recorded:
        services.membership_set(team=desk.team, user=newcomer, role="reviewer", actor=desk.admin)
    [entry] = audit.present([recorded.event])
    assert entry.sentence == "admin-user changed newcomer’s role from viewer to reviewer"
    with nothing_recorded():
        services.membership_set(team=desk.team, user=newcomer, role="reviewer", actor=desk.admin)


def test_team_services_record_their_changes(desk):
    with one_event("team.created", desk.editor, name=(None, "Night desk")):
        team = services.team_start(actor=desk.editor, name="Night desk")
    assert Membership.objects.get(team=team, user=desk.editor).role == Role.ADMIN

    with one_event("member.role_changed", desk.admin, role=("reviewer", "editor")):
        services.member_role_set(
            team=desk.team, user=desk.reviewer, role="editor", actor=desk.admin
        )
    with one_event("member.removed", desk.admin, user=("viewer-user", None), role=("viewer", None)):
        services.member_remove(team=desk.team, user=desk.viewer, actor=desk.admin)


def test_invitations_are_recorded(desk):
    with one_event("invite.created", desk.admin, role=(None, "reviewer")) as recorded:
        invite, raw = services.invite_create(team=desk.team, actor=desk.admin, role="reviewer")
    assert recorded.changes["expires_at"][0] is None
    joiner = UserFactory(username="joiner")
    with one_event("member.joined", joiner, user=(None, "joiner"), role=(None, "reviewer")):
        services.invite_accept(raw=raw, actor=joiner)
    other, _ = services.invite_create(team=desk.team, actor=desk.admin, role="viewer")
    with one_event("invite.revoked", desk.admin) as recorded:
        services.invite_revoke(invite=other, actor=desk.admin)
    assert recorded.changes["revoked_at"][0] is None


# --- the rating scale ---------------------------------------------------------------------------


def test_scale_edits_are_recorded(desk):
    with one_event("rating.created", desk.admin, label=(None, "Partly false")) as recorded:
        rating = services.rating_create(team=desk.team, actor=desk.admin, label="Partly false")
    assert recorded.changes["slug"] == [None, "partly-false"]
    with one_event("rating.updated", desk.admin, label=("Partly false", "Partly wrong")):
        services.rating_update(rating=rating, actor=desk.admin, label="Partly wrong")
    misleading = Rating.objects.get(team=desk.team, slug="misleading")
    with one_event("rating.retired", desk.admin, active=(True, False)) as recorded:
        services.rating_retire(rating=misleading, actor=desk.admin)
    [entry] = audit.present([recorded.event])
    assert entry.sentence == "admin-user retired the rating Misleading"
    with one_event("rating.restored", desk.admin, active=(False, True)):
        services.rating_restore(rating=misleading, actor=desk.admin)
    slugs = list(
        Rating.objects.filter(team=desk.team).order_by("order", "id").values_list("slug", flat=True)
    )
    with one_event("rating.reordered", desk.admin, order=(slugs, slugs[::-1])):
        services.rating_reorder(team=desk.team, actor=desk.admin, slugs=slugs[::-1])
    with one_event("rating.deleted", desk.admin, label=("Partly wrong", None)):
        services.rating_delete(rating=Rating.objects.get(pk=rating.pk), actor=desk.admin)


# --- assignments --------------------------------------------------------------------------------


def test_assignments_are_recorded_with_due_dates(desk, article, claim):
    due = timezone.localdate() + timedelta(days=3)
    later = due + timedelta(days=2)
    with one_event(
        "article.assigned",
        desk.editor,
        assignee=(None, "reviewer-user"),
        due_on=(None, due.isoformat()),
    ) as recorded:
        services.article_assign(
            article=article, assignee=desk.reviewer, due_on=due, actor=desk.editor
        )
    [entry] = audit.present([recorded.event])
    assert entry.sentence.startswith("editor-user assigned the article to reviewer-user (due ")
    with one_event("article.due_changed", desk.editor, due_on=(due.isoformat(), later.isoformat())):
        services.article_due_date_set(
            article=article, assignee=desk.reviewer, due_on=later, actor=desk.editor
        )
    with one_event("article.unassigned", desk.editor, assignee=("reviewer-user", None)):
        services.article_unassign(article=article, assignee=desk.reviewer, actor=desk.editor)

    with one_event("claim.assigned", desk.editor, assignee=(None, "reviewer-user")) as recorded:
        services.claim_assign(claim=claim, assignee=desk.reviewer, actor=desk.editor)
    assert recorded.event.claim_id == claim.pk
    with one_event("claim.unassigned", desk.editor, assignee=("reviewer-user", None)):
        services.claim_unassign(claim=claim, assignee=desk.reviewer, actor=desk.editor)


def test_events_cannot_be_changed_or_deleted(desk, claim):
    event = Event.objects.filter(claim_id=claim.pk).first()
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        Event.objects.filter(pk=event.pk).update(verb="x")


def test_due_dates_in_sentences_read_as_days(desk):
    assert audit.format_day(date(timezone.localdate().year, 12, 3).isoformat()) == "3 Dec"
    assert audit.format_day("2001-02-03") == "3 Feb 2001"
