"""Teams, members, invitations and the rating scale (annotations/services/teams.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from annotations import services
from annotations.errors import Conflict, Forbidden, InvalidInput, NotFound
from annotations.models import (
    ArticleAssignment,
    Claim,
    ClaimAssignment,
    Comment,
    Event,
    Invite,
    Membership,
    Rating,
    Role,
    Team,
    Verdict,
)
from tests.factories import UserFactory, make_article

pytestmark = pytest.mark.django_db

QUOTE = "11.000 North Korean soldiers"


def last_event(team: Team, verb: str) -> Event:
    return Event.objects.filter(team=team, verb=verb).order_by("-id").first()


# --- creating a team ------------------------------------------------------------------------------


def test_any_logged_in_user_creates_a_team_and_becomes_its_admin(db):
    user = UserFactory(username="newcomer")
    team = services.team_start(actor=user, name="Politics desk")

    assert team.slug == "politics-desk"
    assert Membership.objects.get(team=team, user=user).role == Role.ADMIN
    assert team.ratings.count() == len(services.DEFAULT_SCALE)
    event = last_event(team, "team.created")
    assert event.actor == user
    assert event.article is None
    assert event.changes == {"name": [None, "Politics desk"]}


def test_a_taken_team_address_is_refused_with_a_clear_message(desk):
    with pytest.raises(Conflict) as raised:
        services.team_start(actor=desk.viewer, name="Verify")
    assert raised.value.code == "slug_taken"
    assert "“verify” is already taken" in raised.value.message
    assert Team.objects.filter(slug="verify").count() == 1


def test_a_team_needs_a_name_and_an_address(desk):
    with pytest.raises(InvalidInput):
        services.team_start(actor=desk.viewer, name="  ")
    with pytest.raises(InvalidInput) as raised:
        services.team_start(actor=desk.viewer, name="Фактчек")
    assert raised.value.field == "slug"
    created = services.team_start(actor=desk.viewer, name="Фактчек", slug="faktchek")
    assert created.name == "Фактчек"


def test_reserved_addresses_are_refused(desk):
    with pytest.raises(Conflict):
        services.team_start(actor=desk.viewer, name="Switch")


# --- invitations ----------------------------------------------------------------------------------


def test_an_admin_invites_and_only_a_hash_is_stored(desk):
    invite, raw = services.invite_create(
        team=desk.team, actor=desk.admin, role=Role.EDITOR, expires_in_days=3, note="For Ana"
    )

    assert raw.startswith("fci_")
    stored = Invite.objects.get(pk=invite.pk)
    assert raw not in (stored.key_hash, stored.key_prefix)
    assert stored.key_hash == services.invite_hash(raw)
    assert timedelta(days=2, hours=23) < stored.expires_at - timezone.now() <= timedelta(days=3)
    event = last_event(desk.team, "invite.created")
    assert event.actor == desk.admin
    assert event.changes["role"] == [None, "editor"]
    assert event.changes["note"] == [None, "For Ana"]


@pytest.mark.parametrize("days", [0, 31, "soon"])
def test_an_invite_expires_after_1_to_30_days(desk, days):
    with pytest.raises(InvalidInput) as raised:
        services.invite_create(team=desk.team, actor=desk.admin, expires_in_days=days)
    assert "1 to 30 days" in raised.value.message


def test_only_admins_invite(desk):
    with pytest.raises(Forbidden):
        services.invite_create(team=desk.team, actor=desk.editor)
    with pytest.raises(NotFound):
        services.invite_create(team=desk.team, actor=desk.outsider)


def test_accepting_an_invite_joins_the_team_once(desk):
    _, raw = services.invite_create(team=desk.team, actor=desk.admin, role=Role.REVIEWER)
    newcomer = UserFactory(username="newcomer")

    membership = services.invite_accept(raw=raw, actor=newcomer)

    assert membership.team == desk.team
    assert membership.role == Role.REVIEWER
    invite = Invite.objects.get()
    assert invite.used_by == newcomer
    assert invite.used_at is not None
    event = last_event(desk.team, "member.joined")
    assert event.actor == newcomer
    assert event.changes["user"] == [None, "newcomer"]
    assert event.changes["role"] == [None, "reviewer"]

    other = UserFactory(username="latecomer")
    with pytest.raises(Conflict) as raised:
        services.invite_accept(raw=raw, actor=other)
    assert raised.value.code == "invite_used"
    assert "already been used" in raised.value.message
    assert not Membership.objects.filter(user=other).exists()


def test_an_expired_invite_is_refused(desk):
    invite, raw = services.invite_create(team=desk.team, actor=desk.admin)
    Invite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(Conflict) as raised:
        services.invite_accept(raw=raw, actor=UserFactory())
    assert raised.value.code == "invite_expired"
    assert "expired" in raised.value.message


def test_a_revoked_invite_is_refused(desk):
    invite, raw = services.invite_create(team=desk.team, actor=desk.admin)
    services.invite_revoke(invite=invite, actor=desk.admin)

    with pytest.raises(Conflict) as raised:
        services.invite_accept(raw=raw, actor=UserFactory())
    assert raised.value.code == "invite_revoked"
    assert "revoked" in raised.value.message
    event = last_event(desk.team, "invite.revoked")
    assert event.actor == desk.admin
    assert event.changes["revoked_at"][0] is None


def test_only_admins_revoke_and_a_used_invite_cannot_be_revoked(desk):
    invite, raw = services.invite_create(team=desk.team, actor=desk.admin)
    with pytest.raises(Forbidden):
        services.invite_revoke(invite=invite, actor=desk.editor)
    services.invite_accept(raw=raw, actor=UserFactory())
    with pytest.raises(Conflict):
        services.invite_revoke(invite=invite, actor=desk.admin)


def test_an_unknown_link_is_not_found(desk):
    for raw in ("", "fci_nothing", "something-else"):
        with pytest.raises(NotFound) as raised:
            services.invite_accept(raw=raw, actor=desk.outsider)
        assert "not valid" in raised.value.message


def test_a_member_is_told_so_and_the_link_is_not_used(desk):
    _, raw = services.invite_create(team=desk.team, actor=desk.admin, role=Role.VIEWER)

    with pytest.raises(Conflict) as raised:
        services.invite_accept(raw=raw, actor=desk.editor)

    assert raised.value.code == "already_member"
    assert "already a member of Verification desk, as editor" in raised.value.message
    assert Membership.objects.get(team=desk.team, user=desk.editor).role == Role.EDITOR
    assert Invite.objects.get().used_at is None
    # The link still works for the person it was meant for.
    services.invite_accept(raw=raw, actor=UserFactory(username="meant-for"))


def test_an_invite_never_changes_a_members_role(desk):
    _, raw = services.invite_create(team=desk.team, actor=desk.admin, role=Role.EDITOR)
    with pytest.raises(Conflict) as raised:
        services.invite_accept(raw=raw, actor=desk.viewer)
    assert "Ask a team admin to change your role" in raised.value.message
    assert Membership.objects.get(team=desk.team, user=desk.viewer).role == Role.VIEWER


# --- members --------------------------------------------------------------------------------------


def test_an_admin_changes_a_role_with_an_event(desk):
    services.member_role_set(team=desk.team, user=desk.viewer, role=Role.EDITOR, actor=desk.admin)

    assert Membership.objects.get(team=desk.team, user=desk.viewer).role == Role.EDITOR
    event = last_event(desk.team, "member.role_changed")
    assert event.actor == desk.admin
    assert event.changes["role"] == ["viewer", "editor"]
    assert event.article is None


def test_lesser_roles_and_outsiders_cannot_change_roles_or_remove(desk):
    with pytest.raises(Forbidden):
        services.member_role_set(
            team=desk.team, user=desk.viewer, role=Role.ADMIN, actor=desk.editor
        )
    with pytest.raises(NotFound):
        services.member_role_set(
            team=desk.team, user=desk.viewer, role=Role.ADMIN, actor=desk.outsider
        )
    with pytest.raises(Forbidden):
        services.member_remove(team=desk.team, user=desk.viewer, actor=desk.editor)
    assert Membership.objects.filter(team=desk.team).count() == 4


def test_changing_the_role_of_a_non_member_is_not_found(desk):
    with pytest.raises(NotFound):
        services.member_role_set(
            team=desk.team, user=desk.outsider, role=Role.VIEWER, actor=desk.admin
        )
    assert not Membership.objects.filter(team=desk.team, user=desk.outsider).exists()


def test_the_last_admin_can_be_neither_demoted_nor_removed(desk):
    with pytest.raises(Conflict) as raised:
        services.member_role_set(
            team=desk.team, user=desk.admin, role=Role.EDITOR, actor=desk.admin
        )
    assert raised.value.code == "last_admin"
    with pytest.raises(Conflict) as raised:
        services.member_remove(team=desk.team, user=desk.admin, actor=desk.admin)
    assert raised.value.code == "last_admin"
    assert "last admin" in raised.value.message

    services.member_role_set(team=desk.team, user=desk.editor, role=Role.ADMIN, actor=desk.admin)
    services.member_remove(team=desk.team, user=desk.admin, actor=desk.editor)
    assert not Membership.objects.filter(team=desk.team, user=desk.admin).exists()


def test_removal_keeps_the_work_and_drops_the_assignments(desk):
    article = make_article(desk.team)
    claim = services.claim_create(
        article=article, actor=desk.reviewer, exact=QUOTE, rating="false", rationale="No."
    )
    comment = services.comment_add(claim=claim, actor=desk.reviewer, body="Checked twice.")
    ArticleAssignment.objects.create(article=article, user=desk.reviewer, assigned_by=desk.editor)
    ClaimAssignment.objects.create(claim=claim, user=desk.reviewer, assigned_by=desk.editor)
    # An assignment in another team is not this team's business.
    other_article = make_article(desk.other_team)
    Membership.objects.create(team=desk.other_team, user=desk.reviewer, role=Role.REVIEWER)
    ArticleAssignment.objects.create(article=other_article, user=desk.reviewer)

    services.member_remove(team=desk.team, user=desk.reviewer, actor=desk.admin)

    assert not Membership.objects.filter(team=desk.team, user=desk.reviewer).exists()
    assert Claim.objects.get(pk=claim.pk).created_by == desk.reviewer
    assert Verdict.objects.get(claim=claim).reviewer == desk.reviewer
    assert Comment.objects.get(pk=comment.pk).author == desk.reviewer
    assert not ArticleAssignment.objects.filter(article=article).exists()
    assert not ClaimAssignment.objects.filter(claim=claim).exists()
    assert ArticleAssignment.objects.filter(article=other_article, user=desk.reviewer).exists()

    removed = last_event(desk.team, "member.removed")
    assert removed.actor == desk.admin
    assert removed.changes["user"] == ["reviewer-user", None]
    assert removed.changes["role"] == ["reviewer", None]
    assert removed.changes["assignments"] == [2, 0]
    dropped = Event.objects.filter(team=desk.team, verb="assignment.removed")
    assert {(e.article_id, e.claim_id) for e in dropped} == {
        (article.pk, None),
        (article.pk, claim.pk),
    }
    assert all(e.changes["assignee"] == ["reviewer-user", None] for e in dropped)


# --- the rating scale -----------------------------------------------------------------------------


def scale(team: Team) -> list[str]:
    return list(team.ratings.order_by("order", "id").values_list("slug", flat=True))


def test_an_admin_adds_a_rating_at_the_end_of_the_scale(desk):
    rating = services.rating_create(
        team=desk.team,
        actor=desk.admin,
        label="Partly false",
        description="Some of it is wrong.",
        value="1.5",
        colour="#1D4ED8",
    )

    assert rating.slug == "partly-false"
    assert scale(desk.team)[-1] == "partly-false"
    assert rating.colour == "#1d4ed8"
    assert float(rating.value) == 1.5
    event = last_event(desk.team, "rating.created")
    assert event.actor == desk.admin
    assert event.changes["label"] == [None, "Partly false"]
    assert event.changes["value"] == [None, 1.5]
    assert event.changes["slug"] == [None, "partly-false"]


def test_rating_slugs_are_unique_in_a_team(desk):
    with pytest.raises(Conflict) as raised:
        services.rating_create(team=desk.team, actor=desk.admin, label="False")
    assert raised.value.code == "slug_taken"
    rating = services.rating_create(team=desk.team, actor=desk.admin, label="False", slug="false-2")
    assert rating.slug == "false-2"


@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "#gggggg", "", "1d4ed8"])
def test_colours_must_be_hex(desk, colour):
    if colour:  # an empty colour on a new rating means the default grey
        with pytest.raises(InvalidInput) as raised:
            services.rating_create(team=desk.team, actor=desk.admin, label="Odd", colour=colour)
        assert raised.value.field == "colour"
        assert "#rrggbb" in raised.value.message
    rating = Rating.objects.get(team=desk.team, slug="true")
    with pytest.raises(InvalidInput):
        services.rating_update(rating=rating, actor=desk.admin, colour=colour)
    assert Rating.objects.get(pk=rating.pk).colour == "#15803d"


@pytest.mark.parametrize("value", ["many", "1.234", "100000"])
def test_numbers_must_be_small_with_two_decimals(desk, value):
    with pytest.raises(InvalidInput) as raised:
        services.rating_create(team=desk.team, actor=desk.admin, label="Odd", value=value)
    assert raised.value.field == "value"


def test_rewording_keeps_the_slug_and_records_before_and_after(desk):
    rating = Rating.objects.get(team=desk.team, slug="half-true")
    services.rating_update(
        rating=rating,
        actor=desk.admin,
        label="Partly true",
        description="New words.",
        colour="#000000",
        value="",
    )

    rating.refresh_from_db()
    assert (rating.slug, rating.label, rating.colour, rating.value) == (
        "half-true",
        "Partly true",
        "#000000",
        None,
    )
    event = last_event(desk.team, "rating.updated")
    assert event.changes["label"] == ["Half true", "Partly true"]
    assert event.changes["colour"] == ["#ca8a04", "#000000"]
    assert event.changes["value"] == [3.0, None]
    assert event.changes["slug"] == ["half-true", "half-true"]


def test_an_unchanged_update_records_nothing(desk):
    rating = Rating.objects.get(team=desk.team, slug="true")
    before = Event.objects.count()
    services.rating_update(rating=rating, actor=desk.admin, label="True", colour="#15803d")
    assert Event.objects.count() == before


def test_reordering_takes_the_whole_scale(desk):
    wanted = list(reversed(scale(desk.team)))
    services.rating_reorder(team=desk.team, actor=desk.admin, slugs=wanted)
    assert scale(desk.team) == wanted
    event = last_event(desk.team, "rating.reordered")
    assert event.changes["order"][1] == wanted

    with pytest.raises(InvalidInput) as raised:
        services.rating_reorder(team=desk.team, actor=desk.admin, slugs=wanted[:-1])
    assert "missing" in raised.value.message
    with pytest.raises(InvalidInput):
        services.rating_reorder(team=desk.team, actor=desk.admin, slugs=[*wanted[:-1], "nope"])
    assert scale(desk.team) == wanted


def test_moving_up_and_down(desk):
    false = Rating.objects.get(team=desk.team, slug="false")
    services.rating_move(rating=false, actor=desk.admin, direction="up")
    assert scale(desk.team)[3:5] == ["false", "mostly-false"]
    services.rating_move(rating=false, actor=desk.admin, direction="down")
    assert scale(desk.team)[3:5] == ["mostly-false", "false"]
    first = Rating.objects.get(team=desk.team, slug="true")
    services.rating_move(rating=first, actor=desk.admin, direction="up")  # already first
    assert scale(desk.team)[0] == "true"


def test_order_places_a_rating(desk):
    rating = Rating.objects.get(team=desk.team, slug="unverifiable")
    moved = services.rating_update(rating=rating, actor=desk.admin, order=0)
    assert scale(desk.team)[0] == "unverifiable"
    assert moved.order == 0


def test_a_rating_in_use_cannot_be_deleted_only_retired(desk):
    article = make_article(desk.team)
    claim = services.claim_create(article=article, actor=desk.reviewer, exact=QUOTE, rating="false")
    rating = Rating.objects.get(team=desk.team, slug="false")

    with pytest.raises(Conflict) as raised:
        services.rating_delete(rating=rating, actor=desk.admin)
    assert raised.value.code == "rating_in_use"
    assert "retire it instead" in raised.value.message

    services.rating_retire(rating=rating, actor=desk.admin)
    rating.refresh_from_db()
    assert rating.active is False
    assert Verdict.objects.get(claim=claim).rating == rating
    assert last_event(desk.team, "rating.retired").changes["active"] == [True, False]
    with pytest.raises(InvalidInput) as refused:
        services.verdict_set(claim=claim, actor=desk.editor, rating="false")
    assert refused.value.code == "retired_rating"

    services.rating_restore(rating=rating, actor=desk.admin)
    rating.refresh_from_db()
    assert rating.active is True
    assert last_event(desk.team, "rating.restored").changes["active"] == [False, True]


def test_an_unused_rating_is_deleted_with_an_event(desk):
    rating = Rating.objects.get(team=desk.team, slug="misleading")
    services.rating_delete(rating=rating, actor=desk.admin)
    assert not Rating.objects.filter(team=desk.team, slug="misleading").exists()
    event = last_event(desk.team, "rating.deleted")
    assert event.changes["slug"] == ["misleading", None]
    assert event.changes["label"] == ["Misleading", None]


def test_only_admins_change_the_scale(desk):
    rating = Rating.objects.get(team=desk.team, slug="false")
    for call in (
        lambda user: services.rating_create(team=desk.team, actor=user, label="X"),
        lambda user: services.rating_update(rating=rating, actor=user, label="Y"),
        lambda user: services.rating_retire(rating=rating, actor=user),
        lambda user: services.rating_delete(rating=rating, actor=user),
        lambda user: services.rating_move(rating=rating, actor=user, direction="up"),
        lambda user: services.rating_reorder(team=desk.team, actor=user, slugs=scale(desk.team)),
    ):
        with pytest.raises(Forbidden):
            call(desk.editor)
        with pytest.raises(NotFound):
            call(desk.outsider)
    rating.refresh_from_db()
    assert (rating.label, rating.active) == ("False", True)
