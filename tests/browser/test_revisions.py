"""Revisions in a real browser: a reviewer uploads a corrected version of an article in which
a claimed sentence was reworded; the claim is listed under "Needs attention" with a fuzzy
badge and both quotes, and "Confirm match" settles it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from annotations import services
from annotations.models import AnchorState, Claim
from tests.browser.helpers import log_in, select_text
from tests.factories import SAMPLE_TEXT, make_article

pytestmark = pytest.mark.browser

STORY = SAMPLE_TEXT
QUOTE = "11.000 North Korean soldiers had arrived in the region"
REWORDED = STORY.replace("had arrived in the region", "had arrived in the area")


def test_a_reviewer_uploads_a_new_version_and_confirms_a_fuzzy_match(
    open_page, desk, artifacts, tmp_path
):
    article = make_article(desk.team, STORY, title="Troops in Kursk")
    start = article.text.index(QUOTE)
    claim = services.claim_create(
        article=article, actor=desk.reviewer, start=start, end=start + len(QUOTE), exact=QUOTE
    )
    upload = tmp_path / "corrected.txt"
    upload.write_text(REWORDED)

    page, console = open_page(1280)
    log_in(page, desk.reviewer.username)
    page.goto(f"/articles/{article.pk}/")
    expect(page.locator("#needs-attention")).to_have_count(0)
    page.get_by_role("link", name="New version").click()
    expect(page.get_by_role("heading", name="New version")).to_be_visible()
    page.get_by_label(re.compile("file", re.I)).first.check()
    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_role("button", name="Save new version").click()

    expect(page).to_have_url(re.compile(rf"/articles/{article.pk}/$"))
    expect(page.get_by_role("status").filter(has_text="1 fuzzy")).to_be_visible()
    attention = page.locator("#needs-attention")
    item = attention.locator(f"#attention-{claim.pk}")
    expect(item.locator(".badge")).to_have_text("Fuzzy match")
    expect(item).to_contain_text("had arrived in the region")
    expect(item).to_contain_text("had arrived in the area")
    expect(page.locator(f"#claim-{claim.pk} .badge--fuzzy")).to_have_text("Fuzzy match")
    attention.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "revision-needs-attention-1280.png", full_page=True)

    item.get_by_role("button", name="Confirm match").click()
    expect(page.get_by_role("status").filter(has_text="confirmed")).to_be_visible()
    expect(page.locator("#needs-attention")).to_have_count(0)
    expect(page.locator(f"#claim-{claim.pk} .badge")).to_have_count(0)
    claim.refresh_from_db()
    assert claim.anchor == AnchorState.ANCHORED
    assert Claim.objects.get(pk=claim.pk).exact.endswith("in the area")

    assert console.csp_violations() == []
    assert console.errors() == []


def test_selecting_text_on_the_reattach_page_reattaches_an_orphan(open_page, desk):
    article = make_article(desk.team, STORY, title="Troops in Kursk")
    start = article.text.index(QUOTE)
    claim = services.claim_create(
        article=article, actor=desk.reviewer, start=start, end=start + len(QUOTE), exact=QUOTE
    )
    services.article_revise(
        article=article,
        actor=desk.editor,
        text="Troops in Kursk\n\nSoldiers were seen near Sudzha.",
    )
    claim.refresh_from_db()
    assert claim.anchor == AnchorState.ORPHANED

    page, console = open_page(1280)
    log_in(page, desk.reviewer.username)
    page.goto(f"/articles/{article.pk}/")
    item = page.locator(f"#attention-{claim.pk}")
    expect(item.locator(".badge")).to_have_text("Orphaned")
    expect(item.get_by_role("button", name="Confirm match")).to_have_count(0)
    item.get_by_role("link", name="Re-attach").click()
    # Select only once the page's script listens for selections.
    expect(page.locator("#reattach-form[data-selection-ready='true']")).to_have_count(1)
    select_text(page, "Soldiers were seen")
    expect(page.get_by_label("New quote")).to_have_value("Soldiers were seen")
    page.get_by_role("button", name="Re-attach").click()
    expect(page).to_have_url(re.compile(rf"/articles/{article.pk}/#claim-{claim.pk}$"))
    expect(page.locator("#needs-attention")).to_have_count(0)
    claim.refresh_from_db()
    assert claim.anchor == AnchorState.ANCHORED
    assert claim.exact == "Soldiers were seen"
    assert console.csp_violations() == []
    assert console.errors() == []
