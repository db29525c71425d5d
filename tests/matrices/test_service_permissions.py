"""The services' permission matrix: every write service, tried by every persona.

The services are found by reading the app's modules: every public function that takes the
acting person as a keyword-only `actor` argument is a user action. ACTIONS says, for each,
the least role that may do it and how to call it in the desk's world; a service without an
entry fails `test_every_service_has_a_rule`, so a new one cannot slip past the matrix. A few
functions are not team actions at all (EXEMPT, each with its reason) or act on the caller's
own things rather than a team's (PERSONAL).

The outcomes are derived, never listed by hand:

- a member with the least role or a higher one succeeds, and an Event records the change;
- a member with a lesser role gets Forbidden (403 in pages and API), and nothing is recorded;
- an outsider (a member of another team only) and an anonymous caller get NotFound (404).

"Own" actions run on the caller's own claim or comment, "anyone's" on the admin's: that is
how a reviewer may change their own draft but not a colleague's, and how editors moderate.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

import annotations as app
from annotations import services
from annotations.errors import Forbidden, NotFound
from annotations.exports.formats import ourjson
from annotations.models import (
    AnchorState,
    ClaimStatus,
    Event,
    Membership,
    Notification,
    Rating,
    Role,
    Team,
)
from tests.conftest import Desk
from tests.factories import UserFactory
from tests.matrices.permission_world import OTHER_QUOTE, QUOTE, Scene, make_scene

pytestmark = pytest.mark.django_db

PERSONAS = ["admin", "editor", "reviewer", "viewer", "outsider", None]
ACTING = ("actor",)  # the acting person's keyword: every service names it so
NOBODY = "nobody"  # a least role that no role reaches: every member is refused

# Modules of the app that are not searched for services, and why.
SKIPPED_MODULES = {
    "live": "the live stream reads events and keeps presence rows; it changes no team's work",
    "migrations": "schema history, not services",
    "management": "commands are a face: they call the services, which are searched",
    "api": "a face: its views call the services, which are searched",
    "templatetags": "presentation only",
}
# The search found this many services when the app was reorganised into packages. Moving code
# between modules must not make the matrix lose sight of any: fewer means the search is broken.
MIN_DISCOVERED_SERVICES = 54
# Module name prefixes skipped the same way.
SKIPPED_PREFIXES = {
    "agreement": "agreement is computed from verdicts: read-only",
}

# Functions that take an acting person but are not user actions.
EXEMPT: dict[str, str] = {
    "annotations.services._base.event_record": "writes the audit trail for the other services",
    "annotations.services.notifications.notification_create": (
        "creates the notifications of other services' changes"
    ),
    "annotations.queries.audit.filter_events": (
        "a read: `actor` is whose events to show, not the caller"
    ),
}


def _acting_parameter(function: Callable) -> str | None:
    parameters = inspect.signature(function).parameters
    for name in ACTING:
        parameter = parameters.get(name)
        if parameter is not None and parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            return name
    return None


def _skipped(name: str) -> bool:
    """Whether a module (dotted, relative to the app) is left out of the search."""
    parts = name.split(".")
    if any(".".join(parts[: i + 1]) in SKIPPED_MODULES for i in range(len(parts))):
        return True
    return any(part.startswith(prefix) for part in parts for prefix in SKIPPED_PREFIXES)


def _service_modules() -> list[Any]:
    """Every module of the app, in every package at any depth, but the skipped ones."""
    found = []
    for module_info in pkgutil.walk_packages(app.__path__, prefix=f"{app.__name__}."):
        name = module_info.name.removeprefix(f"{app.__name__}.")
        if _skipped(name):
            continue
        found.append(importlib.import_module(module_info.name))
    return found


def discovered_services() -> dict[str, Callable]:
    """Every public function of the app's modules that takes the acting person by keyword."""
    found = {}
    for module in _service_modules():
        for name, function in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(function):
                continue
            if function.__module__ != module.__name__:
                continue  # imported from elsewhere: counted where it is defined
            if _acting_parameter(function) is not None:
                found[f"{module.__name__}.{name}"] = function
    return found


def qualified(function: Callable) -> str:
    return f"{function.__module__}.{function.__name__}"


# --- the world each case runs in ------------------------------------------------------------


@pytest.fixture
def scene(desk) -> Scene:
    return make_scene(desk)


def _empty_export(team: Team) -> dict[str, Any]:
    head = ourjson.header(
        team=team, ratings=Rating.objects.filter(team=team), exported_at=timezone.now()
    )
    return {**head, "articles": [], "claims": []}


# --- the rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One user action: the service, the least role that may do it, and its arguments (all but
    the acting person) for a caller in a scene."""

    service: Callable
    min_role: str
    arguments: Callable[[Scene, Any], dict[str, Any]]
    # Whether a success records an Event (the audit trail of the team's work).
    event: bool = True
    notes: str = field(default="", compare=False)


def _transition(source: str, to: str, min_role: str, *, own: bool = False, **extra: Any) -> Action:
    def arguments(s: Scene, who: Any) -> dict[str, Any]:
        claim = s.claim_of(who if own else s.other_than(who), source)
        return {"claim": claim, "to": to, **extra}

    return Action(services.claim_transition, min_role, arguments)


ACTIONS: dict[str, Action] = {
    # Members and the team
    "membership_set": Action(
        services.membership_set,
        Role.ADMIN,
        lambda s, who: {"team": s.desk.team, "user": UserFactory(), "role": Role.VIEWER},
    ),
    "member_role_set": Action(
        services.member_role_set,
        Role.ADMIN,
        lambda s, who: {"team": s.desk.team, "user": s.new_member(), "role": Role.REVIEWER},
    ),
    "member_remove": Action(
        services.member_remove,
        Role.ADMIN,
        lambda s, who: {"team": s.desk.team, "user": s.new_member()},
    ),
    "invite_create": Action(
        services.invite_create,
        Role.ADMIN,
        lambda s, who: {"team": s.desk.team, "role": Role.VIEWER},
    ),
    "invite_revoke": Action(
        services.invite_revoke,
        Role.ADMIN,
        lambda s, who: {"invite": services.invite_create(team=s.desk.team, actor=s.desk.admin)[0]},
    ),
    # The rating scale
    "rating_create": Action(
        services.rating_create,
        Role.ADMIN,
        lambda s, who: {"team": s.desk.team, "label": "Cherry-picked"},
    ),
    "rating_update": Action(
        services.rating_update,
        Role.ADMIN,
        lambda s, who: {"rating": s.rating("false"), "label": "Wrong", "colour": "#990000"},
    ),
    "rating_retire": Action(
        services.rating_retire, Role.ADMIN, lambda s, who: {"rating": s.rating("mostly-true")}
    ),
    "rating_restore": Action(
        services.rating_restore,
        Role.ADMIN,
        lambda s, who: {"rating": s.rating("false", active=False)},
    ),
    "rating_reorder": Action(
        services.rating_reorder,
        Role.ADMIN,
        lambda s, who: {"team": s.desk.team, "slugs": s.scale_slugs()[::-1]},
    ),
    "rating_move": Action(
        services.rating_move,
        Role.ADMIN,
        lambda s, who: {"rating": s.rating("false"), "direction": "up"},
    ),
    "rating_delete": Action(
        services.rating_delete, Role.ADMIN, lambda s, who: {"rating": s.rating("unverifiable")}
    ),
    # Assignments: editors give work to reviewers
    "article_assign": Action(
        services.article_assign,
        Role.EDITOR,
        lambda s, who: {"article": s.article, "assignee": s.desk.reviewer},
    ),
    "article_unassign": Action(
        services.article_unassign,
        Role.EDITOR,
        lambda s, who: {"article": s.article, "assignee": s.assigned(s.article)},
    ),
    "article_due_date_set": Action(
        services.article_due_date_set,
        Role.EDITOR,
        lambda s, who: {
            "article": s.article,
            "assignee": s.assigned(s.article),
            "due_on": "2031-01-31",
        },
    ),
    "claim_assign": Action(
        services.claim_assign,
        Role.EDITOR,
        lambda s, who: {"claim": s.claim, "assignee": s.desk.reviewer},
    ),
    "claim_unassign": Action(
        services.claim_unassign,
        Role.EDITOR,
        lambda s, who: {"claim": s.claim, "assignee": s.assigned(s.claim)},
    ),
    "claim_due_date_set": Action(
        services.claim_due_date_set,
        Role.EDITOR,
        lambda s, who: {"claim": s.claim, "assignee": s.assigned(s.claim), "due_on": "2031-01-31"},
    ),
    "team_import_json": Action(
        services.team_import_json,
        Role.ADMIN,
        lambda s, who: (team := s.empty_team()) and {"team": team, "data": _empty_export(team)},
    ),
    # Articles
    "article_import": Action(
        services.article_import,
        Role.REVIEWER,
        lambda s, who: {"team": s.desk.team, "text": f"A story told by {who}.\n\nIt ends."},
    ),
    "article_revise": Action(
        services.article_revise,
        Role.REVIEWER,
        lambda s, who: {"article": s.article, "text": s.article.text + "\n\nAn update."},
    ),
    # Managing articles: editors correct metadata, archive and restore; admins delete
    "article_update": Action(
        services.article_update,
        Role.EDITOR,
        lambda s, who: {"article": s.article, "title": f"Corrected by {who}"},
    ),
    "article_archive": Action(
        services.article_archive, Role.EDITOR, lambda s, who: {"article": s.article}
    ),
    "article_restore": Action(
        services.article_restore, Role.EDITOR, lambda s, who: {"article": s.archived_article()}
    ),
    "article_delete": Action(
        services.article_delete, Role.ADMIN, lambda s, who: {"article": s.article}
    ),
    # Claims
    "claim_create": Action(
        services.claim_create, Role.REVIEWER, lambda s, who: {"article": s.article, "exact": QUOTE}
    ),
    "claim_update own draft": Action(
        services.claim_update,
        Role.REVIEWER,
        lambda s, who: {"claim": s.claim_of(who), "summary": "Reworded."},
    ),
    "claim_update anyone's": Action(
        services.claim_update,
        Role.EDITOR,
        lambda s, who: {"claim": s.claim_of(s.other_than(who)), "summary": "Reworded."},
    ),
    "claim_update own approved": Action(
        services.claim_update,
        Role.EDITOR,
        lambda s, who: {"claim": s.claim_of(who, ClaimStatus.APPROVED), "summary": "Reworded."},
    ),
    "claim_replace own draft": Action(
        services.claim_replace,
        Role.REVIEWER,
        lambda s, who: {"claim": s.claim_of(who), "exact": QUOTE, "summary": "Replaced."},
    ),
    "claim_replace anyone's": Action(
        services.claim_replace,
        Role.EDITOR,
        lambda s, who: {"claim": s.claim_of(s.other_than(who)), "exact": QUOTE, "summary": "New."},
    ),
    "claim_revise verdict on anyone's": Action(
        services.claim_revise, Role.REVIEWER, lambda s, who: {"claim": s.claim, "rating": "false"}
    ),
    "claim_revise wording of own": Action(
        services.claim_revise,
        Role.REVIEWER,
        lambda s, who: {"claim": s.claim_of(who), "summary": "Reworded."},
    ),
    "claim_revise wording of anyone's": Action(
        services.claim_revise,
        Role.EDITOR,
        lambda s, who: {"claim": s.claim_of(s.other_than(who)), "summary": "Reworded."},
    ),
    "claim_delete own draft": Action(
        services.claim_delete, Role.REVIEWER, lambda s, who: {"claim": s.claim_of(who)}
    ),
    "claim_delete anyone's": Action(
        services.claim_delete, Role.EDITOR, lambda s, who: {"claim": s.claim_of(s.other_than(who))}
    ),
    "claim_restore own": Action(
        services.claim_restore,
        Role.REVIEWER,
        lambda s, who: {"article": s.article, "snapshot": s.deleted_claim_of(who)},
    ),
    "claim_restore anyone's": Action(
        services.claim_restore,
        Role.EDITOR,
        lambda s, who: {"article": s.article, "snapshot": s.deleted_claim_of(s.other_than(who))},
    ),
    # Where a claim points, after a revision
    "claim_confirm_anchor draft": Action(
        services.claim_confirm_anchor,
        Role.REVIEWER,
        lambda s, who: {"claim": s.claim_of(s.desk.admin, anchor=AnchorState.FUZZY)},
    ),
    "claim_confirm_anchor approved": Action(
        services.claim_confirm_anchor,
        Role.EDITOR,
        lambda s, who: {
            "claim": s.claim_of(s.desk.admin, ClaimStatus.APPROVED, anchor=AnchorState.FUZZY)
        },
    ),
    "claim_reattach draft": Action(
        services.claim_reattach,
        Role.REVIEWER,
        lambda s, who: {
            "claim": s.claim_of(s.desk.admin, anchor=AnchorState.FUZZY),
            "exact": OTHER_QUOTE,
        },
    ),
    "claim_reattach approved": Action(
        services.claim_reattach,
        Role.EDITOR,
        lambda s, who: {
            "claim": s.claim_of(s.desk.admin, ClaimStatus.APPROVED, anchor=AnchorState.FUZZY),
            "exact": OTHER_QUOTE,
        },
    ),
    # Verdicts and sources
    "verdict_set": Action(
        services.verdict_set, Role.REVIEWER, lambda s, who: {"claim": s.claim, "rating": "false"}
    ),
    "verdict_withdraw own": Action(
        services.verdict_withdraw,
        Role.REVIEWER,
        lambda s, who: {"claim": s.claim_rated_by(who)},
    ),
    "source_add own draft": Action(
        services.source_add,
        Role.REVIEWER,
        lambda s, who: {"claim": s.claim_of(who), "url": "https://example.org/more"},
    ),
    "source_add anyone's": Action(
        services.source_add,
        Role.EDITOR,
        lambda s, who: {"claim": s.claim_of(s.other_than(who)), "url": "https://example.org/x"},
    ),
    "source_remove own draft": Action(
        services.source_remove,
        Role.REVIEWER,
        lambda s, who: {"source": s.claim_of(who, with_source=True).sources.get()},
    ),
    "source_remove anyone's": Action(
        services.source_remove,
        Role.EDITOR,
        lambda s, who: {"source": s.claim_of(s.other_than(who), with_source=True).sources.get()},
    ),
    # The workflow: reviewers move their own claims to review and back; editors do the rest
    "claim_transition submit own": _transition(
        ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW, Role.REVIEWER, own=True
    ),
    "claim_transition submit anyone's": _transition(
        ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW, Role.EDITOR
    ),
    "claim_transition withdraw own": _transition(
        ClaimStatus.IN_REVIEW, ClaimStatus.DRAFT, Role.REVIEWER, own=True
    ),
    "claim_transition withdraw anyone's": _transition(
        ClaimStatus.IN_REVIEW, ClaimStatus.DRAFT, Role.EDITOR
    ),
    "claim_transition approve": _transition(
        ClaimStatus.IN_REVIEW, ClaimStatus.APPROVED, Role.EDITOR
    ),
    "claim_transition approve own": _transition(
        ClaimStatus.IN_REVIEW, ClaimStatus.APPROVED, Role.EDITOR, own=True
    ),
    "claim_transition send back": _transition(
        ClaimStatus.APPROVED, ClaimStatus.IN_REVIEW, Role.EDITOR, note="Check the date."
    ),
    "claim_transition publish": _transition(
        ClaimStatus.APPROVED, ClaimStatus.PUBLISHED, Role.EDITOR
    ),
    "claim_transition publish own": _transition(
        ClaimStatus.APPROVED, ClaimStatus.PUBLISHED, Role.EDITOR, own=True
    ),
    "claim_transition correct": _transition(
        ClaimStatus.PUBLISHED, ClaimStatus.IN_REVIEW, Role.EDITOR, note="The number was wrong."
    ),
    # Publishing: admins set where the team publishes; editors change a published claim's
    # public URL (no correction needed: the verdict does not change).
    "team_publishing_update": Action(
        services.team_publishing_update,
        Role.ADMIN,
        lambda s, who: {
            "team": s.desk.team,
            "organisation_name": f"Desk of {who}",
            "public_url_pattern": "https://desk.example.org/fact-checks/{claim}",
        },
    ),
    "claim_public_url_set": Action(
        services.claim_public_url_set,
        Role.EDITOR,
        lambda s, who: {
            "claim": s.claim_of(s.other_than(who), ClaimStatus.PUBLISHED),
            "public_url": "https://desk.example.org/fact-checks/1",
        },
    ),
    # The workflow buttons save the claim's form first, then move it (one transaction)
    "claim_revise_and_transition submit own": Action(
        services.claim_revise_and_transition,
        Role.REVIEWER,
        lambda s, who: {
            "claim": s.claim_of(who, ClaimStatus.DRAFT),
            "to": ClaimStatus.IN_REVIEW,
            "changes": {"claimant": "The ministry"},
        },
    ),
    "claim_revise_and_transition submit anyone's": Action(
        services.claim_revise_and_transition,
        Role.EDITOR,
        lambda s, who: {
            "claim": s.claim_of(s.other_than(who), ClaimStatus.DRAFT),
            "to": ClaimStatus.IN_REVIEW,
            "changes": {"claimant": "The ministry"},
        },
    ),
    "claim_revise_and_transition approve with own verdict": Action(
        services.claim_revise_and_transition,
        Role.EDITOR,
        lambda s, who: {
            "claim": s.claim_of(s.other_than(who), ClaimStatus.IN_REVIEW),
            "to": ClaimStatus.APPROVED,
            "changes": {"rating": "false", "rationale": "The count is lower."},
            "final_verdict": services.FINAL_OWN,
        },
    ),
    # Comments: authors edit and delete their own; editors moderate (delete) anyone's
    "comment_add": Action(
        services.comment_add, Role.REVIEWER, lambda s, who: {"claim": s.claim, "body": "Agreed."}
    ),
    "comment_update own": Action(
        services.comment_update,
        Role.REVIEWER,
        lambda s, who: {"comment": s.comment_of(who), "body": "Edited."},
    ),
    "comment_update anyone's": Action(
        services.comment_update,
        NOBODY,
        lambda s, who: {"comment": s.comment_of(s.other_than(who)), "body": "Edited."},
    ),
    "comment_delete own": Action(
        services.comment_delete, Role.REVIEWER, lambda s, who: {"comment": s.comment_of(who)}
    ),
    "comment_delete anyone's": Action(
        services.comment_delete,
        Role.EDITOR,
        lambda s, who: {"comment": s.comment_of(s.other_than(who))},
    ),
}


# Actions on the caller's own things, not a team's: any signed-in person may, on their own.
@dataclass(frozen=True)
class Personal:
    service: Callable
    arguments: Callable[[Scene, Any], dict[str, Any]]
    # Whether the service itself refuses an anonymous caller (Forbidden or NotFound). Where it
    # does not, the pages and the API ask to log in before they call it.
    refuses_anonymous: bool = True


def _notification_of(s: Scene, who: Any) -> Notification:
    owner = who if who.is_authenticated else s.desk.viewer
    return Notification.objects.create(user=owner, team=s.desk.team, kind="mention", message="Hi")


def _invite_to_a_new_team() -> str:
    """The link of an invitation to a team none of the personas is in."""
    team = services.team_create(name="Night desk", slug="night")
    admin = UserFactory()
    Membership.objects.create(team=team, user=admin, role=Role.ADMIN)
    return services.invite_create(team=team, actor=admin)[1]


def _own_token(s: Scene, who: Any) -> dict[str, Any]:
    return {"token": services.token_create(actor=who, name="laptop")[0]}


PERSONAL: dict[str, Personal] = {
    "token_create": Personal(
        services.token_create, lambda s, who: {"name": "laptop"}, refuses_anonymous=False
    ),
    "token_revoke": Personal(services.token_revoke, _own_token, refuses_anonymous=False),
    "team_create": Personal(
        services.team_create,
        lambda s, who: {"name": "New desk", "slug": "new-desk"},
        refuses_anonymous=False,
    ),
    "team_start": Personal(services.team_start, lambda s, who: {"name": "New desk"}),
    "invite_accept": Personal(
        services.invite_accept, lambda s, who: {"raw": _invite_to_a_new_team()}
    ),
    "notification_mark_read": Personal(
        services.notification_mark_read,
        lambda s, who: {"notification": _notification_of(s, who)},
    ),
    "notification_mark_all_read": Personal(
        services.notification_mark_all_read, lambda s, who: {}, refuses_anonymous=False
    ),
}


def _call(rule: Action | Personal, s: Scene, who: Any) -> tuple[Callable, dict[str, Any]]:
    """The service and its arguments, the caller included (built before anything is counted)."""
    arguments = rule.arguments(s, who)
    arguments[_acting_parameter(rule.service)] = who
    return rule.service, arguments


# --- the matrix -------------------------------------------------------------------------------


def test_every_service_has_a_rule():
    ruled = {qualified(action.service) for action in ACTIONS.values()}
    personal = {qualified(rule.service) for rule in PERSONAL.values()}
    known = ruled | set(EXEMPT) | personal
    found = set(discovered_services())
    assert sorted(found - known) == [], "services without a rule in ACTIONS"
    assert sorted(known - found) == [], "rules for services that no longer exist"


def test_the_search_finds_every_service_wherever_it_lives():
    found = discovered_services()
    assert len(found) >= MIN_DISCOVERED_SERVICES, sorted(found)


def test_exempt_and_personal_services_are_not_also_ruled():
    ruled = {qualified(action.service) for action in ACTIONS.values()}
    personal = {qualified(rule.service) for rule in PERSONAL.values()}
    assert not ruled & (set(EXEMPT) | personal)
    assert not set(EXEMPT) & personal


def expected_outcome(action: Action, persona: str | None) -> type[Exception] | None:
    """None for success, else the error the service must raise."""
    if persona in (None, "outsider"):
        return NotFound
    if action.min_role == NOBODY or Role.rank(persona) < Role.rank(action.min_role):
        return Forbidden
    return None


def caller(desk: Desk, persona: str | None) -> Any:
    return AnonymousUser() if persona is None else desk.user(persona)


MATRIX = list(itertools.product(sorted(ACTIONS), PERSONAS))


@pytest.mark.parametrize(
    ("action_name", "persona"),
    MATRIX,
    ids=[f"{name} as {persona or 'anonymous'}" for name, persona in MATRIX],
)
def test_service_permission_matrix(action_name, persona, scene):
    action = ACTIONS[action_name]
    service, arguments = _call(action, scene, caller(scene.desk, persona))
    events_before = Event.objects.count()

    expected = expected_outcome(action, persona)
    if expected is None:
        service(**arguments)
        if action.event:
            assert Event.objects.count() > events_before, "a change without an Event"
    else:
        with pytest.raises(expected) as refused:
            service(**arguments)
        assert refused.type is expected  # not a subclass standing in for it
        assert refused.value.message
        assert Event.objects.count() == events_before, "a refused action left an Event"


PERSONAL_CASES = list(itertools.product(sorted(PERSONAL), [p for p in PERSONAS if p]))


@pytest.mark.parametrize(
    ("service_name", "persona"),
    PERSONAL_CASES,
    ids=[f"{name} as {persona}" for name, persona in PERSONAL_CASES],
)
def test_personal_services_serve_every_signed_in_person(service_name, persona, scene):
    service, arguments = _call(PERSONAL[service_name], scene, scene.desk.user(persona))
    service(**arguments)


@pytest.mark.parametrize(
    "service_name", sorted(name for name, rule in PERSONAL.items() if rule.refuses_anonymous)
)
def test_personal_services_refuse_anonymous_callers(service_name, scene):
    service, arguments = _call(PERSONAL[service_name], scene, AnonymousUser())
    events_before = Event.objects.count()
    with pytest.raises((Forbidden, NotFound, Http404)):
        service(**arguments)
    assert Event.objects.count() == events_before


def test_nobody_revokes_someone_elses_token(scene):
    token, _ = services.token_create(actor=scene.desk.viewer, name="laptop")
    for persona in ("admin", "outsider"):
        with pytest.raises(NotFound):
            services.token_revoke(token=token, actor=scene.desk.user(persona))
    token.refresh_from_db()
    assert token.revoked_at is None


def test_nobody_marks_someone_elses_notification_read(scene):
    theirs = _notification_of(scene, scene.desk.viewer)
    # A Django Http404 or the services' NotFound: both are a 404 in pages and API.
    with pytest.raises((NotFound, Http404)):
        services.notification_mark_read(notification=theirs, actor=scene.desk.admin)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_matrix_tries_every_persona_on_every_action():
    assert len(MATRIX) == len(ACTIONS) * len(PERSONAS)
    assert {persona for _, persona in MATRIX} == set(PERSONAS)


# --- own and anyone's, spelled out --------------------------------------------------------------


def test_a_reviewer_changes_their_own_claim_but_not_a_colleagues(scene):
    reviewer = scene.desk.reviewer
    own = scene.claim_of(reviewer)
    services.claim_update(claim=own, actor=reviewer, summary="My wording.")
    with pytest.raises(Forbidden, match="only their own claims"):
        services.claim_update(claim=scene.claim, actor=reviewer, summary="Their wording.")
    scene.claim.refresh_from_db()
    assert scene.claim.summary != "Their wording."
    services.claim_update(claim=scene.claim, actor=scene.desk.editor, summary="An editor's.")


def test_a_reviewer_submits_their_own_claim_for_review_but_not_a_colleagues(scene):
    reviewer = scene.desk.reviewer
    own = scene.claim_of(reviewer)
    services.claim_transition(claim=own, actor=reviewer, to=ClaimStatus.IN_REVIEW)
    with pytest.raises(Forbidden):
        services.claim_transition(claim=scene.claim, actor=reviewer, to=ClaimStatus.IN_REVIEW)
    scene.claim.refresh_from_db()
    assert scene.claim.status == ClaimStatus.DRAFT


def test_a_reviewer_cannot_approve_even_their_own_claim(scene):
    own = scene.claim_of(scene.desk.reviewer, ClaimStatus.IN_REVIEW)
    with pytest.raises(Forbidden, match="Only an editor"):
        services.claim_transition(claim=own, actor=scene.desk.reviewer, to=ClaimStatus.APPROVED)


def test_authors_edit_and_delete_their_own_comments_and_editors_only_moderate(scene):
    desk = scene.desk
    mine = scene.comment_of(desk.reviewer)
    services.comment_update(comment=mine, actor=desk.reviewer, body="Edited by me.")
    with pytest.raises(Forbidden):
        services.comment_update(comment=scene.comment, actor=desk.reviewer, body="Not mine.")
    with pytest.raises(Forbidden):
        services.comment_delete(comment=scene.comment, actor=desk.reviewer)
    # Editors delete anyone's comment, but put no words in anyone's mouth.
    with pytest.raises(Forbidden):
        services.comment_update(comment=mine, actor=desk.editor, body="Said for you.")
    services.comment_delete(comment=mine, actor=desk.editor)
    services.comment_delete(comment=scene.comment_of(desk.reviewer), actor=desk.reviewer)
