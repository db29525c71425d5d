"""Fixtures for the API tests: a token-authenticated client per persona, and a small world
(an article with a claim, its verdict, source and comment) in the desk's team."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from annotations import services
from annotations.models import Article, Claim, Comment, Source, Verdict
from tests.factories import make_discussed_claim


@pytest.fixture
def token_for(db) -> Callable:
    """token_for(user) -> a new raw API token of that user."""

    def _make(user, name: str = "tests") -> str:
        _, raw = services.token_create(actor=user, name=name)
        return raw

    return _make


@pytest.fixture
def api_as(desk, token_for) -> Callable[[str | None], APIClient]:
    """api_as("editor") -> a client sending that persona's token; api_as(None) -> anonymous."""

    def _client(persona: str | None) -> APIClient:
        client = APIClient()
        if persona is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(desk.user(persona))}")
        return client

    return _client


@pytest.fixture
def editor(api_as) -> APIClient:
    return api_as("editor")


@pytest.fixture
def reviewer(api_as) -> APIClient:
    return api_as("reviewer")


@dataclass
class World:
    article: Article
    claim: Claim
    verdict: Verdict
    source: Source
    comment: Comment


@pytest.fixture
def world(desk) -> World:
    """An article with one draft claim by the admin, who gave it a verdict, a source and a
    comment."""
    article, claim, comment = make_discussed_claim(desk.team, desk.admin)
    return World(
        article=article,
        claim=claim,
        verdict=Verdict.objects.get(claim=claim, is_current=True),
        source=Source.objects.get(claim=claim),
        comment=comment,
    )


def claim_url(world: World) -> str:
    return f"/api/v1/claims/{world.claim.pk}/"


def error_of(response) -> dict:
    """The JSON error body, checked for the shape every error has."""
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert isinstance(body.get("code"), str) and body["code"], body
    return body
