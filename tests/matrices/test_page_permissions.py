"""The pages' permission matrix: every page route and method, tried by every persona.

The routes are read from the app's URLconf (annotations/pages/urls.py), each with the methods its
view answers (read from its require_GET / require_POST / require_http_methods decorator; a view
without one must be declared in UNDECORATED). RULES says, for each route and method, the least
role that may use it, the answer it gives then, and how to build its URL and form for the
desk's world. A route or method in neither RULES nor PENDING fails
`test_every_page_route_has_a_rule`, so a new page cannot slip past the matrix.

The outcomes are derived, never listed by hand:

- an anonymous visitor is sent to log in (302 to the login page, with `next`);
- an outsider (a member of another team only) gets 404 — except on personal pages (your
  tokens, your notifications, your queue, your teams), which serve every signed-in person;
- a member with a lesser role gets 403, and nothing is recorded;
- a member with the role or a higher one gets the rule's answer (200, 201 or a 302), and a
  form that changes something records an Event.

Plain requests (no htmx): every page works without JavaScript.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from annotations import services
from annotations.models import (
    AnchorState,
    ClaimStatus,
    Event,
    Membership,
    Notification,
    Role,
)
from tests.conftest import Desk
from tests.factories import UserFactory
from tests.matrices.permission_world import OTHER_QUOTE, QUOTE, Scene, make_scene
from tests.pages.claim_workflow import editor_data

pytestmark = pytest.mark.django_db

PERSONAS = ["admin", "editor", "reviewer", "viewer", "outsider", None]
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})

# Views that take no method decorator: the methods they answer, declared.
UNDECORATED: dict[str, frozenset[str]] = {}


def view_methods(view: Callable) -> frozenset[str] | None:
    """The methods a view's require_http_methods (or require_GET/require_POST) lets through.

    The decorator keeps its list in the closure of the function it returns; functools.wraps
    links each layer to the next through __wrapped__.
    """
    layer: Any = view
    seen = set()
    while layer is not None and id(layer) not in seen:
        seen.add(id(layer))
        for cell in getattr(layer, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            if (
                isinstance(value, (list, tuple, set, frozenset))
                and value
                and all(isinstance(item, str) and item.isupper() for item in value)
            ):
                return frozenset(value) & HTTP_METHODS
        layer = getattr(layer, "__wrapped__", None)
    return None


# The URL configurations of the browser's pages (at the site's root, nested include()s and all).
PAGE_URLCONFS = ("annotations.pages.urls", "annotations.live.urls")


def _walk(patterns: list, prefix: str = "") -> dict[str, URLPattern]:
    found = {}
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found |= _walk(pattern.url_patterns, route)
        else:
            found[route] = pattern
    return found


def page_patterns() -> dict[str, URLPattern]:
    found = {}
    for resolver in get_resolver().url_patterns:
        module = getattr(resolver, "urlconf_module", None)
        if getattr(module, "__name__", None) in PAGE_URLCONFS:
            found |= _walk(resolver.url_patterns, str(resolver.pattern))
    return found


def page_routes() -> set[tuple[str, str]]:
    """(route, METHOD) for every method every page answers; "?" where it cannot be read."""
    found = set()
    for route, pattern in page_patterns().items():
        methods = view_methods(pattern.callback) or UNDECORATED.get(route) or frozenset({"?"})
        found |= {(route, method) for method in methods}
    return found


# --- the rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """How one route and method is used: the least role, the answer then, and what to send.

    `kwargs` gives URL arguments beyond the defaults (DEFAULT_KWARGS, by argument name);
    `data` the form's fields. Both get the scene and the caller, and may make what they need.
    """

    min_role: str
    ok: int = 200
    kwargs: Callable[[Scene, Any], dict[str, Any]] | None = None
    data: Callable[[Scene, Any], dict[str, Any]] | None = None
    # Not one team's page: every signed-in person uses it, on their own things.
    personal: bool = False
    # What an outsider gets where it is not a 404 (the answer on a personal page).
    outsider: int | None = None
    # Whether a success records an Event (forms that change the team's work do).
    event: bool | None = None
    notes: str = field(default="", compare=False)


def _notification_of(s: Scene, who: Any) -> int:
    owner = who if who.is_authenticated else s.desk.viewer
    notification = Notification.objects.create(
        user=owner, team=s.desk.team, kind="mention", message="You were mentioned.", claim=s.claim
    )
    return notification.pk


def _invite_link(team_name: str = "Night desk", slug: str = "night") -> str:
    """An invitation to a team none of the personas is in."""
    team = services.team_create(name=team_name, slug=slug)
    admin = UserFactory()
    Membership.objects.create(team=team, user=admin, role=Role.ADMIN)
    return services.invite_create(team=team, actor=admin, role=Role.VIEWER)[1]


def _invite_id(s: Scene, who: Any) -> int:
    invite, _ = services.invite_create(team=s.desk.team, actor=s.desk.admin)
    return invite.pk


# URL arguments by name, for the desk's world. (Made only for the routes that take them.)
DEFAULT_KWARGS: dict[str, Callable[[Scene, Any], Any]] = {
    "pk": lambda s, who: s.article.pk,
    "claim_id": lambda s, who: s.claim.pk,
    "source_id": lambda s, who: s.source.pk,
    "comment_id": lambda s, who: s.comment.pk,
    "number": lambda s, who: 1,
    "slug": lambda s, who: s.desk.team.slug,
    "rating_slug": lambda s, who: "false",
    "action": lambda s, who: "up",
    "username": lambda s, who: s.new_member().get_username(),
    "invite_id": _invite_id,
    "notification_id": _notification_of,
    "token": lambda s, who: _invite_link(),
}


def _new_claim_form(s: Scene, who: Any) -> dict[str, Any]:
    start = s.article.text.index(OTHER_QUOTE)
    return {
        "start": start,
        "end": start + len(OTHER_QUOTE),
        "exact": OTHER_QUOTE,
        "claimant": "The Pentagon",
        "summary": "10,000 North Korean soldiers are in Kursk.",
        "rating": "mostly-true",
        "rationale": "",
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "0",
    }


def _fuzzy_claim(s: Scene, who: Any) -> dict[str, Any]:
    """A claim a revision left as a close match, for a person to confirm or re-attach."""
    return {"claim_id": s.claim_of(s.other_than(who), anchor=AnchorState.FUZZY).pk}


def _someone_elses_claim(s: Scene, who: Any, status: str = ClaimStatus.DRAFT) -> dict[str, Any]:
    return {"claim_id": s.claim_of(s.other_than(who), status).pk}


def _deleted_claim(s: Scene, who: Any) -> dict[str, Any]:
    return {"claim": s.deleted_claim_of(s.other_than(who))["id"]}


def _assigned(s: Scene, who: Any) -> dict[str, Any]:
    return {"user": s.desk.reviewer.get_username()}


def _own_comment(s: Scene, who: Any) -> dict[str, Any]:
    return {"comment_id": s.comment_of(who).pk}


RULES: dict[tuple[str, str], Page] = {
    # The article list and the import form (views.py)
    ("", "GET"): Page(Role.VIEWER, personal=True),
    ("articles/import/", "GET"): Page(
        Role.REVIEWER, personal=True, notes="An outsider imports into their own team."
    ),
    ("articles/import/", "POST"): Page(
        Role.REVIEWER,
        302,
        data=lambda s, who: {
            "team": s.desk.team.pk,
            "source": "text",
            "text_format": "text",
            "text": f"A story told by {who}.\n\nIt ends.",
        },
        personal=True,
        outsider=400,
        notes="The form offers an outsider only their own teams: ours is an invalid choice.",
    ),
    ("articles/import/batch/", "POST"): Page(
        Role.REVIEWER,
        200,
        data=lambda s, who: {
            "team": s.desk.team.pk,
            "files": SimpleUploadedFile("story.txt", f"A story by {who}.\n\nIt ends.".encode()),
        },
        personal=True,
        outsider=400,
        notes="Several at once without JavaScript: the results list.",
    ),
    ("articles/import/item/", "POST"): Page(
        Role.REVIEWER,
        200,
        data=lambda s, who: {
            "team": s.desk.team.pk,
            "file": SimpleUploadedFile("story.txt", f"A tale by {who}.\n\nThe end.".encode()),
        },
        personal=True,
        outsider=400,
        notes="One item of a batch (the page's script posts each on its own).",
    ),
    # The reviewing workspace (workspace.py). The scene's claim is the admin's draft, so the
    # least roles are those for someone else's claim, as in the API's matrix.
    ("articles/<int:pk>/", "GET"): Page(Role.VIEWER),
    ("articles/<int:pk>/claims/new/", "GET"): Page(Role.REVIEWER),
    # Managing the article (pages/articles.py): editors edit details, archive and restore;
    # admins delete after a confirmation page
    ("articles/<int:pk>/edit/", "GET"): Page(Role.EDITOR),
    ("articles/<int:pk>/edit/", "POST"): Page(
        Role.EDITOR,
        302,
        data=lambda s, who: {
            "title": f"Corrected by {who}",
            "url": "https://example.org/kursk",
            "publisher": "Example News",
            "author": "",
            "published_at": "2024-11-05",
            "language": "en",
        },
    ),
    ("articles/<int:pk>/archive/", "POST"): Page(Role.EDITOR, 302),
    ("articles/<int:pk>/restore/", "POST"): Page(
        Role.EDITOR, 302, kwargs=lambda s, who: {"pk": s.archived_article().pk}
    ),
    ("articles/<int:pk>/delete/", "GET"): Page(Role.ADMIN),
    ("articles/<int:pk>/delete/", "POST"): Page(Role.ADMIN, 302),
    ("articles/<int:pk>/claims/", "POST"): Page(Role.REVIEWER, 302, data=_new_claim_form),
    ("articles/<int:pk>/claims/restore/", "POST"): Page(Role.EDITOR, 302, data=_deleted_claim),
    ("claims/<int:claim_id>/", "GET"): Page(Role.VIEWER, 302, notes="Without htmx: the page."),
    ("claims/<int:claim_id>/edit/", "GET"): Page(Role.VIEWER),
    ("teams/<slug:slug>/claims/<int:number>/", "GET"): Page(
        Role.VIEWER,
        302,
        kwargs=lambda s, who: {"number": s.claim.number},
        notes="A claim's permanent link: to its article page with the claim open.",
    ),
    ("claims/<int:claim_id>/edit/", "POST"): Page(
        Role.REVIEWER,
        302,
        data=lambda s, who: editor_data(s.claim, rating="false", rationale="No."),
        notes="A reviewer saves their own verdict on a colleague's claim, not its wording.",
    ),
    ("claims/<int:claim_id>/verdict/", "POST"): Page(
        Role.REVIEWER, 302, data=lambda s, who: {"version": s.claim.version, "rating": "false"}
    ),
    ("claims/<int:claim_id>/sources/", "POST"): Page(
        Role.EDITOR,
        data=lambda s, who: editor_data(s.claim, **{"sources-0-url": "https://example.org/x"}),
    ),
    ("claims/<int:claim_id>/status/", "POST"): Page(
        Role.EDITOR,
        kwargs=_someone_elses_claim,
        data=lambda s, who: {"to": ClaimStatus.IN_REVIEW},
    ),
    # A published claim's public URL (publishing.py): editors, without a correction.
    ("claims/<int:claim_id>/public-url/", "POST"): Page(
        Role.EDITOR,
        kwargs=lambda s, who: _someone_elses_claim(s, who, ClaimStatus.PUBLISHED),
        data=lambda s, who: {"public_url": f"https://desk.example.org/fact-checks/{who}"},
    ),
    ("claims/<int:claim_id>/delete/", "GET"): Page(Role.EDITOR),
    ("claims/<int:claim_id>/delete/", "POST"): Page(Role.EDITOR, 302, kwargs=_someone_elses_claim),
    ("sources/<int:source_id>/remove/", "POST"): Page(
        Role.EDITOR, data=lambda s, who: editor_data(s.claim)
    ),
    # Revisions (pages/revisions.py)
    ("articles/<int:pk>/revise/", "GET"): Page(Role.REVIEWER),
    ("articles/<int:pk>/revise/", "POST"): Page(
        Role.REVIEWER,
        302,
        data=lambda s, who: {
            "source": "text",
            "text_format": "text",
            "text": s.article.text + "\n\nAn update.",
        },
    ),
    ("articles/<int:pk>/revisions/", "GET"): Page(Role.VIEWER),
    ("articles/<int:pk>/revisions/diff/", "GET"): Page(Role.VIEWER),
    ("articles/<int:pk>/revisions/<int:number>/", "GET"): Page(Role.VIEWER),
    ("claims/<int:claim_id>/confirm-anchor/", "POST"): Page(
        Role.REVIEWER, 302, kwargs=_fuzzy_claim
    ),
    ("claims/<int:claim_id>/reattach/", "GET"): Page(Role.REVIEWER, kwargs=_fuzzy_claim),
    ("claims/<int:claim_id>/reattach/", "POST"): Page(
        Role.REVIEWER, 302, kwargs=_fuzzy_claim, data=lambda s, who: {"exact": QUOTE}
    ),
    # API tokens (views.py): everyone's own
    ("tokens/", "GET"): Page(Role.VIEWER, personal=True),
    ("tokens/", "POST"): Page(
        Role.VIEWER, personal=True, data=lambda s, who: {"name": "laptop"}, event=False
    ),
    # Live updates (live/): under the test client the stream answers what it has and ends
    ("articles/<int:pk>/live/", "GET"): Page(Role.VIEWER),
    ("articles/<int:pk>/live/refresh/", "GET"): Page(Role.VIEWER),
    # Assignments (pages/assignments.py): editors give work; My queue is everyone's own
    ("queue/", "GET"): Page(Role.VIEWER, personal=True),
    ("articles/<int:pk>/assignees/", "POST"): Page(
        Role.EDITOR, 302, data=lambda s, who: {"user": s.desk.reviewer.get_username()}
    ),
    ("articles/<int:pk>/assignees/remove/", "POST"): Page(
        Role.EDITOR, 302, data=lambda s, who: {"user": s.assigned(s.article).get_username()}
    ),
    ("claims/<int:claim_id>/assignees/", "POST"): Page(
        Role.EDITOR, 302, data=lambda s, who: {"user": s.desk.reviewer.get_username()}
    ),
    ("claims/<int:claim_id>/assignees/remove/", "POST"): Page(
        Role.EDITOR, 302, data=lambda s, who: {"user": s.assigned(s.claim).get_username()}
    ),
    # The discussion of a claim (pages/discussion.py): reviewers comment; authors edit and
    # delete their own comments
    ("claims/<int:claim_id>/discussion/", "GET"): Page(
        Role.VIEWER, 302, notes="Without htmx: the open claim."
    ),
    ("claims/<int:claim_id>/comments/", "POST"): Page(
        Role.REVIEWER, 302, data=lambda s, who: {"body": "Agreed."}
    ),
    ("comments/<int:comment_id>/reply/", "GET"): Page(Role.REVIEWER),
    ("comments/<int:comment_id>/edit/", "GET"): Page(Role.REVIEWER, kwargs=_own_comment),
    ("comments/<int:comment_id>/edit/", "POST"): Page(
        Role.REVIEWER, 302, kwargs=_own_comment, data=lambda s, who: {"body": "Edited."}
    ),
    ("comments/<int:comment_id>/delete/", "GET"): Page(Role.REVIEWER, kwargs=_own_comment),
    ("comments/<int:comment_id>/delete/", "POST"): Page(Role.REVIEWER, 302, kwargs=_own_comment),
    # Notifications (pages/notifications.py): everyone's own
    ("notifications/", "GET"): Page(Role.VIEWER, personal=True),
    ("notifications/read-all/", "POST"): Page(Role.VIEWER, 302, personal=True, event=False),
    ("notifications/<int:notification_id>/read/", "POST"): Page(
        Role.VIEWER, 302, personal=True, event=False
    ),
    ("notifications/<int:notification_id>/open/", "GET"): Page(
        Role.VIEWER,
        302,
        personal=True,
        notes="To the claim it concerns (an outsider's own notification: wherever it leads).",
    ),
    # Teams (pages/teams.py): members read, admins manage members, invitations and the scale
    ("teams/", "GET"): Page(Role.VIEWER, personal=True),
    ("teams/", "POST"): Page(
        Role.VIEWER, 302, personal=True, data=lambda s, who: {"name": f"Desk of {who}"}
    ),
    ("teams/switch/", "POST"): Page(
        Role.VIEWER,
        302,
        personal=True,
        data=lambda s, who: {"team": ""},
        event=False,
        notes="Back to all of one's teams; switching to a team one is not in is a 404.",
    ),
    ("teams/<slug:slug>/", "GET"): Page(Role.VIEWER),
    ("teams/<slug:slug>/invites/", "POST"): Page(
        Role.ADMIN, 201, data=lambda s, who: {"role": Role.REVIEWER, "expires_in_days": 7}
    ),
    ("teams/<slug:slug>/invites/<int:invite_id>/revoke/", "POST"): Page(Role.ADMIN, 302),
    ("teams/<slug:slug>/members/<str:username>/role/", "POST"): Page(
        Role.ADMIN, 302, data=lambda s, who: {"role": Role.REVIEWER}
    ),
    ("teams/<slug:slug>/members/<str:username>/remove/", "GET"): Page(Role.ADMIN),
    ("teams/<slug:slug>/members/<str:username>/remove/", "POST"): Page(Role.ADMIN, 302),
    ("teams/<slug:slug>/scale/", "GET"): Page(Role.VIEWER),
    ("teams/<slug:slug>/scale/", "POST"): Page(
        Role.ADMIN, 302, data=lambda s, who: {"label": "Cherry-picked", "colour": "#123456"}
    ),
    ("teams/<slug:slug>/scale/<slug:rating_slug>/edit/", "GET"): Page(Role.ADMIN),
    ("teams/<slug:slug>/scale/<slug:rating_slug>/edit/", "POST"): Page(
        Role.ADMIN, 302, data=lambda s, who: {"label": "Wrong", "colour": "#990000"}
    ),
    ("teams/<slug:slug>/scale/<slug:rating_slug>/<str:action>/", "POST"): Page(Role.ADMIN, 302),
    ("invites/<str:token>/", "GET"): Page(Role.VIEWER, personal=True),
    ("invites/<str:token>/", "POST"): Page(Role.VIEWER, 302, personal=True),
    ("teams/<slug:slug>/ratings.css", "GET"): Page(Role.VIEWER),
    # Publishing settings: members read them, admins change them.
    ("teams/<slug:slug>/publishing/", "GET"): Page(Role.VIEWER),
    ("teams/<slug:slug>/publishing/", "POST"): Page(
        Role.ADMIN,
        302,
        data=lambda s, who: {
            "organisation_name": f"Desk of {who}",
            "site_url": "https://desk.example.org/",
            "logo_url": "",
            "public_url_pattern": "https://desk.example.org/fact-checks/{claim}",
        },
    ),
    # The audit trail (pages/audit.py)
    ("claims/<int:claim_id>/history/", "GET"): Page(Role.VIEWER),
    ("teams/<slug:slug>/activity/", "GET"): Page(Role.VIEWER),
    # Agreement between reviewers (pages/agreement.py)
    ("teams/<slug:slug>/agreement/", "GET"): Page(Role.VIEWER),
    ("articles/<int:pk>/agreement/", "GET"): Page(Role.VIEWER),
}

# Routes whose behaviour is not settled yet, each with why: left out of the matrix until they
# get a rule. An entry must name a route and method the pages have, and none with a rule.
PENDING: dict[tuple[str, str], str] = {}

# Known differences from the derived outcome, each with its reason; the case is expected to
# fail (strictly: once fixed, it passes and its entry here must go).
KNOWN_GAPS: dict[tuple[str, str, str | None], str] = {}
# Methods a view answers although it should not (it has no method decorator), with the fix.
KNOWN_METHOD_GAPS: dict[tuple[str, str], str] = {}


def test_every_page_route_has_a_rule():
    found = page_routes()
    known = set(RULES) | set(PENDING)
    assert sorted(found - known) == [], "page routes and methods without a rule (or PENDING)"
    assert sorted(known - found) == [], "rules for routes or methods the pages no longer have"
    assert not set(RULES) & set(PENDING)


def test_methods_outside_the_matrix_are_refused(client, desk):
    """A method a view is not listed for answers 405, so the matrix misses nothing."""
    client.force_login(desk.admin)
    scene = make_scene(desk)
    routes = page_routes()
    for route, pattern in page_patterns().items():
        answered = {method for r, method in routes if r == route}
        for method in sorted({"GET", "POST"} - answered):
            url = _url(pattern, RULES.get((route, next(iter(answered)))), scene, desk.admin)
            status = client.generic(method, url).status_code
            if (route, method) in KNOWN_METHOD_GAPS:
                assert status != 405, f"{method} /{route} is fixed: take it out of the gaps"
            else:
                assert status == 405, f"{method} /{route}"


# --- the matrix ---------------------------------------------------------------------------------


def _url(pattern: URLPattern, rule: Page | None, s: Scene, who: Any) -> str:
    kwargs = rule.kwargs(s, who) if rule and rule.kwargs else {}
    for name in pattern.pattern.converters:
        if name not in kwargs:
            kwargs[name] = DEFAULT_KWARGS[name](s, who)
    return reverse(pattern.name, kwargs=kwargs)


def expected_status(rule: Page, persona: str | None) -> int:
    """The status a persona gets (anonymous visitors are checked apart: a redirect to log in)."""
    if persona == "outsider":
        if not rule.personal:
            return 404
        return rule.outsider if rule.outsider is not None else rule.ok
    if persona is None:
        return 302
    if Role.rank(persona) < Role.rank(rule.min_role):
        return 403
    return rule.ok


REASON = re.compile(r"\b(role|only|own)\b", re.IGNORECASE)


def assert_says_why(response: Any) -> None:
    """A refusal names the reason (the role it needs, or whose the thing is), not just 403."""
    html = response.content.decode()
    main = html[html.find("<main") :] if "<main" in html else html  # not the navigation's words
    text = " ".join(re.sub(r"<[^>]+>", " ", main).split())
    assert REASON.search(text), f"a 403 without its reason: {text[:300]}"


def caller(desk: Desk, persona: str | None) -> Any:
    return AnonymousUser() if persona is None else desk.user(persona)


def _case_marks(route: str, method: str, persona: str | None) -> list:
    reason = KNOWN_GAPS.get((route, method, persona))
    return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []


MATRIX = [
    pytest.param(
        route,
        method,
        persona,
        id=f"{method} /{route} as {persona or 'anonymous'}",
        marks=_case_marks(route, method, persona),
    )
    for (route, method), persona in itertools.product(sorted(RULES), PERSONAS)
]


@pytest.mark.parametrize(("route", "method", "persona"), MATRIX)
def test_page_permission_matrix(route, method, persona, client, desk):
    rule = RULES[(route, method)]
    scene = make_scene(desk)
    who = caller(desk, persona)
    url = _url(page_patterns()[route], rule, scene, who)
    data = rule.data(scene, who) if rule.data else {}
    if persona is not None:
        client.force_login(who)
    events_before = Event.objects.count()

    response = getattr(client, method.lower())(url, data)

    expected = expected_status(rule, persona)
    assert response.status_code == expected, response.content[:600]
    if expected == 403:
        assert_says_why(response)
    if persona is None:
        login = resolve_url(settings.LOGIN_URL)
        assert response["Location"].startswith(f"{login}?next={quote(url)}"), response["Location"]
    changed = Event.objects.count() != events_before
    records = rule.event if rule.event is not None else method == "POST"
    if expected >= 400 or persona is None or method == "GET":
        assert not changed, "a refused request or a GET recorded an Event"
    elif records:
        assert changed, "a change without an Event"


def test_the_matrix_tries_every_persona_on_every_route():
    assert len(MATRIX) == len(RULES) * len(PERSONAS)


def _refusals() -> list:
    """For every form: the role just below the least one, and an outsider (where refused)."""
    cases = []
    for (route, method), rule in sorted(RULES.items()):
        if method != "POST":
            continue
        rank = Role.rank(rule.min_role)
        if rank > 0:
            cases.append((route, Role.values[rank - 1]))
        if not rule.personal:
            cases.append((route, "outsider"))
    return cases


REFUSALS = _refusals()


@pytest.mark.parametrize(
    ("route", "persona"), REFUSALS, ids=[f"POST /{r} as {p}" for r, p in REFUSALS]
)
def test_htmx_forms_are_refused_as_plain_ones(route, persona, client, desk):
    """The same refusal, with the same status, when the page sends the form with htmx."""
    rule = RULES[(route, "POST")]
    scene = make_scene(desk)
    who = desk.user(persona)
    url = _url(page_patterns()[route], rule, scene, who)
    data = rule.data(scene, who) if rule.data else {}
    client.force_login(who)
    events_before = Event.objects.count()

    response = client.post(url, data, HTTP_HX_REQUEST="true")

    expected = expected_status(rule, persona)
    assert response.status_code == expected, response.content[:600]
    if expected == 403:
        assert_says_why(response)
    assert Event.objects.count() == events_before
