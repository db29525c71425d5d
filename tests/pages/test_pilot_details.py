"""Small things a desk trying the tool notices: the Import link on every page, the header's
counts and the article's status kept right after in-place actions, the Correct action saying
what it does, page-worded quote errors, and a history in words rather than offsets."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Claim, ClaimStatus, Event
from annotations.queries import audit
from tests.factories import make_claim_in_review

pytestmark = [pytest.mark.django_db, pytest.mark.article(title="Troops in Kursk")]

HTMX = {"HTTP_HX_REQUEST": "true"}


def text(response) -> str:
    return unescape(response.content.decode())


def oob(html: str, element_id: str) -> str:
    """The out-of-band element with this id in an htmx answer."""
    found = re.search(rf'<[a-z]+ [^>]*id="{element_id}"[^>]*hx-swap-oob="true"[^>]*>.*?</', html)
    if found is None:
        found = re.search(
            rf'<[a-z]+ [^>]*hx-swap-oob="true"[^>]*id="{element_id}"[^>]*>.*?</', html
        )
    assert found, f"no out-of-band #{element_id} in the answer"
    return found.group(0)


@pytest.fixture
def in_review(desk, article) -> Claim:
    return make_claim_in_review(article, desk.reviewer)


# --- the Import link --------------------------------------------------------------------------


def test_the_import_link_is_on_every_page_for_those_who_may_import(client, desk, in_review):
    pages = [
        reverse("article_list"),
        reverse("team_list"),
        reverse("team_detail", args=[desk.team.slug]),
        reverse("notification_list"),
        reverse("queue"),
        reverse("token_list"),
        reverse("claim_history", args=[in_review.pk]),
        reverse("revision_list", args=[in_review.article_id]),
        reverse("team_agreement", args=[desk.team.slug]),
    ]
    import_link = f'href="{reverse("article_import")}"'
    client.force_login(desk.reviewer)
    for url in pages:
        assert import_link in text(client.get(url)), f"no Import link on {url}"
    client.force_login(desk.viewer)  # viewers cannot import: no link
    for url in pages:
        assert f"<li><a {import_link}" not in text(client.get(url)), url


# --- the header's counts and the article's status after in-place actions ----------------------


def test_approving_in_place_refreshes_the_queue_count_and_the_article_status(
    client, desk, in_review
):
    client.force_login(desk.editor)
    page = text(client.get(reverse("article_detail", args=[in_review.article_id])))
    assert "My queue, 1 item" in page  # the claim waits for the editor's review
    assert re.search(r'id="article-status"[^>]*>In progress<', page)

    final = in_review.verdicts.get(is_current=True)
    response = client.post(
        reverse("claim_status", args=[in_review.pk]),
        {"to": "approved", "final_verdict": final.pk, "version": in_review.version},
        HTTP_HX_CURRENT_URL=f"http://testserver/articles/{in_review.article_id}/",
        **HTMX,
    )
    assert response.status_code == 200
    answer = text(response)
    assert 'aria-label="My queue, 0 items"' in oob(answer, "nav-queue")
    assert ">Ready<" in oob(answer, "article-status")
    assert "aria-current" not in oob(answer, "nav-queue")  # the page shown is the article's


def test_creating_and_deleting_a_claim_refresh_the_article_status(client, desk, article):
    client.force_login(desk.reviewer)
    created = client.post(
        reverse("claim_create", args=[article.pk]),
        {
            "exact": "10.000 North Korean soldiers",
            "claimant": "The Pentagon",
            "sources-TOTAL_FORMS": "0",
            "sources-INITIAL_FORMS": "0",
        },
        **HTMX,
    )
    assert created.status_code == 200
    assert ">In progress<" in oob(text(created), "article-status")
    claim = Claim.objects.get(article=article)
    deleted = client.post(
        reverse("claim_delete", args=[claim.pk]), {"version": claim.version}, **HTMX
    )
    assert deleted.status_code == 200
    assert ">New<" in oob(text(deleted), "article-status")


def test_a_verdict_and_an_assignment_in_place_carry_the_header_counts(client, desk, in_review):
    client.force_login(desk.editor)
    verdict = client.post(
        reverse("claim_verdict", args=[in_review.pk]),
        {"rating": "false", "rationale": "", "version": in_review.version},
        **HTMX,
    )
    assert verdict.status_code == 200
    oob(text(verdict), "nav-queue")
    oob(text(verdict), "nav-notifications")
    assigned = client.post(
        reverse("claim_assign", args=[in_review.pk]),
        {"user": desk.editor.get_username(), "due_on": ""},
        **HTMX,
    )
    assert assigned.status_code == 200
    assert 'aria-label="My queue, 1 item"' in oob(text(assigned), "nav-queue")


def test_marking_a_notification_read_refreshes_the_header_count(client, desk, in_review):
    services.claim_transition(
        claim=in_review, actor=desk.editor, to=ClaimStatus.DRAFT, note="Check the figure."
    )
    client.force_login(desk.reviewer)
    assert "Notifications, 1 unread" in text(client.get(reverse("notification_list")))
    response = client.post(reverse("notification_read_all"), **HTMX)
    badge = oob(text(response), "nav-notifications")
    assert 'aria-label="Notifications"' in badge and "nav-badge" not in badge


def test_a_refused_assignment_answers_in_place(client, desk, in_review):
    """Its 400 names where it goes, so the page's script swaps it in (with DEBUG on too)."""
    client.force_login(desk.editor)
    response = client.post(
        reverse("article_assign", args=[in_review.article_id]), {"user": "nobody"}, **HTMX
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#assignees"
    assert "Reviewer:" in text(response)


# --- words --------------------------------------------------------------------------------------


def test_correct_says_it_takes_the_claim_out_of_the_published_feed(client, desk, in_review):
    final = in_review.verdicts.get(is_current=True)
    services.claim_transition(
        claim=in_review, actor=desk.editor, to=ClaimStatus.APPROVED, final_verdict=final.pk
    )
    services.claim_transition(claim=in_review, actor=desk.editor, to=ClaimStatus.PUBLISHED)
    client.force_login(desk.editor)
    page = text(client.get(reverse("claim_edit", args=[in_review.pk])))
    assert ">Correct</button>" in page
    assert "takes the claim out of the published feed" in page
    assert "until an editor publishes it again" in page


def test_an_ambiguous_quote_on_the_page_asks_to_select_the_passage(client, desk, article):
    client.force_login(desk.reviewer)
    response = client.post(
        reverse("claim_create", args=[article.pk]),
        {
            "exact": "North Korean soldiers",
            "sources-TOTAL_FORMS": "0",
            "sources-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 400
    page = text(response)
    assert "This quote occurs 2 times in the article." in page
    assert "Select the passage in the text instead" in page
    assert "prefix/suffix" not in page and "start/end offsets" not in page
    # The API keeps the wording API clients act on.
    api = client.post(
        f"/api/v1/articles/{article.pk}/claims/",
        {"exact": "North Korean soldiers"},
        content_type="application/json",
    )
    assert api.status_code == 400 and "prefix" in api.json()["detail"]


def test_history_says_where_a_quote_moved_in_words_not_offsets(client, desk, in_review):
    services.claim_transition(claim=in_review, actor=desk.reviewer, to=ClaimStatus.DRAFT)
    in_review.refresh_from_db()
    services.claim_update(
        claim=in_review, actor=desk.reviewer, exact="10.000 North Korean soldiers"
    )
    client.force_login(desk.reviewer)
    page = text(client.get(reverse("claim_history", args=[in_review.pk])))
    assert "moved the quote to “10.000 North Korean soldiers”" in page
    for raw in ("<dt>start</dt>", "<dt>end</dt>", "<dt>prefix</dt>", "<dt>suffix</dt>"):
        assert raw not in page
    assert "<dt>quote</dt>" in page  # the words themselves, before and after


def test_history_says_when_the_same_words_moved_in_the_text(desk, in_review):
    services.claim_transition(claim=in_review, actor=desk.reviewer, to=ClaimStatus.DRAFT)
    event = Event(
        team=desk.team,
        verb="claim.reanchored",
        actor=None,
        claim=in_review,
        article=in_review.article,
        changes={"start": [30, 12], "end": [58, 40]},
    )
    view = audit.describe(event)
    assert view.sentence.endswith(
        "placed the claim on the new revision, moving the quote earlier in the text"
    )
    assert view.changes == []
