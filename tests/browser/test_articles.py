"""Managing articles in a real browser: an editor corrects an article's title and original
URL, archives it (it leaves the article list, and is under "Archived"), and restores it; an
admin deletes another one after a confirmation page naming what goes with it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from annotations import services
from annotations.models import Article
from tests.browser.helpers import log_in
from tests.factories import make_article

pytestmark = pytest.mark.browser

STORY = (
    "President Zelensky said that 11.000 North Korean soldiers had arrived in the region.\n\n"
    "The Pentagon estimated that there are 10.000 North Korean soldiers in the Kursk region."
)


def test_an_editor_fixes_the_details_archives_and_restores_an_article(open_page, desk, artifacts):
    article = make_article(desk.team, STORY, title="Scraped title | Site name")
    page, console = open_page(1280)
    log_in(page, desk.editor.username)
    page.goto(f"/articles/{article.pk}/")

    manage = page.get_by_role("group", name="Manage the article")
    manage.get_by_role("link", name="Edit details").click()
    expect(page.get_by_role("heading", name="Edit details")).to_be_visible()
    page.get_by_label("Title").fill("Troops in Kursk")
    page.get_by_label("Original URL").fill("example.org/kursk")
    page.get_by_role("button", name="Save details").click()
    # A mistake is shown in place, with what was typed still there.
    expect(page.get_by_role("alert")).to_contain_text("http:// or https://")
    expect(page.get_by_label("Title")).to_have_value("Troops in Kursk")
    page.get_by_label("Original URL").fill("https://example.org/kursk")
    page.get_by_role("button", name="Save details").click()

    expect(page).to_have_url(re.compile(rf"/articles/{article.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Troops in Kursk")
    expect(page.locator(".article-head a[href='https://example.org/kursk']")).to_be_visible()
    page.screenshot(path=str(artifacts / "article-details-saved.png"), full_page=False)

    manage = page.get_by_role("group", name="Manage the article")
    manage.get_by_role("button", name="Archive").click()
    banner = page.locator(".archived-banner")
    expect(banner).to_contain_text("Archived on")
    page.screenshot(path=str(artifacts / "article-archived.png"), full_page=False)

    page.get_by_role("link", name="Articles", exact=True).first.click()
    results = page.locator("#results")
    expect(results).not_to_contain_text("Troops in Kursk")
    page.get_by_role("link", name="Archived", exact=True).click()
    expect(page.locator("#results")).to_contain_text("Troops in Kursk")
    page.screenshot(path=str(artifacts / "article-list-archived-tab.png"), full_page=False)
    page.locator("#results").get_by_role("link", name="Troops in Kursk").click()

    page.locator(".archived-banner").get_by_role("button", name="Restore").click()
    expect(page.locator(".archived-banner")).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="Restored")).to_be_visible()
    page.get_by_role("link", name="Articles", exact=True).first.click()
    expect(page.locator("#results")).to_contain_text("Troops in Kursk")

    verbs = list(
        article.events.order_by("id").values_list("verb", flat=True)  # type: ignore[attr-defined]
    )
    assert verbs[-3:] == ["article.updated", "article.archived", "article.restored"]
    assert console.csp_violations() == []


def test_an_admin_deletes_an_article_after_the_confirmation_names_its_counts(
    open_page, desk, artifacts
):
    article = make_article(desk.team, STORY, title="Imported by mistake")
    claim = services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact="11.000 North Korean soldiers",
        rating="false",
        sources=[{"url": "https://example.org/isw"}],
    )
    services.comment_add(claim=claim, actor=desk.editor, body="Is this the right article?")
    page, console = open_page(1280)
    log_in(page, desk.admin.username)
    page.goto(f"/articles/{article.pk}/")

    page.get_by_role("group", name="Manage the article").get_by_role("link", name="Delete…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete this article for good?")
    contents = page.get_by_role("list", name="What is deleted with it")
    for words in ("1 claim", "1 verdict", "1 source", "1 comment", "1 revision", "0 assignments"):
        expect(contents).to_contain_text(words)
    page.screenshot(path=str(artifacts / "article-delete-confirmation.png"), full_page=False)
    page.get_by_role("button", name="Delete the article and its 1 claim").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(
        page.get_by_role("status").filter(has_text="Deleted “Imported by mistake”")
    ).to_be_visible()
    assert not Article.objects.filter(pk=article.pk).exists()
    page.goto(f"/teams/{desk.team.slug}/activity/")
    expect(page.locator(".audit-list")).to_contain_text(
        "deleted the article “Imported by mistake” for good"
    )
    assert console.csp_violations() == []
