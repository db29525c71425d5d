"""@mentions notify team members; the notifications page, the unread badge, marking read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations import queries, services
from annotations.models import Membership, Notification
from tests.factories import UserFactory
from tests.query_count import get_queries

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.claim(exact="Pentagon", summary="The Pentagon estimate"),
]


def say(claim, user, body, reply_to=None):
    return services.comment_add(claim=claim, actor=user, body=body, reply_to=reply_to)


def notified(kind: str = "mention") -> set[str]:
    return {n.user.username for n in Notification.objects.filter(kind=kind)}


# --- mentions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ("@editor please look", ["editor"]),
        ("Thanks @Editor, and @jane.doe.", ["editor", "jane.doe"]),
        ("(@admin-user) and @admin-user again", ["admin-user"]),
        ("Write to a@b.com or news@example.org", []),
        ("Email me: reviewer@verify.example", []),
        ("An @ alone, or @@double", []),
    ],
)
def test_mentions_are_read_from_the_text(body, names):
    assert queries.mentioned_names(body) == names


def test_a_mention_notifies_the_member_with_who_where_and_what(desk, claim):
    comment = say(claim, desk.reviewer, "@editor-user can you check the MoD figure?")

    notification = Notification.objects.get()
    assert notification.user == desk.editor
    assert notification.kind == "mention"
    assert notification.actor == desk.reviewer
    assert notification.team == desk.team
    assert notification.article == claim.article
    assert notification.claim == claim
    assert notification.comment == comment
    assert notification.read_at is None
    assert notification.message == (
        "reviewer-user mentioned you on #1 “The Pentagon estimate”: "
        "@editor-user can you check the MoD figure?"
    )


def test_mentions_are_case_insensitive_and_punctuation_ends_them(desk, claim):
    say(claim, desk.reviewer, "Thanks @EDITOR-USER, and @Viewer-User. Also (@admin-user)!")

    assert notified() == {"editor-user", "viewer-user", "admin-user"}


def test_only_members_of_the_claims_team_are_notified(desk, claim):
    UserFactory(username="stranger")  # exists, but in no team
    say(claim, desk.reviewer, "@outsider @stranger @nobody-at-all @editor-user")

    assert notified() == {"editor-user"}


def test_the_author_is_never_notified_of_their_own_mention(desk, claim):
    say(claim, desk.reviewer, "Note to self, @reviewer-user: and to @Reviewer-User.")

    assert not Notification.objects.exists()


def test_an_email_address_is_not_a_mention(desk, claim):
    say(claim, desk.reviewer, "Ask editor-user@example.org or admin-user@verify.example")

    assert not Notification.objects.exists()


def test_each_member_is_notified_once_per_comment(desk, claim):
    say(claim, desk.reviewer, "@editor-user @editor-user @EDITOR-user")

    assert Notification.objects.count() == 1


def test_editing_notifies_only_the_members_mentioned_anew(desk, claim):
    comment = say(claim, desk.reviewer, "@editor-user look")
    services.comment_update(
        comment=comment, actor=desk.reviewer, body="@editor-user @admin-user look"
    )
    services.comment_update(
        comment=comment, actor=desk.reviewer, body="@Admin-User @editor-user ok"
    )

    rows = Notification.objects.order_by("id")
    assert [n.user.username for n in rows] == ["editor-user", "admin-user"]


def test_a_long_comment_is_cut_in_the_message(desk, claim):
    say(claim, desk.reviewer, "@editor-user " + "word " * 100)

    message = Notification.objects.get().message
    body = message.split("”: ", 1)[1]
    assert len(body) == 140 and body.endswith("…")


def test_mentions_are_highlighted_and_escaped_on_the_page(client, desk, claim):
    say(claim, desk.reviewer, '@editor-user <script>alert("x")</script> @nobody a@b.com')
    client.force_login(desk.viewer)

    html = client.get(reverse("claim_edit", args=[claim.pk])).content.decode()

    assert '<span class="mention">@editor-user</span>' in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<script>alert("x")' not in html
    assert '<span class="mention">@nobody' not in html
    assert "a@b.com" in html


# --- the unread count in the navigation ---------------------------------------------------------


def nav_link(html: str) -> str:
    start = html.index('id="nav-notifications"')
    return html[html.rindex("<a", 0, start) : html.index("</a>", start)]


def test_the_header_shows_the_unread_count(client, desk, claim):
    say(claim, desk.reviewer, "@editor-user one")
    say(claim, desk.admin, "@editor-user two")
    client.force_login(desk.editor)

    link = nav_link(client.get(reverse("article_list")).content.decode())

    assert 'aria-label="Notifications, 2 unread"' in link
    assert ">2</span>" in link


def test_the_header_says_just_notifications_when_nothing_is_unread(client, desk):
    client.force_login(desk.editor)

    link = nav_link(client.get(reverse("article_list")).content.decode())

    assert 'aria-label="Notifications"' in link
    assert "unread" not in link


# --- the notifications page -----------------------------------------------------------------------


def make(user, team, message, *, read=False, claim=None, kind="assigned"):
    from django.utils import timezone

    return Notification.objects.create(
        user=user,
        team=team,
        kind=kind,
        message=message,
        claim=claim,
        article=claim.article if claim else None,
        read_at=timezone.now() if read else None,
    )


def test_the_page_lists_unread_first_then_newest(client, desk, claim):
    old_unread = make(desk.editor, desk.team, "Old but unread", claim=claim)
    newest_read = make(desk.editor, desk.team, "Newest, read", read=True, claim=claim)
    new_unread = make(desk.editor, desk.team, "New and unread", claim=claim, kind="sent_back")
    make(desk.reviewer, desk.team, "Someone else's", claim=claim)
    client.force_login(desk.editor)

    html = client.get(reverse("notification_list")).content.decode()

    positions = [html.index(n.message) for n in (new_unread, old_unread, newest_read)]
    assert positions == sorted(positions)
    assert "Someone else&#x27;s" not in html and "Someone else's" not in html
    assert "2 unread" in html
    assert reverse("notification_open", args=[new_unread.pk]) in html


def test_a_mention_shows_its_actor_and_message(client, desk, claim):
    say(claim, desk.reviewer, "@editor-user have a look")
    client.force_login(desk.editor)

    html = client.get(reverse("notification_list")).content.decode()

    assert "reviewer-user mentioned you on #1 “The Pentagon estimate”" in html
    assert "Mark read" in html and "Mark all read" in html


def test_opening_a_notification_marks_it_read_and_goes_to_the_claim(client, desk, claim):
    say(claim, desk.reviewer, "@editor-user have a look")
    notification = Notification.objects.get()
    client.force_login(desk.editor)

    response = client.get(reverse("notification_open", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == (
        reverse("claim_edit", args=[claim.pk]) + f"#discussion-{claim.pk}"
    )
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_read_and_mark_all_read(client, desk, claim):
    first = make(desk.editor, desk.team, "First", claim=claim)
    make(desk.editor, desk.team, "Second", claim=claim)
    make(desk.editor, desk.team, "Third", claim=claim)
    client.force_login(desk.editor)

    response = client.post(reverse("notification_read", args=[first.pk]))
    assert response.status_code == 302
    assert queries.unread_count(desk.editor) == 2

    htmx = client.post(reverse("notification_read_all"), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200
    assert "Nothing unread." in htmx.content.decode()
    assert 'aria-label="Notifications"' in htmx.content.decode()  # the badge, out of band
    assert queries.unread_count(desk.editor) == 0


def test_nobody_sees_or_marks_another_users_notification(client, desk, claim):
    theirs = make(desk.reviewer, desk.team, "For the reviewer", claim=claim)
    client.force_login(desk.editor)

    assert client.get(reverse("notification_open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notification_read", args=[theirs.pk])).status_code == 404
    client.post(reverse("notification_read_all"))
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_notification_from_a_team_left_stays_but_no_longer_links(client, desk, claim):
    notification = make(desk.editor, desk.team, "From the old desk", claim=claim)
    Membership.objects.filter(user=desk.editor, team=desk.team).delete()
    client.force_login(desk.editor)

    html = client.get(reverse("notification_list")).content.decode()

    assert "From the old desk" in html
    assert reverse("notification_open", args=[notification.pk]) not in html
    assert "You are no longer a member of Verification desk." in html
    opened = client.get(reverse("notification_open", args=[notification.pk]))
    assert opened.status_code == 302 and opened["Location"] == reverse("notification_list")


def test_the_page_is_paginated_by_50(client, desk, claim):
    for index in range(55):
        make(desk.editor, desk.team, f"Note {index:02d}", claim=claim)
    client.force_login(desk.editor)

    first = client.get(reverse("notification_list")).content.decode()
    second = client.get(reverse("notification_list") + "?page=2").content.decode()

    assert first.count('class="notification ') == 50
    assert second.count('class="notification ') == 5
    assert "Page 1 of 2" in first


def test_the_page_costs_the_same_queries_for_few_and_many_notifications(client, desk, claim):
    client.force_login(desk.editor)
    other = UserFactory(username="third")
    Membership.objects.create(user=other, team=desk.team, role="reviewer")

    def count() -> int:
        return get_queries(client, reverse("notification_list"))

    say(claim, desk.reviewer, "@editor-user first")
    few = count()
    for index in range(40):
        author = [desk.reviewer, desk.admin, other][index % 3]
        say(claim, author, f"@editor-user note {index}")
    make(desk.editor, desk.team, "Read one", read=True, claim=claim)

    assert count() == few


def test_deleting_a_comment_takes_its_text_out_of_the_mentions(desk, claim):
    comment = say(claim, desk.reviewer, "@editor-user the secret source is X")

    services.comment_delete(comment=comment, actor=desk.reviewer)

    message = Notification.objects.get().message
    assert "secret" not in message
    assert message == (
        "reviewer-user mentioned you on #1 “The Pentagon estimate” in a comment since deleted."
    )
