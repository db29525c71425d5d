"""Shared fixtures: a team with one member per role, and an outsider from another team."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import AbstractBaseUser

from annotations.models import Role, Team
from tests.factories import MembershipFactory, TeamFactory, UserFactory


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


@pytest.fixture(autouse=True)
def _empty_cache():
    """API throttle counts live in the default cache, keyed by user or token id, and ids repeat
    from test to test: every test starts with an empty cache so none is throttled by others."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
