"""Importing several articles at once in a real browser (each item posted on its own by the
page's script, its row filled as it comes), and the article's own links in its text."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from annotations import services
from annotations.models import Article, Claim
from tests.browser.helpers import log_in, select_text
from tests.pages.test_import_batch import SHORT_PAGE, article_page, site  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser


def test_a_reviewer_imports_files_and_addresses_at_once_with_a_row_per_item(
    open_page,
    desk,
    artifacts,
    site,  # noqa: F811 - the fixture imported above
    tmp_path,
):
    council = tmp_path / "council.html"
    council.write_text(article_page("Council meeting"))
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 not text")
    page, console = open_page(1280)
    log_in(page, desk.reviewer.username)
    page.goto("/articles/import/")

    bulk = page.locator("#bulk-form")
    bulk.get_by_label("Documents").set_input_files([str(council), str(photo)])
    bulk.get_by_label("Addresses, one per line").fill(
        "\n".join(f"{site}/{name}.html" for name in ("budget", "missing", "gallery"))
    )
    bulk.get_by_role("button", name="Load them all").click()

    rows = page.locator("#bulk-progress > li")
    expect(rows).to_have_count(5)
    expect(page.locator("#bulk-progress[data-done]")).to_have_count(1)
    states = [rows.nth(index).get_attribute("data-state") for index in range(5)]
    assert states == ["imported", "failed", "imported", "failed", "not_article"]
    expect(rows.nth(0).get_by_role("link", name="Council meeting")).to_be_visible()
    expect(rows.nth(1)).to_contain_text("not a supported type")
    expect(rows.nth(3)).to_contain_text("404")
    expect(rows.nth(4)).to_contain_text("Only")
    expect(page).to_have_url(re.compile(r"/articles/import/$"))  # no page load: rows in place
    assert Article.objects.count() == 2
    page.screenshot(path=artifacts / "import-batch-1280.png", full_page=True)

    rows.nth(4).get_by_role("button", name="Import anyway").click()
    expect(rows.nth(4)).to_have_attribute("data-state", "imported")
    expect(rows.nth(4).get_by_role("link", name="Gallery")).to_be_visible()
    assert Article.objects.count() == 3
    assert not console.csp_violations() and not console.errors()


def test_links_in_the_text_open_and_do_not_break_highlights_or_selection(
    open_page, desk, artifacts, live_server
):
    # the article links to a page of this site, so the new tab stays on this machine
    html = article_page("Budget vote").replace(
        "https://stats.example.org/11", f"{live_server.url}/teams/?from=article"
    )
    article = services.article_import(team=desk.team, actor=desk.reviewer, html=html).article
    quote = "statistics office for the figures"
    start = article.text.index(quote)
    claim = services.claim_create(
        article=article, actor=desk.reviewer, start=start, end=start + len(quote), exact=quote
    )
    page, console = open_page(1280)
    page.context.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda r: r.abort())
    log_in(page, desk.reviewer.username)
    page.goto(f"/articles/{article.pk}/")

    link = page.locator("#article-text a.article-link").last
    expect(link).to_have_text("statistics office")
    expect(link.locator(f"mark[data-claim-id='{claim.pk}']")).to_have_count(1)
    page.screenshot(path=artifacts / "article-links-1280.png")
    with page.context.expect_page() as opened:
        link.click()
    assert opened.value.url == f"{live_server.url}/teams/?from=article"
    opened.value.close()
    expect(page.locator(".claim-card.is-open")).to_have_count(0)  # the click was the link's

    # a selection that runs through the link still becomes the exact quote
    select_text(page, "See the statistics", "for the figures")
    page.get_by_role("button", name="Add claim").click()
    form = page.locator("#composer form")
    expect(form.get_by_label("Claim", exact=True)).to_have_value(
        "See the statistics office for the figures"
    )
    form.get_by_label("Claimant", exact=True).fill("The council")
    form.get_by_role("button", name="Save claim").click()
    expect(page.locator("#composer form")).to_have_count(0)
    assert Claim.objects.filter(exact="See the statistics office for the figures").exists()
    assert not console.csp_violations() and not console.errors()
