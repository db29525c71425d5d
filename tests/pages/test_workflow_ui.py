"""The review workflow in the claim panel: the buttons each role sees at each status, the
reviewers' verdicts side by side with the final pick, send-back notes, publishing, and
corrections shown on the card. With htmx (fragments) and without (whole pages)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Claim, ClaimStatus, Event, Notification
from tests.pages.claim_workflow import HTMX, MARKS, at, text

pytestmark = MARKS
BUTTONS = ["Submit for review", "Withdraw", "Approve", "Send back", "Publish", "Correct"]


def buttons(html: str) -> list[str]:
    """The workflow buttons (name="to") in the page, by their text."""
    return re.findall(r'<button type="submit"[^>]*name="to"[^>]*>([^<]+)</button>', html)


def opened(client, user, claim: Claim) -> str:
    client.force_login(user)
    response = client.get(reverse("claim_edit", args=[claim.pk]))
    assert response.status_code == 200
    return text(response)


def move(client, claim: Claim, htmx: bool = False, **data):
    data.setdefault("version", Claim.objects.get(pk=claim.pk).version)
    headers = HTMX if htmx else {}
    return client.post(reverse("claim_status", args=[claim.pk]), data, **headers)


# --- which buttons, for whom --------------------------------------------------------------------

# (status, persona) -> the buttons offered; the claim is the reviewer's.
OFFERED = {
    ("draft", "reviewer"): ["Submit for review"],
    ("draft", "editor"): ["Submit for review"],
    ("in_review", "reviewer"): ["Withdraw"],
    ("in_review", "editor"): ["Send back", "Approve"],
    ("approved", "reviewer"): [],
    ("approved", "editor"): ["Send back", "Publish"],
    ("published", "reviewer"): [],
    ("published", "editor"): ["Correct"],
    ("published", "admin"): ["Correct"],
}


@pytest.mark.parametrize(("status", "persona"), sorted(OFFERED))
def test_the_panel_offers_the_moves_of_the_role_and_status(client, desk, claim, status, persona):
    at(claim, status)
    assert buttons(opened(client, desk.user(persona), claim)) == OFFERED[(status, persona)]


@pytest.mark.parametrize("status", ["draft", "in_review", "approved", "published"])
def test_a_viewer_sees_no_workflow_buttons(client, desk, claim, status):
    at(claim, status)
    assert buttons(opened(client, desk.viewer, claim)) == []


def test_a_reviewer_sees_no_moves_on_someone_elses_claim(client, desk, claim):
    other = services.claim_create(
        article=claim.article, actor=desk.editor, exact="10.000 North Korean soldiers"
    )
    assert buttons(opened(client, desk.reviewer, other)) == []


# --- submitting and withdrawing -----------------------------------------------------------------


def test_a_reviewer_submits_and_withdraws_their_claim(client, desk, claim):
    client.force_login(desk.reviewer)
    response = move(client, claim, to="in_review")
    assert response.status_code == 200  # without JavaScript: the whole page, claim open
    assert "<!doctype html>" in text(response) and "is now in review" in text(response)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW
    response = move(client, claim, htmx=True, to="draft")
    assert response.status_code == 200
    assert "is now draft" in text(response)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT
    assert Event.objects.filter(claim=claim).latest("id").verb == "claim.withdrawn"


# --- verdicts side by side, and the final pick --------------------------------------------------


@pytest.fixture
def disputed(desk, claim) -> Claim:
    services.verdict_set(
        claim=claim, actor=desk.admin, rating="false", rationale="The Pentagon says 10,000."
    )
    return at(claim, "in_review")


def test_an_editor_sees_every_reviewers_verdict_side_by_side(client, desk, disputed):
    html = opened(client, desk.editor, disputed)
    table = html[html.index("Reviewers' verdicts") :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr>.*?</tr>", table, re.S)[1:]
    assert len(rows) == 2
    assert "reviewer-user" in rows[0] and "Half true" in rows[0]
    assert "Other estimates are lower." in rows[0]
    assert "admin-user" in rows[1] and "False" in rows[1]
    assert "The Pentagon says 10,000." in rows[1]
    # The final pick lists both, and the editor's own verdict as a third choice.
    pick = html[html.index("<legend>Final verdict</legend>") :]
    pick = pick[: pick.index("</fieldset>")]
    assert pick.count('type="radio"') == 3
    assert "by reviewer-user" in pick and "by admin-user" in pick
    assert "Set my own verdict" in pick
    assert "checked" not in pick  # they disagree and the editor gave none: no default


def test_reviewers_do_not_get_the_side_by_side_table(client, desk, disputed):
    html = opened(client, desk.reviewer, disputed)
    assert "Reviewers' verdicts" not in html
    assert "Final verdict" not in html


def test_approving_with_a_chosen_verdict_marks_it_final(client, desk, disputed):
    chosen = disputed.verdicts.get(reviewer=desk.admin, is_current=True)
    client.force_login(desk.editor)
    response = move(client, disputed, htmx=True, to="approved", final_verdict=chosen.pk)
    assert response.status_code == 200
    disputed.refresh_from_db()
    assert disputed.status == ClaimStatus.APPROVED
    assert disputed.final_verdict == chosen
    html = text(response)
    final_row = re.search(r'<tr class="is-final">.*?</tr>', html, re.S).group(0)
    assert "admin-user" in final_row and "Final" in final_row


def test_approving_with_my_own_verdict_sets_it_and_makes_it_final(client, desk, disputed):
    client.force_login(desk.editor)
    response = move(
        client,
        disputed,
        to="approved",
        final_verdict="own",
        rating="mostly-false",
        rationale="Both figures are estimates.",
    )
    assert response.status_code == 200
    disputed.refresh_from_db()
    assert disputed.final_verdict.reviewer == desk.editor
    assert disputed.final_verdict.rating.slug == "mostly-false"
    assert disputed.final_verdict.rationale == "Both figures are estimates."


def test_my_own_verdict_needs_a_rating(client, desk, disputed):
    client.force_login(desk.editor)
    response = move(client, disputed, htmx=True, to="approved", final_verdict="own", rating="")
    assert response.status_code == 400
    assert "Choose your own verdict in the Verdict field" in text(response)
    disputed.refresh_from_db()
    assert disputed.status == ClaimStatus.IN_REVIEW


def test_a_refused_approval_explains_and_keeps_the_typed_note(client, desk, disputed):
    client.force_login(desk.editor)
    response = move(client, disputed, htmx=True, to="approved", note="Please add the date.")
    assert response.status_code == 409
    html = text(response)
    assert "Reviewers disagree on this claim" in html
    assert ">Please add the date.</textarea>" in html


# --- sending back ---------------------------------------------------------------------------------


def test_sending_back_with_a_note_notifies_the_reviewer(client, desk, disputed):
    html = opened(client, desk.editor, disputed)
    assert "Note for the reviewer" in html
    response = move(client, disputed, htmx=True, to="draft", note="Add the Pentagon source.")
    assert response.status_code == 200
    assert ">Add the Pentagon source.</textarea>" not in text(response)  # done: the note goes
    disputed.refresh_from_db()
    assert disputed.status == ClaimStatus.DRAFT
    event = Event.objects.filter(claim=disputed).latest("id")
    assert (event.verb, event.note) == ("claim.sent_back", "Add the Pentagon source.")
    notification = Notification.objects.get(user=desk.reviewer)
    assert notification.kind == "sent_back"
    assert notification.message.endswith(": Add the Pentagon source.")


# --- publishing, and correcting -------------------------------------------------------------------


def test_a_published_claim_is_frozen_in_the_panel_until_corrected(client, desk, claim):
    at(claim, "published")
    html = opened(client, desk.editor, claim)
    assert "Save claim" not in html and "Save verdict" not in html
    assert "Correction note" in html
    assert 'aria-required="true"' in html


def test_correcting_without_a_note_is_refused_with_a_clear_message(client, desk, claim):
    at(claim, "published")
    client.force_login(desk.editor)
    response = move(client, claim, htmx=True, to="in_review", note="  ")
    assert response.status_code == 400
    assert "Correcting a published claim needs a note" in text(response)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PUBLISHED


def test_a_refused_correction_keeps_the_typed_note(client, desk, claim):
    at(claim, "published")
    client.force_login(desk.editor)
    stale = claim.version - 1
    response = move(client, claim, htmx=True, to="in_review", note="Wrong date.", version=stale)
    assert response.status_code == 409
    assert ">Wrong date.</textarea>" in text(response)


def test_a_correction_reopens_the_claim_and_shows_on_its_card(client, desk, claim):
    at(claim, "published")
    client.force_login(desk.editor)
    response = move(client, claim, to="in_review", note="The figure was for all of Russia.")
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW
    assert claim.correction_note == "The figure was for all of Russia."
    page = text(client.get(reverse("article_detail", args=[claim.article_id])))
    card = page[page.index(f'id="claim-{claim.pk}"') :]
    card = card[: card.index("</li>")]
    assert "Corrected on" in card and "The figure was for all of Russia." in card
    assert "Corrected on" in opened(client, desk.viewer, claim)


def test_a_correction_note_is_escaped(client, desk, claim):
    at(claim, "published")
    services.claim_transition(
        claim=claim, actor=desk.editor, to="in_review", note="<script>alert(1)</script>"
    )
    client.force_login(desk.viewer)
    page = client.get(reverse("article_detail", args=[claim.article_id])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
