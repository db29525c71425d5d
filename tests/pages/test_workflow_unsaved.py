"""A workflow button pressed while the claim's form holds unsaved changes: the changes travel in
the same POST, are saved first at the version the form was opened with, and only then does the
claim move, all in one transaction. A stale version is the usual conflict (typed input kept,
nothing moved); an invalid field comes back with its error (typed input kept, nothing moved).
With htmx (the open claim comes back) and without (a redirect, or the page with the form)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations import services
from annotations.errors import Conflict, InvalidInput
from annotations.models import Claim, ClaimStatus, Event, Notification, Verdict
from tests.pages.claim_workflow import HTMX, MARKS, at, text

pytestmark = MARKS


def form(claim: Claim, **typed) -> dict:
    """The claim's whole form as the page posts it with a workflow button."""
    data = {
        "version": Claim.objects.get(pk=claim.pk).version,
        "claimant": claim.claimant,
        "summary": claim.summary,
        "rating": "half-true",
        "rationale": "Other estimates are lower.",
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "0",
        "sources-0-url": "",
        "sources-0-title": "",
        "sources-0-excerpt": "",
        "sources-0-stance": "context",
    }
    data.update(typed)
    return data


def press(client, claim: Claim, data: dict, *, htmx: bool):
    headers = HTMX if htmx else {}
    return client.post(reverse("claim_status", args=[claim.pk]), data, **headers)


def status_of(claim: Claim) -> str:
    return Claim.objects.get(pk=claim.pk).status


def verdict_of(claim: Claim, user) -> Verdict | None:
    return Verdict.objects.filter(claim=claim, reviewer=user, is_current=True).first()


def moved(response, htmx: bool) -> None:
    """The open claim comes back saying so (the whole page with it open, without htmx)."""
    assert response.status_code == 200
    assert "saved and now" in text(response)
    assert ("<!doctype html>" in text(response)) is not htmx


# --- every move saves the typed form first -------------------------------------------------


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_submit_for_review_saves_the_typed_verdict_then_submits(client, desk, claim, htmx):
    client.force_login(desk.reviewer)
    response = press(
        client,
        claim,
        form(claim, to="in_review", rating="false", rationale="The Pentagon says 10,000."),
        htmx=htmx,
    )
    moved(response, htmx)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW
    verdict = verdict_of(claim, desk.reviewer)
    assert (verdict.rating.slug, verdict.rationale) == ("false", "The Pentagon says 10,000.")
    verbs = list(Event.objects.filter(claim=claim).order_by("id").values_list("verb", flat=True))
    assert verbs[-2:] == ["verdict.set", "claim.submitted"]  # saved first, then moved
    if htmx:  # the card's verdict in the open claim is the saved one
        assert '<option value="false" selected>' in response.content.decode()


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_withdraw_saves_the_typed_wording_then_withdraws(client, desk, claim, htmx):
    at(claim, "in_review")
    client.force_login(desk.reviewer)
    response = press(
        client, claim, form(claim, to="draft", summary="11,000 soldiers arrived."), htmx=htmx
    )
    moved(response, htmx)
    claim.refresh_from_db()
    assert (claim.status, claim.summary) == (ClaimStatus.DRAFT, "11,000 soldiers arrived.")


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_approve_with_own_verdict_approves_the_verdict_as_typed(client, desk, claim, htmx):
    at(claim, "in_review")
    client.force_login(desk.editor)
    response = press(
        client,
        claim,
        form(
            claim,
            to="approved",
            final_verdict="own",
            rating="mostly-false",
            rationale="Both are estimates.",
        ),
        htmx=htmx,
    )
    moved(response, htmx)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    assert claim.final_verdict.reviewer == desk.editor
    assert (claim.final_verdict.rating.slug, claim.final_verdict.rationale) == (
        "mostly-false",
        "Both are estimates.",
    )


def test_approve_picking_my_earlier_verdict_after_changing_it_approves_the_new_one(
    client, desk, claim
):
    services.verdict_set(claim=claim, actor=desk.editor, rating="true", rationale="First look.")
    at(claim, "in_review")
    earlier = verdict_of(claim, desk.editor)
    client.force_login(desk.editor)
    data = form(claim, to="approved", final_verdict=earlier.pk, rating="false", rationale="No.")
    response = press(client, claim, data, htmx=True)
    moved(response, True)
    claim.refresh_from_db()
    assert (claim.final_verdict.rating.slug, claim.final_verdict.rationale) == ("false", "No.")


def test_approve_picking_a_colleagues_verdict_keeps_mine_as_a_proposal(client, desk, claim):
    at(claim, "in_review")
    colleague = verdict_of(claim, desk.reviewer)
    client.force_login(desk.editor)
    data = form(claim, to="approved", final_verdict=colleague.pk, rating="false", rationale="")
    press(client, claim, data, htmx=True)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    assert claim.final_verdict == colleague
    assert verdict_of(claim, desk.editor).rating.slug == "false"


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_send_back_saves_the_typed_claimant_then_sends_back_with_the_note(
    client, desk, claim, htmx
):
    at(claim, "approved")
    client.force_login(desk.editor)
    data = form(claim, to="in_review", claimant="The Ukrainian president", note="Check the date.")
    moved(press(client, claim, data, htmx=htmx), htmx)
    claim.refresh_from_db()
    assert (claim.status, claim.claimant) == (ClaimStatus.IN_REVIEW, "The Ukrainian president")
    assert Notification.objects.get(user=desk.reviewer).message.endswith("Check the date.")


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_publish_saves_the_typed_wording_then_publishes(client, desk, claim, htmx):
    at(claim, "approved")
    client.force_login(desk.editor)
    data = form(claim, to="published", summary="11,000 North Korean soldiers arrived in Kursk.")
    moved(press(client, claim, data, htmx=htmx), htmx)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PUBLISHED
    assert claim.summary == "11,000 North Korean soldiers arrived in Kursk."


def test_publish_without_javascript_keeps_a_changed_verdict_as_a_proposal(client, desk, claim):
    """Publish publishes the approved verdict; the page asks before dropping a changed one
    (workspace.js). A plain post has not asked, so nothing is dropped: it is saved as the
    editor's own verdict beside the approved one."""
    at(claim, "approved")
    approved = claim.final_verdict
    client.force_login(desk.editor)
    data = form(claim, to="published", rating="false", rationale="Lower, says the Pentagon.")
    moved(press(client, claim, data, htmx=False), False)
    claim.refresh_from_db()
    assert (claim.status, claim.final_verdict) == (ClaimStatus.PUBLISHED, approved)
    assert verdict_of(claim, desk.editor).rationale == "Lower, says the Pentagon."


def test_the_publish_button_names_the_verdict_it_keeps(client, desk, claim):
    at(claim, "approved")
    client.force_login(desk.editor)
    html = text(client.get(reverse("claim_edit", args=[claim.pk])))
    assert 'data-keeps-final="Half true">Publish</button>' in html
    assert "Changes typed above are saved first, then the claim moves" in html


def test_publish_saves_a_typed_source_then_publishes(client, desk, claim):
    at(claim, "approved")
    client.force_login(desk.editor)
    data = form(claim, to="published", **{"sources-0-url": "https://example.org/pentagon"})
    moved(press(client, claim, data, htmx=True), True)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PUBLISHED
    assert [s.url for s in claim.sources.all()] == ["https://example.org/pentagon"]


def test_correct_on_a_published_claim_takes_only_its_note(client, desk, claim):
    # A published claim is frozen: its panel has no claim form, only the note and the button.
    at(claim, "published")
    client.force_login(desk.editor)
    data = {"to": "in_review", "note": "The date was wrong.", "version": claim.version}
    response = press(client, claim, data, htmx=True)
    assert response.status_code == 200
    claim.refresh_from_db()
    assert (claim.status, claim.correction_note) == (ClaimStatus.IN_REVIEW, "The date was wrong.")


# --- a stale version: the conflict answer, nothing saved, nothing moved --------------------


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
@pytest.mark.parametrize(
    ("status", "persona", "to", "extra"),
    [
        ("draft", "reviewer", "in_review", {}),
        ("in_review", "reviewer", "draft", {}),
        ("in_review", "editor", "approved", {"final_verdict": "own"}),
        ("approved", "editor", "in_review", {"note": "Look again."}),
        ("approved", "editor", "published", {}),
    ],
    ids=["submit", "withdraw", "approve", "send-back", "publish"],
)
def test_a_stale_form_moves_nothing_and_keeps_what_was_typed(
    client, desk, claim, htmx, status, persona, to, extra
):
    at(claim, status)
    stale = claim.version
    services.claim_update(claim=claim, actor=desk.admin, claimant="Changed by the admin")
    client.force_login(desk.user(persona))
    data = form(claim, to=to, version=stale, rationale="My unsaved rationale.", **extra)
    data["claimant"] = "Volodymyr Zelensky"
    response = press(client, claim, data, htmx=htmx)
    assert response.status_code == 409
    html = text(response)
    assert "My unsaved rationale." in html  # typed input kept
    assert "Changed by the admin" in html  # the conflict says what they changed
    claim.refresh_from_db()
    assert claim.status == status
    assert claim.claimant == "Changed by the admin"
    mine = verdict_of(claim, desk.user(persona))
    assert mine is None or mine.rationale != "My unsaved rationale."


# --- an invalid field: its error, nothing saved, nothing moved -----------------------------


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_bad_source_address_moves_nothing_and_keeps_what_was_typed(client, desk, claim, htmx):
    client.force_login(desk.reviewer)
    data = form(
        claim,
        to="in_review",
        rationale="Typed but not saved.",
        **{"sources-0-url": "javascript:alert(1)", "sources-0-title": "My source"},
    )
    response = press(client, claim, data, htmx=htmx)
    assert response.status_code == 400
    html = text(response)
    assert "did not move" in html
    assert "Typed but not saved." in html and 'value="My source"' in html
    assert status_of(claim) == ClaimStatus.DRAFT
    assert verdict_of(claim, desk.reviewer).rationale == "Other estimates are lower."


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_an_emptied_claim_moves_nothing_and_keeps_what_was_typed(client, desk, claim, htmx):
    at(claim, "approved")
    client.force_login(desk.editor)
    data = form(claim, to="published", summary="   ", claimant="Typed claimant")
    response = press(client, claim, data, htmx=htmx)
    assert response.status_code == 400
    html = text(response)
    assert "The claim's wording cannot be empty." in html
    assert 'value="Typed claimant"' in html
    claim.refresh_from_db()
    assert (claim.status, claim.claimant) == (ClaimStatus.APPROVED, "Volodymyr Zelensky")


def test_a_refused_move_rolls_back_the_save(client, desk, claim):
    """The move fails after the save ran (Approve, but reviewers disagree and nothing is
    picked): the save is undone too, and the form comes back as typed."""
    services.verdict_set(claim=claim, actor=desk.admin, rating="false", rationale="")
    at(claim, "in_review")
    client.force_login(desk.editor)
    data = form(claim, to="approved", claimant="Typed claimant", rating="", rationale="")
    response = press(client, claim, data, htmx=True)
    assert response.status_code == 409
    assert 'value="Typed claimant"' in text(response)
    claim.refresh_from_db()
    assert (claim.status, claim.claimant) == (ClaimStatus.IN_REVIEW, "Volodymyr Zelensky")
    assert not Event.objects.filter(claim=claim, verb="claim.updated").exists()


# --- the service ---------------------------------------------------------------------------


def test_the_service_saves_then_moves_in_one_transaction(desk, claim):
    moved_claim = services.claim_revise_and_transition(
        claim=claim,
        actor=desk.reviewer,
        to=ClaimStatus.IN_REVIEW,
        expected_version=claim.version,
        changes={"rating": "false", "rationale": "Lower counts."},
    )
    assert moved_claim.status == ClaimStatus.IN_REVIEW
    assert verdict_of(claim, desk.reviewer).rationale == "Lower counts."


def test_the_service_refuses_a_stale_version_before_changing_anything(desk, claim):
    stale = claim.version
    services.claim_update(claim=claim, actor=desk.editor, claimant="Someone else")
    with pytest.raises(Conflict):
        services.claim_revise_and_transition(
            claim=claim,
            actor=desk.reviewer,
            to=ClaimStatus.IN_REVIEW,
            expected_version=stale,
            changes={"rating": "false"},
        )
    assert status_of(claim) == ClaimStatus.DRAFT
    assert verdict_of(claim, desk.reviewer).rating.slug == "half-true"


def test_the_service_undoes_the_save_when_the_change_is_invalid(desk, claim):
    with pytest.raises(InvalidInput):
        services.claim_revise_and_transition(
            claim=claim,
            actor=desk.reviewer,
            to=ClaimStatus.IN_REVIEW,
            changes={"rating": "false", "summary": ""},
        )
    assert status_of(claim) == ClaimStatus.DRAFT
    assert verdict_of(claim, desk.reviewer).rating.slug == "half-true"


def test_own_final_verdict_needs_a_verdict(desk, claim):
    at(claim, "in_review")
    with pytest.raises(InvalidInput) as refused:
        services.claim_revise_and_transition(
            claim=claim, actor=desk.editor, to=ClaimStatus.APPROVED, final_verdict="own"
        )
    assert refused.value.field == "final_verdict"
    assert status_of(claim) == ClaimStatus.IN_REVIEW


# --- a form that comes back unsaved says which fields are unsaved (for the page's question) --


def test_a_form_sent_back_with_errors_names_its_unsaved_fields(client, desk, claim):
    client.force_login(desk.reviewer)
    data = form(
        claim, to="in_review", rationale="Typed but not saved.", **{"sources-0-url": "ftp://x"}
    )
    html = text(press(client, claim, data, htmx=True))
    assert 'data-unsaved="Rationale|New source"' in html


def test_a_stale_form_names_what_it_still_holds_unsaved(client, desk, claim):
    stale = claim.version
    services.claim_update(claim=claim, actor=desk.admin, claimant="Changed by the admin")
    client.force_login(desk.reviewer)
    data = form(claim, to="in_review", version=stale, claimant="Mine")
    html = text(press(client, claim, data, htmx=True))
    assert 'data-unsaved="Claimant"' in html


def test_a_form_that_was_saved_is_not_marked_unsaved(client, desk, claim):
    client.force_login(desk.reviewer)
    html = text(press(client, claim, form(claim, to="in_review", rating="false"), htmx=True))
    assert "saved and now in review" in html
    assert "data-unsaved" not in html


def test_a_move_with_nothing_typed_says_only_that_it_moved(client, desk, claim):
    client.force_login(desk.reviewer)
    html = text(press(client, claim, form(claim, to="in_review"), htmx=True))
    assert f"Claim #{claim.number} is now in review." in html
