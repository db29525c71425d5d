"""Discussion on a claim: threads, edits, tombstones, moderation, and the panel's section."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from annotations import queries, services
from annotations.errors import Conflict, Forbidden, InvalidInput, NotFound
from annotations.exports.streams import stream_json
from annotations.models import ClaimStatus, Comment, Event
from tests.query_count import get_queries

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.claim(exact="Pentagon", summary="The Pentagon estimate"),
]


def say(claim, user, body, reply_to=None) -> Comment:
    return services.comment_add(claim=claim, actor=user, body=body, reply_to=reply_to)


def open_claim(client, claim) -> str:
    response = client.get(reverse("claim_edit", args=[claim.pk]))
    assert response.status_code == 200
    return response.content.decode()


def discussion_of(html: str, claim) -> str:
    start = html.index(f'id="discussion-{claim.pk}"')
    return html[start : html.index("</section>", start)]


# --- services -------------------------------------------------------------------------------


def test_replies_to_any_comment_of_the_claim_make_a_thread(desk, claim):
    question = say(claim, desk.reviewer, "Which estimate?")
    answer = say(claim, desk.editor, "The MoD's.", reply_to=question)
    follow_up = say(claim, desk.reviewer, "From when?", reply_to=answer)
    aside = say(claim, desk.admin, "Also check the date.")

    items = queries.thread(claim.pk, desk.team.pk, None)

    assert [(item.pk, item.depth) for item in items] == [
        (question.pk, 0),
        (answer.pk, 1),
        (follow_up.pk, 2),
        (aside.pk, 0),
    ]
    assert items[2].replying_to == desk.editor.username


def test_replies_deeper_than_three_levels_stay_at_the_last_level(desk, claim):
    parent = say(claim, desk.reviewer, "Level 0")
    for level in range(1, 6):
        parent = say(claim, desk.editor if level % 2 else desk.reviewer, f"L{level}", parent)

    items = queries.thread(claim.pk, desk.team.pk, None)

    assert [item.indent for item in items] == [0, 1, 2, 3, 3, 3]
    assert [item.flattened for item in items] == [False] * 4 + [True, True]


def test_authors_edit_their_own_comment_and_the_change_is_recorded(desk, claim):
    comment = say(claim, desk.reviewer, "Ask the MoD.")
    assert not queries.is_edited(comment)

    services.comment_update(comment=comment, actor=desk.reviewer, body="Ask the MoD press office.")

    comment.refresh_from_db()
    assert comment.body == "Ask the MoD press office."
    assert queries.is_edited(comment)
    event = Event.objects.filter(verb="comment.updated").get()
    assert event.changes == {"body": ["Ask the MoD.", "Ask the MoD press office."]}
    assert event.actor == desk.reviewer


@pytest.mark.parametrize("persona", ["editor", "admin", "viewer"])
def test_nobody_edits_someone_elses_comment(desk, claim, persona):
    comment = say(claim, desk.reviewer, "Mine.")

    with pytest.raises(Forbidden):
        services.comment_update(comment=comment, actor=desk.user(persona), body="Theirs.")

    comment.refresh_from_db()
    assert comment.body == "Mine."


def test_deleting_your_comment_leaves_a_tombstone_and_its_replies(desk, claim):
    question = say(claim, desk.reviewer, "Which estimate?")
    answer = say(claim, desk.editor, "The MoD's.", reply_to=question)

    services.comment_delete(comment=question, actor=desk.reviewer)

    question.refresh_from_db()
    assert question.deleted_at is not None and question.deleted_by == desk.reviewer
    assert "estimate" not in question.body  # the text lives on only in the event
    event = Event.objects.get(verb="comment.deleted")
    assert event.changes == {"body": ["Which estimate?", None]}
    items = queries.thread(claim.pk, desk.team.pk, None)
    assert [(item.pk, item.deleted, item.depth) for item in items] == [
        (question.pk, True, 0),
        (answer.pk, False, 1),
    ]
    assert not items[0].removed_by_editor


def test_editors_remove_anyones_comment_and_the_tombstone_says_so(desk, claim):
    comment = say(claim, desk.reviewer, "Off topic.")

    services.comment_delete(comment=comment, actor=desk.editor)

    comment.refresh_from_db()
    assert queries.removed_by_editor(comment)
    assert "Removed by an editor" in Event.objects.get(verb="comment.deleted").note


def test_a_reviewer_cannot_delete_someone_elses_comment(desk, claim):
    comment = say(claim, desk.editor, "Editor's note.")

    with pytest.raises(Forbidden):
        services.comment_delete(comment=comment, actor=desk.reviewer)

    comment.refresh_from_db()
    assert comment.deleted_at is None


def test_a_deleted_comment_cannot_be_edited_replied_to_or_deleted_again(desk, claim):
    comment = say(claim, desk.reviewer, "Soon gone.")
    services.comment_delete(comment=comment, actor=desk.reviewer)

    with pytest.raises(Conflict, match="deleted"):
        services.comment_update(comment=comment, actor=desk.reviewer, body="Back?")
    with pytest.raises(InvalidInput, match="deleted"):
        say(claim, desk.editor, "Answer.", reply_to=comment)
    with pytest.raises(Conflict, match="deleted"):
        services.comment_delete(comment=comment, actor=desk.editor)


def test_viewers_read_only_and_outsiders_are_told_nothing_exists(desk, claim):
    with pytest.raises(Forbidden):
        say(claim, desk.viewer, "May I?")
    with pytest.raises(NotFound):
        say(claim, desk.outsider, "Hello?")
    assert not Comment.objects.exists()


def test_a_published_claim_can_still_be_discussed(desk, claim):
    claim.status = ClaimStatus.PUBLISHED
    claim.save(update_fields=["status"])

    comment = say(claim, desk.reviewer, "A reader wrote in about this.")
    services.comment_update(comment=comment, actor=desk.reviewer, body="Two readers wrote in.")

    assert Comment.objects.get().body == "Two readers wrote in."


# --- the claim panel ----------------------------------------------------------------------------


def test_the_open_claim_shows_its_discussion_with_replies_and_tombstones(client, desk, claim):
    question = say(claim, desk.reviewer, "Which estimate?")
    say(claim, desk.editor, "The MoD's, @reviewer-user.", reply_to=question)
    removed = say(claim, desk.admin, "Spam")
    services.comment_delete(comment=removed, actor=desk.editor)
    services.comment_delete(comment=question, actor=desk.reviewer)
    client.force_login(desk.reviewer)

    section = discussion_of(open_claim(client, claim), claim)

    assert "Discussion" in section
    assert "Comment deleted" in section and "Which estimate?" not in section
    assert "Removed by an editor" in section and "Spam" not in section
    assert "comment--depth-1" in section
    assert '<span class="mention">@reviewer-user</span>' in section
    assert "Post comment" in section


def test_posting_a_comment_without_javascript_returns_to_the_open_claim(client, desk, claim):
    client.force_login(desk.reviewer)

    response = client.post(reverse("comment_post", args=[claim.pk]), {"body": "Checked."})

    assert response.status_code == 302
    assert (
        response["Location"] == reverse("claim_edit", args=[claim.pk]) + f"#discussion-{claim.pk}"
    )
    assert "Checked." in discussion_of(open_claim(client, claim), claim)


def test_posting_with_htmx_answers_with_the_discussion_section(client, desk, claim):
    client.force_login(desk.reviewer)

    response = client.post(
        reverse("comment_post", args=[claim.pk]),
        {"body": "Checked <b>twice</b>."},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<section id="discussion-{claim.pk}"')
    assert "Checked &lt;b&gt;twice&lt;/b&gt;." in html
    assert "Comment posted." in html


def test_an_empty_comment_comes_back_with_the_reason(client, desk, claim):
    client.force_login(desk.reviewer)

    response = client.post(
        reverse("comment_post", args=[claim.pk]), {"body": "   "}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 400
    assert "A comment cannot be empty." in response.content.decode()
    assert response["HX-Retarget"] == f"#discussion-{claim.pk}"  # swapped in place


def test_a_reply_form_loads_in_place_and_posts_a_reply(client, desk, claim):
    question = say(claim, desk.editor, "Source?")
    client.force_login(desk.reviewer)

    form = client.get(reverse("comment_reply", args=[question.pk]), HTTP_HX_REQUEST="true")
    assert form.status_code == 200
    assert 'name="reply_to"' in form.content.decode() and "Post reply" in form.content.decode()
    page = client.get(reverse("comment_reply", args=[question.pk]))  # without JavaScript
    assert "Reply to a comment" in page.content.decode() and "Source?" in page.content.decode()

    client.post(
        reverse("comment_post", args=[claim.pk]), {"body": "The MoD.", "reply_to": question.pk}
    )
    assert Comment.objects.get(body="The MoD.").reply_to == question


def test_replying_to_a_deleted_comment_is_refused_with_a_clear_message(client, desk, claim):
    question = say(claim, desk.editor, "Source?")
    services.comment_delete(comment=question, actor=desk.editor)
    client.force_login(desk.reviewer)

    response = client.post(
        reverse("comment_post", args=[claim.pk]),
        {"body": "Too late.", "reply_to": question.pk},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 400
    assert "That comment was deleted: it cannot be replied to." in response.content.decode()
    assert "Too late." in response.content.decode()  # what was typed is kept


def test_edit_and_delete_buttons_show_on_own_comments_and_remove_for_editors(client, desk, claim):
    mine = say(claim, desk.reviewer, "Mine.")
    theirs = say(claim, desk.editor, "Theirs.")

    client.force_login(desk.reviewer)
    section = discussion_of(open_claim(client, claim), claim)
    assert reverse("comment_edit", args=[mine.pk]) in section
    assert reverse("comment_edit", args=[theirs.pk]) not in section
    assert reverse("comment_delete", args=[theirs.pk]) not in section
    assert ">Delete<" in section and ">Remove<" not in section

    client.force_login(desk.editor)
    section = discussion_of(open_claim(client, claim), claim)
    assert reverse("comment_delete", args=[mine.pk]) in section
    assert ">Remove<" in section


def test_editing_your_comment_on_the_page_shows_it_edited(client, desk, claim):
    comment = say(claim, desk.reviewer, "Frist draft.")
    client.force_login(desk.reviewer)

    form = client.get(reverse("comment_edit", args=[comment.pk]), HTTP_HX_REQUEST="true")
    assert "Save comment" in form.content.decode() and "Frist draft." in form.content.decode()
    saved = client.post(
        reverse("comment_edit", args=[comment.pk]), {"body": "First draft."}, HTTP_HX_REQUEST="true"
    )

    assert saved.status_code == 200
    assert "First draft." in saved.content.decode() and "(edited)" in saved.content.decode()


def test_someone_elses_comment_cannot_be_edited_on_the_page(client, desk, claim):
    comment = say(claim, desk.editor, "Editor's.")
    client.force_login(desk.reviewer)

    assert client.get(reverse("comment_edit", args=[comment.pk])).status_code == 403
    response = client.post(reverse("comment_edit", args=[comment.pk]), {"body": "Mine now."})
    assert response.status_code == 403
    assert client.post(reverse("comment_delete", args=[comment.pk])).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Editor's." and comment.deleted_at is None


def test_deleting_on_the_page_leaves_the_tombstone_in_place(client, desk, claim):
    comment = say(claim, desk.reviewer, "Oops.")
    client.force_login(desk.reviewer)

    confirm = client.get(reverse("comment_delete", args=[comment.pk]))
    assert "Delete your comment?" in confirm.content.decode()
    response = client.post(reverse("comment_delete", args=[comment.pk]), HTTP_HX_REQUEST="true")

    assert "Comment deleted" in response.content.decode()
    assert "Oops." not in response.content.decode()


def test_an_editor_removes_a_comment_on_the_page(client, desk, claim):
    comment = say(claim, desk.reviewer, "Off topic.")
    client.force_login(desk.editor)

    response = client.post(reverse("comment_delete", args=[comment.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "Removed by an editor" in response.content.decode()


def test_viewers_read_the_discussion_but_cannot_comment(client, desk, claim):
    say(claim, desk.reviewer, "Visible to all members.")
    client.force_login(desk.viewer)

    section = discussion_of(open_claim(client, claim), claim)
    assert "Visible to all members." in section
    assert "Post comment" not in section and ">Reply<" not in section

    response = client.post(reverse("comment_post", args=[claim.pk]), {"body": "Me too."})
    assert response.status_code == 403
    htmx = client.post(
        reverse("comment_post", args=[claim.pk]), {"body": "Me too."}, HTTP_HX_REQUEST="true"
    )
    assert htmx.status_code == 403 and "viewer" in htmx.content.decode()
    assert not Comment.objects.filter(body="Me too.").exists()


def test_outsiders_get_404_everywhere_in_the_discussion(client, desk, claim):
    comment = say(claim, desk.reviewer, "Internal.")
    client.force_login(desk.outsider)

    assert client.post(reverse("comment_post", args=[claim.pk]), {"body": "Hi"}).status_code == 404
    assert client.get(reverse("discussion", args=[claim.pk])).status_code == 404
    for name in ("comment_reply", "comment_edit", "comment_delete"):
        assert client.get(reverse(name, args=[comment.pk])).status_code == 404
    assert client.post(reverse("comment_delete", args=[comment.pk])).status_code == 404
    assert Comment.objects.get(pk=comment.pk).deleted_at is None


def test_the_claim_card_counts_its_comments(client, desk, article, claim):
    say(claim, desk.reviewer, "One.")
    say(claim, desk.editor, "Two.")
    gone = say(claim, desk.editor, "Three.")
    services.comment_delete(comment=gone, actor=desk.editor)
    client.force_login(desk.viewer)

    html = client.get(reverse("article_detail", args=[article.pk])).content.decode()

    card = re.search(rf'<li id="claim-{claim.pk}".*?</li>', html, re.S).group(0)
    assert "2 comments" in card


def test_the_open_claim_costs_the_same_queries_for_few_and_many_comments(client, desk, claim):
    client.force_login(desk.editor)
    url = reverse("claim_edit", args=[claim.pk])

    def count() -> int:
        return get_queries(client, url)

    parent = say(claim, desk.reviewer, "First @editor-user")
    few = count()
    for index in range(30):
        parent = say(claim, [desk.reviewer, desk.admin][index % 2], f"Reply {index}", parent)
        if index % 5 == 0:
            services.comment_delete(comment=parent, actor=desk.editor)
            parent = say(claim, desk.reviewer, f"New thread {index} @admin-user")

    assert count() == few


# --- exports ----------------------------------------------------------------------------------


def test_a_tombstone_is_exported_without_its_text_and_imported_back_as_one(desk, claim):
    question = say(claim, desk.reviewer, "Which estimate?")
    say(claim, desk.editor, "The MoD's.", reply_to=question)
    services.comment_delete(comment=question, actor=desk.editor)

    document = json.loads("".join(stream_json(desk.team)))
    exported = document["claims"][0]["comments"]
    assert exported[0]["body"] == "" and exported[0]["deleted_by"] == "editor-user"
    assert exported[0]["deleted_at"] and exported[1]["deleted_at"] is None
    assert "Which estimate?" not in json.dumps(document)

    copy_team = services.team_create(name="Copy desk", slug="copy")
    services.team_import_json(team=copy_team, data=document)
    copied = Comment.objects.filter(claim__article__team=copy_team).order_by("id")
    tombstone, reply = copied
    assert tombstone.deleted_at is not None and tombstone.deleted_by == desk.editor
    assert queries.removed_by_editor(tombstone)
    assert reply.reply_to == tombstone and reply.body == "The MoD's."
    again = json.loads("".join(stream_json(copy_team)))["claims"][0]["comments"]
    assert [(c["body"], c["deleted_by"]) for c in again] == [
        ("", "editor-user"),
        ("The MoD's.", None),
    ]


def test_an_older_export_without_tombstone_fields_still_imports(desk, claim):
    say(claim, desk.reviewer, "Old style.")
    document = json.loads("".join(stream_json(desk.team)))
    for comment in document["claims"][0]["comments"]:
        del comment["deleted_at"], comment["deleted_by"]
    copy_team = services.team_create(name="Copy desk", slug="copy")

    result = services.team_import_json(team=copy_team, data=document)

    assert result.comments == 1
    assert Comment.objects.get(claim__article__team=copy_team).deleted_at is None
