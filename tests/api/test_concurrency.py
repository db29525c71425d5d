"""ETags on single objects, and If-Match (or a `version` in the body) against lost updates."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from annotations import services
from annotations.models import Claim, Membership, Role
from tests.api.conftest import claim_url, error_of
from tests.factories import UserFactory
from tests.pages.claim_workflow import editor_data
from tests.races import ROUNDS, Tally, needs_postgresql, together

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


# --- the same write sent twice at the same moment (real threads, PostgreSQL) -------------------
# Each round both clients hold the same version; exactly one write may win, the other is told
# what changed meanwhile, and the stored claim is the winner's.


def _stored(world) -> Claim:
    return Claim.objects.get(pk=world.claim.pk)


def _check_conflict_body(tally: Tally, body: dict, *, code: str, read: int) -> None:
    tally.check(f"code {body.get('code')!r}", body.get("code") == code)
    tally.check(f"version {body.get('version')}", body.get("version") == read + 1)
    tally.check(f"your_version {body.get('your_version')}", body.get("your_version") == read)
    tally.check(
        f"changed_fields {body.get('changed_fields')}", body.get("changed_fields") == ["summary"]
    )


@pytest.mark.django_db(transaction=True)
def test_two_if_match_patches_at_once_one_wins_and_the_other_is_a_412(world, api_as):
    needs_postgresql()
    clients = [api_as("editor"), api_as("admin")]
    tally = Tally(won=200, refused=412)
    for number in range(ROUNDS):
        etag = clients[0].get(claim_url(world))["ETag"]
        read = _stored(world).version
        wanted = [f"Editor's wording {number}.", f"Admin's wording {number}."]
        responses = together(
            *(
                lambda c=client, w=text, e=etag: c.patch(
                    claim_url(world), {"summary": w}, format="json", HTTP_IF_MATCH=e
                )
                for client, text in zip(clients, wanted, strict=True)
            )
        )
        winner, loser = tally.record(responses)
        if winner is None:
            continue
        _check_conflict_body(
            tally, error_of(responses[loser]), code="precondition_failed", read=read
        )
        stored = _stored(world)
        tally.check("the winner's wording is stored", stored.summary == wanted[winner])
        tally.check("one version up", stored.version == read + 1)
    assert tally.clean, str(tally)


@pytest.mark.django_db(transaction=True)
def test_two_patches_with_a_body_version_at_once_one_wins_and_the_other_is_a_409(world, api_as):
    needs_postgresql()
    clients = [api_as("editor"), api_as("admin")]
    tally = Tally(won=200, refused=409)
    for number in range(ROUNDS):
        read = _stored(world).version
        wanted = [f"Editor's wording {number}.", f"Admin's wording {number}."]
        responses = together(
            *(
                lambda c=client, w=text, v=read: c.patch(
                    claim_url(world), {"summary": w, "version": v}, format="json"
                )
                for client, text in zip(clients, wanted, strict=True)
            )
        )
        winner, loser = tally.record(responses)
        if winner is None:
            continue
        _check_conflict_body(tally, error_of(responses[loser]), code="stale", read=read)
        stored = _stored(world)
        tally.check("the winner's wording is stored", stored.summary == wanted[winner])
        tally.check("one version up", stored.version == read + 1)
    assert tally.clean, str(tally)


@pytest.mark.django_db(transaction=True)
def test_two_edit_forms_saved_at_once_one_wins_and_the_other_shows_the_conflict(desk, claim):
    needs_postgresql()
    clients = []
    for user in (desk.editor, desk.admin):
        client = Client()
        client.force_login(user)
        clients.append(client)
    url = reverse("claim_edit", args=[claim.pk])
    tally = Tally(won=302, refused=409)
    for number in range(ROUNDS):
        claim.refresh_from_db()
        read = claim.version
        wanted = [f"Editor's wording {number}.", f"Admin's wording {number}."]
        responses = together(
            *(
                lambda c=client, w=text, v=read: c.post(
                    url, editor_data(claim, version=v, summary=w)
                )
                for client, text in zip(clients, wanted, strict=True)
            )
        )
        winner, loser = tally.record(responses)
        if winner is None:
            continue
        page = unescape(responses[loser].content.decode())
        tally.check("the conflict is explained", "Someone else changed this claim" in page)
        tally.check("the typed text is kept", wanted[loser] in page)
        claim.refresh_from_db()
        tally.check("the winner's wording is stored", claim.summary == wanted[winner])
        tally.check("one version up", claim.version == read + 1)
    assert tally.clean, str(tally)


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin(desk, api_as):
    needs_postgresql()
    admins = [desk.admin, desk.editor]
    clients = [api_as("admin"), api_as("editor")]
    tally = Tally(won=200, refused=403)
    for _ in range(ROUNDS):
        Membership.objects.filter(team=desk.team, user__in=admins).update(role=Role.ADMIN)
        responses = together(
            *(
                lambda c=client, other=admins[1 - index]: c.patch(
                    f"/api/v1/teams/{desk.team.slug}/members/{other.username}/",
                    {"role": Role.EDITOR},
                    format="json",
                )
                for index, client in enumerate(clients)
            )
        )
        left = list(
            Membership.objects.filter(team=desk.team, role=Role.ADMIN).values_list(
                "user_id", flat=True
            )
        )
        winner, loser = tally.record(responses)
        if winner is None:
            tally.check(f"admins left: {left}", bool(left))
            continue
        # The loser is no longer an admin by the time their change is looked at.
        tally.check(
            "refused as not an admin", error_of(responses[loser])["code"] == "permission_denied"
        )
        tally.check(f"the winner is the one admin: {left}", left == [admins[winner].pk])
    assert tally.clean, str(tally)


@pytest.mark.django_db(transaction=True)
def test_an_invitation_accepted_twice_at_once_lets_one_person_in(desk, api_as, token_for):
    needs_postgresql()
    tally = Tally(won=201, refused=409)
    for number in range(ROUNDS):
        _, raw = services.invite_create(team=desk.team, actor=desk.admin, role=Role.REVIEWER)
        people = [UserFactory(username=f"joiner-{number}-{side}") for side in ("a", "b")]
        clients = []
        for person in people:
            client = api_as(None)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(person)}")
            clients.append(client)
        responses = together(
            *(
                lambda c=client, t=raw: c.post(
                    "/api/v1/invites/accept/", {"token": t}, format="json"
                )
                for client in clients
            )
        )
        joined = list(
            Membership.objects.filter(team=desk.team, user__in=people).values_list(
                "user_id", flat=True
            )
        )
        winner, loser = tally.record(responses)
        if winner is None:
            tally.check(f"joined: {joined}", len(joined) <= 1)
            continue
        tally.check("used", error_of(responses[loser])["code"] == "invite_used")
        tally.check(f"only the winner joined: {joined}", joined == [people[winner].pk])
    assert tally.clean, str(tally)
