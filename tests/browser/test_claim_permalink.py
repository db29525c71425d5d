"""A claim's permalink in a real browser: the article page opens with that claim's panel open
and its highlight in view, with JavaScript and without; the Export menu opens without it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotations.models import Article, Claim
from tests.browser.helpers import DEMO_PASSWORD, log_in

pytestmark = pytest.mark.browser


def last_in_text(article: Article) -> Claim:
    """The claim furthest down the text: its highlight is out of view when the page opens."""
    return Claim.objects.filter(article=article, start__isnull=False).order_by("-start").first()


def check_opened(page, claim: Claim) -> None:
    card = page.locator(f"#claim-{claim.pk}")
    expect(card.locator(".claim-card__title")).to_have_text(f"Claim #{claim.number}")
    expect(card).to_contain_text(f"Permanent link to #{claim.number}")
    assert "is-open" in (card.get_attribute("class") or "")
    # Both in view: the highlight in the text, and the open claim in the panel beside it.
    expect(page.locator(f"#mark-{claim.pk}")).to_be_in_viewport()
    expect(card.locator(".claim-card__title")).to_be_in_viewport()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_permalink_opens_the_claim_with_its_highlight_in_view(
    browser, live_server, demo, artifacts, javascript
):
    claim = last_in_text(demo)
    context = browser.new_context(
        viewport={"width": 1280, "height": 800},
        base_url=live_server.url,
        java_script_enabled=javascript,
    )
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        log_in(page, "viewer", password=DEMO_PASSWORD)
        page.goto(f"/teams/demo/claims/{claim.number}/")

        assert page.url.endswith(f"/articles/{demo.pk}/?claim={claim.pk}#mark-{claim.pk}")
        check_opened(page, claim)
        if javascript:
            # The script selects it: its highlight marked current, its card in the panel's view.
            expect(page.locator(f"#mark-{claim.pk}")).to_have_class(
                f"mark {mark_class(page, claim)} is-current"
            )
            expect(page.get_by_role("button", name="Copy link")).to_be_visible()
        else:
            expect(page.get_by_role("button", name="Copy link")).to_be_hidden()
        page.screenshot(
            path=str(artifacts / f"claim-permalink-{'js' if javascript else 'nojs'}.png")
        )
        assert errors == []
    finally:
        context.close()


def mark_class(page, claim: Claim) -> str:
    classes = page.locator(f"#mark-{claim.pk}").get_attribute("class") or ""
    return next(name for name in classes.split() if name.startswith("verdict-"))


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_export_menu_offers_every_format_to_a_viewer(
    browser, live_server, demo, artifacts, javascript
):
    context = browser.new_context(
        viewport={"width": 1280, "height": 800},
        base_url=live_server.url,
        java_script_enabled=javascript,
        accept_downloads=True,
    )
    try:
        page = context.new_page()
        log_in(page, "viewer", password=DEMO_PASSWORD)
        page.goto(f"/articles/{demo.pk}/")
        menu = page.locator("details.export-menu")
        menu.locator("summary").click()
        for label in ["CSV", "JSON", "NDJSON", "W3C Web Annotation", "ClaimReview"]:
            expect(menu.get_by_role("link", name=label, exact=True)).to_be_visible()
        page.screenshot(
            path=str(artifacts / f"export-menu-article-{'js' if javascript else 'nojs'}.png")
        )
        with page.expect_download() as download:
            menu.get_by_role("link", name="CSV", exact=True).click()
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert text.startswith("claim,claim_id,")
        assert f"{demo.title[:20]}" in text

        page.goto("/?q=" + demo.title.split()[0])
        page.locator("details.export-menu summary").first.click()
        link = page.locator("details.export-menu").first.get_by_role(
            "link", name="JSON", exact=True
        )
        expect(link).to_be_visible()
        assert "q=" in (link.get_attribute("href") or "")
        page.screenshot(
            path=str(artifacts / f"export-menu-list-{'js' if javascript else 'nojs'}.png")
        )
    finally:
        context.close()
