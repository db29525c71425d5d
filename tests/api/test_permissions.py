"""The permission matrix: every API endpoint and method, tried by every persona.

The endpoints are read from the API's own URL patterns (every route × every method its view
answers); RULES only says, for each, the least role that may do it and what to send. A route
or method without a rule fails `test_every_endpoint_and_method_has_a_rule`, so a new endpoint
cannot slip past the matrix. The outcomes are derived, never listed by hand:

- a member with the role or a higher one succeeds (2xx);
- a member with a lesser role gets 403;
- an outsider (a member of another team only) gets 404, except on the top-level lists, which
  answer 200 with nothing of the desk's;
- an anonymous caller gets 401 with `WWW-Authenticate: Token`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from annotations import services
from annotations.api import agreement as agreement_api
from annotations.api import articles, benchmark, claims
from annotations.api import assignments as assignment_api
from annotations.api import audit as audit_api
from annotations.api import publishing as publishing_api
from annotations.api import teams as team_api
from annotations.models import Comment, Role
from tests.api.conftest import World, error_of
from tests.factories import QUOTE

pytestmark = pytest.mark.django_db

PERSONAS = ["admin", "editor", "reviewer", "viewer", "outsider", None]


@dataclass(frozen=True)
class Rule:
    min_role: str
    ok: int = 200
    body: Callable[[World, str], dict[str, Any]] | None = None
    # Lists of everything the caller can see: an outsider gets their own (none of ours).
    scoped_list: bool = False
    # What an outsider gets where it is not a 404 (endpoints not of one team's objects).
    outsider: int | None = None
    notes: str = field(default="", compare=False)


def _invite(world: World) -> tuple:
    """An invitation into the desk, made by its admin (the world's claim is the admin's)."""

    return services.invite_create(team=world.article.team, actor=world.claim.created_by)


def _own_comment(world: World, user) -> Comment:
    """A comment written by the caller (made directly: a viewer cannot write one)."""
    return Comment.objects.create(claim=world.claim, author=user, body="Mine.")


def _assigned_to_article(world: World, who: str) -> None:
    """Sets up what the DELETE removes (the request itself has no body)."""
    from annotations.models import ArticleAssignment, Membership

    reviewer = Membership.objects.get(team=world.article.team, role=Role.REVIEWER).user
    ArticleAssignment.objects.get_or_create(article=world.article, user=reviewer)


def _assigned_to_claim(world: World, who: str) -> None:
    """Sets up what the DELETE removes (the request itself has no body)."""
    from annotations.models import ClaimAssignment, Membership

    reviewer = Membership.objects.get(team=world.article.team, role=Role.REVIEWER).user
    ClaimAssignment.objects.get_or_create(claim=world.claim, user=reviewer)


def _archived(world: World, who: str) -> None:
    """Archives the article (directly) for the restore; the request itself has no body."""
    from django.utils import timezone

    from annotations.models import Article

    Article.objects.filter(pk=world.article.pk).update(archived_at=timezone.now())


RULES: dict[tuple[str, str], Rule] = {
    # Assignments (annotations/api/assignments.py): members read, editors assign; the queue
    # is the caller's own, so an outsider gets theirs (empty of ours).
    ("articles/<int:pk>/assignments/", "GET"): Rule(Role.VIEWER),
    ("articles/<int:pk>/assignments/", "POST"): Rule(
        Role.EDITOR, ok=201, body=lambda w, who: {"user": "reviewer-user", "due_on": "2030-01-31"}
    ),
    ("articles/<int:pk>/assignments/<str:username>/", "DELETE"): Rule(
        Role.EDITOR, ok=204, body=_assigned_to_article
    ),
    ("claims/<int:pk>/assignments/", "GET"): Rule(Role.VIEWER),
    ("claims/<int:pk>/assignments/", "POST"): Rule(
        Role.EDITOR, ok=201, body=lambda w, who: {"user": "reviewer-user", "due_on": None}
    ),
    ("claims/<int:pk>/assignments/<str:username>/", "DELETE"): Rule(
        Role.EDITOR, ok=204, body=_assigned_to_claim
    ),
    ("queue/", "GET"): Rule(Role.VIEWER, scoped_list=True),
    ("teams/", "GET"): Rule(Role.VIEWER, scoped_list=True),
    ("teams/<slug:slug>/", "GET"): Rule(Role.VIEWER),
    ("teams/<slug:slug>/ratings/", "GET"): Rule(Role.VIEWER),
    ("teams/<slug:slug>/members/", "GET"): Rule(Role.VIEWER),
    # Teams (api/teams.py): anyone signed in creates a team; admins manage members, invitations
    # and the scale. The member changed is the reviewer; the rating, an unused one.
    ("teams/", "POST"): Rule(
        Role.VIEWER, ok=201, outsider=201, body=lambda w, who: {"name": f"Desk of {who}"}
    ),
    ("teams/<slug:slug>/ratings/", "POST"): Rule(
        Role.ADMIN, ok=201, body=lambda w, who: {"label": "Partly false", "colour": "#123456"}
    ),
    ("teams/<slug:slug>/ratings/<slug:rating_slug>/", "PATCH"): Rule(
        Role.ADMIN, body=lambda w, who: {"label": "Cannot tell", "value": 0}
    ),
    ("teams/<slug:slug>/ratings/<slug:rating_slug>/", "DELETE"): Rule(Role.ADMIN, ok=204),
    ("teams/<slug:slug>/members/<str:username>/", "PATCH"): Rule(
        Role.ADMIN, body=lambda w, who: {"role": "editor"}
    ),
    ("teams/<slug:slug>/members/<str:username>/", "DELETE"): Rule(Role.ADMIN, ok=204),
    ("teams/<slug:slug>/invites/", "GET"): Rule(Role.ADMIN),
    ("teams/<slug:slug>/invites/", "POST"): Rule(
        Role.ADMIN, ok=201, body=lambda w, who: {"role": "viewer", "note": f"By {who}"}
    ),
    ("teams/<slug:slug>/invites/<int:invite_id>/", "DELETE"): Rule(Role.ADMIN, ok=204),
    # Members are already in the invitation's team (409, the link stays unused); an outsider
    # joins with it.
    ("invites/accept/", "POST"): Rule(
        Role.VIEWER, ok=409, outsider=201, body=lambda w, who: {"token": _invite(w)[1]}
    ),
    ("articles/", "GET"): Rule(Role.VIEWER, scoped_list=True),
    ("articles/", "POST"): Rule(
        Role.REVIEWER,
        ok=201,
        body=lambda w, who: {"team": "verify", "text": f"A new story told by {who}.\n\nIt ends."},
    ),
    ("articles/<int:pk>/", "GET"): Rule(Role.VIEWER),
    # Managing articles: editors correct metadata, archive and restore; admins delete.
    ("articles/<int:pk>/", "PATCH"): Rule(
        Role.EDITOR, body=lambda w, who: {"title": f"Corrected by {who}", "language": "en"}
    ),
    ("articles/<int:pk>/", "DELETE"): Rule(Role.ADMIN, ok=204),
    ("articles/<int:pk>/archive/", "POST"): Rule(Role.EDITOR, body=lambda w, who: {}),
    ("articles/<int:pk>/restore/", "POST"): Rule(Role.EDITOR, body=_archived),
    ("articles/<int:pk>/revisions/", "GET"): Rule(Role.VIEWER),
    ("articles/<int:pk>/revisions/", "POST"): Rule(
        Role.REVIEWER,
        ok=201,
        body=lambda w, who: {"text": w.article.text + f"\n\nUpdate added by {who}."},
    ),
    ("articles/<int:pk>/claims/", "GET"): Rule(Role.VIEWER),
    ("articles/<int:pk>/claims/", "POST"): Rule(
        Role.REVIEWER, ok=201, body=lambda w, who: {"exact": "10.000 North Korean soldiers"}
    ),
    ("claims/", "GET"): Rule(Role.VIEWER, scoped_list=True),
    ("claims/<int:pk>/", "GET"): Rule(Role.VIEWER),
    # The claim is the admin's: reviewers may change only their own.
    ("claims/<int:pk>/", "PATCH"): Rule(Role.EDITOR, body=lambda w, who: {"summary": "Changed."}),
    ("claims/<int:pk>/", "PUT"): Rule(
        Role.EDITOR,
        body=lambda w, who: {"claimant": "Zelensky", "summary": "Replaced.", "tags": ["troops"]},
    ),
    ("claims/<int:pk>/", "DELETE"): Rule(Role.EDITOR, ok=204),
    ("claims/<int:pk>/verdicts/", "GET"): Rule(Role.VIEWER),
    ("claims/<int:pk>/verdicts/", "POST"): Rule(
        Role.REVIEWER, ok=201, body=lambda w, who: {"rating": "false", "rationale": "No."}
    ),
    ("claims/<int:pk>/sources/", "GET"): Rule(Role.VIEWER),
    ("claims/<int:pk>/sources/", "POST"): Rule(
        Role.EDITOR, ok=201, body=lambda w, who: {"url": "https://example.org/more"}
    ),
    ("claims/<int:pk>/sources/<int:source_id>/", "DELETE"): Rule(Role.EDITOR, ok=204),
    ("claims/<int:pk>/comments/", "GET"): Rule(Role.VIEWER),
    ("claims/<int:pk>/comments/", "POST"): Rule(
        Role.REVIEWER, ok=201, body=lambda w, who: {"body": "Looks right."}
    ),
    # The comment is the caller's own: commenting needs the reviewer role.
    ("claims/<int:pk>/comments/<int:comment_id>/", "PATCH"): Rule(
        Role.REVIEWER, body=lambda w, who: {"body": "Edited."}
    ),
    ("claims/<int:pk>/comments/<int:comment_id>/", "DELETE"): Rule(Role.REVIEWER, ok=204),
    ("claims/<int:pk>/history/", "GET"): Rule(Role.VIEWER),
    # The world's claim is a draft: members may look, and learn it has no ClaimReview yet.
    ("claims/<int:pk>/claimreview", "GET"): Rule(Role.VIEWER, ok=409),
    # The admin's draft: reviewers move only their own claims.
    ("claims/<int:pk>/transition/", "POST"): Rule(
        Role.EDITOR, body=lambda w, who: {"to": "in_review"}
    ),
    # Agreement between reviewers (annotations/api/agreement.py): members read.
    ("teams/<slug:slug>/agreement/", "GET"): Rule(Role.VIEWER),
    ("articles/<int:pk>/agreement/", "GET"): Rule(Role.VIEWER),
    # The audit trail (annotations/api/audit.py): members read the activity; the audit log
    # export (streamed, CSV when no format is given) is for editors and admins.
    ("teams/<slug:slug>/activity/", "GET"): Rule(Role.VIEWER),
    ("teams/<slug:slug>/audit", "GET"): Rule(Role.EDITOR),
    # Publishing settings (annotations/api/publishing.py): members read, admins change.
    ("teams/<slug:slug>/publishing/", "GET"): Rule(Role.VIEWER),
    ("teams/<slug:slug>/publishing/", "PATCH"): Rule(
        Role.ADMIN,
        body=lambda w, who: {
            "organisation_name": f"Desk of {who}",
            "public_url_pattern": "https://desk.example.org/fact-checks/{claim}",
        },
    ),
}


def api_endpoints() -> set[tuple[str, str]]:
    """(route, METHOD) for every method every view of the API's urlpatterns answers."""
    found = set()
    for pattern in (
        benchmark.urlpatterns
        + articles.urlpatterns
        + claims.urlpatterns
        + agreement_api.urlpatterns
        + audit_api.urlpatterns
        + assignment_api.urlpatterns
        + team_api.urlpatterns
        + publishing_api.urlpatterns
    ):
        view_class = pattern.callback.view_class
        for method in ("get", "post", "put", "patch", "delete"):
            if hasattr(view_class, method):
                found.add((str(pattern.pattern), method.upper()))
    return found


def test_every_endpoint_and_method_has_a_rule():
    assert api_endpoints() == set(RULES)


def expected_status(rule: Rule, persona: str | None) -> int:
    if persona is None:
        return 401
    if persona == "outsider":
        if rule.outsider is not None:
            return rule.outsider
        return 200 if rule.scoped_list else 404
    return rule.ok if Role.rank(persona) >= Role.rank(rule.min_role) else 403


def url_for(route: str, world: World, comment: Comment) -> str:
    path = (
        route.replace("<slug:slug>", world.article.team.slug)
        .replace("<int:source_id>", str(world.source.pk))
        .replace("<int:comment_id>", str(comment.pk))
        .replace("<str:username>", "reviewer-user")
        .replace("<slug:rating_slug>", "unverifiable")
    )
    if "<int:invite_id>" in path:
        path = path.replace("<int:invite_id>", str(_invite(world)[0].pk))
    pk = world.article.pk if route.startswith("articles/") else world.claim.pk
    return "/api/v1/" + path.replace("<int:pk>", str(pk))


MATRIX = sorted(itertools.product(sorted(RULES), PERSONAS), key=lambda case: str(case))


@pytest.mark.parametrize(
    ("endpoint", "persona"),
    MATRIX,
    ids=[f"{method} {route} as {persona or 'anonymous'}" for (route, method), persona in MATRIX],
)
def test_permission_matrix(endpoint, persona, desk, world, api_as):
    route, method = endpoint
    rule = RULES[endpoint]
    user = desk.user(persona) if persona else desk.admin
    comment = _own_comment(world, user) if "comment_id" in route else world.comment
    who = persona or "anonymous"
    body = rule.body(world, who) if rule.body else None

    response = api_as(persona).generic(
        method,
        url_for(route, world, comment),
        data=None if body is None else json.dumps(body),
        content_type="application/json",
    )

    expected = expected_status(rule, persona)
    assert response.status_code == expected, response.content[:300]
    if expected >= 400:
        body = error_of(response)
        if expected == 401:
            assert response["WWW-Authenticate"] == "Token"
            assert body["code"] == "not_authenticated"
    if persona == "outsider" and rule.scoped_list:
        payload = response.json()
        # The queue keeps its rows in lists of its own, each naming an article or a claim.
        results = payload.get("results")
        if results is None:
            groups = [group for group in payload.values() if isinstance(group, list)]
            results = [row.get("article") or row.get("claim") for group in groups for row in group]
        seen = {row.get("slug") or row.get("id") for row in results}
        assert not seen & {desk.team.slug, world.article.pk, world.claim.pk}


def test_the_matrix_has_a_case_per_persona_for_every_endpoint():
    assert len(MATRIX) == len(RULES) * len(PERSONAS)
    assert {persona for _, persona in MATRIX} == set(PERSONAS)


def test_a_session_needs_the_csrf_token_to_write(desk, world):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(desk.reviewer)
    url = f"/api/v1/claims/{world.claim.pk}/comments/"

    refused = client.post(url, {"body": "Without the token."}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in error_of(refused)["detail"]

    client.get("/")  # a page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(url, {"body": "With it."}, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201


def test_a_session_reads_without_a_token(desk, world):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(desk.viewer)
    assert client.get(f"/api/v1/claims/{world.claim.pk}/").status_code == 200


def test_outsiders_see_only_their_own_team(desk, world, api_as):
    teams = api_as("outsider").get("/api/v1/teams/").json()["results"]
    assert [team["slug"] for team in teams] == [desk.other_team.slug]
    assert QUOTE not in str(api_as("outsider").get("/api/v1/claims/").json())
