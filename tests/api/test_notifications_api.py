"""The notifications API, and what the comments API says about threads, tombstones and
mentions."""

from __future__ import annotations

import pytest
from django.utils import timezone

from annotations import services
from annotations.models import Membership, Notification
from tests.api.conftest import error_of
from tests.factories import MembershipFactory, UserFactory
from tests.query_count import get_queries

pytestmark = pytest.mark.django_db


def mention(world, author, body="@editor-user please check"):
    return services.comment_add(claim=world.claim, actor=author, body=body)


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content[:300]
    return response.json()["results"]


# --- notifications ----------------------------------------------------------------------------


def test_your_notifications_newest_first_with_what_they_concern(world, desk, api_as):
    comment = mention(world, desk.reviewer)
    services.comment_add(claim=world.claim, actor=desk.admin, body="@EDITOR-USER and again")

    rows = results(api_as("editor").get("/api/v1/notifications/"))

    assert [row["actor"] for row in rows] == ["admin-user", "reviewer-user"]
    last = rows[1]
    assert last["kind"] == "mention"
    assert last["team"] == "verify"
    assert last["article"] == world.article.pk
    assert last["claim"] == world.claim.pk
    assert last["comment"] == comment.pk
    assert last["read"] is False and last["read_at"] is None
    assert last["message"].startswith("reviewer-user mentioned you on #1 “")
    assert last["url"].endswith(f"/claims/{world.claim.pk}/edit/#discussion-{world.claim.pk}")


def test_unread_filter_and_marking_one_read(world, desk, api_as):
    mention(world, desk.reviewer)
    mention(world, desk.admin)
    editor = api_as("editor")
    first = results(editor.get("/api/v1/notifications/"))[0]["id"]

    marked = editor.post(f"/api/v1/notifications/{first}/read/")

    assert marked.status_code == 200
    assert marked.json()["read"] is True and marked.json()["read_at"]
    assert len(results(editor.get("/api/v1/notifications/?unread=1"))) == 1
    assert len(results(editor.get("/api/v1/notifications/?unread=0"))) == 2
    again = editor.post(f"/api/v1/notifications/{first}/read/")
    assert again.status_code == 200 and again.json()["read_at"] == marked.json()["read_at"]


def test_an_unread_value_that_means_nothing_is_refused(world, api_as):
    response = api_as("editor").get("/api/v1/notifications/?unread=maybe")

    assert response.status_code == 400
    assert "unread" in error_of(response)["errors"]


def test_mark_all_read_says_how_many_were_unread(world, desk, api_as):
    mention(world, desk.reviewer)
    mention(world, desk.admin)
    editor = api_as("editor")

    assert editor.post("/api/v1/notifications/read-all/").json() == {"marked": 2}
    assert editor.post("/api/v1/notifications/read-all/").json() == {"marked": 0}
    assert results(editor.get("/api/v1/notifications/?unread=1")) == []


def test_nobody_reads_or_marks_another_users_notification(world, desk, api_as):
    mention(world, desk.reviewer)
    theirs = Notification.objects.get()

    reviewer = api_as("reviewer")
    assert results(reviewer.get("/api/v1/notifications/")) == []
    response = reviewer.post(f"/api/v1/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert reviewer.post("/api/v1/notifications/read-all/").json() == {"marked": 0}
    assert api_as("outsider").post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_outsider_gets_only_their_own_an_empty_list(world, desk, api_as):
    mention(world, desk.reviewer)

    assert results(api_as("outsider").get("/api/v1/notifications/")) == []


def test_a_team_left_keeps_its_notifications_without_a_link(world, desk, api_as):
    mention(world, desk.reviewer)
    editor = api_as("editor")
    Membership.objects.filter(user=desk.editor, team=desk.team).delete()

    rows = results(editor.get("/api/v1/notifications/"))

    assert len(rows) == 1 and rows[0]["url"] is None


def test_other_kinds_are_listed_the_same_way(world, desk, api_as):
    Notification.objects.create(
        user=desk.reviewer,
        team=desk.team,
        kind="assigned",
        actor=desk.editor,
        article=world.article,
        message="editor-user assigned you an article",
    )

    row = results(api_as("reviewer").get("/api/v1/notifications/"))[0]

    assert row["kind"] == "assigned" and row["claim"] is None
    assert row["url"].endswith(f"/articles/{world.article.pk}/")


def test_the_list_is_cursor_paginated(world, desk, api_as):
    for index in range(5):
        mention(world, desk.reviewer, f"@editor-user note {index}")
    editor = api_as("editor")

    page = editor.get("/api/v1/notifications/?page_size=2").json()

    assert len(page["results"]) == 2 and page["next"]
    second = editor.get(page["next"]).json()
    assert {r["id"] for r in second["results"]}.isdisjoint(r["id"] for r in page["results"])


def test_the_list_costs_the_same_queries_for_few_and_many(world, desk, api_as):
    editor = api_as("editor")

    def count() -> int:
        return get_queries(editor, "/api/v1/notifications/")

    mention(world, desk.reviewer)
    count()  # the token's first use is recorded once
    few = count()
    for index in range(30):
        author = UserFactory(username=f"author{index}")
        MembershipFactory(user=author, team=desk.team)
        mention(world, author, f"@editor-user note {index}")
    Notification.objects.filter(pk__in=Notification.objects.values("pk")[:5]).update(
        read_at=timezone.now()
    )

    assert count() == few


# --- comments: threads, tombstones, mentions --------------------------------------------------


def test_comments_say_whether_edited_deleted_and_whom_they_mention(world, desk, api_as):
    url = f"/api/v1/claims/{world.claim.pk}/comments/"
    reviewer = api_as("reviewer")

    reply = reviewer.post(
        url,
        {"body": "@Editor-User, @nobody and a@b.com: see", "reply_to": world.comment.pk},
        format="json",
    ).json()
    assert reply["reply_to"] == world.comment.pk
    assert reply["mentions"] == ["editor-user"]
    assert reply["edited"] is False and reply["deleted"] is False

    edited = reviewer.patch(f"{url}{reply['id']}/", {"body": "@admin-user see"}, format="json")
    assert edited.json()["edited"] is True and edited.json()["mentions"] == ["admin-user"]
    assert sorted(n.user.username for n in Notification.objects.all()) == [
        "admin-user",
        "editor-user",
    ]

    assert reviewer.delete(f"{url}{reply['id']}/").status_code == 204
    rows = results(reviewer.get(url))
    tombstone = rows[1]
    assert tombstone["deleted"] is True and tombstone["body"] is None
    assert tombstone["removed_by_editor"] is False and tombstone["mentions"] == []
    assert tombstone["deleted_at"]


def test_a_deleted_comment_cannot_be_edited_or_answered(world, desk, api_as):
    url = f"/api/v1/claims/{world.claim.pk}/comments/"
    admin = api_as("admin")
    assert admin.delete(f"{url}{world.comment.pk}/").status_code == 204

    edit = admin.patch(f"{url}{world.comment.pk}/", {"body": "Back"}, format="json")
    assert edit.status_code == 409 and error_of(edit)["code"] == "comment_deleted"
    reply = admin.post(url, {"body": "Answer", "reply_to": world.comment.pk}, format="json")
    assert reply.status_code == 400 and "deleted" in error_of(reply)["detail"]
    again = admin.delete(f"{url}{world.comment.pk}/")
    assert again.status_code == 409


def test_the_comment_list_costs_the_same_queries_with_mentions(world, desk, api_as):
    url = f"/api/v1/claims/{world.claim.pk}/comments/"
    reader = api_as("viewer")

    def count() -> int:
        return get_queries(reader, url)

    count()
    few = count()
    for index in range(20):
        comment = services.comment_add(
            claim=world.claim, actor=desk.reviewer, body=f"@editor-user @admin-user {index}"
        )
        if index % 4 == 0:
            services.comment_delete(comment=comment, actor=desk.editor)

    assert count() == few
