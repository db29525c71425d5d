"""The discussion of a claim in a real browser: comment, reply in place, edit, delete, and the
mention that reaches a colleague's notifications."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from annotations import services
from annotations.models import Notification

from ..factories import make_article
from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def claim(desk):
    article = make_article(desk.team)
    return services.claim_create(
        article=article, actor=desk.reviewer, exact="Pentagon", summary="The Pentagon estimate"
    )


def test_a_reviewer_discusses_a_claim_and_mentions_an_editor(open_page, desk, claim):
    page, log = open_page()
    log_in(page, desk.reviewer.username)
    page.goto(f"/articles/{claim.article_id}/")
    page.locator(f"#claim-{claim.pk} [data-open-claim]").click()
    discussion = page.locator(f"#discussion-{claim.pk}")
    expect(discussion.get_by_role("heading", name=re.compile("Discussion"))).to_be_visible()

    discussion.get_by_label("Comment", exact=True).fill("@editor-user which estimate is this?")
    discussion.get_by_role("button", name="Post comment").click()
    expect(discussion.locator(".mention", has_text="@editor-user")).to_be_visible()
    expect(discussion.get_by_role("status")).to_have_text("Comment posted.")

    discussion.get_by_role("link", name="Reply to reviewer-user").click()
    discussion.get_by_label("Reply", exact=True).fill("The MoD briefing, I think.")
    discussion.get_by_role("button", name="Post reply").click()
    expect(discussion.locator(".comment--depth-1")).to_contain_text("The MoD briefing")

    discussion.locator(".comment--depth-1").get_by_role("link", name="Edit").click()
    discussion.get_by_label("Edit comment").fill("The MoD briefing of 4 November.")
    discussion.get_by_role("button", name="Save comment").click()
    expect(discussion.locator(".comment--depth-1")).to_contain_text("(edited)")

    page.once("dialog", lambda dialog: dialog.accept())
    discussion.locator(".comment--depth-0").get_by_role("button", name="Delete").click()
    expect(discussion.locator(".comment--depth-0")).to_have_text("Comment deleted")
    expect(discussion.locator(".comment--depth-1")).to_contain_text("4 November")
    assert Notification.objects.filter(user=desk.editor, kind="mention").count() == 1
    assert log.csp_violations() == [] and log.errors() == []

    editor, _ = open_page()
    log_in(editor, desk.editor.username)
    badge = editor.get_by_role("link", name="Notifications, 1 unread")
    expect(badge).to_be_visible()
    badge.click()
    editor.get_by_role("link", name=re.compile("reviewer-user mentioned you")).click()
    expect(editor.locator(f"#discussion-{claim.pk}")).to_be_visible()
    expect(editor.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
