"""The review workflow, move by move: every (from, to) pair of statuses for every persona.

The expected outcomes below are the workflow as the issue states it, written out here on
their own (not read from services.TRANSITIONS), so the matrix checks the table and the
permission rules rather than repeating them:

- reviewers submit their own drafts and may withdraw them from review;
- editors (and admins) do that for anyone's claims, approve, send back, publish, and
  correct a published claim (with a note);
- viewers are refused (403), outsiders do not see the claim (404);
- any other pair of statuses (skipping a step, staying put) is a conflict.
"""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from annotations import services
from annotations.errors import Conflict, Forbidden, InvalidInput, NotFound
from annotations.exports.claims import iter_claims
from annotations.exports.formats import csv_export, ourjson, w3c
from annotations.exports.formats.claimreview import claim_review
from annotations.models import Claim, ClaimStatus, Event, Notification
from tests.exports.seed import export_json
from tests.factories import make_article

QUOTE = "11.000 North Korean soldiers"
STATUSES = list(ClaimStatus.values)

# (from, to) -> (who may: "reviewer" = the claim's author with role reviewer, or "editor"),
# and the event verb when the author is not the one moving it.
ALLOWED = {
    ("draft", "in_review"): ("reviewer", "claim.submitted"),
    ("in_review", "draft"): ("reviewer", "claim.sent_back"),
    ("in_review", "approved"): ("editor", "claim.approved"),
    ("approved", "in_review"): ("editor", "claim.sent_back"),
    ("approved", "published"): ("editor", "claim.published"),
    ("published", "in_review"): ("editor", "claim.corrected"),
}
# reviewer_own: the reviewer who created the claim; reviewer_other: a reviewer who did not.
PERSONAS = ["admin", "editor", "reviewer_own", "reviewer_other", "viewer", "outsider"]


def expected(persona: str, start: str, to: str) -> str:
    """ "ok", or the error: "not_found", "forbidden", "invalid_transition"."""
    if persona == "outsider":
        return "not_found"
    if persona == "viewer":
        return "forbidden"
    rule = ALLOWED.get((start, to))
    if rule is None:
        return "invalid_transition"
    if persona in ("admin", "editor"):
        return "ok"
    if rule[0] == "editor" or persona == "reviewer_other":
        return "forbidden"
    return "ok"


CASES = [
    pytest.param(persona, start, to, expected(persona, start, to), id=f"{persona}-{start}-{to}")
    for persona, (start, to) in itertools.product(PERSONAS, itertools.product(STATUSES, STATUSES))
]


def test_the_service_table_is_the_workflow_of_the_issue():
    assert set(services.TRANSITIONS) == set(ALLOWED)
    for pair, (role, verb) in services.TRANSITIONS.items():
        assert (role, verb) == ALLOWED[pair]


@pytest.fixture
def make_claim(desk):
    article = make_article(desk.team)

    def make(status: str, *, author=None) -> Claim:
        claim = services.claim_create(
            article=article,
            actor=author or desk.reviewer,
            exact=QUOTE,
            claimant="Zelensky",
            rating="half-true",
        )
        claim.refresh_from_db()
        final = claim.verdicts.get() if status in ("approved", "published") else None
        Claim.objects.filter(pk=claim.pk).update(status=status, final_verdict=final)
        claim.refresh_from_db()
        return claim

    return make


@pytest.mark.parametrize(("persona", "start", "to", "outcome"), CASES)
def test_every_move_for_every_persona(desk, make_claim, persona, start, to, outcome):
    author = desk.admin if persona == "reviewer_other" else desk.reviewer
    user = desk.reviewer if persona.startswith("reviewer") else desk.user(persona)
    claim = make_claim(start, author=author)
    events_before = Event.objects.filter(claim=claim).count()
    note = "Checked again." if (start, to) == ("published", "in_review") else ""
    if outcome == "ok":
        services.claim_transition(claim=claim, actor=user, to=to, note=note)
        claim.refresh_from_db()
        assert claim.status == to
        assert Event.objects.filter(claim=claim).count() == events_before + 1
        return
    error = {"not_found": NotFound, "forbidden": Forbidden, "invalid_transition": Conflict}
    with pytest.raises(error[outcome]) as raised:
        services.claim_transition(claim=claim, actor=user, to=to, note=note)
    if outcome == "invalid_transition":
        assert raised.value.code == "invalid_transition"
    claim.refresh_from_db()
    assert claim.status == start
    assert Event.objects.filter(claim=claim).count() == events_before


# --- withdrawing and sending back -----------------------------------------------------------


def test_a_reviewer_withdrawing_their_claim_is_recorded_as_a_withdrawal(desk, make_claim):
    claim = make_claim("in_review")
    services.claim_transition(claim=claim, actor=desk.reviewer, to="draft")
    assert Event.objects.filter(claim=claim).latest("id").verb == "claim.withdrawn"
    assert not Notification.objects.exists()


def test_sending_back_records_the_note_and_notifies_the_author(desk, make_claim):
    claim = make_claim("in_review")
    services.claim_transition(
        claim=claim, actor=desk.editor, to="draft", note="Add the Pentagon briefing."
    )
    event = Event.objects.filter(claim=claim).latest("id")
    assert (event.verb, event.note) == ("claim.sent_back", "Add the Pentagon briefing.")
    notification = Notification.objects.get()
    assert notification.user == desk.reviewer
    assert notification.kind == "sent_back"
    assert notification.actor == desk.editor
    assert (notification.claim, notification.article) == (claim, claim.article)
    assert notification.message == (
        f"{desk.editor.username} sent back your claim #{claim.number} “{QUOTE}”: "
        "Add the Pentagon briefing."
    )


def test_sending_back_an_approved_claim_reopens_its_review_and_clears_the_final_verdict(
    desk, make_claim
):
    claim = make_claim("approved")
    services.claim_transition(claim=claim, actor=desk.editor, to="in_review", note="Recheck.")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW
    assert claim.final_verdict is None
    assert Notification.objects.get().message.endswith(": Recheck.")


def test_an_editor_sending_back_their_own_claim_notifies_no_one(desk, make_claim):
    claim = make_claim("approved", author=desk.editor)
    services.claim_transition(claim=claim, actor=desk.editor, to="in_review")
    assert not Notification.objects.exists()


# --- approving: the final verdict -------------------------------------------------------------


def test_the_editor_picks_any_current_verdict_as_final(desk, make_claim):
    claim = make_claim("in_review")
    services.verdict_set(claim=claim, actor=desk.admin, rating="false", rationale="Wrong count.")
    chosen = claim.verdicts.get(reviewer=desk.admin)
    services.claim_transition(claim=claim, actor=desk.editor, to="approved", final_verdict=chosen)
    claim.refresh_from_db()
    assert claim.final_verdict == chosen
    event = Event.objects.filter(claim=claim).latest("id")
    assert event.changes["final_verdict"] == [None, "false"]


def test_an_editor_who_gave_a_verdict_approves_with_their_own(desk, make_claim):
    claim = make_claim("in_review")
    services.verdict_set(claim=claim, actor=desk.editor, rating="mostly-false")
    services.claim_transition(claim=claim, actor=desk.editor, to="approved")
    claim.refresh_from_db()
    assert claim.final_verdict.reviewer == desk.editor


def test_a_verdict_of_another_claim_cannot_be_final(desk, make_claim):
    claim = make_claim("in_review")
    other = make_claim("in_review")
    with pytest.raises(InvalidInput) as raised:
        services.claim_transition(
            claim=claim, actor=desk.editor, to="approved", final_verdict=other.verdicts.get()
        )
    assert raised.value.field == "final_verdict"


# --- publishing freezes; correcting reopens ----------------------------------------------------


def test_a_published_claim_refuses_edits_verdicts_and_sources_until_corrected(desk, make_claim):
    claim = make_claim("published")
    source = None
    for write in (
        lambda: services.claim_update(claim=claim, actor=desk.editor, claimant="x"),
        lambda: services.verdict_set(claim=claim, actor=desk.editor, rating="true"),
        lambda: services.source_add(claim=claim, actor=desk.editor, url="https://example.org/a"),
        lambda: services.claim_delete(claim=claim, actor=desk.editor),
    ):
        with pytest.raises(Conflict) as raised:
            write()
        assert raised.value.code == "published"
    services.claim_transition(claim=claim, actor=desk.editor, to="in_review", note="New figure.")
    claim.refresh_from_db()
    services.verdict_set(claim=claim, actor=desk.editor, rating="true")
    source = services.source_add(claim=claim, actor=desk.editor, url="https://example.org/a")
    assert source.pk


def test_a_correction_needs_a_note_and_keeps_the_claim_published_without_one(desk, make_claim):
    claim = make_claim("published")
    with pytest.raises(InvalidInput) as raised:
        services.claim_transition(claim=claim, actor=desk.editor, to="in_review", note="   ")
    assert raised.value.field == "note"
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PUBLISHED
    assert claim.correction_note == "" and claim.corrected_at is None


def test_a_correction_is_kept_on_the_claim_the_event_and_the_exports(desk, make_claim):
    claim = make_claim("published")
    before = timezone.now()
    services.claim_transition(
        claim=claim, actor=desk.editor, to="in_review", note="The figure was for all of Russia."
    )
    claim.refresh_from_db()
    assert claim.correction_note == "The figure was for all of Russia."
    assert claim.corrected_at >= before
    event = Event.objects.filter(claim=claim).latest("id")
    assert event.verb == "claim.corrected"
    assert event.note == "The figure was for all of Russia."
    assert event.changes["correction_note"] == [None, "The figure was for all of Russia."]

    # Approve and publish again: the correction stays visible in every export.
    services.claim_transition(claim=claim, actor=desk.editor, to="approved")
    services.claim_transition(claim=claim, actor=desk.editor, to="published")
    row = ourjson.claim_dict(next(iter_claims(desk.team)))
    assert row["correction"] == {
        "note": "The figure was for all of Russia.",
        "at": claim.corrected_at.isoformat(),
    }
    cells = dict(zip(csv_export.HEADER, csv_export.row(row), strict=True))
    assert cells["correction_note"] == "The figure was for all of Russia."
    assert cells["corrected_at"]
    review = claim_review(
        row,
        article={"id": claim.article_id, "title": "Troops"},
        publisher={"name": desk.team.name},
        worst=1,
        best=5,
        date_published=timezone.now(),
    )
    assert review["correction"] == {
        "@type": "CorrectionComment",
        "text": "The figure was for all of Russia.",
        "datePublished": claim.corrected_at.isoformat(),
    }
    annotation = w3c.annotation(claim, base_url="https://factcheck.example")
    assert annotation[w3c.SCHEMA_CORRECTION] == "The figure was for all of Russia."


def test_a_claim_never_corrected_exports_no_correction(desk, make_claim):
    make_claim("published")
    row = ourjson.claim_dict(next(iter_claims(desk.team)))
    assert row["correction"] is None
    cells = dict(zip(csv_export.HEADER, csv_export.row(row), strict=True))
    assert (cells["correction_note"], cells["corrected_at"]) == ("", "")


def test_a_correction_survives_a_json_export_and_import(desk, make_claim):
    claim = make_claim("published")
    services.claim_transition(claim=claim, actor=desk.editor, to="in_review", note="New count.")
    original = export_json(desk.team)
    assert ourjson.validate(original) == []
    (exported,) = original["claims"]
    assert exported["correction"]["note"] == "New count."

    copy_team = services.team_create(name="Copy desk", slug="copy")
    services.team_import_json(team=copy_team, data=original)
    copied = Claim.objects.get(article__team=copy_team)
    claim.refresh_from_db()
    assert copied.correction_note == "New count."
    assert copied.corrected_at == claim.corrected_at
    assert export_json(copy_team)["claims"][0]["correction"] == exported["correction"]


def test_an_export_written_before_corrections_existed_still_imports(desk, make_claim):
    make_claim("draft")
    data = export_json(desk.team)
    for item in data["claims"]:
        del item["correction"]
    assert ourjson.validate(data) == []
    copy_team = services.team_create(name="Copy desk", slug="copy")
    services.team_import_json(team=copy_team, data=data)
    assert Claim.objects.get(article__team=copy_team).corrected_at is None
