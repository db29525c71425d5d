"""After an action taken in place, the header's counts and the article's status are right
without a reload (out-of-band swaps), in the `make run` configuration and the production one."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_article, make_claim_in_review

pytestmark = pytest.mark.browser


def test_approving_updates_my_queue_and_the_article_status(app_server, browser, desk, artifacts):
    article = make_article(desk.team, title="Troops in Kursk")
    claim = make_claim_in_review(article, desk.reviewer)
    page = app_server.log_in_context(browser, desk.editor).new_page()
    page.set_default_timeout(10_000)
    page.goto(f"/articles/{article.pk}/")
    queue = page.get_by_role("link", name=re.compile(r"^My queue"))
    expect(queue).to_have_accessible_name("My queue, 1 item")
    expect(page.locator("#article-status")).to_have_text("In progress")

    card = page.locator(f"#claim-{claim.pk}")
    card.get_by_role("link", name=re.compile(r"^Claim #\d+$")).click()
    card.get_by_role("radio").first.check()
    card.get_by_role("button", name="Approve").click()
    expect(card.get_by_role("status")).to_contain_text("approved")
    expect(queue).to_have_accessible_name("My queue, 0 items")
    expect(page.locator("#article-status")).to_have_text("Ready")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=artifacts / f"page-updates-approved-{app_server.mode}.png")
