"""A failed action answers in place, in the `make run` configuration (DEBUG on, uvicorn) as in
the production one: the article, the page's styles, the header and what was typed stay, and
the message is shown where the action was. An unknown article is the site's own 404 page.

Each test runs once per configuration (the `app_server` fixture of conftest.py).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from annotations import services
from annotations.models import ClaimStatus
from tests.factories import SAMPLE_TEXT, make_article

pytestmark = pytest.mark.browser

STORY = SAMPLE_TEXT
PUBLISHED_QUOTE = "there are 10.000 North Korean soldiers in the Kursk region"


@pytest.fixture
def kursk(desk):
    article = make_article(desk.team, text=STORY, title="Troops in Kursk")
    claim = services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact=PUBLISHED_QUOTE,
        claimant="The Pentagon",
        rating="mostly-true",
    )
    services.claim_transition(claim=claim, actor=desk.reviewer, to=ClaimStatus.IN_REVIEW)
    services.claim_transition(claim=claim, actor=desk.editor, to=ClaimStatus.APPROVED)
    services.claim_transition(claim=claim, actor=desk.editor, to=ClaimStatus.PUBLISHED)
    return article, claim


def open_article(app_server, browser, user, article):
    page = app_server.log_in_context(browser, user).new_page()
    page.set_default_timeout(10_000)
    troubles: list[str] = []
    page.on("pageerror", lambda error: troubles.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda m: troubles.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(f"/articles/{article.pk}/")
    expect(page.locator("#article-text")).to_contain_text("Zelensky")
    return page, troubles


def assert_page_intact(page, troubles: list[str]) -> None:
    """The document was not replaced: the article, the header, the page's styles are there."""
    expect(page.locator("#article-text")).to_contain_text("North Korean soldiers")
    expect(page.locator("header.site-header")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    # app.css is applied: the workspace is laid out in columns, the header has its rule.
    display = page.evaluate("getComputedStyle(document.querySelector('.workspace')).display")
    assert display == "grid", display
    border = page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).borderBottomStyle"
    )
    assert border == "solid", border
    assert page.title().endswith("· Factcheck")
    assert not troubles, troubles


def test_a_quote_not_in_the_text_is_refused_in_place(app_server, browser, desk, kursk, artifacts):
    article, _ = kursk
    page, troubles = open_article(app_server, browser, desk.reviewer, article)
    page.keyboard.press("n")
    composer = page.locator("#composer")
    quote = composer.get_by_label("Quote from the article")
    expect(quote).to_be_focused()
    quote.fill("Twenty thousand soldiers crossed the border")
    composer.get_by_label("Claimant", exact=True).fill("A spokesman")
    composer.get_by_label("Rationale").fill("Nobody reported this.")
    composer.get_by_label("Verdict", exact=True).select_option(label="False")
    with page.expect_response(re.compile(r"/claims/$")) as answer:
        composer.get_by_role("button", name="Save claim").click()
    assert answer.value.status == 400
    expect(composer.get_by_role("alert")).to_contain_text("does not occur in the article text")
    expect(quote).to_have_value("Twenty thousand soldiers crossed the border")
    expect(composer.get_by_label("Claimant", exact=True)).to_have_value("A spokesman")
    expect(composer.get_by_label("Rationale")).to_have_value("Nobody reported this.")
    assert_page_intact(page, troubles)
    page.screenshot(path=artifacts / f"error-in-place-quote-{app_server.mode}.png", full_page=True)


def test_a_bad_source_address_is_refused_in_place(app_server, browser, desk, kursk, artifacts):
    article, _ = kursk
    page, troubles = open_article(app_server, browser, desk.reviewer, article)
    page.keyboard.press("n")
    composer = page.locator("#composer")
    composer.get_by_label("Quote from the article").fill("11.000 North Korean soldiers")
    composer.get_by_label("Claimant", exact=True).fill("President Zelensky")
    composer.get_by_label("Source URL").first.fill("ftp://example.org/briefing")
    with page.expect_response(re.compile(r"/claims/$")) as answer:
        composer.get_by_role("button", name="Save claim").click()
    assert answer.value.status == 400
    expect(composer.get_by_role("alert")).to_contain_text("http:// or https://")
    expect(composer.get_by_label("Source URL").first).to_have_value("ftp://example.org/briefing")
    expect(composer.get_by_label("Claimant", exact=True)).to_have_value("President Zelensky")
    assert_page_intact(page, troubles)
    page.screenshot(path=artifacts / f"error-in-place-source-{app_server.mode}.png", full_page=True)


def test_a_correction_without_a_note_is_refused_in_place(
    app_server, browser, desk, kursk, artifacts
):
    article, claim = kursk
    page, troubles = open_article(app_server, browser, desk.editor, article)
    card = page.locator(f"#claim-{claim.pk}")
    card.get_by_role("link", name=re.compile(r"^Claim #\d+$")).click()
    correct = card.get_by_role("button", name="Correct")
    expect(correct).to_be_visible()
    expect(card).to_contain_text("out of the published feed")
    with page.expect_response(re.compile(r"/status/$")) as answer:
        correct.click()
    assert answer.value.status == 400
    expect(card.get_by_role("alert")).to_contain_text("needs a note")
    expect(card.get_by_label("Correction note")).to_be_visible()
    expect(card.get_by_role("button", name="Correct")).to_be_visible()
    assert_page_intact(page, troubles)
    page.screenshot(
        path=artifacts / f"error-in-place-correction-{app_server.mode}.png", full_page=True
    )


def test_an_unknown_article_is_the_sites_404_page(app_server, browser, desk, artifacts):
    page = app_server.log_in_context(browser, desk.reviewer).new_page()
    response = page.goto("/articles/999999/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found", level=1)).to_be_visible()
    expect(page.locator("header.site-header")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    body = page.locator("body").inner_text()
    assert "Page not found" not in body
    assert "URLconf" not in body and "urlpatterns" not in body
    assert "articles/<int:pk>/" not in body
    border = page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).borderBottomStyle"
    )
    assert border == "solid"
    page.screenshot(path=artifacts / f"error-404-{app_server.mode}.png")
