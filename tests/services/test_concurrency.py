"""Services called twice at the same moment (real threads, each with its own connection, on
PostgreSQL): every read-check-write holds a lock or writes conditionally, so one call wins and
the other is refused (or finds the work done), and nothing is lost or written twice.

On SQLite these skip: it lets one writer in at a time, so the calls cannot interleave there.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from annotations import services, verbs
from annotations.errors import ServiceError
from annotations.models import (
    ArticleAssignment,
    Claim,
    Event,
    Membership,
    Notification,
    Rating,
    Role,
)
from tests.factories import QUOTE, SAMPLE_TEXT, make_article
from tests.races import ROUNDS, needs_postgresql, together

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_QUOTE = "10.000 North Korean soldiers"


def outcome(result: Any) -> str:
    """ "ok", the code of a refusal, or the repr of anything else raised."""
    if isinstance(result, ServiceError):
        return result.code
    if isinstance(result, BaseException):
        return repr(result)
    return "ok"


def tallied(rounds: list[list[str]], expected: list[str]) -> str:
    wrong = [(number, got) for number, got in enumerate(rounds, 1) if sorted(got) != expected]
    both = sum(1 for got in rounds if got.count("ok") == len(got))
    return (
        f"{len(rounds)} rounds: {len(rounds) - len(wrong)} as expected {expected}, {both} with "
        f"every call accepted; wrong rounds: {wrong[:5]}"
    )


def test_two_verdicts_at_the_same_version_one_is_stale(desk, claim):
    needs_postgresql()
    rounds, problems = [], []
    for number in range(ROUNDS):
        claim.refresh_from_db()
        read = claim.version
        results = together(
            *(
                partial(
                    services.verdict_set,
                    claim=Claim.objects.get(pk=claim.pk),
                    actor=actor,
                    rating="false" if read % 2 else "true",
                    rationale=f"Round {number}.",
                    expected_version=read,
                )
                for actor in (desk.reviewer, desk.editor)
            )
        )
        rounds.append([outcome(r) for r in results])
        claim.refresh_from_db()
        if claim.version != read + 1:
            problems.append(f"version {read} -> {claim.version}")
    summary = tallied(rounds, ["ok", "stale"])
    assert all(sorted(r) == ["ok", "stale"] for r in rounds) and not problems, (summary, problems)


def test_two_moves_at_the_same_version_one_is_stale(desk, claim):
    needs_postgresql()
    services.verdict_set(claim=claim, actor=desk.reviewer, rating="false")
    rounds = []
    for number in range(ROUNDS):
        claim.refresh_from_db()
        read = claim.version
        to = "in_review" if number % 2 == 0 else "draft"
        results = together(
            *(
                partial(
                    services.claim_transition,
                    claim=Claim.objects.get(pk=claim.pk),
                    actor=actor,
                    to=to,
                    expected_version=read,
                )
                for actor in (desk.editor, desk.admin)
            )
        )
        rounds.append([outcome(r) for r in results])
    assert all(sorted(r) == ["ok", "stale"] for r in rounds), tallied(rounds, ["ok", "stale"])
    assert Event.objects.filter(claim=claim, verb__startswith="claim.s").count() == ROUNDS


def test_two_admins_removing_each_other_at_once_leave_one_admin(desk):
    needs_postgresql()
    rounds, left = [], []
    for _ in range(ROUNDS):
        for user in (desk.admin, desk.editor):
            Membership.objects.update_or_create(
                team=desk.team, user=user, defaults={"role": Role.ADMIN}
            )
        results = together(
            partial(services.member_remove, team=desk.team, user=desk.editor, actor=desk.admin),
            partial(services.member_remove, team=desk.team, user=desk.admin, actor=desk.editor),
        )
        rounds.append([outcome(r) for r in results])
        left.append(Membership.objects.filter(team=desk.team, role=Role.ADMIN).count())
    summary = tallied(rounds, ["not_found", "ok"])
    assert left == [1] * ROUNDS, (left, summary)
    # The loser was taken out of the team first: their own membership is gone (404).
    assert all(sorted(r) == ["not_found", "ok"] for r in rounds), summary


def test_the_same_assignment_given_twice_at_once_is_made_once(desk):
    needs_postgresql()
    rounds = []
    for number in range(ROUNDS):
        article = make_article(desk.team, text=f"{SAMPLE_TEXT}\n\nRound {number}.")
        results = together(
            *(
                partial(
                    services.article_assign, article=article, assignee=desk.reviewer, actor=actor
                )
                for actor in (desk.editor, desk.admin)
            )
        )
        rounds.append([outcome(r) for r in results])
        made = [r.created for r in results if not isinstance(r, BaseException)]
        rows = ArticleAssignment.objects.filter(article=article).count()
        events = Event.objects.filter(article=article, verb=verbs.ARTICLE_ASSIGNED).count()
        rounds[-1].append(f"created {sorted(made)}, rows {rows}, events {events}")
    expected = ["created [False, True], rows 1, events 1", "ok", "ok"]
    assert all(sorted(r) == expected for r in rounds), tallied(rounds, expected)


def test_the_same_assignment_taken_back_twice_at_once_is_taken_back_once(desk):
    needs_postgresql()
    rounds = []
    for number in range(ROUNDS):
        article = make_article(desk.team, text=f"{SAMPLE_TEXT}\n\nRound {number}.")
        services.article_assign(article=article, assignee=desk.reviewer, actor=desk.admin)
        results = together(
            *(
                partial(
                    services.article_unassign, article=article, assignee=desk.reviewer, actor=actor
                )
                for actor in (desk.editor, desk.admin)
            )
        )
        events = Event.objects.filter(article=article, verb=verbs.ARTICLE_UNASSIGNED).count()
        rounds.append([*(outcome(r) for r in results), f"events {events}"])
    expected = ["events 1", "not_found", "ok"]
    assert all(sorted(r) == expected for r in rounds), tallied(rounds, expected)


def test_two_moves_up_at_once_move_the_rating_two_places(desk):
    needs_postgresql()
    rounds = []
    for _ in range(ROUNDS):
        services.rating_reorder(
            team=desk.team,
            actor=desk.admin,
            slugs=sorted(Rating.objects.filter(team=desk.team).values_list("slug", flat=True)),
        )
        slugs = list(
            Rating.objects.filter(team=desk.team).order_by("order").values_list("slug", flat=True)
        )
        last = slugs[-1]
        results = together(
            *(
                partial(
                    services.rating_move,
                    rating=Rating.objects.get(team=desk.team, slug=last),
                    actor=desk.admin,
                    direction="up",
                )
                for _ in range(2)
            )
        )
        after = list(
            Rating.objects.filter(team=desk.team).order_by("order").values_list("slug", flat=True)
        )
        rounds.append([*(outcome(r) for r in results), f"place {after.index(last) - len(slugs)}"])
    expected = ["ok", "ok", "place -3"]
    assert all(sorted(r) == expected for r in rounds), tallied(rounds, expected)


def test_the_same_rating_created_twice_at_once_is_made_once(desk):
    needs_postgresql()
    rounds = []
    for number in range(ROUNDS):
        results = together(
            *(
                partial(
                    services.rating_create,
                    team=desk.team,
                    actor=desk.admin,
                    label=f"Satire {number}",
                )
                for _ in range(2)
            )
        )
        orders = list(Rating.objects.filter(team=desk.team).values_list("order", flat=True))
        rounds.append(
            [*(outcome(r) for r in results), f"orders unique {len(set(orders)) == len(orders)}"]
        )
    expected = ["ok", "orders unique True", "slug_taken"]
    assert all(sorted(r) == expected for r in rounds), tallied(rounds, expected)


def test_two_different_ratings_created_at_once_take_different_places(desk):
    needs_postgresql()
    rounds = []
    for number in range(ROUNDS):
        results = together(
            *(
                partial(
                    services.rating_create,
                    team=desk.team,
                    actor=desk.admin,
                    label=f"Step {number} {side}",
                )
                for side in ("a", "b")
            )
        )
        orders = list(Rating.objects.filter(team=desk.team).values_list("order", flat=True))
        rounds.append(
            [*(outcome(r) for r in results), f"orders unique {len(set(orders)) == len(orders)}"]
        )
    expected = ["ok", "ok", "orders unique True"]
    assert all(sorted(r) == expected for r in rounds), tallied(rounds, expected)


def test_a_notification_marked_read_twice_at_once_keeps_one_time(desk):
    needs_postgresql()
    rounds = []
    for number in range(ROUNDS):
        (notification,) = services.notification_create(
            users=[desk.reviewer],
            team=desk.team,
            kind="mention",
            actor=desk.editor,
            message=f"Look {number}",
        )
        results = together(
            *(
                partial(
                    services.notification_mark_read,
                    notification=Notification.objects.get(pk=notification.pk),
                    actor=desk.reviewer,
                )
                for _ in range(2)
            )
        )
        stored = Notification.objects.get(pk=notification.pk).read_at
        rounds.append(
            [*(outcome(r) for r in results)]
            + [f"as stored {r.read_at == stored}" for r in results if hasattr(r, "read_at")]
        )
    expected = ["as stored True", "as stored True", "ok", "ok"]
    assert all(sorted(r) == expected for r in rounds), tallied(rounds, expected)


def test_a_claim_moved_while_its_article_is_revised_points_at_its_quote(desk):
    """A new revision re-anchors every claim while someone moves one of them: whichever runs
    first, the claim ends on the quote it was moved to, at its place in the newest text."""
    needs_postgresql()
    article = make_article(desk.team)
    claim = services.claim_create(article=article, actor=desk.reviewer, exact=QUOTE)
    rounds = []
    for number in range(ROUNDS):
        article.refresh_from_db()
        wanted = OTHER_QUOTE if number % 2 == 0 else QUOTE
        results = together(
            partial(
                services.article_revise,
                article=article,
                actor=desk.editor,
                text=f"Update {number}.\n\n{article.text}",
            ),
            partial(
                services.claim_update,
                claim=Claim.objects.get(pk=claim.pk),
                actor=desk.editor,
                exact=wanted,
            ),
        )
        article.refresh_from_db()
        claim.refresh_from_db()
        placed = claim.start is not None and article.text[claim.start : claim.end] == claim.exact
        rounds.append(
            [
                *(outcome(r) for r in results),
                f"quote kept {claim.exact == wanted}",
                f"placed {placed}",
            ]
        )
    expected = ["ok", "ok", "placed True", "quote kept True"]
    assert all(sorted(r) == expected for r in rounds), tallied(rounds, expected)
