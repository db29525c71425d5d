"""Live updates between two people on one article, each served by a different server process
(two uvicorn processes on two ports) over one database: a claim added by one appears in the
other's page within 2 seconds, each page says who else is viewing, and two people saving the
same claim end with a conflict message that shows what changed and keeps the second one's input.

The servers use the test database: on PostgreSQL the test database itself (the data is
committed: a transactional test); on SQLite, whose test database lives in memory, a file copy
of it made once the data is in place (VACUUM INTO), which both servers share.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import expect

from annotations import services
from annotations.models import Article
from tests.browser.conftest import database_url_for_servers, server_environment, start_servers
from tests.browser.helpers import log_in
from tests.factories import make_article

pytestmark = pytest.mark.browser

QUOTE = "11.000 North Korean soldiers had arrived in the region"
OTHER_QUOTE = "there are 10.000 North Korean soldiers in the Kursk region"


class Servers:
    """Two uvicorn processes serving the project (`make run`'s configuration) on two ports."""

    def __init__(self, database_url: str, logs: Path) -> None:
        env = server_environment(database_url)
        self.running = start_servers([env, env], logs)

    def url(self, index: int) -> str:
        return self.running[index].url

    def output(self) -> str:
        return "\n".join(server.output() for server in self.running)

    def stop(self) -> None:
        for server in self.running:
            server.stop()


@pytest.fixture
def desk_article(transactional_db, desk):
    article = make_article(desk.team, title="Troops in Kursk")
    claim = services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact=OTHER_QUOTE,
        claimant="The Pentagon",
        summary="There are 10,000 North Korean soldiers in the Kursk region.",
        rating="mostly-true",
    )
    return article, claim


@pytest.fixture
def servers(desk_article, desk, tmp_path):
    # Sessions for both people, made before the servers get (or copy) the database.
    cookies = {}
    for persona in ("editor", "reviewer"):
        client = Client()
        client.force_login(desk.user(persona))
        cookies[persona] = client.cookies["sessionid"].value
    running = Servers(database_url_for_servers(tmp_path), tmp_path)
    running.cookies = cookies
    yield running
    running.stop()


def open_as(browser, servers, index: int, persona: str, path: str):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=servers.url(index)
    )
    context.add_cookies(
        [{"name": "sessionid", "value": servers.cookies[persona], "url": servers.url(index)}]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(path)
    expect(page.locator("#article-text")).to_be_visible()
    expect(page.locator("#live")).to_have_attribute("data-connected", "true")
    return context, page, errors


# Screenshots keep the caret: hiding it puts a style attribute on every field, which htmx then
# copies when it swaps a form, and the page's CSP (rightly) refuses that.


def open_claim_form(page, claim_id: int):
    card = page.locator(f"#claim-{claim_id}")
    card.get_by_role("link", name=re.compile(r"^Claim #\d+$")).click()
    form = card.locator("form[data-claim-form]").first
    expect(form.get_by_label("Claimant", exact=True)).to_be_visible()
    return card, form


def test_two_people_on_two_server_processes_see_each_other_live(
    browser, servers, desk_article, artifacts
):
    article, claim = desk_article
    path = f"/articles/{article.pk}/"
    editor_context, editor, editor_errors = open_as(browser, servers, 0, "editor", path)
    reviewer_context, reviewer, reviewer_errors = open_as(browser, servers, 1, "reviewer", path)
    try:
        # Presence: each page names the other person, under "Viewing now".
        expect(editor.get_by_role("heading", name="Viewing now")).to_be_visible()
        expect(editor.locator("#presence-list")).to_have_text("Also viewing: reviewer-user")
        expect(reviewer.locator("#presence-list")).to_have_text("Also viewing: editor-user")
        editor.screenshot(path=artifacts / "live-presence-editor.png", caret="initial")

        # A claim the reviewer adds on one server appears on the editor's page within 2 s.
        reviewer.get_by_role("link", name="New claim").click()
        composer = reviewer.locator("#composer form")
        composer.get_by_label("Quote from the article").fill(QUOTE)
        composer.get_by_label("Claimant", exact=True).fill("Zelensky")
        composer.get_by_label("Claim", exact=True).fill("11,000 soldiers arrived in Kursk.")
        composer.get_by_label("Verdict", exact=True).select_option(label="Mostly false")
        before = len(editor.locator("mark[data-claim-id]").all())
        started = time.monotonic()
        composer.get_by_role("button", name="Save claim").click()
        new_mark = reviewer.locator("mark[data-claim-id]").filter(has_text="11.000")
        expect(new_mark.first).to_be_visible()
        new_id = new_mark.first.get_attribute("data-claim-id")
        arrived = editor.locator(f'mark[data-claim-id="{new_id}"]')
        left = max(100, int((2.0 - (time.monotonic() - started)) * 1000))
        expect(arrived.first).to_be_attached(timeout=left)
        latency = time.monotonic() - started
        assert latency <= 2.0, f"the claim took {latency:.2f} s to arrive"
        assert len(editor.locator("mark[data-claim-id]").all()) > before
        expect(editor.locator(f"#claim-{new_id}")).to_contain_text("Zelensky")
        number = reviewer.locator(f'a.claim-ref[data-claim="{new_id}"]').get_attribute("data-n")
        toast = editor.locator(".live-toast")
        expect(toast).to_contain_text(f"reviewer-user added claim #{number}")
        editor.screenshot(path=artifacts / "live-claim-arrived.png", caret="initial")

        # Both open the same claim; the editor saves first, then the reviewer.
        editor_card, editor_form = open_claim_form(editor, claim.pk)
        reviewer_card, reviewer_form = open_claim_form(reviewer, claim.pk)
        reviewer_form.get_by_label("Claimant", exact=True).fill("Pentagon spokesman")
        reviewer_form.get_by_label("Claim", exact=True).fill("About 10,000 soldiers.")
        half_typed = reviewer_card.locator(f"#discussion-{claim.pk}").get_by_label(
            "Comment", exact=True
        )
        half_typed.fill("Which briefing was th")
        editor_form.get_by_label("Claimant", exact=True).fill("US Department of Defense")
        editor_form.get_by_role("button", name="Save claim").click()
        expect(editor_card.locator("form[data-claim-form]")).to_have_count(0)

        # The reviewer's open form is marked, not replaced: the typed input stays.
        notice = reviewer_card.locator("[data-live-notice]")
        expect(notice).to_contain_text("Changed by editor-user while you edit.")
        expect(notice.get_by_role("button", name="Reload this claim")).to_be_visible()
        expect(reviewer_form.get_by_label("Claimant", exact=True)).to_have_value(
            "Pentagon spokesman"
        )
        # So is a half-typed comment in the open claim's discussion, which keeps the focus.
        expect(half_typed).to_have_value("Which briefing was th")
        expect(half_typed).to_be_focused()
        reviewer.screenshot(path=artifacts / "live-changed-while-editing.png", caret="initial")
        half_typed.fill("")  # (saving the claim would otherwise ask about the comment)

        # Saving answers in place (htmx), as before the live update: the page is not reloaded.
        reviewer.evaluate("() => { window.beforeSaving = true; }")
        reviewer_form.get_by_role("button", name="Save claim").click()
        alert = reviewer_card.get_by_role("alert")
        expect(alert).to_contain_text("Someone else changed this claim while you were editing")
        expect(alert).to_contain_text("editor-user")
        row = alert.get_by_role("row", name=re.compile("^Claimant"))
        expect(row).to_contain_text("US Department of Defense")
        expect(row).to_contain_text("Pentagon spokesman")
        assert reviewer.evaluate("() => window.beforeSaving === true")
        expect(reviewer_card.get_by_label("Claimant", exact=True)).to_have_value(
            "Pentagon spokesman"
        )
        expect(reviewer_card.get_by_label("Claim", exact=True)).to_have_value(
            "About 10,000 soldiers."
        )
        reviewer_card.scroll_into_view_if_needed()
        reviewer.screenshot(path=artifacts / "live-conflict.png", caret="initial")

        # The editor's page follows the reviewer's change once it is saved again.
        reviewer_card.get_by_role("button", name="Save claim").click()
        expect(reviewer_card.locator("form[data-claim-form]")).to_have_count(0)
        expect(editor.locator(f"#claim-{claim.pk}")).to_contain_text("Pentagon spokesman")

        # Leaving the page: the other one stops naming them.
        reviewer_context.close()
        expect(editor.locator("#presence-list")).to_have_text("Only you", timeout=20_000)
        assert editor_errors == [] and reviewer_errors == [], "\n".join(reviewer_errors)
    except Exception:
        print(servers.output())
        raise
    finally:
        editor_context.close()
        if reviewer_context.pages:
            reviewer_context.close()


def test_under_a_wsgi_server_the_stream_comes_back_quietly(open_page, transactional_db):
    """Under WSGI each answer of the stream ends and EventSource comes back by itself (after
    `retry`, with Last-Event-ID): the page keeps listening and logs no error."""
    call_command("seed_demo", verbosity=0)
    article = Article.objects.get(team__slug="demo")
    page, console = open_page()
    log_in(page, "reviewer", password="factcheck-demo")
    page.goto(f"/articles/{article.pk}/")
    page.evaluate(
        """() => {
            window.streamOpened = 0;
            document.getElementById("live").addEventListener("htmx:sseOpen", () => {
                window.streamOpened += 1;
            });
        }"""
    )
    page.wait_for_function("() => window.streamOpened >= 2", timeout=15_000)
    expect(page.locator("#presence-list")).to_have_text("Only you")
    assert console.csp_violations() == [] and console.errors() == []
