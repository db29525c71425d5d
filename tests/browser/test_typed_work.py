"""Typed work is never dropped, in a real browser on the demo article: a workflow button saves
the claim's typed form before moving it; anything that would throw typed input away (closing a
claim with a half-typed comment, a workflow button beside one, Publish beside a changed
verdict) asks first and names what would be lost; a new claim list keeps an open claim's typed
input; leaving the page asks the browser's question."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from annotations import services
from annotations.models import Claim, ClaimStatus, Comment, Verdict
from tests.browser.helpers import log_in, no_console_trouble, open_demo
from tests.factories import make_article

pytestmark = pytest.mark.browser

OTHER = "there are 10.000 North Korean soldiers"  # the reviewer's draft claim in the demo


def open_claim(page, claim: Claim):
    card = page.locator(f"#claim-{claim.pk}")
    card.get_by_role("link", name=re.compile(r"^Claim #\d+$")).click()
    form = card.locator("form[data-claim-form]")
    expect(form.get_by_label("Verdict", exact=True)).to_be_visible()
    return card, form


class Dialogs:
    """Every question the page asks (window.confirm), answered as told."""

    def __init__(self, page, *, accept: bool = False) -> None:
        self.messages: list[str] = []
        self.unloads = 0
        self.accept = accept
        page.on("dialog", self._answer)

    def _answer(self, dialog) -> None:
        if dialog.type == "beforeunload":
            self.unloads += 1
            dialog.accept()
            return
        self.messages.append(dialog.message)
        if self.accept:
            dialog.accept()
        else:
            dialog.dismiss()


def test_submit_for_review_saves_the_verdict_typed_but_not_saved(open_page, demo, artifacts):
    page, console = open_demo(open_page, demo)
    dialogs = Dialogs(page)
    claim = Claim.objects.get(article=demo, exact__startswith=OTHER)
    assert claim.status == ClaimStatus.DRAFT
    card, form = open_claim(page, claim)
    form.get_by_label("Verdict", exact=True).select_option(label="False")
    form.get_by_label("Rationale").fill("The Pentagon's 10,000 was for all of Russia.")
    expect(form.get_by_text("Changes typed above are saved first")).to_be_visible()
    form.get_by_role("button", name="Submit for review").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "typed-work-before-submit.png", caret="initial")
    form.get_by_role("button", name="Submit for review").click()

    expect(card.get_by_role("status")).to_contain_text("saved and now in review")
    expect(card.locator(".claim-card__head .status")).to_have_text("In review")
    page.screenshot(path=artifacts / "typed-work-after-submit.png", caret="initial")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW
    verdict = Verdict.objects.get(claim=claim, reviewer__username="reviewer", is_current=True)
    assert (verdict.rating.slug, verdict.rationale) == (
        "false",
        "The Pentagon's 10,000 was for all of Russia.",
    )
    # The form now holds what is saved: closing it asks nothing, and the card shows the verdict.
    card.get_by_role("link", name="Close").click()
    expect(card.locator("form")).to_have_count(0)
    expect(card).to_contain_text("In review")
    expect(card.locator(".verdict")).to_contain_text("False")
    expect(page.locator(f'mark.verdict-false[data-claim-id="{claim.pk}"]').first).to_be_visible()
    assert dialogs.messages == []
    no_console_trouble(console)


def test_a_half_typed_comment_is_named_before_it_is_lost(open_page, demo, artifacts):
    page, console = open_demo(open_page, demo)
    dialogs = Dialogs(page)
    claim = Claim.objects.get(article=demo, exact__startswith=OTHER)
    card, form = open_claim(page, claim)
    discussion = card.locator(f"#discussion-{claim.pk}")
    comment = discussion.get_by_label("Comment", exact=True)
    comment.fill("Which briefing gave the 10,000?")

    # Closing the claim asks, naming the comment; dismissing keeps everything.
    card.get_by_role("link", name="Close").click()
    assert len(dialogs.messages) == 1
    assert "Your unsaved changes to Comment will be lost." in dialogs.messages[0]
    assert "Close this claim anyway?" in dialogs.messages[0]
    expect(comment).to_have_value("Which briefing gave the 10,000?")
    expect(form).to_be_visible()

    # A workflow button would replace the claim (and the comment) too: it asks, and moves
    # nothing when told no.
    form.get_by_label("Verdict", exact=True).select_option(label="False")
    form.get_by_role("button", name="Submit for review").click()
    assert len(dialogs.messages) == 2
    assert dialogs.messages[1].startswith("Your unsaved changes to Comment will be lost.")
    assert "Submit for review anyway?" in dialogs.messages[1]
    expect(comment).to_have_value("Which briefing gave the 10,000?")
    expect(form.get_by_label("Verdict", exact=True)).to_have_value("false")
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.DRAFT

    # Esc names both the verdict and the comment before discarding.
    comment.focus()
    page.keyboard.press("Escape")
    expect(page.locator("#announcer")).to_have_text(
        "Your unsaved changes to Verdict and Comment will be lost. Press Esc again to discard them."
    )
    expect(card.locator("form[data-claim-form]")).to_be_visible()
    page.screenshot(path=artifacts / "typed-work-comment-kept.png", caret="initial")

    # Posting the comment is its own way out: then the button goes ahead without asking.
    discussion.get_by_role("button", name="Post comment").click()
    expect(discussion.get_by_role("status")).to_have_text("Comment posted.")
    form.get_by_role("button", name="Submit for review").click()
    expect(card.get_by_role("status").first).to_contain_text("saved and now in review")
    assert len(dialogs.messages) == 2
    assert Comment.objects.filter(claim=claim, body="Which briefing gave the 10,000?").exists()
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.IN_REVIEW
    no_console_trouble(console)


def test_publish_asks_before_dropping_a_changed_verdict(open_page, demo, artifacts):
    claim = Claim.objects.get(article=demo, exact__startswith=OTHER)
    editor = demo.team.memberships.get(user__username="editor").user
    services.claim_transition(claim=claim, actor=claim.created_by, to=ClaimStatus.IN_REVIEW)
    services.claim_transition(claim=claim, actor=editor, to=ClaimStatus.APPROVED)
    approved = Claim.objects.get(pk=claim.pk).final_verdict
    page, console = open_demo(open_page, demo, username="editor")
    dialogs = Dialogs(page)
    card, form = open_claim(page, claim)
    form.get_by_label("Verdict", exact=True).select_option(label="True")
    form.get_by_label("Claimant", exact=True).fill("Pentagon spokesman Pat Ryder")
    form.get_by_role("button", name="Publish").click()
    assert len(dialogs.messages) == 1
    assert dialogs.messages[0].startswith("Your unsaved changes to Verdict will be lost.")
    assert f"Publishing keeps the approved verdict ({approved.rating.label})" in dialogs.messages[0]
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.APPROVED
    expect(form.get_by_label("Verdict", exact=True)).to_have_value("true")

    # Told to go on: the verdict change is dropped, the claimant saved, the claim published.
    dialogs.accept = True
    form.get_by_role("button", name="Publish").click()
    expect(card.locator(".claim-card__head .status")).to_have_text("Published")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PUBLISHED
    assert claim.claimant == "Pentagon spokesman Pat Ryder"
    assert claim.final_verdict == approved
    assert Verdict.objects.get(claim=claim, reviewer=editor, is_current=True).rating.slug != "true"
    page.screenshot(path=artifacts / "typed-work-published.png", caret="initial")
    no_console_trouble(console)


def test_an_open_claim_keeps_its_typed_input_when_the_list_is_filtered(open_page, demo):
    page, console = open_demo(open_page, demo)
    dialogs = Dialogs(page)
    claim = Claim.objects.get(article=demo, exact__startswith=OTHER)
    card, form = open_claim(page, claim)
    form.get_by_label("Rationale").fill("Typed, not saved.")
    page.get_by_role("searchbox").fill("10.000")
    expect(page.locator(".filter-summary")).to_be_visible()
    expect(page.locator(f"#claim-{claim.pk} form[data-claim-form]")).to_be_visible()
    expect(page.locator(f"#claim-{claim.pk}").get_by_label("Rationale")).to_have_value(
        "Typed, not saved."
    )
    assert dialogs.messages == []
    no_console_trouble(console)


def test_leaving_the_page_with_typed_input_asks_first(open_page, demo):
    page, console = open_demo(open_page, demo)
    dialogs = Dialogs(page)
    claim = Claim.objects.get(article=demo, exact__startswith=OTHER)
    card, form = open_claim(page, claim)
    form.get_by_label("Claimant", exact=True).fill("Typed, not saved")
    page.get_by_role("link", name=re.compile("^Revisions")).click()
    page.wait_for_url(re.compile(r"/revisions/$"))
    assert dialogs.unloads == 1
    no_console_trouble(console)


def test_opening_another_claim_leaves_the_first_open_as_typed(open_page, demo):
    page, console = open_demo(open_page, demo)
    dialogs = Dialogs(page)
    claim = Claim.objects.get(article=demo, exact__startswith=OTHER)
    other = Claim.objects.get(article=demo, exact__startswith="the number of North Korean")
    card, form = open_claim(page, claim)
    form.get_by_label("Rationale").fill("Typed, not saved.")
    open_claim(page, other)
    expect(card.get_by_label("Rationale")).to_have_value("Typed, not saved.")
    assert dialogs.messages == []
    no_console_trouble(console)


def test_the_reattach_page_asks_before_a_typed_quote_is_left(open_page, desk):
    story = "Troops in Kursk\n\nPresident Zelensky said that 11.000 soldiers had arrived."
    article = make_article(desk.team, story, title="Troops in Kursk")
    claim = services.claim_create(
        article=article, actor=desk.reviewer, exact="11.000 soldiers had arrived"
    )
    services.article_revise(
        article=article, actor=desk.editor, text="Troops in Kursk\n\nSoldiers were seen."
    )
    page, console = open_page()
    log_in(page, desk.reviewer.username)
    page.goto(f"/claims/{claim.pk}/reattach/")
    expect(page.locator("#reattach-form[data-selection-ready='true']")).to_have_count(1)
    dialogs = Dialogs(page)
    page.get_by_label("New quote").fill("Soldiers were seen")
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url(re.compile(rf"/articles/{article.pk}/"))
    expect(page.locator("#article-text")).to_be_visible()
    assert dialogs.unloads == 1
    assert console.csp_violations() == [] and console.errors() == []


def test_without_javascript_a_workflow_button_saves_the_form_first(
    browser, live_server, demo, artifacts
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, "reviewer", password="factcheck-demo")
        claim = Claim.objects.get(article=demo, exact__startswith=OTHER)
        page.goto(f"/claims/{claim.pk}/edit/")
        form = page.locator("form[data-claim-form]")
        form.get_by_label("Verdict", exact=True).select_option(label="Mostly false")
        form.get_by_label("Rationale").fill("Typed without JavaScript.")
        form.get_by_role("button", name="Submit for review").click()
        expect(page.get_by_text("saved and now in review")).to_be_visible()
        page.locator(f"#claim-{claim.pk}").screenshot(path=artifacts / "typed-work-no-js.png")
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.IN_REVIEW
        verdict = Verdict.objects.get(claim=claim, reviewer__username="reviewer", is_current=True)
        assert (verdict.rating.slug, verdict.rationale) == (
            "mostly-false",
            "Typed without JavaScript.",
        )
    finally:
        context.close()


def test_a_refused_move_keeps_the_form_and_closing_it_still_asks(open_page, demo, artifacts):
    page, console = open_demo(open_page, demo)
    dialogs = Dialogs(page)
    claim = Claim.objects.get(article=demo, exact__startswith=OTHER)
    card, form = open_claim(page, claim)
    form.get_by_label("Rationale").fill("Typed, then refused.")
    form.get_by_label("Source URL").fill("ftp://example.org/briefing")
    form.get_by_role("button", name="Submit for review").click()
    expect(card.get_by_role("alert").first).to_contain_text("did not move")
    expect(card.get_by_label("Rationale")).to_have_value("Typed, then refused.")
    expect(card.get_by_label("Source URL")).to_have_value("ftp://example.org/briefing")
    page.screenshot(path=artifacts / "typed-work-refused-move.png", caret="initial")
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.DRAFT
    # The page shows the typed input as the fields' values now; it still knows it is unsaved.
    card.get_by_role("link", name="Close").click()
    assert dialogs.messages == [
        "Your unsaved changes to Rationale and New source will be lost.\n\nClose this claim anyway?"
    ]
    expect(card.get_by_label("Rationale")).to_have_value("Typed, then refused.")
    no_console_trouble(console, answered=(400,))
