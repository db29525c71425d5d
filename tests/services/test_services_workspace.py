"""The services the reviewing workspace added: claim_revise, verdict_withdraw, claim_restore,
and the version check of source_remove."""

from __future__ import annotations

import pytest

from annotations import services
from annotations.errors import Conflict, Forbidden, InvalidInput, NotFound
from annotations.models import AnchorState, Article, Claim, ClaimStatus, Event, Verdict

QUOTE = "11.000 North Korean soldiers had arrived in the region"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.claim(
        exact=QUOTE,
        claimant="Zelensky",
        rating="half-true",
        rationale="Estimates differ.",
        sources=[{"url": "https://example.org/a", "title": "A", "stance": "refutes"}],
    ),
]


# --- claim_revise -------------------------------------------------------------------------------


def test_revise_saves_wording_verdict_and_sources_each_with_its_event(desk, claim):
    revised = services.claim_revise(
        claim=claim,
        actor=desk.reviewer,
        expected_version=claim.version,
        claimant="President Zelensky",
        summary="11,000 soldiers arrived.",
        rating="false",
        rationale="Kursk has 8,000.",
        sources=[{"url": "https://example.org/b", "title": "B"}],
    )
    assert (revised.claimant, revised.summary) == ("President Zelensky", "11,000 soldiers arrived.")
    assert claim.verdicts.get(is_current=True).rating.slug == "false"
    assert claim.sources.count() == 2
    verbs = set(Event.objects.filter(claim=claim).values_list("verb", flat=True))
    assert {"claim.updated", "verdict.set", "source.added"} <= verbs


def test_revise_writes_nothing_when_nothing_changed(desk, claim):
    version = claim.version
    events = Event.objects.count()
    services.claim_revise(
        claim=claim,
        actor=desk.reviewer,
        expected_version=version,
        claimant="Zelensky",
        summary=claim.summary,
        rating="half-true",
        rationale="Estimates differ.",
    )
    claim.refresh_from_db()
    assert claim.version == version
    assert Event.objects.count() == events


def test_revise_checks_the_version_once_before_anything_changes(desk, claim):
    stale = claim.version
    services.claim_update(claim=claim, actor=desk.editor, claimant="Someone else")
    with pytest.raises(Conflict) as error:
        services.claim_revise(
            claim=claim, actor=desk.reviewer, expected_version=stale, rating="true"
        )
    assert error.value.code == "stale"
    assert claim.verdicts.get(is_current=True).rating.slug == "half-true"


def test_revise_is_all_or_nothing(desk, claim):
    with pytest.raises(InvalidInput):
        services.claim_revise(
            claim=claim,
            actor=desk.reviewer,
            claimant="Changed",
            sources=[{"url": "javascript:alert(1)"}],
        )
    claim.refresh_from_db()
    assert claim.claimant == "Zelensky"


def test_a_reviewer_may_rate_a_colleagues_claim_but_not_reword_it(desk, article):
    theirs = services.claim_create(article=article, actor=desk.editor, exact=QUOTE)
    services.claim_revise(claim=theirs, actor=desk.reviewer, rating="true", claimant="")
    assert Verdict.objects.filter(claim=theirs, reviewer=desk.reviewer, is_current=True).exists()
    with pytest.raises(Forbidden):
        services.claim_revise(claim=theirs, actor=desk.reviewer, claimant="Reworded")


def test_revise_refuses_viewers_and_outsiders(desk, claim):
    with pytest.raises(Forbidden):
        services.claim_revise(claim=claim, actor=desk.viewer, rating="true")
    with pytest.raises(NotFound):
        services.claim_revise(claim=claim, actor=desk.outsider, rating="true")


def test_a_rationale_needs_a_verdict(desk, article):
    unrated = services.claim_create(article=article, actor=desk.reviewer, exact=QUOTE)
    with pytest.raises(InvalidInput) as error:
        services.claim_revise(claim=unrated, actor=desk.reviewer, rating="", rationale="Because.")
    assert error.value.field == "rating"


# --- verdict_withdraw ------------------------------------------------------------------------


def test_withdrawing_keeps_the_verdict_as_history(desk, claim):
    version = claim.version
    assert services.verdict_withdraw(claim=claim, actor=desk.reviewer, expected_version=version)
    assert not claim.verdicts.filter(is_current=True).exists()
    assert claim.verdicts.filter(is_current=False).count() == 1
    claim.refresh_from_db()
    assert claim.version == version + 1
    assert Event.objects.filter(claim=claim, verb="verdict.withdrawn").exists()
    assert services.verdict_withdraw(claim=claim, actor=desk.reviewer) is False


def test_the_approved_verdict_cannot_be_withdrawn(desk, claim):
    services.claim_transition(claim=claim, actor=desk.reviewer, to="in_review")
    services.claim_transition(claim=claim, actor=desk.editor, to="approved")
    with pytest.raises(Conflict):
        services.verdict_withdraw(claim=claim, actor=desk.reviewer)


def test_withdrawing_needs_the_reviewer_role(desk, claim):
    with pytest.raises(Forbidden):
        services.verdict_withdraw(claim=claim, actor=desk.viewer)


# --- source_remove's version check -------------------------------------------------------------


def test_removing_a_source_with_a_stale_version_is_refused(desk, claim):
    stale = claim.version
    services.claim_update(claim=claim, actor=desk.editor, claimant="Changed")
    with pytest.raises(Conflict):
        services.source_remove(
            source=claim.sources.get(), actor=desk.reviewer, expected_version=stale
        )
    assert claim.sources.count() == 1


# --- claim_restore ------------------------------------------------------------------------------


def test_a_deleted_claim_comes_back_whole_under_its_old_id(desk, article, claim):
    services.verdict_set(claim=claim, actor=desk.editor, rating="mostly-false", rationale="No.")
    services.claim_transition(claim=claim, actor=desk.reviewer, to="in_review")
    services.claim_transition(
        claim=claim,
        actor=desk.editor,
        to="approved",
        final_verdict=Verdict.objects.get(claim=claim, reviewer=desk.editor, is_current=True),
    )
    claim_id, version = claim.pk, Claim.objects.get(pk=claim.pk).version
    snapshot = services.claim_delete(claim=claim, actor=desk.editor)

    restored = services.claim_restore(article=article, actor=desk.editor, snapshot=snapshot)
    assert restored.pk == claim_id
    assert (restored.start, restored.exact, restored.claimant) == (
        article.text.index(QUOTE),
        QUOTE,
        "Zelensky",
    )
    assert restored.anchor == AnchorState.ANCHORED
    assert restored.status == ClaimStatus.APPROVED
    assert restored.final_verdict.reviewer == desk.editor
    assert restored.final_verdict.rating.slug == "mostly-false"
    assert restored.verdicts.filter(is_current=True).count() == 2
    assert [(s.url, s.stance) for s in restored.sources.all()] == [
        ("https://example.org/a", "refutes")
    ]
    assert restored.version > version
    assert Event.objects.filter(claim_id=claim_id, verb="claim.restored").exists()
    article.refresh_from_db()
    assert article.status == "ready"


def test_restoring_twice_is_a_conflict(desk, article, claim):
    snapshot = services.claim_delete(claim=claim, actor=desk.reviewer)
    services.claim_restore(article=article, actor=desk.reviewer, snapshot=snapshot)
    with pytest.raises(Conflict):
        services.claim_restore(article=article, actor=desk.reviewer, snapshot=snapshot)


def test_the_snapshot_in_the_deletion_event_is_enough_to_restore(desk, article, claim):
    from annotations.queries.revisions import deleted_claim_snapshot

    claim_id = claim.pk
    services.claim_delete(claim=claim, actor=desk.reviewer)
    snapshot = deleted_claim_snapshot(article, claim_id)
    restored = services.claim_restore(article=article, actor=desk.reviewer, snapshot=snapshot)
    assert restored.pk == claim_id
    assert restored.verdicts.get().rationale == "Estimates differ."


def test_a_changed_text_re_places_or_orphans_the_restored_claim(desk, article, claim):
    snapshot = services.claim_delete(claim=claim, actor=desk.reviewer)
    # The text moved on: the quote now sits elsewhere.
    Article.objects.filter(pk=article.pk).update(text="Breaking. " + article.text)
    article.refresh_from_db()
    moved = services.claim_restore(article=article, actor=desk.reviewer, snapshot=snapshot)
    assert moved.anchor == AnchorState.FUZZY
    assert article.text[moved.start : moved.end] == QUOTE

    snapshot = services.claim_delete(claim=moved, actor=desk.reviewer)
    Article.objects.filter(pk=article.pk).update(text="An entirely different story.")
    article.refresh_from_db()
    orphan = services.claim_restore(article=article, actor=desk.reviewer, snapshot=snapshot)
    assert orphan.anchor == AnchorState.ORPHANED
    assert orphan.start is None and orphan.exact == QUOTE


def test_who_may_restore_follows_who_may_delete(desk, article):
    editors = services.claim_create(article=article, actor=desk.editor, exact=QUOTE)
    snapshot = services.claim_delete(claim=editors, actor=desk.editor)
    with pytest.raises(Forbidden):
        services.claim_restore(article=article, actor=desk.reviewer, snapshot=snapshot)
    with pytest.raises(Forbidden):
        services.claim_restore(article=article, actor=desk.viewer, snapshot=snapshot)
    with pytest.raises(NotFound):
        services.claim_restore(article=article, actor=desk.outsider, snapshot=snapshot)
    assert services.claim_restore(article=article, actor=desk.admin, snapshot=snapshot).pk
