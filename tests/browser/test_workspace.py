"""The reviewing workspace in a real browser: a reviewer highlights claims on the demo article,
gives verdicts and sources, edits, deletes and undoes, by mouse and by keyboard; a viewer cannot.

Selections are made the way a script in the page sees a user's: a DOM Range over the text
nodes of #article-text, added to the document's selection.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from annotations import services
from annotations.models import Claim, Source, Verdict
from tests.browser.helpers import DEMO_PASSWORD, log_in, no_console_trouble, open_demo, select_text
from tests.factories import make_article

pytestmark = pytest.mark.browser

SENTENCE = (
    "Ukrainian President Volodymyr Zelensky said on Monday that 11.000 North Korean soldiers "
    "had arrived in Russia's Kursk region, based on information from Ukrainian intelligence "
    "services."
)
PART = "based on information from Ukrainian intelligence services"

# A claim's highlighted text: its outermost marks' text, joined.
HIGHLIGHTED = """(id) => Array.from(
        document.querySelectorAll(`#article-text mark[data-claim-id="${id}"]`))
    .filter((mark) => !mark.parentElement.closest(`mark[data-claim-id="${id}"]`))
    .map((mark) => mark.textContent).join("")"""

NUMBERS = """() => ({
    text: Array.from(document.querySelectorAll("#article-text a.claim-ref"),
        (ref) => [ref.dataset.claim, ref.dataset.n]),
    labels: Array.from(document.querySelectorAll("#article-text a.claim-ref"),
        (ref) => ref.getAttribute("aria-label")),
    list: Array.from(document.querySelectorAll("#claim-list .claim-card"),
        (card) => [card.dataset.claim, card.querySelector(".claim-card__title")
            .textContent.replace("Claim #", "").trim()]),
})"""


def assert_numbers_agree(page) -> None:
    """Each claim's link in the text shows the claim's permanent number (#n), the one its card
    in the list shows and the one stored, after any partial update."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    numbers = page.evaluate(NUMBERS)
    stored = {
        str(pk): str(number)
        for pk, number in Claim.objects.filter(
            pk__in=[int(pk) for pk, _ in numbers["text"]]
        ).values_list("pk", "number")
    }
    assert dict(numbers["text"]) == stored
    assert dict(numbers["text"]) == {claim: n for claim, n in numbers["list"]}
    for (_, number), label in zip(numbers["text"], numbers["labels"], strict=True):
        assert label.startswith(f"Claim #{number} ") or label.startswith(f"Claim #{number}:")


def add_claim_from_selection(page, *, claimant: str, verdict: str, url: str, title: str):
    add = page.get_by_role("button", name="Add claim")
    expect(add).to_be_visible()
    add.click()
    form = page.locator("#composer form")
    expect(form.get_by_label("Claimant", exact=True)).to_be_focused()
    form.get_by_label("Claimant", exact=True).fill(claimant)
    form.get_by_label("Verdict", exact=True).select_option(label=verdict)
    form.get_by_label("Source URL").first.fill(url)
    form.get_by_label("Title").first.fill(title)
    form.get_by_role("button", name="Save claim").click()
    expect(page.locator("#composer form")).to_have_count(0)


# --- the demo article: create, overlap, reload ----------------------------------------------


def test_a_reviewer_highlights_a_claim_and_an_overlapping_one_without_a_reload(
    open_page, demo, artifacts
):
    page, console = open_demo(open_page, demo)
    page.evaluate("window.__sameDocument = 'yes'")
    before = set(Claim.objects.values_list("pk", flat=True))

    select_text(page, SENTENCE)
    page.screenshot(path=artifacts / "workspace-selection-1280.png")
    add_claim_from_selection(
        page,
        claimant="Volodymyr Zelensky",
        verdict="Mostly false",
        url="https://example.org/isw-kursk",
        title="ISW: North Korean troops in Kursk",
    )
    created = Claim.objects.exclude(pk__in=before).get()
    assert created.exact == SENTENCE
    assert created.start == demo.text.index(SENTENCE)
    assert created.claimant == "Volodymyr Zelensky"
    assert created.verdicts.get().rating.slug == "mostly-false"
    assert created.sources.get().url == "https://example.org/isw-kursk"

    marks = page.locator(f'mark[data-claim-id="{created.pk}"]')
    expect(marks.first).to_be_visible()
    assert page.evaluate("window.__sameDocument") == "yes", "the page was reloaded"
    card = page.locator(f"#claim-{created.pk}")
    expect(card).to_contain_text("Volodymyr Zelensky")
    expect(card).to_contain_text("Mostly false")
    expect(card).to_contain_text("1 source")
    expect(page.get_by_role("status").filter(has_text="saved")).to_have_count(1)

    # A second claim on part of the same sentence.
    select_text(page, PART)
    add_claim_from_selection(
        page,
        claimant="Ukrainian intelligence",
        verdict="Unverifiable",
        url="https://example.org/hur",
        title="HUR statement",
    )
    second = Claim.objects.exclude(pk__in=before | {created.pk}).get()
    assert second.exact == PART
    assert page.evaluate("window.__sameDocument") == "yes"
    shared = page.locator(f'mark[data-claim-ids~="{created.pk}"][data-claim-ids~="{second.pk}"]')
    expect(shared.first).to_be_visible()
    assert_numbers_agree(page)
    # Both claims are whole in the text.
    for claim in (created, second):
        assert page.evaluate(HIGHLIGHTED, claim.pk) == claim.exact

    # Hovering the shared passage names both claims; clicking it offers both.
    shared.first.hover()
    tip = page.locator("#mark-tip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("Volodymyr Zelensky")
    expect(tip).to_contain_text("Ukrainian intelligence")
    page.screenshot(path=artifacts / "workspace-overlap-tip-1280.png")
    shared.first.click()
    choice = page.get_by_role("dialog", name="Claims on this passage")
    expect(choice).to_be_visible()
    expect(choice.get_by_role("button")).to_have_count(2)
    choice.get_by_role("button", name=re.compile("Ukrainian intelligence")).click()
    expect(page.locator(f"#claim-{second.pk}")).to_have_class(re.compile("is-current"))
    expect(page.locator(f"#claim-{second.pk}")).to_be_in_viewport()
    page.screenshot(path=artifacts / "workspace-overlap-1280.png")

    # Everything is still there after a reload.
    page.reload()
    expect(page.locator(f'mark[data-claim-id="{created.pk}"]').first).to_be_visible()
    expect(page.locator(f'mark[data-claim-id="{second.pk}"]').first).to_be_visible()
    assert page.evaluate("window.__sameDocument") is None
    no_console_trouble(console)


def test_clicking_a_highlight_selects_its_claim_and_show_in_text_goes_back(
    open_page, demo, artifacts
):
    page, console = open_demo(open_page, demo, username="editor")
    claim = Claim.objects.get(exact__startswith="there are 10.000")
    page.locator(f'mark[data-claim-id="{claim.pk}"]').first.click()
    card = page.locator(f"#claim-{claim.pk}")
    expect(card).to_have_class(re.compile("is-current"))
    expect(card).to_be_in_viewport()
    expect(page.locator(f'mark.is-current[data-claim-id="{claim.pk}"]').first).to_be_visible()

    page.locator("#article-text").evaluate("(el) => window.scrollTo(0, document.body.scrollHeight)")
    other = Claim.objects.get(exact__startswith="11.000 North Korean soldiers had")
    page.locator(f"#claim-{other.pk}").get_by_text("Volodymyr Zelensky").click()
    expect(page.locator(f'mark[data-claim-id="{other.pk}"]').first).to_be_in_viewport()
    expect(page.locator(f"#claim-{other.pk}")).to_have_class(re.compile("is-current"))
    no_console_trouble(console)


# --- emoji and other scripts: offsets in code points ----------------------------------------

EMOJI_TEXT = (
    "👍 Der Präsident 习近平 sagte: 🇺🇦 11.000 Soldaten sind in Kursk angekommen.\n\n"
    "Пентагон 🤔 schätzt 10.000 Soldaten; 😀 so die Zahl.\n\n"
    "Ende 🎉 der Meldung."
)


def test_a_claim_after_emoji_and_non_latin_text_stores_code_point_offsets(
    open_page, desk, artifacts
):
    article = make_article(desk.team, text=EMOJI_TEXT, title="Emoji und 习近平")
    page, console = open_page(1280)
    log_in(page, desk.reviewer.username)
    page.goto(f"/articles/{article.pk}/")

    select_text(page, "11.000 Soldaten sind in Kursk")
    add_claim_from_selection(
        page, claimant="Der Präsident", verdict="Half true", url="https://example.org/a", title="A"
    )
    claim = Claim.objects.get(article=article)
    quote = "11.000 Soldaten sind in Kursk"
    assert claim.exact == quote
    assert claim.start == EMOJI_TEXT.index(quote)  # code points: 👍 and 🇺🇦 count 1 and 2
    assert claim.start != len(EMOJI_TEXT[: claim.start].encode("utf-16-le")) // 2
    assert claim.end == claim.start + len(quote)
    expect(page.locator(f'mark[data-claim-id="{claim.pk}"]').first).to_have_text(quote)

    # Across blocks, starting after an emoji and ending after another: the blank line counts.
    select_text(page, "angekommen.", "🤔 schätzt")
    add_claim_from_selection(
        page, claimant="Пентагон", verdict="Unverifiable", url="https://example.org/b", title="B"
    )
    across = Claim.objects.exclude(pk=claim.pk).get()
    assert across.exact == "angekommen.\n\nПентагон 🤔 schätzt"
    assert across.start == EMOJI_TEXT.index("angekommen.")
    assert across.end == EMOJI_TEXT.index("🤔 schätzt") + len("🤔 schätzt")
    page.screenshot(path=artifacts / "workspace-emoji-1280.png", full_page=True)
    no_console_trouble(console)


# --- editing, deleting, undoing -------------------------------------------------------------


def test_a_reviewer_edits_the_verdict_then_deletes_and_undoes(open_page, demo, artifacts):
    page, console = open_demo(open_page, demo)
    claim = Claim.objects.get(exact__startswith="there are 10.000")
    sources_before = sorted(Source.objects.filter(claim=claim).values_list("url", flat=True))
    card = page.locator(f"#claim-{claim.pk}")
    card.get_by_role("link", name=re.compile(r"^Claim #\d+$")).click()
    form = card.locator("form").first
    expect(form.get_by_label("Verdict", exact=True)).to_be_visible()
    page.screenshot(path=artifacts / "workspace-editor-1280.png")
    form.get_by_label("Verdict", exact=True).select_option(label="False")
    form.get_by_label("Rationale").fill("The Pentagon's 10,000 was for all of Russia.")
    form.get_by_role("button", name="Save claim").click()
    expect(card).to_contain_text("False")
    expect(card.locator("form")).to_have_count(0)
    expect(page.locator(f'mark.verdict-false[data-claim-id="{claim.pk}"]').first).to_be_visible()
    verdict = Verdict.objects.get(claim=claim, reviewer__username="reviewer", is_current=True)
    assert verdict.rating.slug == "false"
    assert verdict.rationale == "The Pentagon's 10,000 was for all of Russia."

    # Delete, with confirmation, then undo.
    card.get_by_role("link", name=re.compile(r"^Claim #\d+$")).click()
    card.get_by_role("link", name="Delete…").click()
    expect(card.get_by_text(re.compile(r"Delete claim #\d+\?"))).to_be_visible()
    page.screenshot(path=artifacts / "workspace-delete-confirm-1280.png")
    card.get_by_role("button", name="Delete claim").click()
    expect(page.locator(f"#claim-{claim.pk}")).to_have_count(0)
    expect(page.locator(f'mark[data-claim-id="{claim.pk}"]')).to_have_count(0)
    assert not Claim.objects.filter(pk=claim.pk).exists()
    toast = page.locator("#toast-region")
    expect(toast).to_contain_text("was deleted")
    assert_numbers_agree(page)
    page.screenshot(path=artifacts / "workspace-undo-1280.png")
    toast.get_by_role("button", name="Undo").click()
    expect(page.locator(f"#claim-{claim.pk}")).to_be_visible()
    expect(page.locator(f'mark[data-claim-id="{claim.pk}"]').first).to_be_visible()
    expect(toast.get_by_role("button", name="Undo")).to_have_count(0)
    assert_numbers_agree(page)
    restored = Claim.objects.get(pk=claim.pk)
    assert (
        restored.verdicts.get(reviewer__username="reviewer", is_current=True).rating.slug == "false"
    )
    assert sorted(restored.sources.values_list("url", flat=True)) == sources_before
    no_console_trouble(console)


def test_a_conflicting_edit_keeps_what_was_typed(open_page, demo):
    page, console = open_demo(open_page, demo)
    claim = Claim.objects.get(exact__startswith="there are 10.000")
    card = page.locator(f"#claim-{claim.pk}")
    card.get_by_role("link", name=re.compile(r"^Claim #\d+$")).click()
    form = card.locator("form").first
    form.get_by_label("Claimant", exact=True).fill("Pentagon spokesman")
    # Meanwhile an editor changes the claim.
    editor = claim.article.team.memberships.get(user__username="editor").user
    services.claim_update(claim=claim, actor=editor, claimant="US Department of Defense")
    form.get_by_role("button", name="Save claim").click()
    expect(card.get_by_role("alert")).to_contain_text("Someone else changed this claim")
    expect(card.get_by_label("Claimant", exact=True)).to_have_value("Pentagon spokesman")
    expect(card).to_contain_text("US Department of Defense")
    card.get_by_role("button", name="Save claim").click()
    expect(card.locator("form")).to_have_count(0)
    claim.refresh_from_db()
    assert claim.claimant == "Pentagon spokesman"
    no_console_trouble(console, answered=(409,))


# --- the keyboard ---------------------------------------------------------------------------


def focused_text(page) -> str:
    return page.evaluate("document.activeElement.textContent.trim()")


def test_keyboard_only_creation_and_navigation(open_page, demo, artifacts):
    page, console = open_demo(open_page, demo)
    before = set(Claim.objects.values_list("pk", flat=True))

    # "?" lists the shortcuts.
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    page.screenshot(path=artifacts / "workspace-help-1280.png")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # Keys pressed while focus is still inside the closing dialog are the dialog's, not the page's.
    page.wait_for_function("!document.activeElement || !document.activeElement.closest('dialog')")

    # "n": a new claim by typing its quote; Tab through the form; Ctrl+Enter saves.
    page.keyboard.press("n")
    quote = page.get_by_label("Quote from the article")
    expect(quote).to_be_focused()
    page.keyboard.type("US Defense Secretary Lloyd Austin said last Sunday")
    page.keyboard.press("Tab")
    expect(page.locator("#composer").get_by_label("Claimant", exact=True)).to_be_focused()
    page.keyboard.type("Lloyd Austin")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator("#composer").get_by_label("Verdict", exact=True)).to_be_focused()
    page.keyboard.type("True")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#composer form")).to_have_count(0)
    typed = Claim.objects.exclude(pk__in=before).get()
    assert typed.exact == "US Defense Secretary Lloyd Austin said last Sunday"
    assert typed.claimant == "Lloyd Austin"
    assert typed.verdicts.get().rating.slug == "true"
    # The new claim is selected and focused in the list.
    expect(page.locator(f"#claim-{typed.pk}")).to_have_class(re.compile("is-current"))

    # "a": a claim from the current selection.
    select_text(page, "He added that they will become legitimate military targets")
    page.keyboard.press("a")
    composer = page.locator("#composer")
    expect(composer.get_by_text("Selected text")).to_be_visible()
    expect(composer.get_by_label("Claimant", exact=True)).to_be_focused()
    page.keyboard.type("Lloyd Austin")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#composer form")).to_have_count(0)
    selected = Claim.objects.exclude(pk__in=before | {typed.pk}).get()
    assert selected.exact == "He added that they will become legitimate military targets"

    # j and k move through the claims in text order from the selected one (the new claim);
    # Enter opens, Esc closes.
    # htmx settles the swapped list a moment after the composer closes: one card is current then.
    expect(page.locator("#claim-list .claim-card.is-current")).to_have_count(1)
    titles = [t.strip() for t in page.locator("#claim-list .claim-card__title").all_text_contents()]
    in_text_order = Claim.objects.filter(article=selected.article).order_by("start", "end", "pk")
    assert titles == [f"Claim #{claim.number}" for claim in in_text_order]
    selected_title = page.locator("#claim-list .claim-card.is-current .claim-card__title")
    expect(selected_title).to_be_focused()
    index = titles.index(selected_title.text_content().strip())
    page.keyboard.press("k")
    assert focused_text(page) == titles[index - 1]
    page.keyboard.press("k")
    assert focused_text(page) == titles[index - 2]
    page.keyboard.press("j")
    assert focused_text(page) == titles[index - 1]
    card_id = page.evaluate("document.activeElement.closest('[data-claim]').dataset.claim")
    mark = page.locator(f'mark[data-claim-id="{card_id}"]').first
    expect(mark).to_be_in_viewport()
    expect(mark).to_have_class(re.compile("is-current"))
    page.keyboard.press("Enter")
    open_card = page.locator(".claim-card.is-open")
    expect(open_card).to_have_count(1)
    expect(open_card).to_be_focused()
    page.screenshot(path=artifacts / "workspace-keyboard-open-1280.png")
    page.keyboard.press("Escape")
    expect(page.locator(".claim-card.is-open")).to_have_count(0)
    assert focused_text(page) == titles[index - 1]

    # Tab reaches the list's controls, and focus is visible where it lands.
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"

    # Esc never throws away typed work silently: the first press asks, the second closes.
    page.keyboard.press("n")
    expect(page.get_by_label("Quote from the article")).to_be_focused()
    page.keyboard.type("Ryder said")
    page.keyboard.press("Escape")
    expect(page.locator("#announcer")).to_contain_text("Press Esc again")
    expect(page.locator("#composer form")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.locator("#composer form")).to_have_count(0)

    # "/" goes to the search, which filters as you type.
    page.keyboard.press("/")
    expect(page.get_by_label("Search the list")).to_be_focused()
    page.keyboard.type("Austin")
    expect(page.locator("#claim-list .claim-card")).to_have_count(2)
    no_console_trouble(console)


# --- a viewer -------------------------------------------------------------------------------


def test_a_viewer_reads_but_cannot_add_and_the_server_refuses_the_post(open_page, demo, artifacts):
    page, console = open_demo(open_page, demo, username="viewer")
    select_text(page, SENTENCE)
    page.wait_for_timeout(400)  # the button would have appeared by now
    expect(page.get_by_role("button", name="Add claim")).to_have_count(0)
    expect(page.get_by_role("link", name="New claim")).to_have_count(0)
    page.keyboard.press("a")
    expect(page.locator("#composer form")).to_have_count(0)
    page.screenshot(path=artifacts / "workspace-viewer-1280.png")

    token = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    count = Claim.objects.count()
    start = demo.text.index(SENTENCE)
    response = page.request.post(
        f"/articles/{demo.pk}/claims/",
        form={
            "start": str(start),
            "end": str(start + len(SENTENCE)),
            "exact": SENTENCE,
            "sources-TOTAL_FORMS": "3",
            "sources-INITIAL_FORMS": "0",
        },
        headers={"X-CSRFToken": token},
    )
    assert response.status == 403
    assert Claim.objects.count() == count
    no_console_trouble(console)


# --- both widths --------------------------------------------------------------------------


@pytest.mark.parametrize("width", [1280, 390])
def test_the_workspace_at_both_widths(open_page, demo, artifacts, width):
    page, console = open_demo(open_page, demo, width=width)
    page.screenshot(path=artifacts / f"workspace-{width}.png")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    select_text(page, "Senior US officials estimated last Sunday")
    add = page.get_by_role("button", name="Add claim")
    expect(add).to_be_visible()
    expect(add).to_be_in_viewport()
    page.screenshot(path=artifacts / f"workspace-add-button-{width}.png")
    add.click()
    composer = page.locator("#composer")
    expect(composer.get_by_label("Claimant", exact=True)).to_be_in_viewport()
    composer.get_by_label("Claimant", exact=True).fill("Senior US officials")
    composer.get_by_role("button", name="Add another source").click()
    expect(composer.get_by_label("Source URL")).to_have_count(3)
    expect(composer.get_by_label("Source URL").nth(1)).to_be_visible()
    page.screenshot(path=artifacts / f"workspace-composer-{width}.png")
    composer.get_by_label("Source URL").nth(0).fill("https://example.org/one")
    composer.get_by_label("Source URL").nth(1).fill("https://example.org/two")
    composer.get_by_role("button", name="Save claim").click()
    expect(composer.locator("form")).to_have_count(0)
    created = Claim.objects.get(exact="Senior US officials estimated last Sunday")
    assert created.sources.count() == 2
    expect(page.locator(f'mark[data-claim-id="{created.pk}"]').first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=artifacts / f"workspace-saved-{width}.png", full_page=True)

    # The claim opened, at this width too.
    card = page.locator(f"#claim-{created.pk}")
    card.get_by_role("link", name=re.compile(r"^Claim #\d+$")).click()
    expect(card.get_by_role("button", name="Save claim")).to_be_visible()
    expect(card.get_by_role("link", name="https://example.org/one")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=artifacts / f"workspace-open-{width}.png")
    no_console_trouble(console)


def test_a_bad_source_address_comes_back_in_the_form_with_everything_typed(open_page, demo):
    page, console = open_demo(open_page, demo)
    select_text(page, "Ryder said the Pentagon could not at this time confirm reports")
    page.get_by_role("button", name="Add claim").click()
    composer = page.locator("#composer")
    composer.get_by_label("Claimant", exact=True).fill("Pat Ryder")
    composer.get_by_label("Rationale").fill("See the transcript.")
    composer.get_by_label("Verdict", exact=True).select_option(label="True")
    composer.get_by_label("Source URL").first.fill("ftp://example.org/transcript")
    composer.get_by_role("button", name="Save claim").click()
    expect(composer.get_by_role("alert")).to_contain_text("http:// or https://")
    expect(composer.get_by_label("Source URL").first).to_be_focused()
    expect(composer.get_by_label("Claimant", exact=True)).to_have_value("Pat Ryder")
    expect(composer.get_by_label("Rationale")).to_have_value("See the transcript.")
    expect(composer.get_by_text("Selected text")).to_be_visible()
    no_console_trouble(console, answered=(400,))


# --- without JavaScript ---------------------------------------------------------------------


def test_without_javascript_everything_still_works_by_plain_forms(
    browser, live_server, demo, artifacts
):
    context = browser.new_context(
        java_script_enabled=False, base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        log_in(page, "reviewer", password=DEMO_PASSWORD)
        page.goto(f"/articles/{demo.pk}/")
        # The article and its claims are readable.
        claim = Claim.objects.get(exact__startswith="there are 10.000")
        expect(page.locator(f'mark[data-claim-id="{claim.pk}"]').first).to_be_visible()
        expect(page.locator(f"#claim-{claim.pk}")).to_contain_text("The Pentagon")
        expect(page.get_by_role("button", name="Add claim")).to_be_hidden()

        # A claim from its quote, on the new-claim page.
        page.get_by_role("link", name="New claim").click()
        page.get_by_label("Quote from the article").fill('Choe conveyed "sincere, warm')
        page.get_by_label("Claimant", exact=True).fill("Choe Son Hui")
        page.get_by_label("Verdict", exact=True).select_option(label="Unverifiable")
        page.get_by_label("Source URL").first.fill("https://example.org/kcna")
        page.get_by_role("button", name="Save claim").click()
        created = Claim.objects.get(exact='Choe conveyed "sincere, warm')
        expect(page).to_have_url(re.compile(rf"/articles/{demo.pk}/#claim-{created.pk}$"))
        expect(page.get_by_role("status").filter(has_text="saved")).to_be_visible()
        expect(page.locator(f'mark[data-claim-id="{created.pk}"]').first).to_be_visible()

        # Filtering with the form's button.
        page.get_by_label("Filter: rating").select_option(label="Unverifiable")
        page.get_by_role("button", name="Filter").click()
        expect(page).to_have_url(re.compile(r"verdict=unverifiable"))
        expect(page.locator(f"#claim-{created.pk}")).to_be_visible()
        expect(page.locator(f"#claim-{claim.pk}")).to_have_count(0)

        # Opening, editing, deleting and undoing are pages and forms too.
        page.goto(f"/claims/{created.pk}/edit/")
        page.get_by_label("Verdict", exact=True).select_option(label="Mostly true")
        page.get_by_role("button", name="Save claim").click()
        expect(page.locator(f"#claim-{created.pk}")).to_contain_text("Mostly true")
        page.goto(f"/claims/{created.pk}/edit/")
        page.get_by_role("link", name="Delete…").click()
        page.get_by_role("button", name="Delete claim").click()
        expect(page.locator(f"#claim-{created.pk}")).to_have_count(0)
        page.screenshot(path=artifacts / "workspace-nojs-undo-1280.png")
        page.get_by_role("button", name="Undo").click()
        expect(page.locator(f"#claim-{created.pk}")).to_be_visible()
        assert Claim.objects.get(pk=created.pk).sources.count() == 1
    finally:
        context.close()
