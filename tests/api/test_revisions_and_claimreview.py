"""New article versions through the API, and a single claim as ClaimReview."""

from __future__ import annotations

import pytest

from annotations import services
from annotations.models import ArticleRevision, Claim
from tests.api.conftest import error_of
from tests.factories import QUOTE

pytestmark = pytest.mark.django_db


def test_posting_a_new_version_reanchors_the_claims(desk, world, api_as):
    new_text = "Breaking: an update at the top.\n\n" + world.article.text
    response = api_as("reviewer").post(
        f"/api/v1/articles/{world.article.pk}/revisions/", {"text": new_text}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True
    assert body["revision"]["number"] == 2
    assert body["counts"]["anchored"] == 1
    claim = Claim.objects.get(pk=world.claim.pk)
    assert new_text[claim.start : claim.end] == QUOTE
    assert ArticleRevision.objects.filter(article=world.article).count() == 2


def test_the_same_text_again_is_not_a_new_revision(desk, world, api_as):
    response = api_as("editor").post(
        f"/api/v1/articles/{world.article.pk}/revisions/",
        {"text": world.article.text},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["created"] is False
    assert response.json()["message"]
    assert ArticleRevision.objects.filter(article=world.article).count() == 1


def test_a_revision_with_two_inputs_or_none_is_a_clear_400(desk, world, api_as):
    url = f"/api/v1/articles/{world.article.pk}/revisions/"
    client = api_as("editor")
    assert error_of(client.post(url, {}, format="json"))["code"]
    both = client.post(url, {"text": "a", "html": "<p>b</p>"}, format="json")
    assert both.status_code == 400
    assert error_of(both)["detail"]


def test_an_approved_claim_is_served_as_claimreview(desk, world, api_as):
    services.claim_transition(claim=world.claim, actor=desk.admin, to="in_review")
    services.claim_transition(claim=world.claim, actor=desk.editor, to="approved")

    response = api_as("viewer").get(f"/api/v1/claims/{world.claim.pk}/claimreview")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    review = response.json()
    assert review["@type"] == "ClaimReview"
    assert review["reviewRating"]["alternateName"] == "Mostly true"
    assert review["claimReviewed"]


def test_a_draft_has_no_claimreview_yet(desk, world, api_as):
    response = api_as("viewer").get(f"/api/v1/claims/{world.claim.pk}/claimreview")
    assert response.status_code == 409
    assert error_of(response)["code"] == "not_reviewed"


def test_an_outsider_gets_404_for_claimreview(desk, world, api_as):
    response = api_as("outsider").get(f"/api/v1/claims/{world.claim.pk}/claimreview")
    assert response.status_code == 404
