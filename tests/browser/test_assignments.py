"""Assigning in a real browser: an editor assigns an article and a claim in place (htmx), and
the reviewer finds both in "My queue", the overdue one first, with the count in the header."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from annotations import services
from annotations.models import ArticleAssignment, ClaimAssignment

from ..factories import make_article
from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def claim(desk):
    article = make_article(desk.team, title="Troops in Kursk")
    return services.claim_create(
        article=article, actor=desk.reviewer, exact="Pentagon", summary="The Pentagon estimate"
    )


def test_an_editor_assigns_in_place_and_the_reviewer_finds_it_in_the_queue(open_page, desk, claim):
    late = (timezone.localdate() - timedelta(days=2)).isoformat()
    page, log = open_page()
    log_in(page, desk.editor.username)
    page.goto(f"/articles/{claim.article_id}/")

    assignees = page.locator("#assignees")
    assignees.get_by_label("Reviewer").select_option("reviewer-user")
    assignees.get_by_label("Due date").fill(late)
    assignees.get_by_role("button", name="Assign").click()
    expect(assignees.get_by_role("status")).to_contain_text("Assigned to reviewer-user")
    expect(assignees).to_contain_text("Overdue")
    expect(assignees.get_by_role("button", name="Remove reviewer-user")).to_be_visible()
    assert ArticleAssignment.objects.filter(user=desk.reviewer).exists()

    page.locator(f"#claim-{claim.pk} [data-open-claim]").click()
    panel = page.locator(f"#claim-{claim.pk}-assignees")
    panel.get_by_label("Reviewer").select_option("reviewer-user")
    panel.get_by_role("button", name="Assign claim").click()
    expect(panel.get_by_role("status")).to_contain_text("Assigned to reviewer-user")
    assert ClaimAssignment.objects.filter(user=desk.reviewer).exists()
    assert log.csp_violations() == [] and log.errors() == []

    reviewer, reviewer_log = open_page()
    log_in(reviewer, desk.reviewer.username)
    queue_link = reviewer.get_by_role("link", name="My queue, 2 items")
    expect(queue_link).to_have_text(re.compile(r"My queue\s+2"))
    queue_link.click()
    expect(reviewer.get_by_role("heading", name="My queue", level=1)).to_be_visible()
    assigned = reviewer.get_by_role("list", name="Articles assigned to me")
    expect(assigned.get_by_role("listitem").first).to_contain_text("Overdue")
    reviewer.get_by_role("list", name="Claims assigned to me").get_by_role(
        "link", name="The Pentagon estimate"
    ).click()
    expect(reviewer).to_have_url(re.compile(rf"/articles/{claim.article_id}/#claim-{claim.pk}$"))
    assert reviewer_log.csp_violations() == [] and reviewer_log.errors() == []
