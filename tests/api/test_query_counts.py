"""Every list endpoint answers with the same number of queries for 3 rows as for 30: nested
verdicts, sources, assignees and usernames come pre-joined or prefetched, never per row."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from annotations import services
from annotations.models import ArticleRevision, Claim, Membership, Rating, Role
from tests.api.conftest import World
from tests.api.test_permissions import RULES
from tests.factories import MembershipFactory, TeamFactory, UserFactory, make_article

pytestmark = pytest.mark.django_db

# The most queries any list may take: the rows, up to three prefetches, and the parent lookup.
QUERY_BUDGET = 6
# Unique numbers for rows that must differ (texts, slugs, revision numbers).
_unique = itertools.count(1)


def _teams(world: World, desk, n: int) -> str:
    for _ in range(n):
        MembershipFactory(user=desk.viewer, team=TeamFactory(), role=Role.EDITOR)
    return "/api/v1/teams/"


def _ratings(world: World, desk, n: int) -> str:
    for _ in range(n):
        i = next(_unique)
        Rating.objects.create(team=desk.team, slug=f"extra-{i}", label=f"Extra {i}", order=100 + i)
    return "/api/v1/teams/verify/ratings/"


def _members(world: World, desk, n: int) -> str:
    for _ in range(n):
        MembershipFactory(user=UserFactory(), team=desk.team, role=Role.REVIEWER)
    return "/api/v1/teams/verify/members/"


def _invites(world: World, desk, n: int) -> str:

    # Invitations are the admins' business: the reader is made one.
    Membership.objects.filter(team=desk.team, user=desk.viewer).update(role=Role.ADMIN)
    for i in range(n):
        services.invite_create(team=desk.team, actor=desk.admin, note=f"Invite {i}")
    return "/api/v1/teams/verify/invites/"


def _articles(world: World, desk, n: int) -> str:
    for _ in range(n):
        i = next(_unique)
        article = make_article(desk.team, text=f"Story number {i}.\n\nIt has two paragraphs.")
        article.assignees.add(desk.editor, desk.reviewer)
        services.claim_create(article=article, actor=desk.reviewer, exact="two paragraphs")
    return "/api/v1/articles/"


def _revisions(world: World, desk, n: int) -> str:
    for _ in range(n):
        i = next(_unique)
        ArticleRevision.objects.create(
            article=world.article,
            number=i + 1,
            text=f"Version {i}",
            title="Troops",
            source_kind="text",
            content_hash=f"{i:064d}",
            created_by=desk.editor,
        )
    return f"/api/v1/articles/{world.article.pk}/revisions/"


def _claims(world: World, desk, n: int) -> list[Claim]:
    """n claims, each with two reviewers' verdicts, a source and (for every other) a final
    verdict, on new articles of the team."""
    claims = []
    for _ in range(n):
        i = next(_unique)
        article = make_article(desk.team, text=f"Claim story {i}: the sky is green today.")
        claim = services.claim_create(
            article=article,
            actor=desk.reviewer,
            exact="the sky is green",
            claimant=f"Person {i}",
            rating="false",
            sources=[{"url": f"https://example.org/{i}", "title": "Evidence"}],
            tags=["sky", "colour"],
        )
        services.verdict_set(claim=claim, actor=desk.editor, rating="false")
        if i % 2:
            services.claim_transition(claim=claim, actor=desk.reviewer, to="in_review")
            services.claim_transition(claim=claim, actor=desk.editor, to="approved")
        claims.append(claim)
    return claims


def _all_claims(world: World, desk, n: int) -> str:
    _claims(world, desk, n)
    return "/api/v1/claims/"


def _article_claims(world: World, desk, n: int) -> str:
    for claim in _claims(world, desk, n):
        Claim.objects.filter(pk=claim.pk).update(article=world.article)
    return f"/api/v1/articles/{world.article.pk}/claims/"


def _verdicts(world: World, desk, n: int) -> str:
    ratings = ["true", "false", "half-true"]
    for i in range(n):
        reviewer = UserFactory()
        MembershipFactory(user=reviewer, team=desk.team, role=Role.REVIEWER)
        services.verdict_set(claim=world.claim, actor=reviewer, rating=ratings[i % 3])
    return f"/api/v1/claims/{world.claim.pk}/verdicts/"


def _sources(world: World, desk, n: int) -> str:
    for i in range(n):
        services.source_add(claim=world.claim, actor=desk.admin, url=f"https://example.org/s{i}")
    return f"/api/v1/claims/{world.claim.pk}/sources/"


def _comments(world: World, desk, n: int) -> str:
    authors = [desk.admin, desk.editor, desk.reviewer]
    for i in range(n):
        services.comment_add(claim=world.claim, actor=authors[i % 3], body=f"Comment {i}")
    return f"/api/v1/claims/{world.claim.pk}/comments/"


def _history(world: World, desk, n: int) -> str:
    _comments(world, desk, n)
    return f"/api/v1/claims/{world.claim.pk}/history/"


def _assignees(desk, n: int) -> list:
    people = []
    for _ in range(n):
        person = UserFactory()
        MembershipFactory(user=person, team=desk.team, role=Role.REVIEWER)
        people.append(person)
    return people


def _article_assignments(world: World, desk, n: int) -> str:

    for person in _assignees(desk, n):
        services.article_assign(
            article=world.article, assignee=person, due_on="2030-01-31", actor=desk.editor
        )
    return f"/api/v1/articles/{world.article.pk}/assignments/"


def _claim_assignments(world: World, desk, n: int) -> str:

    for person in _assignees(desk, n):
        services.claim_assign(claim=world.claim, assignee=person, actor=desk.admin)
    return f"/api/v1/claims/{world.claim.pk}/assignments/"


BUILDERS: dict[str, Callable[[World, object, int], str]] = {
    "articles/<int:pk>/assignments/": _article_assignments,
    "claims/<int:pk>/assignments/": _claim_assignments,
    "teams/": _teams,
    "teams/<slug:slug>/ratings/": _ratings,
    "teams/<slug:slug>/members/": _members,
    "teams/<slug:slug>/invites/": _invites,
    "articles/": _articles,
    "articles/<int:pk>/revisions/": _revisions,
    "articles/<int:pk>/claims/": _article_claims,
    "claims/": _all_claims,
    "claims/<int:pk>/verdicts/": _verdicts,
    "claims/<int:pk>/sources/": _sources,
    "claims/<int:pk>/comments/": _comments,
    "claims/<int:pk>/history/": _history,
}


def test_every_list_endpoint_has_a_query_count_test():
    lists = {route for (route, method) in RULES if method == "GET" and "<" not in route[-8:]}
    lists = {route for route in lists if route.endswith("s/") or route.endswith("history/")}
    assert lists == set(BUILDERS)


def queries_for(url: str, user) -> tuple[int, int, list[str]]:
    client = APIClient()
    client.force_authenticate(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    rows = len(response.json()["results"])
    return len(captured), rows, [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("route", sorted(BUILDERS))
def test_a_list_takes_as_many_queries_for_30_rows_as_for_3(route, desk, world):
    build = BUILDERS[route]

    url = build(world, desk, 3)
    few, few_rows, _ = queries_for(url, desk.viewer)
    build(world, desk, 27)
    many, many_rows, sql = queries_for(url, desk.viewer)

    assert many_rows >= few_rows + 27
    assert many == few, "\n".join(sql)
    assert many <= QUERY_BUDGET, "\n".join(sql)
