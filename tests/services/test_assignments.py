"""Assignments (services/assignments.py): who may assign whom, the Events and notifications
each change leaves, due dates, and what each person's queue holds, in which order."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations import queries, services
from annotations.errors import Forbidden, InvalidInput, NotFound
from annotations.models import (
    ArticleAssignment,
    ArticleStatus,
    ClaimAssignment,
    ClaimStatus,
    Event,
    Notification,
    Role,
)
from tests.factories import QUOTE, MembershipFactory, UserFactory, days, fill_queue, make_article

pytestmark = [pytest.mark.django_db, pytest.mark.article(title="Troops in Kursk")]

OTHER_QUOTE = "10.000 North Korean soldiers"


# --- who may assign whom ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["editor", "admin"])
def test_editors_and_admins_assign_an_article(desk, article, persona):
    result = services.article_assign(
        article=article, assignee=desk.reviewer, due_on=days(3), actor=desk.user(persona)
    )

    assert result.created
    row = ArticleAssignment.objects.get(article=article)
    assert (row.user, row.due_on, row.assigned_by) == (desk.reviewer, days(3), desk.user(persona))
    assert list(article.assignees.all()) == [desk.reviewer]


@pytest.mark.parametrize("persona", ["reviewer", "viewer"])
def test_reviewers_and_viewers_may_not_assign(desk, article, claim, persona):
    with pytest.raises(Forbidden, match="editor or higher"):
        services.article_assign(article=article, assignee=desk.reviewer, actor=desk.user(persona))
    with pytest.raises(Forbidden):
        services.claim_assign(claim=claim, assignee=desk.reviewer, actor=desk.user(persona))
    assert not ArticleAssignment.objects.exists() and not ClaimAssignment.objects.exists()


def test_an_outsider_cannot_even_find_the_article(desk, article, claim):
    with pytest.raises(NotFound):
        services.article_assign(article=article, assignee=desk.reviewer, actor=desk.outsider)
    with pytest.raises(NotFound):
        services.claim_unassign(claim=claim, assignee="reviewer-user", actor=desk.outsider)


def test_a_viewer_cannot_be_assigned(desk, article):
    with pytest.raises(InvalidInput, match="viewer-user is a viewer in Verification desk"):
        services.article_assign(article=article, assignee=desk.viewer, actor=desk.editor)


def test_an_outsider_and_an_unknown_name_get_the_same_not_a_member_answer(desk, article):
    with pytest.raises(InvalidInput) as outsider:
        services.article_assign(article=article, assignee="outsider", actor=desk.editor)
    with pytest.raises(InvalidInput) as unknown:
        services.article_assign(article=article, assignee="nobody-at-all", actor=desk.editor)

    assert str(outsider.value) == "outsider is not a member of Verification desk."
    assert str(unknown.value) == "nobody-at-all is not a member of Verification desk."
    assert outsider.value.field == unknown.value.field == "user"


def test_an_article_and_a_claim_take_several_assignees(desk, article, claim):
    for person in (desk.reviewer, desk.editor, desk.admin):
        services.article_assign(article=article, assignee=person, actor=desk.editor)
        services.claim_assign(claim=claim, assignee=person.get_username(), actor=desk.editor)

    assert set(article.assignees.all()) == {desk.reviewer, desk.editor, desk.admin}
    assert set(claim.assignees.all()) == {desk.reviewer, desk.editor, desk.admin}


# --- events, notifications, due dates -----------------------------------------------------------


def test_assigning_records_an_event_and_notifies_the_assignee(desk, article):
    due = days(7)
    services.article_assign(article=article, assignee=desk.reviewer, due_on=due, actor=desk.editor)

    event = Event.objects.get(verb="article.assigned")
    assert (event.actor, event.article, event.team) == (desk.editor, article, desk.team)
    assert event.changes == {
        "assignee": [None, "reviewer-user"],
        "due_on": [None, due.isoformat()],
    }
    note = Notification.objects.get(user=desk.reviewer)
    assert (note.kind, note.actor, note.article, note.team) == (
        "assigned",
        desk.editor,
        article,
        desk.team,
    )
    assert note.message == (
        f"editor-user assigned you the article “Troops in Kursk” (due {queries.due_text(due)})."
    )


def test_assigning_a_claim_names_the_claim_and_its_article(desk, article, claim):
    services.claim_assign(claim=claim, assignee=desk.editor, actor=desk.admin)

    event = Event.objects.get(verb="claim.assigned")
    assert (event.claim_id, event.article) == (claim.pk, article)
    assert event.changes == {"assignee": [None, "editor-user"], "due_on": [None, None]}
    note = Notification.objects.get(user=desk.editor)
    assert note.claim == claim and note.article == article
    assert note.message == (
        f"admin-user assigned you claim #{claim.number} “{QUOTE}” in “Troops in Kursk”."
    )


def test_assigning_yourself_notifies_nobody(desk, article):
    services.article_assign(article=article, assignee=desk.editor, actor=desk.editor)

    assert Event.objects.filter(verb="article.assigned").count() == 1
    assert not Notification.objects.exists()


def test_assigning_again_changes_the_due_date(desk, article):
    services.article_assign(
        article=article, assignee=desk.reviewer, due_on=days(3), actor=desk.editor
    )

    result = services.article_assign(
        article=article, assignee=desk.reviewer, due_on=days(5), actor=desk.admin
    )

    assert not result.created and result.changed
    assert ArticleAssignment.objects.get(article=article).due_on == days(5)
    event = Event.objects.get(verb="article.due_changed")
    assert event.changes == {
        "assignee": ["reviewer-user", "reviewer-user"],
        "due_on": [days(3).isoformat(), days(5).isoformat()],
    }
    assert Notification.objects.filter(user=desk.reviewer).count() == 2
    assert "moved the due date" in Notification.objects.filter(user=desk.reviewer).first().message


def test_the_same_assignment_again_changes_nothing(desk, article):
    services.article_assign(
        article=article, assignee=desk.reviewer, due_on=days(3), actor=desk.editor
    )
    result = services.article_due_date_set(
        article=article, assignee=desk.reviewer, due_on=days(3), actor=desk.editor
    )

    assert not result.changed
    assert Event.objects.filter(verb__in=["article.assigned", "article.due_changed"]).count() == 1


def test_clearing_the_due_date(desk, claim):
    services.claim_assign(claim=claim, assignee=desk.reviewer, due_on=days(2), actor=desk.editor)
    services.claim_due_date_set(claim=claim, assignee=desk.reviewer, due_on=None, actor=desk.editor)

    assert ClaimAssignment.objects.get(claim=claim).due_on is None
    event = Event.objects.get(verb="claim.due_changed")
    assert event.changes["due_on"] == [days(2).isoformat(), None]


def test_a_malformed_due_date_is_refused(desk, article):
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        services.article_assign(
            article=article, assignee=desk.reviewer, due_on="next week", actor=desk.editor
        )


def test_unassigning_records_the_before_values_and_tells_the_person(desk, article, claim):
    services.article_assign(
        article=article, assignee=desk.reviewer, due_on=days(1), actor=desk.editor
    )
    services.claim_assign(claim=claim, assignee=desk.reviewer, actor=desk.editor)

    services.article_unassign(article=article, assignee="reviewer-user", actor=desk.editor)
    services.claim_unassign(claim=claim, assignee=desk.reviewer, actor=desk.admin)

    assert not article.assignees.exists() and not claim.assignees.exists()
    removed = Event.objects.get(verb="article.unassigned")
    assert removed.changes == {
        "assignee": ["reviewer-user", None],
        "due_on": [days(1).isoformat(), None],
    }
    assert Event.objects.get(verb="claim.unassigned").actor == desk.admin
    assert Notification.objects.filter(user=desk.reviewer, kind="unassigned").count() == 2


def test_unassigning_someone_not_assigned_is_not_found(desk, article):
    with pytest.raises(NotFound, match="reviewer-user is not assigned to this article"):
        services.article_unassign(article=article, assignee="reviewer-user", actor=desk.editor)


def test_reviewers_may_not_unassign(desk, article):
    services.article_assign(article=article, assignee=desk.reviewer, actor=desk.editor)
    with pytest.raises(Forbidden):
        services.article_unassign(article=article, assignee=desk.reviewer, actor=desk.reviewer)
    assert article.assignees.exists()


# --- the queue ----------------------------------------------------------------------------------


def _queue_titles(user) -> list[str]:
    return [row.article.title for row in queries.queue_for(user).articles]


def test_assigned_articles_come_overdue_first_then_by_due_date_then_undated(desk):
    titles = {
        "No date, older": None,
        "Due in a week": days(7),
        "Overdue by two days": days(-2),
        "Due tomorrow": days(1),
        "No date, newer": None,
        "Overdue by a week": days(-7),
    }
    for number, (title, due) in enumerate(titles.items()):
        article = make_article(desk.team, text=f"Story {number}.", title=title)
        services.article_assign(
            article=article, assignee=desk.reviewer, due_on=due, actor=desk.editor
        )

    queue = queries.queue_for(desk.reviewer)

    assert _queue_titles(desk.reviewer) == [
        "Overdue by a week",
        "Overdue by two days",
        "Due tomorrow",
        "Due in a week",
        "No date, older",
        "No date, newer",
    ]
    assert [row.overdue for row in queue.articles] == [True, True, False, False, False, False]
    assert queue.overdue_total == 2


def test_published_articles_and_claims_leave_the_queue(desk, article, claim):
    services.article_assign(article=article, assignee=desk.reviewer, actor=desk.editor)
    services.claim_assign(claim=claim, assignee=desk.reviewer, actor=desk.editor)
    assert queries.queue_for(desk.reviewer).assigned_total == 2

    type(article).objects.filter(pk=article.pk).update(status=ArticleStatus.PUBLISHED)
    type(claim).objects.filter(pk=claim.pk).update(status=ClaimStatus.PUBLISHED)

    assert queries.queue_for(desk.reviewer).assigned_total == 0
    assert queries.open_item_count(desk.reviewer) == 0


def test_a_reviewer_waits_on_assigned_claims_until_giving_a_verdict(desk, article, claim):
    other = services.claim_create(article=article, actor=desk.editor, exact=OTHER_QUOTE)
    services.claim_assign(claim=claim, assignee=desk.reviewer, actor=desk.editor)
    assert [c.pk for c in queries.queue_for(desk.reviewer).waiting] == [claim.pk]

    # Assigned the whole article: every open claim on it waits for the reviewer.
    services.article_assign(article=article, assignee=desk.reviewer, actor=desk.editor)
    assert {c.pk for c in queries.queue_for(desk.reviewer).waiting} == {claim.pk, other.pk}

    services.verdict_set(claim=other, actor=desk.reviewer, rating="false")
    assert [c.pk for c in queries.queue_for(desk.reviewer).waiting] == [claim.pk]


def test_an_unassigned_reviewer_waits_on_nothing(desk, article, claim):
    services.claim_transition(claim=claim, actor=desk.reviewer, to="in_review")

    assert queries.queue_for(desk.reviewer).waiting == []
    assert queries.open_item_count(desk.reviewer) == 0


def test_editors_wait_on_every_claim_in_review_in_their_teams_their_own_marked(desk, article):
    theirs = services.claim_create(article=article, actor=desk.reviewer, exact=QUOTE)
    mine = services.claim_create(article=article, actor=desk.editor, exact=OTHER_QUOTE)
    draft = services.claim_create(article=article, actor=desk.reviewer, exact="Troops in Kursk")
    for claim in (theirs, mine):
        services.claim_transition(claim=claim, actor=desk.editor, to="in_review")

    waiting = queries.queue_for(desk.editor).waiting

    assert {c.pk for c in waiting} == {theirs.pk, mine.pk}
    assert {c.pk: c.mine for c in waiting} == {theirs.pk: False, mine.pk: True}
    assert draft.pk not in {c.pk for c in queries.queue_for(desk.admin).waiting}
    assert len(queries.queue_for(desk.admin).waiting) == 2
    assert queries.queue_for(desk.viewer).waiting == []
    assert queries.queue_for(desk.outsider).waiting == []


def test_waiting_claims_take_the_reviewers_own_due_date(desk, article, claim):
    other = services.claim_create(article=article, actor=desk.editor, exact=OTHER_QUOTE)
    services.article_assign(
        article=article, assignee=desk.reviewer, due_on=days(4), actor=desk.editor
    )
    services.claim_assign(claim=other, assignee=desk.reviewer, due_on=days(-1), actor=desk.editor)

    waiting = queries.queue_for(desk.reviewer).waiting

    assert [(c.pk, c.due_on, c.overdue) for c in waiting] == [
        (other.pk, days(-1), True),
        (claim.pk, days(4), False),
    ]


def test_the_queue_stays_inside_the_users_teams(desk, article):
    services.article_assign(article=article, assignee=desk.reviewer, actor=desk.editor)
    membership = desk.reviewer.memberships.get(team=desk.team)
    membership.delete()  # they left the team: its work is no longer theirs to see

    assert queries.queue_for(desk.reviewer).assigned_total == 0
    assert queries.open_item_count(desk.reviewer) == 0


def test_the_count_matches_the_queue_and_costs_one_query(desk, article, claim):
    other = services.claim_create(article=article, actor=desk.reviewer, exact=OTHER_QUOTE)
    services.article_assign(article=article, assignee=desk.reviewer, actor=desk.editor)
    services.claim_assign(claim=claim, assignee=desk.reviewer, actor=desk.editor)
    services.verdict_set(claim=claim, actor=desk.reviewer, rating="false")
    # Assigned: the article and `claim`; waiting: `other` (no verdict yet): three items.
    with CaptureQueriesContext(connection) as captured:
        count = queries.open_item_count(desk.reviewer)

    assert count == queries.queue_for(desk.reviewer).total == 3
    assert len(captured) == 1
    assert other.pk in {c.pk for c in queries.queue_for(desk.reviewer).waiting}


def test_a_claim_both_assigned_and_waiting_counts_once(desk, claim):
    services.claim_assign(claim=claim, assignee=desk.reviewer, actor=desk.editor)

    queue = queries.queue_for(desk.reviewer)
    assert len(queue.claims) == 1 and len(queue.waiting) == 1
    assert queue.total == queries.open_item_count(desk.reviewer) == 1


def test_the_queue_costs_the_same_queries_for_few_and_many_items(desk):
    editor2 = UserFactory(username="editor-two")
    MembershipFactory(user=editor2, team=desk.team, role=Role.EDITOR)

    def grow(to: int) -> int:
        fill_queue(desk, to, actor=editor2, first_due=-2)
        with CaptureQueriesContext(connection) as captured:
            queue = queries.queue_for(desk.editor)
        assert len(queue.articles) == len(queue.waiting) == to
        return len(captured)

    assert grow(2) == grow(12) <= 3
