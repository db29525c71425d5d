"""Editing, deleting and moving claims through the review workflow."""

from __future__ import annotations

import pytest

from annotations import services
from annotations.errors import Conflict, Forbidden, InvalidInput, NotFound
from annotations.models import ArticleStatus, Claim, ClaimStatus, Comment, Event, Source
from tests.factories import QUOTE

pytestmark = pytest.mark.claim(
    claimant="Zelensky",
    rating="half-true",
    sources=[{"url": "https://example.org/briefing", "stance": "refutes"}],
)


def move(claim: Claim, user, to: str, **kwargs) -> Claim:
    return services.claim_transition(claim=claim, actor=user, to=to, **kwargs)


# --- editing ---------------------------------------------------------------------------------


def test_a_reviewer_edits_their_own_claim_and_the_version_goes_up(desk, claim):
    updated = services.claim_update(
        claim=claim, actor=desk.reviewer, summary="11,000 soldiers arrived", expected_version=3
    )
    assert updated.summary == "11,000 soldiers arrived"
    assert updated.version == 4  # created 1, verdict 2, source 3, edit 4
    event = Event.objects.filter(claim=claim, verb="claim.updated").get()
    assert event.changes["summary"][1] == "11,000 soldiers arrived"


def test_an_edit_from_a_stale_version_is_a_conflict_and_changes_nothing(desk, claim):
    services.claim_update(claim=claim, actor=desk.editor, claimant="President Zelensky")
    with pytest.raises(Conflict) as raised:
        services.claim_update(
            claim=claim, actor=desk.reviewer, claimant="Someone", expected_version=3
        )
    assert raised.value.code == "stale"
    claim.refresh_from_db()
    assert claim.claimant == "President Zelensky"


def test_moving_a_claim_to_new_text_reanchors_it(desk, article, claim):
    quote = "10.000 North Korean soldiers"
    services.claim_update(claim=claim, actor=desk.reviewer, exact=quote)
    claim.refresh_from_db()
    assert article.text[claim.start : claim.end] == quote
    assert claim.anchor == "anchored"


def test_a_reviewer_cannot_edit_someone_elses_claim_but_an_editor_can(desk, article):
    other = services.claim_create(article=article, actor=desk.admin, exact=QUOTE)
    with pytest.raises(Forbidden):
        services.claim_update(claim=other, actor=desk.reviewer, claimant="x")
    services.claim_update(claim=other, actor=desk.editor, claimant="Edited by editor")
    other.refresh_from_db()
    assert other.claimant == "Edited by editor"


def test_a_viewer_and_an_outsider_cannot_edit(desk, claim):
    with pytest.raises(Forbidden):
        services.claim_update(claim=claim, actor=desk.viewer, claimant="x")
    with pytest.raises(NotFound):
        services.claim_update(claim=claim, actor=desk.outsider, claimant="x")


def test_an_empty_wording_is_refused(desk, claim):
    with pytest.raises(InvalidInput):
        services.claim_update(claim=claim, actor=desk.reviewer, summary="   ")


# --- deleting --------------------------------------------------------------------------------


def test_deleting_a_claim_keeps_its_history_and_a_snapshot(desk, article, claim):
    claim_id = claim.pk
    snapshot = services.claim_delete(claim=claim, actor=desk.reviewer)
    assert not Claim.objects.filter(pk=claim_id).exists()
    assert snapshot["exact"] == QUOTE
    assert snapshot["verdicts"][0]["rating"] == "half-true"
    assert snapshot["sources"][0]["url"] == "https://example.org/briefing"
    verbs = list(Event.objects.filter(claim_id=claim_id).values_list("verb", flat=True))
    assert "claim.created" in verbs and "claim.deleted" in verbs
    article.refresh_from_db()
    assert article.status == ArticleStatus.NEW


def test_a_reviewer_cannot_delete_someone_elses_claim(desk, article):
    other = services.claim_create(article=article, actor=desk.editor, exact=QUOTE)
    with pytest.raises(Forbidden):
        services.claim_delete(claim=other, actor=desk.reviewer)
    assert Claim.objects.filter(pk=other.pk).exists()


# --- workflow --------------------------------------------------------------------------------


def test_the_full_path_from_draft_to_published(desk, article, claim):
    move(claim, desk.reviewer, "in_review")
    move(claim, desk.editor, "approved")
    claim.refresh_from_db()
    assert claim.final_verdict.rating.slug == "half-true"
    article.refresh_from_db()
    assert article.status == ArticleStatus.READY
    move(claim, desk.editor, "published")
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED
    verbs = list(Event.objects.filter(claim=claim).order_by("id").values_list("verb", flat=True))
    assert verbs[-3:] == ["claim.submitted", "claim.approved", "claim.published"]


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("draft", "approved"),
        ("draft", "published"),
        ("in_review", "published"),
        ("published", "approved"),
        ("published", "draft"),
    ],
)
def test_skipping_a_step_is_refused(desk, claim, start, to):
    Claim.objects.filter(pk=claim.pk).update(status=start)
    claim.refresh_from_db()
    with pytest.raises(Conflict) as raised:
        move(claim, desk.editor, to)
    assert raised.value.code == "invalid_transition"


def test_a_reviewer_cannot_approve_or_publish(desk, claim):
    move(claim, desk.reviewer, "in_review")
    with pytest.raises(Forbidden):
        move(claim, desk.reviewer, "approved")
    move(claim, desk.editor, "approved")
    with pytest.raises(Forbidden):
        move(claim, desk.reviewer, "published")


def test_a_viewer_cannot_submit(desk, claim):
    with pytest.raises(Forbidden):
        move(claim, desk.viewer, "in_review")


def test_approval_needs_a_verdict(desk, article):
    bare = services.claim_create(article=article, actor=desk.reviewer, exact=QUOTE)
    move(bare, desk.reviewer, "in_review")
    with pytest.raises(Conflict) as raised:
        move(bare, desk.editor, "approved")
    assert raised.value.code == "no_verdict"


def test_when_reviewers_disagree_the_editor_chooses_the_final_verdict(desk, claim):
    services.verdict_set(claim=claim, actor=desk.admin, rating="false")
    move(claim, desk.reviewer, "in_review")
    with pytest.raises(Conflict):
        move(claim, desk.editor, "approved")
    chosen = claim.verdicts.get(reviewer=desk.admin, is_current=True)
    move(claim, desk.editor, "approved", final_verdict=chosen.pk)
    claim.refresh_from_db()
    assert claim.final_verdict.rating.slug == "false"


def test_a_published_claim_is_frozen(desk, claim):
    move(claim, desk.reviewer, "in_review")
    move(claim, desk.editor, "approved")
    move(claim, desk.editor, "published")
    with pytest.raises(Conflict):
        services.claim_update(claim=claim, actor=desk.editor, claimant="x")
    with pytest.raises(Conflict):
        services.verdict_set(claim=claim, actor=desk.editor, rating="true")
    with pytest.raises(Conflict):
        services.source_add(claim=claim, actor=desk.editor, url="https://example.org/new")
    with pytest.raises(Conflict):
        services.claim_delete(claim=claim, actor=desk.editor)


def test_correcting_a_published_claim_needs_a_note_and_reopens_it(desk, claim):
    move(claim, desk.reviewer, "in_review")
    move(claim, desk.editor, "approved")
    move(claim, desk.editor, "published")
    with pytest.raises(InvalidInput):
        move(claim, desk.editor, "in_review")
    move(claim, desk.editor, "in_review", note="The Pentagon figure was for all of Russia.")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW
    assert claim.final_verdict is None
    event = Event.objects.get(claim=claim, verb="claim.corrected")
    assert event.note == "The Pentagon figure was for all of Russia."


# --- sources and comments -------------------------------------------------------------------


def test_removing_a_source_is_recorded(desk, claim):
    source = claim.sources.get()
    services.source_remove(source=source, actor=desk.reviewer)
    assert not Source.objects.filter(pk=source.pk).exists()
    assert Event.objects.filter(claim=claim, verb="source.removed").exists()


def test_authors_edit_their_comments_and_editors_moderate(desk, claim):
    comment = services.comment_add(claim=claim, actor=desk.reviewer, body="Check the date.")
    services.comment_update(comment=comment, actor=desk.reviewer, body="Check the briefing date.")
    comment.refresh_from_db()
    assert comment.body == "Check the briefing date."
    with pytest.raises(Forbidden):
        services.comment_update(comment=comment, actor=desk.editor, body="Rewritten")
    with pytest.raises(Forbidden):
        services.comment_delete(comment=comment, actor=desk.viewer)
    services.comment_delete(comment=comment, actor=desk.editor)
    # A tombstone stays in its place (its replies keep their thread); the text is gone.
    tombstone = Comment.objects.get(pk=comment.pk)
    assert tombstone.deleted_by == desk.editor
    assert "briefing" not in tombstone.body
    assert Event.objects.filter(claim=claim, verb="comment.deleted").exists()
