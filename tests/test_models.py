"""Database constraints: what the database itself refuses when code skips full_clean().

Each write here goes straight to the database (objects.create, bulk_create, update), the way a
careless migration, script or future service might, and must pass on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools

import pytest
from django.db import IntegrityError, transaction

from annotations.models import (
    AnchorState,
    Article,
    ArticleRevision,
    ArticleStatus,
    Claim,
    ClaimStatus,
    Comment,
    Membership,
    Rating,
    Role,
    Source,
    Stance,
    Verdict,
)
from tests.factories import TeamFactory, UserFactory, make_article

_numbers = itertools.count(1)


def place(article: Article) -> dict:
    """The article, its team and a claim number not used before (each claim needs them)."""
    return {"article": article, "team": article.team, "number": next(_numbers)}


@pytest.fixture
def claim_row(article, desk) -> Claim:
    """A claim written straight to the table, not through the services (no event, a number of
    this module's own): these tests are about the database's own rules."""
    start = article.text.index("President")
    return Claim.objects.create(
        **place(article),
        start=start,
        end=start + len("President Zelensky"),
        exact="President Zelensky",
        created_by=desk.reviewer,
    )


@pytest.fixture
def rating(desk) -> Rating:
    return Rating.objects.get(team=desk.team, slug="false")


# --- claims --------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end"), [(5, 5), (9, 4)], ids=["empty", "reversed"])
def test_the_database_refuses_a_claim_that_does_not_end_after_it_starts(article, start, end):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(**place(article), exact="x", start=start, end=end)


def test_the_database_refuses_moving_a_claim_end_before_its_start(claim_row):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim_row.pk).update(end=claim_row.start)


def test_the_database_refuses_an_orphaned_claim_that_keeps_a_position(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            **place(article), exact="gone", start=0, end=4, anchor=AnchorState.ORPHANED
        )


def test_the_database_refuses_orphaning_a_claim_without_dropping_its_position(claim_row):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim_row.pk).update(anchor=AnchorState.ORPHANED)


def test_the_database_keeps_an_orphaned_claim_without_a_position(article):
    Claim.objects.create(
        **place(article), exact="a quote no longer in the text", anchor=AnchorState.ORPHANED
    )

    assert Claim.objects.get(article=article).start is None


@pytest.mark.parametrize("anchor", [AnchorState.ANCHORED, AnchorState.FUZZY])
def test_the_database_refuses_a_placed_claim_without_a_position(article, anchor):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(**place(article), exact="somewhere", anchor=anchor)


@pytest.mark.parametrize(
    ("start", "end", "anchor"),
    [
        (3, None, AnchorState.ANCHORED),
        (None, 7, AnchorState.ORPHANED),
    ],
    ids=["start-without-end", "end-without-start"],
)
def test_the_database_refuses_a_claim_with_half_a_position(article, start, end, anchor):
    # SQL CHECK passes when its condition is NULL, so a half-NULL pair needs explicit care.
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(**place(article), exact="half", start=start, end=end, anchor=anchor)


def test_the_database_refuses_a_claim_with_an_empty_quote(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(**place(article), exact="", start=0, end=4)


def test_the_database_refuses_an_unknown_claim_status_or_anchor_state(claim_row):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim_row.pk).update(status="done")
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim_row.pk).update(anchor="lost")

    claim_row.refresh_from_db()
    assert (claim_row.status, claim_row.anchor) == (ClaimStatus.DRAFT, AnchorState.ANCHORED)


def test_overlapping_claims_on_the_same_text_are_both_stored(claim_row):
    Claim.objects.bulk_create(
        [
            Claim(
                **place(claim_row.article),
                start=claim_row.start,
                end=claim_row.end,
                exact=claim_row.exact,
            ),
            Claim(
                **place(claim_row.article), start=claim_row.start + 2, end=claim_row.end, exact="x"
            ),
        ]
    )

    assert Claim.objects.filter(article=claim_row.article).count() == 3


def test_the_database_refuses_a_claim_number_twice_in_a_team_but_not_across_teams(claim_row):
    other_team_article = make_article(TeamFactory())
    kwargs = {"start": claim_row.start, "end": claim_row.end, "exact": claim_row.exact}
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            article=claim_row.article, team=claim_row.team, number=claim_row.number, **kwargs
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(article=claim_row.article, team=claim_row.team, number=0, **kwargs)

    Claim.objects.create(
        article=other_team_article, team=other_team_article.team, number=claim_row.number, **kwargs
    )
    assert Claim.objects.filter(number=claim_row.number).count() == 2


# --- memberships ---------------------------------------------------------------------------


def test_the_database_refuses_a_second_membership_for_the_same_user_and_team(desk):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=desk.viewer, team=desk.team, role=Role.EDITOR)

    assert Membership.objects.get(user=desk.viewer, team=desk.team).role == Role.VIEWER


def test_a_user_may_belong_to_several_teams(desk):
    Membership.objects.create(user=desk.viewer, team=desk.other_team, role=Role.EDITOR)

    assert desk.viewer.memberships.count() == 2


def test_the_database_refuses_an_unknown_role(desk):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=UserFactory(), team=desk.team, role="owner")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(user=desk.viewer).update(role="superuser")


# --- verdicts ------------------------------------------------------------------------------


def test_the_database_refuses_a_second_current_verdict_by_the_same_reviewer(
    claim_row, desk, rating
):
    Verdict.objects.create(claim=claim_row, reviewer=desk.reviewer, rating=rating)

    with pytest.raises(IntegrityError), transaction.atomic():
        Verdict.objects.create(claim=claim_row, reviewer=desk.reviewer, rating=rating)

    assert Verdict.objects.filter(claim=claim_row).count() == 1


def test_the_database_keeps_any_number_of_superseded_verdicts(claim_row, desk, rating):
    Verdict.objects.bulk_create(
        [
            Verdict(claim=claim_row, reviewer=desk.reviewer, rating=rating, is_current=False),
            Verdict(claim=claim_row, reviewer=desk.reviewer, rating=rating, is_current=False),
            Verdict(claim=claim_row, reviewer=desk.reviewer, rating=rating, is_current=True),
        ]
    )

    assert Verdict.objects.filter(claim=claim_row, reviewer=desk.reviewer).count() == 3


def test_two_reviewers_may_each_have_a_current_verdict(claim_row, desk, rating):
    Verdict.objects.create(claim=claim_row, reviewer=desk.reviewer, rating=rating)
    Verdict.objects.create(claim=claim_row, reviewer=desk.editor, rating=rating)

    assert Verdict.objects.filter(claim=claim_row, is_current=True).count() == 2


def test_the_database_refuses_making_a_superseded_verdict_current_again(claim_row, desk, rating):
    old = Verdict.objects.create(
        claim=claim_row, reviewer=desk.reviewer, rating=rating, is_current=False
    )
    Verdict.objects.create(claim=claim_row, reviewer=desk.reviewer, rating=rating)

    with pytest.raises(IntegrityError), transaction.atomic():
        Verdict.objects.filter(pk=old.pk).update(is_current=True)


# --- sources -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://files.example.org/report.pdf", "/relative/path", ""],
    ids=["javascript", "ftp", "relative", "empty"],
)
def test_the_database_refuses_a_source_that_is_not_a_web_address(claim_row, url):
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(claim=claim_row, url=url)

    assert not Source.objects.exists()


def test_the_database_accepts_http_and_https_sources(claim_row):
    Source.objects.bulk_create(
        [
            Source(claim=claim_row, url="http://example.org/a"),
            Source(claim=claim_row, url="https://example.org/b", stance=Stance.REFUTES),
        ]
    )

    assert claim_row.sources.count() == 2


def test_the_database_refuses_an_unknown_stance(claim_row):
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(claim=claim_row, url="https://example.org", stance="agrees")


# --- articles, ratings, comments -----------------------------------------------------------


def test_the_database_refuses_an_unknown_article_status(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(status="archived")

    article.refresh_from_db()
    assert article.status == ArticleStatus.NEW


def test_the_database_refuses_a_second_revision_with_the_same_number(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleRevision.objects.create(
            article=article,
            number=1,
            text=article.text,
            title=article.title,
            source_kind=article.source_kind,
            content_hash=article.content_hash,
        )


def test_the_database_refuses_a_duplicate_rating_slug_or_a_colour_that_is_not_hex(desk):
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(team=desk.team, slug="false", label="Also false")
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(team=desk.team, slug="pants-on-fire", label="Liar", colour="red")


def test_the_database_refuses_an_empty_comment(claim_row, desk):
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(claim=claim_row, author=desk.reviewer, body="")
