"""Shared fixtures: a team with one member per role and an outsider from another team (`desk`),
the team's article (`article`) and a reviewer's claim on it (`claim`).

A module, class or test sets what `article` and `claim` hold with a marker, so that what
differs from the defaults stands next to the tests that rely on it:

    pytestmark = [
        pytest.mark.article(title="Troops in Kursk"),
        pytest.mark.claim(exact="Pentagon", summary="The Pentagon estimate"),
    ]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import AbstractBaseUser

from annotations import services
from annotations.models import Article, Claim, Role, Team
from tests.factories import QUOTE, MembershipFactory, TeamFactory, UserFactory, make_article


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "article(text=..., title=...): what the `article` fixture is imported from"
    )
    config.addinivalue_line(
        "markers", "claim(**fields): the fields `claim` is created with (see services.claim_create)"
    )


def pytest_collection_modifyitems(config, items) -> None:  # noqa: ARG001 - pytest's signature
    """Browser tests run last.

    Playwright's sync API keeps an event loop running in the main thread for the whole session
    once the browser starts; after that, Django cannot drive an async view from synchronous test
    code (async_to_sync refuses to run inside a running loop). Running the browser tests at the
    end keeps every other test, the live-update stream's included, free of that loop.
    """
    items.sort(key=lambda item: "/tests/browser/" in str(item.path).replace("\\", "/"))


# Real test material lives beside the project, never inside it.
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Desk:
    team: Team
    admin: AbstractBaseUser
    editor: AbstractBaseUser
    reviewer: AbstractBaseUser
    viewer: AbstractBaseUser
    outsider: AbstractBaseUser
    other_team: Team

    def user(self, persona: str) -> AbstractBaseUser:
        return getattr(self, persona)


PERSONAS = ["admin", "editor", "reviewer", "viewer"]


@pytest.fixture
def desk(db) -> Desk:
    team = TeamFactory(name="Verification desk", slug="verify")
    other = TeamFactory(name="Other desk", slug="other")
    users = {}
    for role in Role.values:
        user = UserFactory(username=f"{role}-user")
        MembershipFactory(user=user, team=team, role=role)
        users[role] = user
    outsider = UserFactory(username="outsider")
    MembershipFactory(user=outsider, team=other, role=Role.ADMIN)
    return Desk(team=team, outsider=outsider, other_team=other, **users)


def _marked(request, name: str) -> dict:
    marker = request.node.get_closest_marker(name)
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
def article(request, desk) -> Article:
    """The desk's article: factories.SAMPLE_TEXT without a title, unless
    `pytest.mark.article(text=..., title=...)` says otherwise."""
    return make_article(desk.team, **_marked(request, "article"))


@pytest.fixture
def claim(request, desk, article) -> Claim:
    """A draft claim by the desk's reviewer on `article`, quoting factories.QUOTE; the fields of
    `pytest.mark.claim(...)` are added to (or replace) that quote."""
    fields = {"exact": QUOTE, **_marked(request, "claim")}
    return services.claim_create(article=article, actor=desk.reviewer, **fields)


@pytest.fixture(autouse=True)
def _empty_cache():
    """API throttle counts live in the default cache, keyed by user or token id, and ids repeat
    from test to test: every test starts with an empty cache so none is throttled by others."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
