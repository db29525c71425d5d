"""Services: every write, with its permission check, its validation and its Event."""

from __future__ import annotations

from decimal import Decimal

import pytest

from annotations import services
from annotations.errors import Conflict, Forbidden, InvalidInput, NotFound
from annotations.models import (
    AnchorState,
    Article,
    ArticleRevision,
    ArticleStatus,
    Claim,
    Comment,
    Event,
    Membership,
    Rating,
    Role,
    Source,
    Stance,
    Team,
    Verdict,
)
from tests.factories import SAMPLE_TEXT, UserFactory, make_article

CAN_WRITE = ["reviewer", "editor", "admin"]
DUPLICATE = "North Korean soldiers"  # occurs in both paragraphs of SAMPLE_TEXT

pytestmark = pytest.mark.claim(exact="President Zelensky")


def occurrences(text: str, quote: str) -> list[int]:
    starts = [i for i in range(len(text)) if text.startswith(quote, i)]
    assert starts, f"{quote!r} is not in the test article"
    return starts


def verbs(**filters) -> list[str]:
    return list(Event.objects.filter(**filters).order_by("id").values_list("verb", flat=True))


def assert_nothing_saved(article: Article) -> None:
    """A refused claim leaves no trace: no claim, verdict, source or event, status unchanged."""
    assert not Claim.objects.filter(article=article).exists()
    assert not Verdict.objects.exists()
    assert not Source.objects.exists()
    assert verbs(article=article) == ["article.imported"]
    article.refresh_from_db()
    assert article.status == ArticleStatus.NEW


# --- teams ---------------------------------------------------------------------------------


def test_a_new_team_gets_the_default_seven_step_rating_scale(db):
    team = services.team_create(name="Night desk", slug="night")

    scale = list(team.ratings.order_by("order").values_list("slug", "value", "active"))

    assert scale == [
        ("true", Decimal(5), True),
        ("mostly-true", Decimal(4), True),
        ("half-true", Decimal(3), True),
        ("mostly-false", Decimal(2), True),
        ("false", Decimal(1), True),
        ("misleading", None, True),
        ("unverifiable", None, True),
    ]
    assert verbs(team=team) == ["team.created"]


def test_whoever_creates_a_team_becomes_its_admin(db):
    founder = UserFactory()

    team = services.team_create(name="Night desk", slug="night", actor=founder)

    assert Membership.objects.get(team=team, user=founder).role == Role.ADMIN
    assert Event.objects.get(team=team).actor == founder


def test_a_team_slug_already_taken_is_refused(desk):
    with pytest.raises(InvalidInput, match="slug"):
        services.team_create(name="Another verification desk", slug="verify")

    assert Team.objects.filter(slug="verify").count() == 1


# --- memberships ---------------------------------------------------------------------------


def test_an_admin_adds_a_member_and_the_event_names_them(desk):
    newcomer = UserFactory(username="newcomer")

    membership = services.membership_set(
        team=desk.team, user=newcomer, role=Role.REVIEWER, actor=desk.admin
    )

    assert membership.role == Role.REVIEWER
    event = Event.objects.get(team=desk.team, verb="member.added")
    assert event.actor == desk.admin
    assert event.changes == {"user": [None, "newcomer"], "role": [None, "reviewer"]}


def test_an_admin_changes_a_role_and_the_event_records_before_and_after(desk):
    services.membership_set(team=desk.team, user=desk.viewer, role=Role.EDITOR, actor=desk.admin)

    assert Membership.objects.get(team=desk.team, user=desk.viewer).role == Role.EDITOR
    event = Event.objects.get(team=desk.team, verb="member.role_changed")
    assert event.changes["role"] == ["viewer", "editor"]


def test_setting_the_role_a_member_already_has_records_nothing(desk):
    services.membership_set(team=desk.team, user=desk.viewer, role=Role.VIEWER, actor=desk.admin)

    assert verbs(team=desk.team, verb__startswith="member.") == []


def test_an_unknown_role_is_refused_and_nothing_changes(desk):
    with pytest.raises(InvalidInput, match="Unknown role 'owner'"):
        services.membership_set(team=desk.team, user=desk.viewer, role="owner", actor=desk.admin)

    assert Membership.objects.get(team=desk.team, user=desk.viewer).role == Role.VIEWER


@pytest.mark.parametrize("persona", ["editor", "reviewer", "viewer"])
def test_only_an_admin_may_change_roles(desk, persona):
    with pytest.raises(Forbidden) as raised:
        services.membership_set(
            team=desk.team, user=desk.viewer, role=Role.ADMIN, actor=desk.user(persona)
        )

    assert raised.value.status == 403
    assert Membership.objects.get(team=desk.team, user=desk.viewer).role == Role.VIEWER
    assert verbs(team=desk.team, verb__startswith="member.") == []


def test_an_outsider_cannot_even_see_the_team_they_try_to_join(desk):
    with pytest.raises(NotFound) as raised:
        services.membership_set(
            team=desk.team, user=desk.outsider, role=Role.ADMIN, actor=desk.outsider
        )

    assert raised.value.status == 404
    assert not Membership.objects.filter(team=desk.team, user=desk.outsider).exists()


def test_the_command_line_may_set_roles_without_an_actor(desk):
    services.membership_set(team=desk.team, user=desk.outsider, role=Role.VIEWER)

    assert Membership.objects.get(team=desk.team, user=desk.outsider).role == Role.VIEWER
    assert Event.objects.get(team=desk.team, verb="member.added").actor is None


# --- articles ------------------------------------------------------------------------------


def test_importing_an_article_records_revision_one_and_an_event(desk):
    result = services.article_import(
        team=desk.team, actor=desk.reviewer, text=SAMPLE_TEXT, title="Troops"
    )

    article = result.article
    assert result.created is True
    assert article.status == ArticleStatus.NEW
    assert article.imported_by == desk.reviewer
    revision = ArticleRevision.objects.get(article=article)
    assert revision.number == 1
    assert revision.text == article.text
    assert revision.content_hash == article.content_hash == services.content_hash(article.text)
    event = Event.objects.get(article=article)
    assert (event.verb, event.actor, event.team) == ("article.imported", desk.reviewer, desk.team)
    assert event.changes["title"] == [None, "Troops"]


def test_the_imported_text_keeps_its_paragraphs_apart_with_a_blank_line(desk):
    article = make_article(desk.team)

    assert "\n\nPresident Zelensky said" in article.text


def test_importing_the_same_text_again_gives_back_the_existing_article(desk, article):
    result = services.article_import(team=desk.team, actor=desk.editor, text=SAMPLE_TEXT)

    assert result.created is False
    assert result.article.pk == article.pk
    assert "already" in result.message
    assert Article.objects.filter(team=desk.team).count() == 1
    assert ArticleRevision.objects.filter(article=article).count() == 1
    assert verbs(article=article) == ["article.imported"]


def test_the_same_text_in_another_team_is_a_separate_article(desk, article):
    result = services.article_import(team=desk.other_team, actor=desk.outsider, text=SAMPLE_TEXT)

    assert result.created is True
    assert result.article.pk != article.pk
    assert result.article.team == desk.other_team


def test_importing_nothing_is_refused(desk):
    with pytest.raises(InvalidInput) as raised:
        services.article_import(team=desk.team, actor=desk.reviewer, text="")

    assert raised.value.code == "empty"
    assert not Article.objects.exists()


def test_a_viewer_cannot_import_and_an_outsider_cannot_see_the_team(desk):
    with pytest.raises(Forbidden):
        services.article_import(team=desk.team, actor=desk.viewer, text=SAMPLE_TEXT)
    with pytest.raises(NotFound):
        services.article_import(team=desk.team, actor=desk.outsider, text=SAMPLE_TEXT)

    assert not Article.objects.filter(team=desk.team).exists()


# --- creating claims -----------------------------------------------------------------------


def test_a_claim_from_offsets_stores_its_quote_and_context(desk, article):
    start = article.text.index("11.000")
    end = start + len("11.000 North Korean soldiers")

    claim = services.claim_create(
        article=article, actor=desk.reviewer, start=start, end=end, claimant="Volodymyr Zelensky"
    )

    claim.refresh_from_db()
    assert (claim.start, claim.end) == (start, end)
    assert claim.exact == "11.000 North Korean soldiers"
    assert claim.prefix == article.text[start - 32 : start]
    assert claim.suffix == article.text[end : end + 32]
    assert claim.anchor == AnchorState.ANCHORED
    assert claim.summary == claim.exact
    assert claim.claimant == "Volodymyr Zelensky"
    assert claim.created_by == desk.reviewer
    event = Event.objects.get(claim=claim)
    assert (event.verb, event.actor) == ("claim.created", desk.reviewer)
    assert event.changes["exact"] == [None, "11.000 North Korean soldiers"]
    assert event.changes["start"] == [None, start]


def test_a_claim_from_its_quote_alone_is_placed_where_the_quote_is(desk, article):
    claim = services.claim_create(article=article, actor=desk.reviewer, exact="Pentagon estimated")

    assert claim.start == article.text.index("Pentagon estimated")
    assert claim.end == claim.start + len("Pentagon estimated")


def test_context_chooses_between_two_occurrences_of_the_quote(desk, article):
    first, second = occurrences(article.text, DUPLICATE)

    by_prefix = services.claim_create(
        article=article, actor=desk.reviewer, exact=DUPLICATE, prefix="there are 10.000 "
    )
    by_suffix = services.claim_create(
        article=article, actor=desk.reviewer, exact=DUPLICATE, suffix=" had arrived"
    )

    assert by_prefix.start == second
    assert by_suffix.start == first


def test_an_ambiguous_quote_is_refused_and_nothing_is_saved(desk, article):
    with pytest.raises(InvalidInput) as raised:
        services.claim_create(article=article, actor=desk.reviewer, exact=DUPLICATE)

    assert raised.value.code == "ambiguous_quote"
    assert raised.value.status == 400
    assert "occurs 2 times" in raised.value.message
    assert_nothing_saved(article)


def test_offsets_that_disagree_with_the_quote_are_corrected_to_where_the_quote_is(desk, article):
    quote = "Pentagon estimated"
    actual = article.text.index(quote)

    claim = services.claim_create(
        article=article, actor=desk.reviewer, start=actual - 3, end=actual - 3 + 18, exact=quote
    )

    assert (claim.start, claim.end, claim.exact) == (actual, actual + len(quote), quote)


def test_offsets_whose_quote_is_nowhere_in_the_text_are_refused(desk, article):
    with pytest.raises(InvalidInput) as raised:
        services.claim_create(
            article=article, actor=desk.reviewer, start=0, end=6, exact="soldiers fled"
        )

    assert raised.value.code == "selector_mismatch"
    assert_nothing_saved(article)


def test_offsets_past_the_end_of_the_text_are_refused(desk, article):
    length = len(article.text)

    with pytest.raises(InvalidInput, match="past the end") as raised:
        services.claim_create(
            article=article, actor=desk.reviewer, start=length - 2, end=length + 5
        )

    assert raised.value.field == "exact"
    assert_nothing_saved(article)


def test_a_quote_that_is_not_in_the_article_is_refused(desk, article):
    with pytest.raises(InvalidInput) as raised:
        services.claim_create(article=article, actor=desk.reviewer, exact="20.000 troops")

    assert raised.value.code == "quote_not_found"
    assert_nothing_saved(article)


def test_overlapping_claims_on_the_same_text_are_both_stored(desk, article):
    start = article.text.index("President Zelensky said")
    whole = services.claim_create(article=article, actor=desk.reviewer, start=start, end=start + 23)
    same = services.claim_create(article=article, actor=desk.editor, start=start, end=start + 23)
    inner = services.claim_create(article=article, actor=desk.editor, exact="Zelensky")

    assert {whole.pk, same.pk, inner.pk} == set(
        Claim.objects.filter(article=article).values_list("pk", flat=True)
    )
    assert whole.start <= inner.start < inner.end <= whole.end


def test_the_first_claim_moves_the_article_from_new_to_in_progress(desk, article):
    assert article.status == ArticleStatus.NEW

    services.claim_create(article=article, actor=desk.reviewer, exact="President Zelensky")

    article.refresh_from_db()
    assert article.status == ArticleStatus.IN_PROGRESS


def test_a_new_draft_claim_on_a_ready_article_puts_it_back_in_progress(desk, article):
    claim = services.claim_create(
        article=article, actor=desk.reviewer, exact="President Zelensky", rating="false"
    )
    services.claim_transition(claim=claim, actor=desk.reviewer, to="in_review")
    services.claim_transition(claim=claim, actor=desk.editor, to="approved")
    article.refresh_from_db()
    assert article.status == ArticleStatus.READY

    services.claim_create(article=article, actor=desk.reviewer, exact="The Pentagon estimated")

    article.refresh_from_db()
    assert article.status == ArticleStatus.IN_PROGRESS


def test_a_claim_with_a_rating_slug_gets_the_reviewers_verdict(desk, article):
    claim = services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact="11.000 North Korean soldiers",
        rating="mostly-false",
        rationale="The Pentagon counts 10.000.",
    )

    verdict = Verdict.objects.get(claim=claim)
    assert verdict.rating.slug == "mostly-false"
    assert verdict.rating.team == desk.team
    assert verdict.reviewer == desk.reviewer
    assert verdict.rationale == "The Pentagon counts 10.000."
    assert verdict.is_current
    assert verbs(claim=claim) == ["claim.created", "verdict.set"]


def test_an_unknown_rating_refuses_the_whole_claim(desk, article):
    with pytest.raises(InvalidInput) as raised:
        services.claim_create(
            article=article, actor=desk.reviewer, exact="President Zelensky", rating="pants-on-fire"
        )

    assert raised.value.code == "unknown_rating"
    assert raised.value.field == "rating"
    assert "mostly-true" in raised.value.message  # it lists what may be used
    assert_nothing_saved(article)


def test_a_rating_of_another_team_is_not_a_rating_here(desk, article):
    Rating.objects.create(team=desk.other_team, slug="satire", label="Satire")

    with pytest.raises(InvalidInput) as raised:
        services.claim_create(
            article=article, actor=desk.reviewer, exact="President Zelensky", rating="satire"
        )

    assert raised.value.code == "unknown_rating"
    assert_nothing_saved(article)


def test_a_retired_rating_can_no_longer_be_given(desk, article):
    Rating.objects.filter(team=desk.team, slug="half-true").update(active=False)

    with pytest.raises(InvalidInput) as raised:
        services.claim_create(
            article=article, actor=desk.reviewer, exact="President Zelensky", rating="half-true"
        )

    assert raised.value.code == "retired_rating"
    assert "retired" in raised.value.message
    assert_nothing_saved(article)


def test_a_rationale_without_a_verdict_is_refused(desk, article):
    with pytest.raises(InvalidInput, match="needs a verdict"):
        services.claim_create(
            article=article,
            actor=desk.reviewer,
            exact="President Zelensky",
            rationale="Checked with the ministry.",
        )

    assert_nothing_saved(article)


def test_a_claim_may_come_with_its_sources(desk, article):
    claim = services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact="President Zelensky",
        sources=[
            {"url": "https://example.org/pentagon", "stance": Stance.REFUTES},
            {"url": "http://example.org/kyiv", "title": "Kyiv statement"},
        ],
    )

    stored = list(claim.sources.order_by("id").values_list("url", "stance", "added_by"))
    assert stored == [
        ("https://example.org/pentagon", "refutes", desk.reviewer.pk),
        ("http://example.org/kyiv", "context", desk.reviewer.pk),
    ]


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://example.org/report.pdf", "/reports/kursk", "example.org"],
    ids=["javascript", "ftp", "relative", "no-scheme"],
)
def test_a_claim_whose_source_is_not_a_web_address_is_refused_whole(desk, article, url):
    with pytest.raises(InvalidInput) as raised:
        services.claim_create(
            article=article, actor=desk.reviewer, exact="President Zelensky", sources=[{"url": url}]
        )

    assert raised.value.code == "invalid_url"
    assert "http://" in raised.value.message
    assert_nothing_saved(article)


# --- verdicts ------------------------------------------------------------------------------


def test_a_new_verdict_keeps_the_old_one_as_history(desk, claim):
    first = services.verdict_set(claim=claim, actor=desk.reviewer, rating="false")
    second = services.verdict_set(
        claim=claim, actor=desk.reviewer, rating="mostly-false", rationale="Nearer 10.000."
    )

    first.refresh_from_db()
    assert first.is_current is False
    assert second.is_current is True
    mine = Verdict.objects.filter(claim=claim, reviewer=desk.reviewer)
    assert mine.count() == 2
    assert mine.filter(is_current=True).get() == second


def test_every_verdict_raises_the_claim_version(desk, claim):
    before = Claim.objects.get(pk=claim.pk).version

    services.verdict_set(claim=claim, actor=desk.reviewer, rating="false")
    services.verdict_set(claim=claim, actor=desk.reviewer, rating="true")

    assert Claim.objects.get(pk=claim.pk).version == before + 2
    assert claim.version == before + 2


def test_a_verdict_event_records_the_rating_before_and_after(desk, claim):
    services.verdict_set(claim=claim, actor=desk.reviewer, rating="false")
    services.verdict_set(claim=claim, actor=desk.reviewer, rating="true", rationale="Confirmed.")

    changes = [e.changes for e in Event.objects.filter(claim=claim, verb="verdict.set")]
    assert {"rating": ["false", "true"], "rationale": ["", "Confirmed."]} in changes
    assert {"rating": [None, "false"], "rationale": [None, ""]} in changes


def test_giving_the_same_verdict_again_changes_nothing(desk, claim):
    first = services.verdict_set(claim=claim, actor=desk.reviewer, rating="false")
    version = Claim.objects.get(pk=claim.pk).version

    again = services.verdict_set(claim=claim, actor=desk.reviewer, rating="false")

    assert again.pk == first.pk
    assert Verdict.objects.filter(claim=claim).count() == 1
    assert Claim.objects.get(pk=claim.pk).version == version
    assert verbs(claim=claim, verb="verdict.set") == ["verdict.set"]


def test_two_reviewers_each_have_their_own_current_verdict(desk, claim):
    services.verdict_set(claim=claim, actor=desk.reviewer, rating="false")
    services.verdict_set(claim=claim, actor=desk.editor, rating="misleading")

    current = dict(
        Verdict.objects.filter(claim=claim, is_current=True).values_list(
            "reviewer__username", "rating__slug"
        )
    )
    assert current == {"reviewer-user": "false", "editor-user": "misleading"}


def test_a_verdict_on_a_stale_version_is_a_conflict(desk, claim):
    stale = claim.version
    services.verdict_set(claim=claim, actor=desk.editor, rating="true")

    with pytest.raises(Conflict) as raised:
        services.verdict_set(
            claim=claim, actor=desk.reviewer, rating="false", expected_version=stale
        )

    assert raised.value.status == 409
    assert not Verdict.objects.filter(reviewer=desk.reviewer).exists()


def test_writes_from_two_stale_copies_of_a_claim_both_raise_its_version(desk, claim):
    # Two people opened the claim at the same version; both add evidence.
    version = Claim.objects.get(pk=claim.pk).version
    mine, theirs = Claim.objects.get(pk=claim.pk), Claim.objects.get(pk=claim.pk)

    services.source_add(claim=mine, actor=desk.reviewer, url="https://example.org/a")
    services.source_add(claim=theirs, actor=desk.editor, url="https://example.org/b")

    assert Claim.objects.get(pk=claim.pk).version == version + 2


def test_an_unknown_rating_is_refused_for_a_verdict(desk, claim):
    with pytest.raises(InvalidInput) as raised:
        services.verdict_set(claim=claim, actor=desk.reviewer, rating="pants-on-fire")

    assert raised.value.code == "unknown_rating"
    assert not Verdict.objects.exists()


# --- sources and comments ------------------------------------------------------------------


def test_adding_a_source_records_an_event_and_raises_the_version(desk, claim):
    version = claim.version

    source = services.source_add(
        claim=claim,
        actor=desk.reviewer,
        url=" https://www.defense.gov/News/ ",
        title="Pentagon briefing",
        stance=Stance.REFUTES,
    )

    assert source.url == "https://www.defense.gov/News/"
    assert source.added_by == desk.reviewer
    assert Claim.objects.get(pk=claim.pk).version == version + 1
    event = Event.objects.get(claim=claim, verb="source.added")
    assert event.changes == {
        "url": [None, "https://www.defense.gov/News/"],
        "title": [None, "Pentagon briefing"],
        "stance": [None, "refutes"],
    }


@pytest.mark.parametrize(
    ("field", "url", "archived_url"),
    [
        ("url", "javascript:alert(document.cookie)", ""),
        ("url", "ftp://files.example.org/briefing.pdf", ""),
        ("url", "../briefing.html", ""),
        ("url", "", ""),
        ("archived_url", "https://example.org/a", "javascript:alert(1)"),
        ("archived_url", "https://example.org/a", "ftp://archive.example.org/a"),
    ],
    ids=["javascript", "ftp", "relative", "empty", "archived-javascript", "archived-ftp"],
)
def test_a_source_must_be_an_http_or_https_address(desk, claim, field, url, archived_url):
    with pytest.raises(InvalidInput) as raised:
        services.source_add(claim=claim, actor=desk.reviewer, url=url, archived_url=archived_url)

    assert raised.value.code == "invalid_url"
    assert raised.value.field == field
    assert not Source.objects.exists()
    assert verbs(verb="source.added") == []


def test_a_source_address_with_an_upper_case_scheme_is_accepted_on_every_database(desk, claim):
    source = services.source_add(claim=claim, actor=desk.reviewer, url="HTTPS://example.org/Report")

    assert source.url == "https://example.org/Report"
    assert Source.objects.get(pk=source.pk).url == "https://example.org/Report"


def test_a_source_stance_must_be_supports_refutes_or_context(desk, claim):
    with pytest.raises(InvalidInput, match="Unknown stance 'agrees'") as raised:
        services.source_add(
            claim=claim, actor=desk.reviewer, url="https://example.org", stance="agrees"
        )

    assert raised.value.field == "stance"
    assert not Source.objects.exists()


def test_adding_a_comment_records_an_event(desk, claim):
    comment = services.comment_add(claim=claim, actor=desk.reviewer, body="  Ask the MoD.  ")

    assert comment.body == "Ask the MoD."
    assert comment.author == desk.reviewer
    event = Event.objects.get(claim=claim, verb="comment.added")
    assert event.actor == desk.reviewer
    assert event.changes == {"body": [None, "Ask the MoD."]}


@pytest.mark.parametrize("body", ["", "   \n\t "])
def test_an_empty_comment_is_refused(desk, claim, body):
    with pytest.raises(InvalidInput, match="cannot be empty"):
        services.comment_add(claim=claim, actor=desk.reviewer, body=body)

    assert not Comment.objects.exists()


def test_a_reply_stays_on_the_claim_of_the_comment_it_answers(desk, article, claim):
    question = services.comment_add(claim=claim, actor=desk.reviewer, body="Source?")
    other = services.claim_create(article=article, actor=desk.reviewer, exact="Pentagon")

    answer = services.comment_add(
        claim=claim, actor=desk.editor, body="The MoD.", reply_to=question
    )
    with pytest.raises(InvalidInput, match="same claim"):
        services.comment_add(claim=other, actor=desk.editor, body="Wrong place.", reply_to=question)

    assert answer.reply_to == question
    assert list(Comment.objects.filter(claim=other)) == []


# --- who may write -------------------------------------------------------------------------


def create_claim(claim: Claim, user) -> object:
    return services.claim_create(article=claim.article, actor=user, exact="Pentagon estimated")


def set_verdict(claim: Claim, user) -> object:
    return services.verdict_set(claim=claim, actor=user, rating="false")


def add_source(claim: Claim, user) -> object:
    return services.source_add(claim=claim, actor=user, url="https://example.org/source")


def add_comment(claim: Claim, user) -> object:
    return services.comment_add(claim=claim, actor=user, body="Checked.")


WRITES = [create_claim, set_verdict, add_source, add_comment]
WRITE_IDS = ["claim", "verdict", "source", "comment"]


@pytest.mark.parametrize("write", WRITES, ids=WRITE_IDS)
@pytest.mark.parametrize("persona", CAN_WRITE)
def test_reviewers_editors_and_admins_may_write(desk, claim, persona, write):
    created = write(claim, desk.user(persona))

    assert created.pk is not None
    event = Event.objects.filter(team=desk.team).order_by("-id").first()
    assert event.actor == desk.user(persona)


@pytest.mark.parametrize("write", WRITES, ids=WRITE_IDS)
def test_a_viewer_may_read_but_not_write(desk, claim, write):
    events = Event.objects.count()

    with pytest.raises(Forbidden) as raised:
        write(claim, desk.viewer)

    assert raised.value.status == 403
    assert "viewer" in raised.value.message
    assert Event.objects.count() == events


@pytest.mark.parametrize("write", WRITES, ids=WRITE_IDS)
def test_an_outsider_is_told_the_claim_does_not_exist(desk, claim, write):
    events = Event.objects.count()

    with pytest.raises(NotFound) as raised:
        write(claim, desk.outsider)

    assert raised.value.status == 404
    assert desk.team.name not in raised.value.message
    assert Event.objects.count() == events


def test_nothing_an_outsider_tries_leaves_a_trace(desk, claim):
    for write in WRITES:
        with pytest.raises(NotFound):
            write(claim, desk.outsider)

    assert Claim.objects.count() == 1
    assert not Verdict.objects.exists()
    assert not Source.objects.exists()
    assert not Comment.objects.exists()


# --- the event log -------------------------------------------------------------------------


def test_an_event_cannot_be_changed_once_written(desk, claim):
    event = Event.objects.get(claim=claim)
    event.note = "rewritten history"

    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        Event.objects.filter(pk=event.pk).update(note="rewritten history")
    with pytest.raises(TypeError, match="append-only"):
        Event.objects.update(verb="nothing.happened")

    assert Event.objects.get(pk=event.pk).note == ""


def test_an_event_cannot_be_deleted(desk, claim):
    event = Event.objects.get(claim=claim)

    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        Event.objects.filter(pk=event.pk).delete()
    with pytest.raises(TypeError, match="append-only"):
        Event.objects.all().delete()

    assert Event.objects.filter(pk=event.pk).exists()


def test_the_history_of_a_deleted_claim_stays_readable(desk, claim):
    claim_id = claim.pk

    claim.delete()

    assert verbs(claim_id=claim_id) == ["claim.created"]


def test_deleting_a_team_still_takes_its_events_with_it(desk, claim):
    services.comment_add(claim=claim, actor=desk.reviewer, body="Checked.")
    team_id = desk.team.pk

    desk.team.delete()

    assert not Event.objects.filter(team_id=team_id).exists()
    assert Event.objects.filter(team=desk.other_team).exists()


def test_offsets_past_the_end_with_a_quote_fall_back_to_the_quote(desk, article):
    # A browser counting UTF-16 units can send offsets past the end; the quote still places it.
    quote = "10.000 North Korean soldiers"
    claim = services.claim_create(
        article=article,
        actor=desk.reviewer,
        start=len(article.text) - 5,
        end=len(article.text) + 30,
        exact=quote,
    )
    assert article.text[claim.start : claim.end] == quote


def test_unknown_source_fields_are_refused_with_a_message_and_nothing_saved(desk, article):
    with pytest.raises(InvalidInput, match="href"):
        services.claim_create(
            article=article,
            actor=desk.reviewer,
            exact="11.000 North Korean soldiers",
            sources=[{"href": "https://example.org"}],
        )
    assert_nothing_saved(article)


def test_the_last_admin_cannot_be_demoted(desk):
    with pytest.raises(Conflict, match="last admin"):
        services.membership_set(team=desk.team, user=desk.admin, role="editor", actor=desk.admin)
    assert desk.team.memberships.get(user=desk.admin).role == "admin"


def test_an_admin_can_step_down_once_there_is_another_admin(desk):
    services.membership_set(team=desk.team, user=desk.editor, role="admin", actor=desk.admin)
    services.membership_set(team=desk.team, user=desk.admin, role="editor", actor=desk.editor)
    assert desk.team.memberships.get(user=desk.admin).role == "editor"
