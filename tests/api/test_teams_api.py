"""The teams API: creating a team, the rating scale, members and invitations
(annotations/api/teams.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from annotations import services
from annotations.models import Event, Invite, Membership, Rating, Role, Team, Verdict
from tests.api.conftest import error_of
from tests.factories import QUOTE, UserFactory, make_article
from tests.query_count import get_queries

pytestmark = pytest.mark.django_db

BASE = "/api/v1/teams/verify"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- teams ---------------------------------------------------------------------------------------


def test_creating_a_team_makes_the_caller_its_admin(desk):
    response = client_for(desk.viewer).post("/api/v1/teams/", {"name": "Night desk"}, format="json")

    assert response.status_code == 201
    assert response.json()["slug"] == "night-desk"
    assert response.json()["role"] == "admin"
    assert response["Location"].endswith("/api/v1/teams/night-desk/")
    team = Team.objects.get(slug="night-desk")
    assert Membership.objects.get(team=team, user=desk.viewer).role == Role.ADMIN


def test_a_taken_slug_is_409_and_unknown_fields_400(desk):
    taken = client_for(desk.viewer).post(
        "/api/v1/teams/", {"name": "Another", "slug": "verify"}, format="json"
    )
    assert taken.status_code == 409
    assert error_of(taken)["code"] == "slug_taken"

    typo = client_for(desk.viewer).post("/api/v1/teams/", {"nmae": "X"}, format="json")
    assert typo.status_code == 400
    assert "nmae" in error_of(typo)["errors"]


# --- the rating scale ----------------------------------------------------------------------------


def test_the_scale_lists_retired_ratings_and_use(desk):
    article = make_article(desk.team)
    services.claim_create(article=article, actor=desk.reviewer, exact=QUOTE, rating="false")
    services.rating_retire(
        rating=Rating.objects.get(team=desk.team, slug="false"), actor=desk.admin
    )

    ratings = client_for(desk.viewer).get(f"{BASE}/ratings/").json()["results"]

    false = next(r for r in ratings if r["slug"] == "false")
    assert (false["active"], false["in_use"]) == (False, 1)
    assert next(r for r in ratings if r["slug"] == "true")["in_use"] == 0


def test_an_admin_adds_a_rating(desk):
    response = client_for(desk.admin).post(
        f"{BASE}/ratings/",
        {"label": "Partly false", "value": "1.5", "colour": "#1D4ED8", "description": "Some."},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "partly-false"
    assert body["value"] == 1.5
    assert body["colour"] == "#1d4ed8"
    assert body["order"] == 7
    assert body["in_use"] == 0
    assert response["Location"].endswith(f"{BASE}/ratings/partly-false/")


@pytest.mark.parametrize("colour", ["red", "#12345", "#zzzzzz"])
def test_bad_colours_are_400(desk, colour):
    response = client_for(desk.admin).post(
        f"{BASE}/ratings/", {"label": "Odd", "colour": colour}, format="json"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_colour"
    patch = client_for(desk.admin).patch(f"{BASE}/ratings/true/", {"colour": colour}, format="json")
    assert patch.status_code == 400


def test_patch_rewords_recolours_and_keeps_the_slug(desk):
    response = client_for(desk.admin).patch(
        f"{BASE}/ratings/half-true/",
        {"label": "Partly true", "colour": "#000000", "value": None},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["slug"], body["label"], body["colour"], body["value"]) == (
        "half-true",
        "Partly true",
        "#000000",
        None,
    )
    event = Event.objects.filter(verb="rating.updated").latest("id")
    assert event.actor == desk.admin
    assert event.changes["label"] == ["Half true", "Partly true"]


def test_patch_moves_retires_and_restores(desk):
    admin = client_for(desk.admin)
    moved = admin.patch(f"{BASE}/ratings/unverifiable/", {"order": 0}, format="json")
    assert moved.json()["order"] == 0
    slugs = [r["slug"] for r in admin.get(f"{BASE}/ratings/").json()["results"]]
    assert slugs[:2] == ["unverifiable", "true"]

    retired = admin.patch(f"{BASE}/ratings/unverifiable/", {"active": False}, format="json")
    assert retired.json()["active"] is False
    restored = admin.patch(f"{BASE}/ratings/unverifiable/", {"active": True}, format="json")
    assert restored.json()["active"] is True
    verbs = list(
        Event.objects.filter(team=desk.team, verb__startswith="rating.")
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == ["rating.reordered", "rating.retired", "rating.restored"]


def test_a_retired_rating_cannot_be_given_anew_through_the_api(desk, world):
    client_for(desk.admin).patch(f"{BASE}/ratings/false/", {"active": False}, format="json")
    response = client_for(desk.editor).post(
        f"/api/v1/claims/{world.claim.pk}/verdicts/", {"rating": "false"}, format="json"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "retired_rating"


def test_a_rating_in_use_is_409_on_delete(desk, world):
    response = client_for(desk.admin).delete(f"{BASE}/ratings/mostly-true/")

    assert response.status_code == 409
    body = error_of(response)
    assert body["code"] == "rating_in_use"
    assert "retire it instead" in body["detail"]
    assert Verdict.objects.filter(rating__slug="mostly-true").exists()

    assert client_for(desk.admin).delete(f"{BASE}/ratings/misleading/").status_code == 204
    assert not Rating.objects.filter(team=desk.team, slug="misleading").exists()


def test_scale_writes_are_403_for_editors_and_404_for_outsiders(desk):
    assert (
        client_for(desk.editor)
        .patch(f"{BASE}/ratings/true/", {"label": "X"}, format="json")
        .status_code
        == 403
    )
    assert (
        client_for(desk.outsider)
        .patch(f"{BASE}/ratings/true/", {"label": "X"}, format="json")
        .status_code
        == 404
    )
    assert (
        client_for(desk.admin)
        .patch(f"{BASE}/ratings/nope/", {"label": "X"}, format="json")
        .status_code
        == 404
    )
    assert Rating.objects.get(team=desk.team, slug="true").label == "True"


# --- members -------------------------------------------------------------------------------------


def test_an_admin_changes_a_role(desk):
    response = client_for(desk.admin).patch(
        f"{BASE}/members/viewer-user/", {"role": "reviewer"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["role"] == "reviewer"
    assert Membership.objects.get(team=desk.team, user=desk.viewer).role == Role.REVIEWER


def test_the_last_admin_is_409(desk):
    admin = client_for(desk.admin)
    demote = admin.patch(f"{BASE}/members/admin-user/", {"role": "editor"}, format="json")
    assert demote.status_code == 409
    assert error_of(demote)["code"] == "last_admin"
    remove = admin.delete(f"{BASE}/members/admin-user/")
    assert remove.status_code == 409
    assert error_of(remove)["code"] == "last_admin"


def test_removing_a_member_keeps_their_work(desk, world):
    services.verdict_set(claim=world.claim, actor=desk.reviewer, rating="false")

    response = client_for(desk.admin).delete(f"{BASE}/members/reviewer-user/")

    assert response.status_code == 204
    assert not Membership.objects.filter(team=desk.team, user=desk.reviewer).exists()
    assert Verdict.objects.filter(claim=world.claim, reviewer=desk.reviewer).exists()
    members = client_for(desk.admin).get(f"{BASE}/members/").json()["results"]
    assert "reviewer-user" not in {m["username"] for m in members}
    assert client_for(desk.admin).delete(f"{BASE}/members/reviewer-user/").status_code == 404


def test_an_unknown_role_is_400(desk):
    response = client_for(desk.admin).patch(
        f"{BASE}/members/viewer-user/", {"role": "owner"}, format="json"
    )
    assert response.status_code == 400


# --- invitations ---------------------------------------------------------------------------------


def test_an_invite_answers_its_link_once(desk):
    admin = client_for(desk.admin)
    response = admin.post(
        f"{BASE}/invites/", {"role": "editor", "expires_in_days": 2, "note": "Ana"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("fci_")
    assert body["link"].endswith(f"/invites/{body['token']}/")
    assert (body["role"], body["note"], body["state"]) == ("editor", "Ana", "open")

    listed = admin.get(f"{BASE}/invites/").json()["results"]
    assert len(listed) == 1
    assert "token" not in listed[0] and "link" not in listed[0]
    assert body["token"] not in str(listed)
    assert listed[0]["key_prefix"] == body["key_prefix"]


def test_invite_expiry_is_1_to_30_days(desk):
    response = client_for(desk.admin).post(
        f"{BASE}/invites/", {"expires_in_days": 31}, format="json"
    )
    assert response.status_code == 400
    assert "expires_in_days" in error_of(response)["errors"]


def test_the_invite_list_is_for_admins(desk):
    assert client_for(desk.editor).get(f"{BASE}/invites/").status_code == 403
    assert client_for(desk.outsider).get(f"{BASE}/invites/").status_code == 404


def test_accepting_joins_once(desk):
    _, raw = services.invite_create(team=desk.team, actor=desk.admin, role=Role.REVIEWER)
    newcomer = UserFactory(username="newcomer")

    joined = client_for(newcomer).post("/api/v1/invites/accept/", {"token": raw}, format="json")

    assert joined.status_code == 201
    body = joined.json()
    assert (body["username"], body["role"]) == ("newcomer", "reviewer")
    assert body["team"]["slug"] == "verify"
    assert body["team"]["role"] == "reviewer"

    again = client_for(UserFactory()).post("/api/v1/invites/accept/", {"token": raw}, format="json")
    assert again.status_code == 409
    assert error_of(again)["code"] == "invite_used"
    states = client_for(desk.admin).get(f"{BASE}/invites/").json()["results"]
    assert states[0]["state"] == "used"
    assert states[0]["used_by"] == "newcomer"


def test_expired_revoked_unknown_and_member_links(desk):
    expired, expired_raw = services.invite_create(team=desk.team, actor=desk.admin)
    Invite.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked, revoked_raw = services.invite_create(team=desk.team, actor=desk.admin)
    assert client_for(desk.admin).delete(f"{BASE}/invites/{revoked.pk}/").status_code == 204
    _, open_raw = services.invite_create(team=desk.team, actor=desk.admin)
    stranger = client_for(UserFactory())

    def accept(client, raw):
        return client.post("/api/v1/invites/accept/", {"token": raw}, format="json")

    assert error_of(accept(stranger, expired_raw))["code"] == "invite_expired"
    assert error_of(accept(stranger, revoked_raw))["code"] == "invite_revoked"
    unknown = accept(stranger, "fci_nothing")
    assert unknown.status_code == 404
    assert "not valid" in error_of(unknown)["detail"]
    member = accept(client_for(desk.viewer), open_raw)
    assert member.status_code == 409
    assert error_of(member)["code"] == "already_member"
    assert Invite.objects.filter(used_at__isnull=False).count() == 0
    states = {
        i["id"]: i["state"]
        for i in client_for(desk.admin).get(f"{BASE}/invites/").json()["results"]
    }
    assert states[expired.pk] == "expired"
    assert states[revoked.pk] == "revoked"


def test_revoking_another_teams_invite_is_404(desk):
    theirs, _ = services.invite_create(team=desk.other_team, actor=desk.outsider)
    assert client_for(desk.admin).delete(f"{BASE}/invites/{theirs.pk}/").status_code == 404
    assert Invite.objects.get(pk=theirs.pk).revoked_at is None


# --- query counts --------------------------------------------------------------------------------


def test_members_and_scale_lists_cost_the_same_for_few_and_many_rows(desk):
    admin = client_for(desk.admin)
    few = (get_queries(admin, f"{BASE}/members/"), get_queries(admin, f"{BASE}/ratings/"))
    for i in range(20):
        Membership.objects.create(team=desk.team, user=UserFactory(), role=Role.VIEWER)
        services.rating_create(team=desk.team, actor=desk.admin, label=f"Extra {i}")
    many = (get_queries(admin, f"{BASE}/members/"), get_queries(admin, f"{BASE}/ratings/"))
    assert few == many
