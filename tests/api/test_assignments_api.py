"""Assignments in the API (annotations/api/assignments.py): listing, assigning, changing the due
date and unassigning, on articles and claims, and the caller's queue."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations import services
from annotations.models import ArticleAssignment, ClaimAssignment, Event, Notification
from tests.api.conftest import error_of
from tests.factories import QUOTE, days, fill_queue, make_article

pytestmark = pytest.mark.django_db


def article_url(world, *rest: str) -> str:
    return f"/api/v1/articles/{world.article.pk}/assignments/" + "".join(f"{r}/" for r in rest)


def claim_url(world, *rest: str) -> str:
    return f"/api/v1/claims/{world.claim.pk}/assignments/" + "".join(f"{r}/" for r in rest)


# --- assigning ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [article_url, claim_url])
def test_an_editor_assigns_and_the_list_shows_it(world, api_as, url):
    editor = api_as("editor")
    due = days(5).isoformat()

    created = editor.post(url(world), {"user": "reviewer-user", "due_on": due}, format="json")

    assert created.status_code == 201, created.content
    assert created.json() == {
        "user": "reviewer-user",
        "name": "",
        "due_on": due,
        "overdue": False,
        "assigned_by": "editor-user",
        "assigned_at": created.json()["assigned_at"],
    }
    listed = api_as("viewer").get(url(world)).json()
    assert [row["user"] for row in listed["results"]] == ["reviewer-user"]
    assert Notification.objects.filter(kind="assigned").count() == 1


def test_assigning_again_changes_the_due_date_with_200(desk, world, api_as):
    editor = api_as("editor")
    editor.post(article_url(world), {"user": "reviewer-user", "due_on": days(3).isoformat()})

    changed = editor.post(
        article_url(world), {"user": "reviewer-user", "due_on": days(-1).isoformat()}, format="json"
    )

    assert changed.status_code == 200
    assert changed.json()["due_on"] == days(-1).isoformat()
    assert changed.json()["overdue"] is True
    event = Event.objects.get(verb="article.due_changed")
    assert event.changes["due_on"] == [days(3).isoformat(), days(-1).isoformat()]


def test_several_people_are_assigned_to_one_claim(world, api_as):
    admin = api_as("admin")
    for name in ("reviewer-user", "editor-user", "admin-user"):
        assert admin.post(claim_url(world), {"user": name}, format="json").status_code == 201

    rows = api_as("reviewer").get(claim_url(world)).json()["results"]
    assert [row["user"] for row in rows] == ["reviewer-user", "editor-user", "admin-user"]
    assert ClaimAssignment.objects.filter(claim=world.claim).count() == 3


@pytest.mark.parametrize("who", ["viewer-user", "outsider", "no-such-person"])
def test_only_reviewers_and_up_of_the_team_can_be_assigned(world, api_as, who):
    response = api_as("editor").post(article_url(world), {"user": who}, format="json")

    assert response.status_code == 400
    body = error_of(response)
    if who == "viewer-user":
        assert "only reviewers, editors and admins can be assigned" in body["detail"]
    else:
        assert body["detail"] == f"{who} is not a member of Verification desk."
    assert not ArticleAssignment.objects.exists()


def test_a_reviewer_gets_403_and_an_outsider_404(world, api_as):
    refused = api_as("reviewer").post(article_url(world), {"user": "reviewer-user"}, format="json")
    hidden = api_as("outsider").post(article_url(world), {"user": "reviewer-user"}, format="json")

    assert refused.status_code == 403
    assert "editor or higher" in error_of(refused)["detail"]
    assert hidden.status_code == 404
    assert api_as("outsider").get(claim_url(world)).status_code == 404


def test_input_is_checked(world, api_as):
    editor = api_as("editor")

    bad_date = editor.post(article_url(world), {"user": "reviewer-user", "due_on": "soon"})
    unknown = editor.post(article_url(world), {"user": "reviewer-user", "when": "2030-01-01"})
    missing = editor.post(article_url(world), {}, format="json")

    assert bad_date.status_code == unknown.status_code == missing.status_code == 400
    assert "due_on" in error_of(bad_date)["errors"]
    assert "when" in error_of(unknown)["errors"]
    assert "user" in error_of(missing)["errors"]


# --- unassigning --------------------------------------------------------------------------------


def test_an_editor_unassigns(desk, world, api_as):
    services.claim_assign(claim=world.claim, assignee=desk.reviewer, actor=desk.editor)

    response = api_as("admin").delete(claim_url(world, "reviewer-user"))

    assert response.status_code == 204
    assert not world.claim.assignees.exists()
    assert Event.objects.get(verb="claim.unassigned").changes["assignee"] == ["reviewer-user", None]


def test_unassigning_someone_not_assigned_is_404(world, api_as):
    response = api_as("editor").delete(article_url(world, "reviewer-user"))

    assert response.status_code == 404
    assert error_of(response)["detail"] == "reviewer-user is not assigned to this article."


# --- the queue ----------------------------------------------------------------------------------


def test_the_queue_lists_assigned_and_waiting_items_with_overdue_flags(desk, world, api_as):
    late = make_article(desk.team, text=f"Late story: {QUOTE}.", title="Late story")
    services.article_assign(article=world.article, assignee=desk.reviewer, actor=desk.editor)
    services.article_assign(
        article=late, assignee=desk.reviewer, due_on=days(-2), actor=desk.editor
    )
    services.claim_assign(
        claim=world.claim, assignee=desk.reviewer, due_on=days(1), actor=desk.editor
    )

    body = api_as("reviewer").get("/api/v1/queue/").json()

    articles = body["assigned_articles"]
    assert [row["article"]["title"] for row in articles] == ["Late story", world.article.title]
    assert [row["overdue"] for row in articles] == [True, False]
    assert articles[0]["due_on"] == days(-2).isoformat()
    assert articles[0]["article"]["team"] == "verify"
    (claim_row,) = body["assigned_claims"]
    assert claim_row["claim"]["id"] == world.claim.pk
    assert claim_row["claim"]["article"] == world.article.pk
    assert claim_row["assigned_by"] == "editor-user"
    # The world's claim has no verdict of the reviewer's: it waits for them too.
    assert [row["claim"]["id"] for row in body["waiting_for_review"]] == [world.claim.pk]
    assert body["waiting_for_review"][0]["yours"] is False
    assert body["count"] == 3
    assert body["overdue"] == 1


def test_an_editors_queue_holds_the_claims_in_review(desk, world, api_as):
    services.claim_transition(claim=world.claim, actor=desk.admin, to="in_review")

    editor = api_as("editor").get("/api/v1/queue/").json()
    admin = api_as("admin").get("/api/v1/queue/").json()

    assert [row["claim"]["id"] for row in editor["waiting_for_review"]] == [world.claim.pk]
    assert editor["waiting_for_review"][0]["yours"] is False
    assert admin["waiting_for_review"][0]["yours"] is True
    assert api_as("outsider").get("/api/v1/queue/").json()["count"] == 0


def test_the_queue_needs_credentials(world, api_as):
    assert api_as(None).get("/api/v1/queue/").status_code == 401


def test_the_queue_takes_the_same_queries_for_few_and_many_items(desk, world, api_as):
    def grow(to: int) -> int:
        fill_queue(desk, to, actor=desk.admin, first_due=-2)
        client = api_as("editor")
        with CaptureQueriesContext(connection) as captured:
            body = client.get("/api/v1/queue/").json()
        assert len(body["assigned_articles"]) == len(body["assigned_claims"]) == to
        return len(captured)

    few = grow(3)
    assert grow(25) == few
    assert few <= 8
