"""ETags on single objects, and If-Match (or a `version` in the body) against lost updates."""

from __future__ import annotations

import pytest

from annotations import services
from annotations.models import Claim
from tests.api.conftest import claim_url, error_of

pytestmark = pytest.mark.django_db


def test_a_claims_etag_names_its_id_and_version(world, editor):
    response = editor.get(claim_url(world))

    assert response["ETag"] == f'W/"claim-{world.claim.pk}-v{world.claim.version}"'
    assert response.json()["version"] == world.claim.version


def test_a_fresh_if_match_writes_and_the_etag_changes(world, editor):
    etag = editor.get(claim_url(world))["ETag"]

    response = editor.patch(
        claim_url(world), {"summary": "Fresh."}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert response.json()["summary"] == "Fresh."
    assert editor.get(claim_url(world))["ETag"] == response["ETag"]


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_a_stale_if_match_is_a_412_and_changes_nothing(method, world, editor, desk):
    etag = editor.get(claim_url(world))["ETag"]
    services.claim_update(claim=world.claim, actor=desk.admin, summary="Someone else's change.")

    body = {"claimant": "x", "summary": "Mine.", "tags": []} if method != "delete" else None
    response = getattr(editor, method)(claim_url(world), body, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    assert error_of(response)["code"] == "precondition_failed"
    assert Claim.objects.get(pk=world.claim.pk).summary == "Someone else's change."


def test_a_stale_if_match_on_a_transition_is_a_412(world, editor, desk):
    etag = editor.get(claim_url(world))["ETag"]
    services.claim_update(claim=world.claim, actor=desk.admin, summary="Changed.")

    response = editor.post(
        f"{claim_url(world)}transition/", {"to": "in_review"}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 412


def test_a_fresh_if_match_deletes(world, editor):
    etag = editor.get(claim_url(world))["ETag"]

    assert editor.delete(claim_url(world), HTTP_IF_MATCH=etag).status_code == 204
    assert not Claim.objects.filter(pk=world.claim.pk).exists()


@pytest.mark.parametrize("header", ["*", 'W/"nope", W/"claim-{pk}-v{version}"'])
def test_a_wildcard_or_a_list_naming_the_current_etag_matches(header, world, editor):
    header = header.format(pk=world.claim.pk, version=world.claim.version)

    response = editor.patch(claim_url(world), {"tags": ["a"]}, format="json", HTTP_IF_MATCH=header)

    assert response.status_code == 200


@pytest.mark.parametrize("header", ["garbage", '"claim-1-v1', "W/", '""'])
def test_an_unreadable_if_match_matches_nothing(header, world, editor):
    response = editor.patch(claim_url(world), {"tags": ["a"]}, format="json", HTTP_IF_MATCH=header)

    assert response.status_code == 412


def test_a_version_in_the_body_refuses_a_stale_write_with_409(world, editor, desk):
    version = editor.get(claim_url(world)).json()["version"]
    services.claim_update(claim=world.claim, actor=desk.admin, summary="Changed.")

    stale = editor.patch(claim_url(world), {"summary": "Mine.", "version": version}, format="json")
    assert stale.status_code == 409
    assert error_of(stale)["code"] == "stale"

    fresh = editor.patch(
        claim_url(world), {"summary": "Mine.", "version": version + 1}, format="json"
    )
    assert fresh.status_code == 200
    assert fresh.json()["version"] == version + 2


def test_setting_a_verdict_raises_the_version(world, api_as):
    reviewer = api_as("reviewer")
    before = reviewer.get(claim_url(world))

    response = reviewer.post(
        f"{claim_url(world)}verdicts/",
        {"rating": "false"},
        format="json",
        HTTP_IF_MATCH=before["ETag"],
    )

    assert response.status_code == 201
    assert reviewer.get(claim_url(world))["ETag"] != before["ETag"]


def test_articles_and_teams_have_etags_that_follow_changes(world, editor, desk):
    url = f"/api/v1/articles/{world.article.pk}/"
    first = editor.get(url)["ETag"]
    assert first.startswith('W/"article-')

    services.claim_create(
        article=world.article, actor=desk.editor, exact="10.000 North Korean soldiers"
    )

    assert editor.get(url)["ETag"] != first
    team = editor.get("/api/v1/teams/verify/")
    assert team["ETag"].startswith('W/"')
