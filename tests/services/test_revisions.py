"""New revisions of an article: every claim re-anchored, flagged or orphaned, never lost.

Services (article_revise, claim_confirm_anchor, claim_reattach), the "needs attention" query
and import_article on a URL the team already has.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations import queries, services, verbs
from annotations.errors import Conflict, Forbidden, InvalidInput, NotFound
from annotations.models import (
    AnchorState,
    Article,
    ArticleRevision,
    Claim,
    ClaimStatus,
    Event,
    Source,
    Verdict,
)
from tests.factories import SAMPLE_TEXT
from tests.http_server import serving_pages

pytestmark = pytest.mark.django_db

QUOTE = "11.000 North Korean soldiers had arrived"
SENTENCE = "President Zelensky said that 11.000 North Korean soldiers had arrived in the region."
PENTAGON = "10.000 North Korean soldiers"


def claim_on(article: Article, user, quote: str = QUOTE) -> Claim:
    return services.claim_create(article=article, actor=user, exact=quote, claimant="Zelensky")


def publish(claim: Claim, desk) -> Claim:
    services.verdict_set(claim=claim, actor=desk.editor, rating="mostly-true")
    for status in (ClaimStatus.IN_REVIEW, ClaimStatus.APPROVED, ClaimStatus.PUBLISHED):
        claim = services.claim_transition(claim=claim, actor=desk.editor, to=status)
    return claim


def revise(article: Article, user, text: str) -> services.RevisionResult:
    return services.article_revise(article=article, actor=user, text=text)


def fresh(claim: Claim) -> Claim:
    return Claim.objects.get(pk=claim.pk)


# --- article_revise --------------------------------------------------------------------------


def test_a_reviewer_adds_a_revision_that_replaces_the_text_and_keeps_the_old_one(desk, article):
    new_text = "Update: corrected on Monday.\n\n" + SAMPLE_TEXT
    result = revise(article, desk.reviewer, new_text)

    assert result.created and not result.unchanged
    assert result.revision.number == 2
    article.refresh_from_db()
    assert article.revision == 2
    assert article.text == new_text
    assert article.content_hash == services.content_hash(new_text)
    assert article.blocks[0] == {"kind": "heading", "start": 0, "end": 28, "level": 1}
    revisions = list(ArticleRevision.objects.filter(article=article).order_by("number"))
    assert [(r.number, r.text) for r in revisions] == [(1, SAMPLE_TEXT), (2, new_text)]
    assert revisions[1].created_by == desk.reviewer


def test_the_caller_s_article_object_is_brought_up_to_date(desk, article):
    revise(article, desk.reviewer, SAMPLE_TEXT + "\n\nA new paragraph.")
    assert article.revision == 2
    assert article.text.endswith("A new paragraph.")


def test_a_revision_records_an_event_with_the_counts(desk, article):
    claim_on(article, desk.reviewer)
    claim_on(article, desk.reviewer, PENTAGON)
    result = revise(article, desk.editor, SAMPLE_TEXT.replace("11.000", "12.000"))

    event = Event.objects.get(verb="article.revised")
    assert (event.actor, event.article) == (desk.editor, article)
    assert event.changes["revision"] == [1, 2]
    assert event.changes["anchored"] == [None, 1]
    assert event.changes["fuzzy"] == [None, 1]
    assert event.changes["orphaned"] == [None, 0]
    assert result.counts == {
        "anchored": 1,
        "fuzzy": 1,
        "orphaned": 0,
        "relocated": 0,
        "changed": 1,
        "flagged": 0,
    }
    assert "1 claim(s) anchored, 1 fuzzy, 0 orphaned" in result.message


def test_the_same_text_again_is_not_a_new_revision(desk, article):
    claim_on(article, desk.reviewer)
    events = Event.objects.count()
    result = revise(article, desk.reviewer, SAMPLE_TEXT)
    assert result.unchanged and result.revision is None
    assert "same as the current revision (r1)" in result.message
    assert ArticleRevision.objects.filter(article=article).count() == 1
    assert Event.objects.count() == events


def test_going_back_to_an_older_text_is_a_new_revision(desk, article):
    claim = claim_on(article, desk.reviewer)
    revise(article, desk.reviewer, SAMPLE_TEXT.replace("Troops", "Soldiers"))
    result = revise(article, desk.reviewer, SAMPLE_TEXT)
    assert result.revision.number == 3
    assert fresh(claim).anchored_revision == 3


def test_viewers_cannot_add_revisions_and_outsiders_do_not_see_the_article(desk, article):
    with pytest.raises(Forbidden):
        revise(article, desk.viewer, SAMPLE_TEXT + " More.")
    with pytest.raises(NotFound):
        revise(article, desk.outsider, SAMPLE_TEXT + " More.")
    assert Article.objects.get(pk=article.pk).revision == 1


def test_a_revision_loads_html_and_markdown_like_an_import(desk, article):
    html = (
        "<html><head><title>Troops in Kursk, updated</title></head><body><article>"
        f"<h1>Troops in Kursk, updated</h1><p>{SENTENCE}</p><p>More details later.</p>"
        "</article></body></html>"
    )
    claim = claim_on(article, desk.reviewer)
    title = article.title
    result = services.article_revise(article=article, actor=desk.reviewer, html=html)
    assert result.article.source_kind == "html"
    # No title given: the page's own title does not replace the one the article has.
    assert result.article.title == title
    assert fresh(claim).anchor == AnchorState.ANCHORED

    result = services.article_revise(
        article=article, actor=desk.reviewer, markdown=f"# Kursk\n\n*{SENTENCE}*"
    )
    assert result.revision.number == 3
    claim = fresh(claim)
    assert result.article.text[claim.start : claim.end] == QUOTE


def test_an_explicit_title_wins_and_a_bad_input_is_refused_before_anything_changes(desk, article):
    result = services.article_revise(
        article=article, actor=desk.reviewer, text=SAMPLE_TEXT + " More.", title="New title"
    )
    assert result.article.title == "New title"
    with pytest.raises(InvalidInput):
        services.article_revise(article=article, actor=desk.reviewer, text="")
    with pytest.raises(InvalidInput):
        services.article_revise(article=article, actor=desk.reviewer, text="a", html="<p>b</p>")
    assert Article.objects.get(pk=article.pk).revision == 2


# --- what happens to claims ---------------------------------------------------------------


def test_text_inserted_before_the_quote_moves_the_claim_with_it(desk, article):
    claim = claim_on(article, desk.reviewer)
    insert = "Update: this story was corrected on Monday.\n\n"
    revise(article, desk.reviewer, insert + SAMPLE_TEXT)

    moved = fresh(claim)
    assert moved.anchor == AnchorState.ANCHORED
    assert (moved.start, moved.end) == (claim.start + len(insert), claim.end + len(insert))
    assert moved.exact == QUOTE
    assert moved.anchored_revision == 2
    assert moved.version == claim.version + 1
    event = Event.objects.get(claim=claim, verb=verbs.CLAIM_REANCHORED)
    assert event.changes["start"] == [claim.start, moved.start]
    assert event.changes["anchored_revision"] == [1, 2]
    assert "Kept in place in revision r2" in event.note


def test_a_claim_the_revision_does_not_touch_keeps_its_version(desk, article):
    claim = claim_on(article, desk.reviewer)
    revise(article, desk.reviewer, SAMPLE_TEXT + "\n\nA paragraph added at the end.")
    kept = fresh(claim)
    assert (kept.start, kept.end, kept.version) == (claim.start, claim.end, claim.version)
    assert kept.anchored_revision == 2
    assert not Event.objects.filter(claim=claim, verb=verbs.CLAIM_REANCHORED).exists()


def test_a_word_changed_inside_the_quote_makes_the_claim_fuzzy_and_keeps_its_quote(desk, article):
    claim = claim_on(article, desk.reviewer)
    revise(article, desk.reviewer, SAMPLE_TEXT.replace("11.000 North", "12.000 North"))

    fuzzy = fresh(claim)
    article.refresh_from_db()
    assert fuzzy.anchor == AnchorState.FUZZY
    assert fuzzy.exact == QUOTE  # the quote it was made on, until someone confirms
    assert fuzzy.anchored_revision == 1
    assert article.text[fuzzy.start : fuzzy.end] == "12.000 North Korean soldiers had arrived"
    listed = list(queries.claims_needing_attention(article))
    assert [(c.pk, c.attention) for c in listed] == [(claim.pk, "fuzzy")]
    comparison = queries.anchor_comparison(listed[0], article)
    assert comparison.old_quote == QUOTE
    assert comparison.new_quote == "12.000 North Korean soldiers had arrived"
    assert (comparison.old_revision, comparison.current_revision) == (1, 2)
    event = Event.objects.get(claim=claim, verb=verbs.CLAIM_REANCHORED)
    assert event.changes["anchor"] == ["anchored", "fuzzy"]
    assert "% similar" in event.note


def test_a_deleted_sentence_orphans_its_claim_which_is_kept_and_listed(desk, article):
    claim = claim_on(article, desk.reviewer)
    other = claim_on(article, desk.reviewer, PENTAGON)
    revise(article, desk.reviewer, SAMPLE_TEXT.replace(SENTENCE + "\n\n", ""))

    orphan = fresh(claim)
    assert orphan.anchor == AnchorState.ORPHANED
    assert (orphan.start, orphan.end) == (None, None)
    assert (orphan.exact, orphan.prefix, orphan.suffix) == (claim.exact, claim.prefix, claim.suffix)
    assert fresh(other).anchor == AnchorState.ANCHORED
    assert [c.attention for c in queries.claims_needing_attention(article)] == ["orphaned"]
    comparison = queries.anchor_comparison(orphan)
    assert (comparison.old_quote, comparison.new_quote) == (QUOTE, None)


def test_an_orphan_comes_back_when_a_later_revision_restores_its_sentence(desk, article):
    claim = claim_on(article, desk.reviewer)
    revise(article, desk.reviewer, SAMPLE_TEXT.replace(SENTENCE + "\n\n", ""))
    revise(article, desk.reviewer, SAMPLE_TEXT + "\n\nA new closing line.")
    back = fresh(claim)
    assert back.anchor == AnchorState.ANCHORED
    assert back.anchored_revision == 3
    assert SAMPLE_TEXT[back.start : back.end] == QUOTE


def test_a_fuzzy_claim_stays_fuzzy_through_a_later_revision_until_confirmed(desk, article):
    claim = claim_on(article, desk.reviewer)
    changed = SAMPLE_TEXT.replace("11.000 North", "12.000 North")
    revise(article, desk.reviewer, changed)
    revise(article, desk.reviewer, "Breaking news\n\n" + changed)
    still = fresh(claim)
    article.refresh_from_db()
    assert still.anchor == AnchorState.FUZZY
    assert still.exact == QUOTE
    assert article.text[still.start : still.end] == "12.000 North Korean soldiers had arrived"


def test_reordered_paragraphs_keep_claims_on_their_text(desk, article):
    first, second = claim_on(article, desk.reviewer), claim_on(article, desk.reviewer, PENTAGON)
    heading, one, two = SAMPLE_TEXT.split("\n\n")
    result = revise(article, desk.reviewer, "\n\n".join([heading, two, one]))
    article.refresh_from_db()
    for claim in (fresh(first), fresh(second)):
        assert claim.anchor == AnchorState.ANCHORED
        assert article.text[claim.start : claim.end] == claim.exact
    assert result.counts["relocated"] >= 1


def test_typography_changes_keep_claims_anchored_with_the_new_characters(desk, article):
    claim = claim_on(article, desk.reviewer)
    revise(article, desk.reviewer, SAMPLE_TEXT.replace("11.000 North", "11.000\u00a0North"))
    kept = fresh(claim)
    assert kept.anchor == AnchorState.ANCHORED
    assert kept.exact == "11.000\u00a0North Korean soldiers had arrived"
    assert Event.objects.get(claim=claim, verb=verbs.CLAIM_REANCHORED).changes["exact"] == [
        QUOTE,
        kept.exact,
    ]


def test_nothing_is_ever_deleted_whatever_the_revisions(desk, article):
    claims = [claim_on(article, desk.reviewer, quote) for quote in (QUOTE, PENTAGON, "Troops")]
    services.verdict_set(claim=claims[0], actor=desk.reviewer, rating="false")
    services.source_add(claim=claims[1], actor=desk.reviewer, url="https://example.org/a")
    publish(claims[2], desk)
    before = (Claim.objects.count(), Verdict.objects.count(), Source.objects.count())
    for text in (
        "Something else entirely.",
        SAMPLE_TEXT.upper(),
        "Troops\n\n" + SAMPLE_TEXT[::-1],
        SAMPLE_TEXT,
    ):
        revise(article, desk.editor, text)
        assert (Claim.objects.count(), Verdict.objects.count(), Source.objects.count()) == before
    assert all(fresh(claim).anchor == AnchorState.ANCHORED for claim in claims)


def test_every_version_change_is_recorded_as_an_event(desk, article):
    claim = claim_on(article, desk.reviewer)
    for text in ("Intro.\n\n" + SAMPLE_TEXT, "Short text now.", SAMPLE_TEXT):
        revise(article, desk.reviewer, text)
    claim = fresh(claim)
    assert claim.version == Event.objects.filter(claim=claim).count()


# --- published claims ---------------------------------------------------------------------


def test_a_published_claim_that_moves_is_flagged_for_the_editor(desk, article):
    claim = publish(claim_on(article, desk.reviewer), desk)
    heading, one, two = SAMPLE_TEXT.split("\n\n")
    result = revise(article, desk.reviewer, "\n\n".join([heading, two, one.replace("11", "12")]))

    assert result.flagged == [claim.pk]
    event = Event.objects.get(claim=claim, verb=verbs.CLAIM_MOVED)
    assert "an editor should check it" in event.note
    listed = list(queries.claims_needing_attention(article))
    assert [(c.pk, c.attention) for c in listed] == [(claim.pk, "fuzzy")]
    assert fresh(claim).status == ClaimStatus.PUBLISHED  # flagged, not reopened


def test_a_published_claim_that_only_shifts_is_not_flagged(desk, article):
    claim = publish(claim_on(article, desk.reviewer), desk)
    result = revise(article, desk.reviewer, "Corrected.\n\n" + SAMPLE_TEXT)
    assert result.flagged == []
    assert not Event.objects.filter(verb=verbs.CLAIM_MOVED).exists()
    assert list(queries.claims_needing_attention(article)) == []
    assert fresh(claim).version == claim.version + 1


def test_a_published_claim_relocated_exactly_is_listed_as_moved_until_an_editor_confirms(
    desk, article
):
    # Swapping two paragraphs: the diff keeps one in place and moves the other (the
    # Pentagon's, here), so only the claim in that one is relocated.
    claim = publish(claim_on(article, desk.reviewer, PENTAGON), desk)
    heading, one, two = SAMPLE_TEXT.split("\n\n")
    revise(article, desk.reviewer, "\n\n".join([heading, two, one]))

    listed = list(queries.claims_needing_attention(article))
    assert [(c.pk, c.attention) for c in listed] == [(claim.pk, "moved")]
    assert [c.pk for c in queries.claims_needing_attention_for(desk.editor)] == [claim.pk]
    assert list(queries.claims_needing_attention_for(desk.outsider)) == []
    comparison = queries.anchor_comparison(listed[0], article)
    assert comparison.old_quote == comparison.new_quote == PENTAGON
    assert (comparison.old_revision, comparison.current_revision) == (1, 2)

    with pytest.raises(Forbidden):
        services.claim_confirm_anchor(claim=fresh(claim), actor=desk.reviewer)
    services.claim_confirm_anchor(claim=fresh(claim), actor=desk.editor)
    assert list(queries.claims_needing_attention(article)) == []
    assert Event.objects.filter(claim=claim, verb=verbs.CLAIM_ANCHOR_CONFIRMED).count() == 1
    # Moved again by a later revision (the sentence goes, a variant comes back elsewhere):
    # flagged again, and fuzzy.
    text = "\n\n".join([heading, one, "Added.", two.replace("10.000", "12.000")])
    revise(article, desk.reviewer, text)
    assert Event.objects.filter(claim=claim, verb=verbs.CLAIM_MOVED).count() == 2
    assert [c.attention for c in queries.claims_needing_attention(article)] == ["fuzzy"]


# --- confirming and re-attaching -----------------------------------------------------------


@pytest.fixture
def fuzzy_claim(desk, article) -> Claim:
    claim = claim_on(article, desk.reviewer)
    revise(article, desk.reviewer, SAMPLE_TEXT.replace("11.000 North", "12.000 North"))
    return fresh(claim)


def test_a_reviewer_confirms_a_fuzzy_match_which_takes_the_new_quote(desk, fuzzy_claim):
    version = fuzzy_claim.version
    confirmed = services.claim_confirm_anchor(claim=fuzzy_claim, actor=desk.reviewer)
    text = Article.objects.get(pk=fuzzy_claim.article_id).text
    assert confirmed.anchor == AnchorState.ANCHORED
    assert confirmed.exact == "12.000 North Korean soldiers had arrived"
    assert text[confirmed.start : confirmed.end] == confirmed.exact
    assert confirmed.prefix == text[max(0, confirmed.start - 32) : confirmed.start]
    assert confirmed.anchored_revision == 2
    assert confirmed.version == version + 1
    event = Event.objects.get(claim=fuzzy_claim, verb=verbs.CLAIM_ANCHOR_CONFIRMED)
    assert event.changes["exact"] == [QUOTE, confirmed.exact]
    assert event.actor == desk.reviewer
    assert list(queries.claims_needing_attention(fuzzy_claim.article)) == []


def test_confirming_twice_changes_nothing_the_second_time(desk, fuzzy_claim):
    version = fuzzy_claim.version
    services.claim_confirm_anchor(claim=fresh(fuzzy_claim), actor=desk.reviewer)
    again = services.claim_confirm_anchor(claim=fresh(fuzzy_claim), actor=desk.reviewer)
    assert again.version == version + 1
    assert Event.objects.filter(verb=verbs.CLAIM_ANCHOR_CONFIRMED).count() == 1


def test_confirming_checks_roles_versions_and_state(desk, fuzzy_claim, article):
    with pytest.raises(Forbidden):
        services.claim_confirm_anchor(claim=fuzzy_claim, actor=desk.viewer)
    with pytest.raises(NotFound):
        services.claim_confirm_anchor(claim=fuzzy_claim, actor=desk.outsider)
    with pytest.raises(Conflict):
        services.claim_confirm_anchor(
            claim=fuzzy_claim, actor=desk.editor, expected_version=fuzzy_claim.version - 1
        )
    assert fresh(fuzzy_claim).anchor == AnchorState.FUZZY
    orphan = claim_on(article, desk.reviewer, "Pentagon")
    revise(article, desk.reviewer, "Something else.")
    with pytest.raises(Conflict) as error:
        services.claim_confirm_anchor(claim=fresh(orphan), actor=desk.editor)
    assert error.value.code == "orphaned"


def test_a_reviewer_reattaches_an_orphan_to_new_text(desk, article):
    claim = claim_on(article, desk.reviewer)
    new_text = "Kyiv says 11,000 troops from North Korea arrived.\n\nNothing more."
    revise(article, desk.reviewer, new_text)
    assert fresh(claim).anchor == AnchorState.ORPHANED

    attached = services.claim_reattach(
        claim=fresh(claim), actor=desk.reviewer, exact="11,000 troops from North Korea arrived"
    )
    assert attached.anchor == AnchorState.ANCHORED
    assert (attached.start, attached.end) == (10, 48)
    assert new_text[attached.start : attached.end] == attached.exact
    assert attached.anchored_revision == 2
    event = Event.objects.get(claim=claim, verb=verbs.CLAIM_REATTACHED)
    assert event.changes["start"] == [None, 10]
    assert event.changes["anchor"] == ["orphaned", "anchored"]


def test_reattaching_by_offsets_works_on_a_fuzzy_claim_too(desk, fuzzy_claim):
    text = Article.objects.get(pk=fuzzy_claim.article_id).text
    start = text.index("12.000")
    attached = services.claim_reattach(
        claim=fuzzy_claim, actor=desk.editor, start=start, end=start + len("12.000")
    )
    assert (attached.exact, attached.anchor) == ("12.000", AnchorState.ANCHORED)


def test_reattaching_checks_roles_selection_and_state(desk, fuzzy_claim, article):
    with pytest.raises(Forbidden):
        services.claim_reattach(claim=fuzzy_claim, actor=desk.viewer, exact="Pentagon")
    with pytest.raises(NotFound):
        services.claim_reattach(claim=fuzzy_claim, actor=desk.outsider, exact="Pentagon")
    with pytest.raises(InvalidInput):
        services.claim_reattach(claim=fuzzy_claim, actor=desk.reviewer, exact="not in the text")
    with pytest.raises(InvalidInput):
        services.claim_reattach(claim=fuzzy_claim, actor=desk.reviewer, start=5, end=2)
    anchored = claim_on(article, desk.reviewer, PENTAGON)
    with pytest.raises(Conflict) as error:
        services.claim_reattach(claim=anchored, actor=desk.editor, exact="Pentagon")
    assert error.value.code == "anchored"


def test_only_editors_fix_the_anchor_of_approved_claims(desk, article):
    claim = claim_on(article, desk.reviewer)
    services.verdict_set(claim=claim, actor=desk.editor, rating="true")
    services.claim_transition(claim=claim, actor=desk.editor, to=ClaimStatus.IN_REVIEW)
    services.claim_transition(claim=fresh(claim), actor=desk.editor, to=ClaimStatus.APPROVED)
    revise(article, desk.reviewer, SAMPLE_TEXT.replace("11.000 North", "12.000 North"))
    with pytest.raises(Forbidden):
        services.claim_confirm_anchor(claim=fresh(claim), actor=desk.reviewer)
    assert services.claim_confirm_anchor(claim=fresh(claim), actor=desk.editor).anchor == "anchored"


# --- queries -----------------------------------------------------------------------------


def test_the_attention_list_query_count_does_not_grow_with_claims(desk, article):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            for claim in queries.claims_needing_attention(Article.objects.get(pk=article.pk)):
                list(claim.current_verdicts)
                list(claim.sources.all())
        return len(captured)

    claim_on(article, desk.reviewer)
    revise(article, desk.reviewer, SAMPLE_TEXT.replace("11.000 North", "12.000 North"))
    few = count_queries()
    text = Article.objects.get(pk=article.pk).text
    for _ in range(5):
        claim_on(article, desk.reviewer, "12.000 North Korean soldiers had arrived in the region")
    revise(article, desk.reviewer, text.replace("had arrived", "arrived"))
    assert len(list(queries.claims_needing_attention(article))) == 6
    assert count_queries() == few


def test_revision_diff_shows_what_changed_between_two_revisions(desk, article):
    revise(article, desk.reviewer, SAMPLE_TEXT.replace("Pentagon", "US Defense Department"))
    ops = queries.revision_diff(article, 1, 2)
    assert "".join(op.old for op in ops) == SAMPLE_TEXT
    changed = [(op.old.strip(), op.new.strip()) for op in ops if op.tag != "equal"]
    assert changed == [("Pentagon", "US Defense Department")]
    with pytest.raises(Exception, match="No such revision"):
        queries.article_revision(article, 9)


# --- import_article on a URL the team already has --------------------------------------------


@pytest.fixture
def changing_site() -> Iterator[tuple[str, dict[str, str | bytes]]]:
    """A real HTTP server on 127.0.0.1 whose /story.html can be changed between fetches: the
    page's address, and the pages (path -> HTML) the server reads at each request."""
    pages: dict[str, str | bytes] = {"/story.html": ""}
    with serving_pages(pages) as address:
        yield f"{address}/story.html", pages


def page(*paragraphs: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Troops in Kursk"
        f"</title></head><body><article><h1>Troops in Kursk</h1>{body}</article></body></html>"
    )


def test_import_article_on_a_known_url_adds_a_revision(desk, settings, changing_site):
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = True
    url, pages = changing_site
    filler = "The Pentagon estimated that there are 10.000 North Korean soldiers in the region."
    pages["/story.html"] = page(SENTENCE, filler, "Moscow denied any presence of troops.")
    out = io.StringIO()
    call_command(  # a three-sentence page: imported although too short for an article
        "import_article", url, "--team", desk.team.slug, "--force", stdout=out, stderr=out
    )
    article = Article.objects.get()
    claim = claim_on(article, desk.reviewer)

    pages["/story.html"] = page("Correction appended.", SENTENCE, filler)
    out = io.StringIO()
    call_command(
        "import_article",
        url,
        "--team",
        desk.team.slug,
        "--user",
        desk.reviewer.username,
        stdout=out,
        stderr=io.StringIO(),
    )
    assert Article.objects.count() == 1
    article.refresh_from_db()
    assert article.revision == 2
    assert "Correction appended." in article.text
    assert f"{url}: Revision r2 of “Troops in Kursk”: 1 claim(s) anchored" in out.getvalue()
    assert "0 imported, 1 new revision(s), 0 already present, 0 failed (of 1)." in out.getvalue()
    claim = fresh(claim)
    assert article.text[claim.start : claim.end] == QUOTE

    out = io.StringIO()
    call_command("import_article", url, "--team", desk.team.slug, stdout=out, stderr=io.StringIO())
    assert "same as the current revision (r2)" in out.getvalue()
    assert "0 imported, 1 already present, 0 failed (of 1)." in out.getvalue()
