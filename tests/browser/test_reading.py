"""A reviewer logs in, finds an article, reads its highlighted claims, and imports another."""

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
    "Troops in Kursk\n\n"
    "Ukrainian President Volodymyr Zelensky 🇺🇦 said on Monday that 11.000 North Korean "
    "soldiers had arrived in Russia's Kursk region, based on information from Ukrainian "
    "intelligence services.\n\n"
    "According to estimates by the Main Intelligence Directorate, the number of North Korean "
    "soldiers transferred to Russia is now about 12.000, including 500 officers, three of whom "
    "are generals.\n\n"
    "The Pentagon estimated on Monday that there are 10.000 North Korean soldiers in the Kursk "
    "region, which borders Ukraine."
)


# The text a reader sees highlighted for one claim: every text node inside any of its marks.
HIGHLIGHTED_TEXT = """(id) => {
    const walker = document.createTreeWalker(
        document.getElementById("article-text"), NodeFilter.SHOW_TEXT);
    let text = "";
    while (walker.nextNode()) {
        if (walker.currentNode.parentElement.closest(`mark[data-claim-id="${id}"]`)) {
            text += walker.currentNode.data;
        }
    }
    return text;
}"""


@pytest.fixture
def story(desk):
    article = make_article(desk.team, text=STORY, title="Zelensky: 11.000 North Korean soldiers")
    Article.objects.filter(pk=article.pk).update(
        publisher="Example News", author="A. Reporter", url="https://example.org/kursk"
    )
    claims = [
        services.claim_create(
            article=article,
            actor=desk.reviewer,
            exact="11.000 North Korean soldiers had arrived in Russia's Kursk region",
            claimant="Volodymyr Zelensky",
            rating="mostly-true",
            sources=[{"url": "https://example.org/isw", "title": "ISW assessment"}],
        ),
        # Overlaps the first claim.
        services.claim_create(
            article=article,
            actor=desk.editor,
            exact="said on Monday that 11.000 North Korean",
            claimant="Volodymyr Zelensky",
        ),
        services.claim_create(
            article=article,
            actor=desk.reviewer,
            exact="about 12.000, including 500 officers",
            claimant="Main Intelligence Directorate",
            rating="unverifiable",
        ),
        services.claim_create(
            article=article,
            actor=desk.reviewer,
            exact="there are 10.000 North Korean soldiers in the Kursk region",
            claimant="The Pentagon",
            rating="true",
        ),
    ]
    return article, claims


@pytest.mark.parametrize("width", [1280, 390])
def test_a_reviewer_logs_in_and_reads_the_highlighted_claims(
    open_page, desk, story, artifacts, width
):
    article, claims = story
    page, console = open_page(width)

    log_in(page, desk.reviewer.username)
    expect(page.get_by_role("heading", name="Articles", level=1)).to_be_visible()
    page.screenshot(path=artifacts / f"article-list-{width}.png", full_page=True)

    page.get_by_role("link", name=article.title).click()
    expect(page.get_by_role("heading", name=article.title, level=1)).to_be_visible()
    expect(page.locator("#article-text")).to_be_visible()

    for claim in claims:
        marks = page.locator(f'mark[data-claim-id="{claim.pk}"]')
        expect(marks.first).to_be_visible()
        assert page.evaluate(HIGHLIGHTED_TEXT, claim.pk) == claim.exact
        expect(page.locator(f"#claim-{claim.pk}")).to_be_visible()

    claim_list = page.get_by_role("complementary")
    expect(claim_list.get_by_role("heading", name=re.compile("Claims"))).to_be_visible()
    first_card = claim_list.locator(f"#claim-{claims[0].pk}")
    expect(first_card.get_by_text("Mostly true")).to_be_visible()
    expect(first_card.get_by_text("1 source")).to_be_visible()

    # The page fits the window: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=artifacts / f"article-{width}.png", full_page=True)

    # Following a highlight's link lands on its claim in the list.
    page.locator(f'a.claim-ref[href="#claim-{claims[0].pk}"]').click()
    expect(page).to_have_url(re.compile(f"#claim-{claims[0].pk}$"))
    expect(page.locator(f"#claim-{claims[0].pk}")).to_be_in_viewport()

    # Opening the claim shows its sources.
    first_card.get_by_role("link", name=re.compile(r"^Claim #\d+$")).click()
    expect(first_card.get_by_role("link", name="ISW assessment")).to_be_visible()

    assert console.csp_violations() == []
    assert console.errors() == []


def test_the_article_list_search_updates_in_place(open_page, desk, story):
    make_article(desk.team, text="A budget story.", title="Budget vote delayed")
    page, console = open_page(1280)
    log_in(page, desk.reviewer.username)
    expect(page.get_by_role("link", name="Budget vote delayed")).to_be_visible()

    page.get_by_label("Search").fill("budget")
    expect(page.get_by_role("link", name=story[0].title)).to_have_count(0)
    expect(page.get_by_role("link", name="Budget vote delayed")).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?q=budget"))
    assert console.csp_violations() == []
    assert console.errors() == []


@pytest.mark.parametrize("width", [1280, 390])
def test_a_reviewer_imports_pasted_text_and_lands_on_the_article(open_page, desk, artifacts, width):
    page, console = open_page(width)
    log_in(page, desk.reviewer.username)
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import an article")).to_be_visible()
    # Only the chosen source's inputs show.
    expect(page.get_by_label("Article HTML")).to_be_hidden()
    page.screenshot(path=artifacts / f"import-{width}.png", full_page=True)

    page.get_by_label("Title").fill(f"Pasted at {width}px")
    page.get_by_label("Article text").fill(STORY)
    page.get_by_role("button", name="Import").click()

    expect(page).to_have_url(re.compile(r"/articles/\d+/$"))
    expect(page.get_by_role("heading", name=f"Pasted at {width}px", level=1)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Imported")).to_be_visible()
    expect(page.locator("#article-text p[data-start]").first).to_be_visible()
    assert Article.objects.filter(title=f"Pasted at {width}px").exists()

    assert console.csp_violations() == []
    assert console.errors() == []


def test_a_bad_import_keeps_what_was_typed(open_page, desk, artifacts):
    page, console = open_page(1280)
    log_in(page, desk.reviewer.username)
    page.goto("/articles/import/")
    page.get_by_label("Title").fill("My careful title")
    page.get_by_text("From a web address").click()
    expect(page.get_by_label("Article text")).to_be_hidden()
    page.get_by_label("Web address", exact=True).fill("ftp://example.org/story")
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_role("alert")).to_contain_text("only http:// and https:// addresses")
    # The message is beside the field and read out with it.
    expect(page.get_by_role("textbox", name="Web address")).to_have_accessible_description(
        re.compile("only http:// and https:// addresses")
    )
    expect(page.get_by_label("Title")).to_have_value("My careful title")
    expect(page.get_by_label("Web address", exact=True)).to_have_value("ftp://example.org/story")
    page.screenshot(path=artifacts / "import-error-1280.png", full_page=True)
    assert console.csp_violations() == []


def test_a_viewer_is_told_their_role_cannot_import(open_page, desk):
    page, console = open_page(1280)
    log_in(page, desk.viewer.username)
    expect(page.get_by_role("link", name="Import", exact=True)).to_have_count(0)
    page.goto("/articles/import/")
    expect(page.get_by_text("Your role cannot import articles")).to_be_visible()


def test_a_wrong_password_is_explained(open_page, desk, artifacts):
    page, console = open_page(390)
    log_in(page, desk.reviewer.username, password="wrong")
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    page.screenshot(path=artifacts / "login-error-390.png", full_page=True)
    assert console.csp_violations() == []
