"""Publishing in a real browser: an editor publishes a claim at the public URL the team's
pattern offers, sees a claim published without one flagged, and gives it one; an admin fills
in the publishing settings."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from annotations import services
from annotations.models import Claim, ClaimStatus, Team
from tests.browser.helpers import DEMO_PASSWORD, log_in

pytestmark = pytest.mark.browser

WARNING = "Published without a public URL: search engines ignore this fact check."


def test_an_editor_publishes_at_the_offered_public_url_and_fixes_a_missing_one(
    open_page, demo, artifacts
):
    from django.contrib.auth import get_user_model

    editor = get_user_model().objects.get(username="editor")
    reviewer = get_user_model().objects.get(username="reviewer")
    # The demo's 12,000 claim, approved and ready to publish.
    ready = Claim.objects.get(article=demo, exact__startswith="the number of North Korean")
    services.claim_transition(claim=ready, actor=reviewer, to=ClaimStatus.IN_REVIEW)
    services.claim_transition(claim=ready, actor=editor, to=ClaimStatus.APPROVED)
    # One of the published examples loses its public URL.
    bare = Claim.objects.filter(article=demo, status=ClaimStatus.PUBLISHED).first()
    services.claim_public_url_set(claim=bare, actor=editor, public_url="")

    page, console = open_page(1280)
    log_in(page, "editor", password=DEMO_PASSWORD)
    page.goto(f"/articles/{demo.pk}/")
    bare_card = page.locator(f"#claim-{bare.pk}")
    expect(bare_card).to_contain_text(WARNING)
    page.screenshot(path=artifacts / "publishing-warning-1280.png")

    card = page.locator(f"#claim-{ready.pk}")
    card.get_by_role("link", name=re.compile(r"^Claim #\d+$")).click()
    field = card.get_by_label("Public URL", exact=True)
    expect(field).to_have_value(f"https://factcheck.example.org/fact-checks/{ready.number}")
    # caret="initial": Playwright's caret hiding is an inline style the page's CSP refuses.
    card.screenshot(path=artifacts / "publishing-publish-1280.png", caret="initial")
    card.get_by_role("button", name="Publish").click()
    expect(card.locator(".status")).to_have_text("Published")
    expect(card).to_contain_text(f"https://factcheck.example.org/fact-checks/{ready.number}")
    assert Claim.objects.get(pk=ready.pk).public_url.endswith(f"/fact-checks/{ready.number}")

    bare_card.get_by_role("link", name=re.compile(r"^Claim #\d+$")).click()
    bare_card.get_by_label("Add the public URL").fill("https://factcheck.example.org/checks/kursk")
    bare_card.get_by_role("button", name="Save public URL").click()
    expect(bare_card).to_contain_text("public URL saved")
    expect(bare_card).not_to_contain_text(WARNING)
    assert Claim.objects.get(pk=bare.pk).public_url == "https://factcheck.example.org/checks/kursk"
    bare_card.screenshot(path=artifacts / "publishing-fixed-1280.png", caret="initial")
    assert console.csp_violations() == []
    assert console.errors() == []


def test_an_admin_fills_in_the_publishing_settings_and_a_mistake_keeps_the_form(
    open_page, demo, artifacts
):
    page, console = open_page(1280)
    log_in(page, "admin", password=DEMO_PASSWORD)
    page.goto("/teams/demo/")
    page.get_by_role("link", name="Publishing", exact=True).click()
    expect(page.get_by_label("Organisation name")).to_have_value("Example Fact Check")
    page.get_by_label("Organisation name").fill("Demo Checks")
    page.get_by_label("Fact-check URL pattern").fill("https://checks.example.org/{year}/{claim}")
    page.get_by_role("button", name="Save publishing settings").click()
    expect(page.get_by_role("alert")).to_contain_text("unknown placeholder {year}")
    expect(page.get_by_label("Organisation name")).to_have_value("Demo Checks")
    page.screenshot(path=artifacts / "publishing-settings-error-1280.png", full_page=True)
    page.get_by_label("Fact-check URL pattern").fill("https://checks.example.org/{slug}-{claim}")
    page.get_by_role("button", name="Save publishing settings").click()
    expect(page.get_by_text("Saved the publishing settings.")).to_be_visible()
    team = Team.objects.get(slug="demo")
    assert (team.organisation_name, team.public_url_pattern) == (
        "Demo Checks",
        "https://checks.example.org/{slug}-{claim}",
    )
    page.screenshot(path=artifacts / "publishing-settings-1280.png", full_page=True)
    assert console.csp_violations() == []
