"""Teams in a real browser: an admin makes an invitation link, a newcomer opens it in another
browser, logs in, comes back to it and joins; the admin recolours a rating and the article
page shows the new colour (from the team's stylesheet, nothing inline)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from annotations import services
from tests.browser.helpers import log_in
from tests.factories import UserFactory, make_article

pytestmark = pytest.mark.browser


def test_an_invitation_link_brings_a_newcomer_into_the_team(open_page, desk, artifacts):
    UserFactory(username="newcomer")
    admin_page, admin_log = open_page()
    log_in(admin_page, desk.admin.username)
    admin_page.get_by_role("link", name="Teams").click()
    admin_page.get_by_role("link", name="Verification desk").click()
    admin_page.get_by_label("Role", exact=True).select_option("editor")
    admin_page.get_by_label("Note").fill("For the newcomer")
    admin_page.get_by_role("button", name="Create invitation link").click()
    link = admin_page.get_by_label("Invitation link", exact=True).input_value()
    assert "/invites/fci_" in link
    admin_page.screenshot(path=str(artifacts / "team-page.png"), full_page=True)

    page, log = open_page()
    page.goto(link)
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Join Verification desk")).to_be_visible()
    page.get_by_role("button", name="Join team").click()
    expect(page.get_by_text("you joined as editor")).to_be_visible()
    expect(page.get_by_role("row", name="newcomer")).to_contain_text("Editor")

    assert admin_log.csp_violations() == [] and log.csp_violations() == []
    assert admin_log.errors() == [] and log.errors() == []


def test_a_recoloured_rating_shows_in_its_new_colour(open_page, desk, artifacts):
    article = make_article(desk.team, title="Troops in Kursk")
    claim = services.claim_create(
        article=article, actor=desk.reviewer, exact="Pentagon", rating="false"
    )
    page, log = open_page()
    log_in(page, desk.admin.username)
    page.goto(f"/teams/{desk.team.slug}/scale/")
    page.get_by_role("link", name="Edit False").click()
    page.get_by_label("Colour").fill("#0000ff")
    page.get_by_role("button", name="Save rating").click()
    expect(page.get_by_text("Saved “False”.")).to_be_visible()
    page.screenshot(path=str(artifacts / "rating-scale.png"), full_page=True)

    page.goto(f"/articles/{article.pk}/")
    mark = page.locator(f'mark[data-claim-id="{claim.pk}"]')
    colour = mark.evaluate("el => getComputedStyle(el).getPropertyValue('--c').trim()")
    assert colour == "#0000ff"
    assert log.csp_violations() == []
