"""A stale write's 409/412 body says what changed meanwhile: the claim's current version, the
changed fields with their values before and after and who changed them, beside the usual
{"detail", "code"}."""

from __future__ import annotations

import pytest

from annotations import services
from annotations.errors import Conflict
from annotations.models import Claim
from annotations.queries import conflicts
from tests.api.conftest import claim_url, error_of

pytestmark = pytest.mark.django_db


def test_a_stale_if_match_412_names_the_version_and_the_changed_fields(world, editor, desk):
    etag = editor.get(claim_url(world))["ETag"]
    read = world.claim.version
    services.claim_update(claim=world.claim, actor=desk.admin, summary="Someone else's change.")

    response = editor.patch(
        claim_url(world), {"claimant": "Mine"}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 412
    body = error_of(response)
    assert body["code"] == "precondition_failed"
    assert body["version"] == Claim.objects.get(pk=world.claim.pk).version == read + 1
    assert body["your_version"] == read
    assert body["changed_fields"] == ["summary"]
    assert body["changes"]["summary"]["after"] == "Someone else's change."
    assert body["changes"]["summary"]["by"] == "admin-user"
    assert body["changed_by"] == ["admin-user"]


def test_a_stale_version_409_names_every_change_since_that_version(world, editor, desk):
    read = editor.get(claim_url(world)).json()["version"]
    services.claim_update(claim=world.claim, actor=desk.admin, claimant="Kyiv")
    services.verdict_set(claim=world.claim, actor=desk.reviewer, rating="false")
    services.comment_add(claim=world.claim, actor=desk.editor, body="A comment moves nothing.")

    response = editor.patch(claim_url(world), {"summary": "Mine.", "version": read}, format="json")

    assert response.status_code == 409
    body = error_of(response)
    assert body["code"] == "stale"
    assert body["version"] == read + 2
    assert body["changed_fields"] == ["claimant", "rating", "rationale"]
    assert body["changes"]["claimant"] == {
        "before": "Zelensky",
        "after": "Kyiv",
        "by": "admin-user",
    }
    assert body["changes"]["rating"]["after"] == "false"
    assert body["changed_by"] == ["reviewer-user", "admin-user"]


def test_a_stale_if_match_caught_by_the_service_is_a_412_with_the_same_details(world, desk):
    """Between the view's If-Match check and the write (a race), the service refuses."""
    claim = Claim.objects.get(pk=world.claim.pk)
    stale = claim.version
    services.claim_update(claim=claim, actor=desk.admin, summary="Raced.")
    with pytest.raises(Conflict) as caught:
        services.claim_update(
            claim=claim, actor=desk.editor, summary="Late", expected_version=stale
        )
    details = conflicts.api_details(caught.value)
    assert details["version"] == stale + 1
    assert details["changed_fields"] == ["summary"]


def test_other_errors_carry_no_conflict_details(world, editor):
    response = editor.patch(claim_url(world), {"summary": ""}, format="json")
    assert response.status_code == 400
    assert "changed_fields" not in response.json()
