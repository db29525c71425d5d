"""Team pages: your teams, a team's members and invitations, the rating scale editor,
accepting an invitation, and the team switcher (pages/teams.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from annotations import services
from annotations.models import Event, Invite, Membership, Rating, Role, Team
from tests.factories import UserFactory, make_article
from tests.query_count import get_queries

pytestmark = pytest.mark.django_db

QUOTE = "11.000 North Korean soldiers"


def html_of(response) -> str:
    return response.content.decode()


def team_url(desk) -> str:
    return reverse("team_detail", args=[desk.team.slug])


def scale_url(desk) -> str:
    return reverse("team_scale", args=[desk.team.slug])


# --- your teams ----------------------------------------------------------------------------------


def test_the_teams_page_lists_my_teams_with_my_role(client, desk):
    Membership.objects.create(team=desk.other_team, user=desk.editor, role=Role.VIEWER)
    client.force_login(desk.editor)

    page = html_of(client.get(reverse("team_list")))

    assert "Verification desk" in page
    assert "Other desk" in page
    assert re.search(r"Verification desk</a></th>\s*<td[^>]*>Editor</td>", page)
    assert re.search(r"Other desk</a></th>\s*<td[^>]*>Viewer</td>", page)
    assert "Create team" in page


def test_creating_a_team_makes_me_its_admin(client, desk):
    client.force_login(desk.viewer)
    response = client.post(reverse("team_list"), {"name": "Sports desk"})

    assert response.status_code == 302
    assert response["Location"] == reverse("team_detail", args=["sports-desk"])
    team = Team.objects.get(slug="sports-desk")
    assert Membership.objects.get(team=team, user=desk.viewer).role == Role.ADMIN
    page = html_of(client.get(response["Location"]))
    assert "Created Sports desk; you are its admin." in page


def test_a_taken_address_is_shown_in_the_form(client, desk):
    client.force_login(desk.viewer)
    response = client.post(reverse("team_list"), {"name": "Verify"})

    assert response.status_code == 409
    assert "“verify” is already taken" in html_of(response)
    assert 'value="Verify"' in html_of(response)


def test_anonymous_visitors_are_sent_to_log_in(client, desk):
    response = client.get(reverse("team_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- one team ------------------------------------------------------------------------------------


def test_outsiders_get_404_on_every_team_page(client, desk):
    client.force_login(desk.outsider)
    rating = desk.team.ratings.first()
    invite, _ = services.invite_create(team=desk.team, actor=desk.admin)
    slug = desk.team.slug
    for method, url in [
        ("get", team_url(desk)),
        ("get", scale_url(desk)),
        ("post", scale_url(desk)),
        ("post", reverse("invite_create", args=[slug])),
        ("post", reverse("invite_revoke", args=[slug, invite.pk])),
        ("post", reverse("member_role", args=[slug, desk.viewer.username])),
        ("get", reverse("member_remove", args=[slug, desk.viewer.username])),
        ("post", reverse("member_remove", args=[slug, desk.viewer.username])),
        ("get", reverse("rating_edit", args=[slug, rating.slug])),
        ("post", reverse("rating_action", args=[slug, rating.slug, "retire"])),
    ]:
        assert getattr(client, method)(url).status_code == 404, url
    assert Invite.objects.get().revoked_at is None


def test_members_see_the_members_but_not_the_admin_tools(client, desk):
    client.force_login(desk.editor)
    page = html_of(client.get(team_url(desk)))

    for name in ("admin-user", "editor-user", "reviewer-user", "viewer-user"):
        assert name in page
    assert "outsider" not in page
    assert "Rating scale" in page
    assert "Invite someone" not in page
    assert "Change role" not in page
    assert ">Remove<" not in page


def test_the_team_page_links_activity_only_when_that_page_exists(client, desk):
    from django.urls import NoReverseMatch

    client.force_login(desk.viewer)
    page = html_of(client.get(team_url(desk)))
    for name, label in (("team_activity", "Activity"), ("team_agreement", "Agreement")):
        try:
            url = reverse(name, args=[desk.team.slug])
        except NoReverseMatch:
            assert f">{label}</a>" not in page
        else:
            assert f'href="{url}">{label}</a>' in page


def test_lesser_roles_get_403_with_the_reason(client, desk):
    client.force_login(desk.editor)
    slug = desk.team.slug
    rating = Rating.objects.get(team=desk.team, slug="false")

    invited = client.post(
        reverse("invite_create", args=[slug]), {"role": "admin", "expires_in_days": 7}
    )
    role = client.post(reverse("member_role", args=[slug, "viewer-user"]), {"role": "admin"})
    remove = client.post(reverse("member_remove", args=[slug, "viewer-user"]))
    add = client.post(scale_url(desk), {"label": "New", "colour": "#000000"})
    retire = client.post(reverse("rating_action", args=[slug, "false", "retire"]))
    edit = client.post(
        reverse("rating_edit", args=[slug, "false"]), {"label": "X", "colour": "#000000"}
    )

    for response in (invited, role, remove, add, retire, edit):
        assert response.status_code == 403
        assert "admin" in html_of(response)
    assert "needs admin or higher" in html_of(role)
    assert not Invite.objects.exists()
    assert Membership.objects.get(team=desk.team, user=desk.viewer).role == Role.VIEWER
    rating.refresh_from_db()
    assert (rating.label, rating.active) == ("False", True)
    assert not Rating.objects.filter(team=desk.team, slug="new").exists()


def test_an_admin_changes_a_role(client, desk):
    client.force_login(desk.admin)
    page = html_of(client.get(team_url(desk)))
    assert 'aria-label="Change role of viewer-user"' in page

    response = client.post(
        reverse("member_role", args=[desk.team.slug, "viewer-user"]),
        {"role": "editor"},
        follow=True,
    )

    assert "viewer-user is now editor in Verification desk." in html_of(response)
    assert Membership.objects.get(team=desk.team, user=desk.viewer).role == Role.EDITOR


def test_the_last_admin_is_marked_and_cannot_be_demoted(client, desk):
    client.force_login(desk.admin)
    page = html_of(client.get(team_url(desk)))
    assert "Last admin" in page
    assert 'aria-label="Remove admin-user"' not in page

    response = client.post(
        reverse("member_role", args=[desk.team.slug, "admin-user"]), {"role": "viewer"}, follow=True
    )
    assert "admin-user is the last admin of Verification desk" in html_of(response)
    assert Membership.objects.get(team=desk.team, user=desk.admin).role == Role.ADMIN


def test_removing_a_member_asks_first_and_keeps_their_work(client, desk):
    article = make_article(desk.team)
    claim = services.claim_create(article=article, actor=desk.reviewer, exact=QUOTE, rating="false")
    client.force_login(desk.admin)
    url = reverse("member_remove", args=[desk.team.slug, "reviewer-user"])

    confirm = client.get(url)
    assert "Remove reviewer-user from Verification desk?" in html_of(confirm)
    assert Membership.objects.filter(team=desk.team, user=desk.reviewer).exists()

    done = client.post(url, follow=True)
    assert "Removed reviewer-user from Verification desk." in html_of(done)
    assert not Membership.objects.filter(team=desk.team, user=desk.reviewer).exists()
    claim.refresh_from_db()
    assert claim.created_by == desk.reviewer

    # The removed member no longer sees the team.
    client.force_login(desk.reviewer)
    assert client.get(team_url(desk)).status_code == 404


# --- invitations ---------------------------------------------------------------------------------


def test_an_admin_creates_an_invite_and_sees_the_link_once(client, desk):
    client.force_login(desk.admin)
    response = client.post(
        reverse("invite_create", args=[desk.team.slug]),
        {"role": "editor", "expires_in_days": 3, "note": "For <Ana>"},
    )

    assert response.status_code == 201
    page = html_of(response)
    link = re.search(r'id="new-invite-link"[^>]*value="([^"]+)"', page).group(1)
    assert "/invites/fci_" in link
    invite = Invite.objects.get()
    assert invite.role == Role.EDITOR
    assert "For &lt;Ana&gt;" in page

    again = html_of(client.get(team_url(desk)))
    assert link not in again
    assert invite.key_prefix in again
    assert 'aria-label="Revoke invitation' in again


def test_invite_form_errors_are_shown(client, desk):
    client.force_login(desk.admin)
    response = client.post(
        reverse("invite_create", args=[desk.team.slug]), {"role": "editor", "expires_in_days": 60}
    )
    assert response.status_code == 400
    assert "Expires in (days)" in html_of(response)
    assert not Invite.objects.exists()


def test_an_admin_revokes_an_invite(client, desk):
    invite, raw = services.invite_create(team=desk.team, actor=desk.admin)
    client.force_login(desk.admin)
    response = client.post(reverse("invite_revoke", args=[desk.team.slug, invite.pk]), follow=True)
    assert "Revoked the invitation" in html_of(response)
    assert invite.key_prefix not in html_of(response).split("Open invitations")[1]
    invite.refresh_from_db()
    assert invite.revoked_at is not None


def test_an_invite_link_sends_anonymous_visitors_to_log_in_and_back(client, desk):
    _, raw = services.invite_create(team=desk.team, actor=desk.admin, role=Role.REVIEWER)
    url = reverse("invite_accept", args=[raw])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert response["Location"].endswith("next=" + url)


def test_joining_a_team_with_an_invite(client, desk):
    _, raw = services.invite_create(team=desk.team, actor=desk.admin, role=Role.REVIEWER)
    newcomer = UserFactory(username="newcomer")
    client.force_login(newcomer)
    url = reverse("invite_accept", args=[raw])

    page = html_of(client.get(url))
    assert "Join Verification desk" in page
    assert "as <strong>reviewer</strong>" in page
    assert "Join team" in page

    joined = client.post(url, follow=True)
    assert "Welcome to Verification desk: you joined as reviewer." in html_of(joined)
    assert Membership.objects.get(team=desk.team, user=newcomer).role == Role.REVIEWER

    other = UserFactory(username="latecomer")
    client.force_login(other)
    used = client.get(url)
    assert "already been used" in html_of(used)
    assert "Join team" not in html_of(used)
    refused = client.post(url)
    assert refused.status_code == 409
    assert not Membership.objects.filter(user=other).exists()


def test_expired_revoked_and_unknown_links_say_so(client, desk):
    expired, expired_raw = services.invite_create(team=desk.team, actor=desk.admin)
    Invite.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    revoked, revoked_raw = services.invite_create(team=desk.team, actor=desk.admin)
    services.invite_revoke(invite=revoked, actor=desk.admin)
    client.force_login(UserFactory())

    assert "has expired" in html_of(client.get(reverse("invite_accept", args=[expired_raw])))
    assert "was revoked" in html_of(client.get(reverse("invite_accept", args=[revoked_raw])))
    unknown = client.get(reverse("invite_accept", args=["fci_unknown"]))
    assert unknown.status_code == 404
    assert "not valid" in html_of(unknown)


def test_a_member_opening_an_invite_is_told_and_the_link_stays_unused(client, desk):
    _, raw = services.invite_create(team=desk.team, actor=desk.admin, role=Role.VIEWER)
    client.force_login(desk.editor)
    url = reverse("invite_accept", args=[raw])

    assert "already a member of Verification desk, as editor" in html_of(client.get(url))
    response = client.post(url)
    assert response.status_code == 409
    assert "already a member" in html_of(response)
    assert Invite.objects.get().used_at is None
    assert Membership.objects.get(team=desk.team, user=desk.editor).role == Role.EDITOR


# --- the rating scale ----------------------------------------------------------------------------


def test_the_scale_page_shows_every_rating_with_its_use(client, desk):
    article = make_article(desk.team)
    services.claim_create(article=article, actor=desk.reviewer, exact=QUOTE, rating="false")
    client.force_login(desk.viewer)

    page = html_of(client.get(scale_url(desk)))

    assert "Rating scale of Verification desk" in page
    assert re.search(r"False</th>.*?1 verdict<", page, re.S)
    assert re.search(r"Misleading</th>.*?0 verdicts<", page, re.S)
    assert 'fill="#b91c1c"' in page
    assert re.search(r"True</th>\s*<td[^>]*><code>true</code></td>\s*<td[^>]*>5</td>", page)
    assert "Add a rating" not in page
    assert "Retire" not in page


@pytest.mark.parametrize("persona", ["editor", "viewer"])
def test_a_non_admin_adding_a_rating_is_refused_before_the_form_is_read(client, desk, persona):
    client.force_login(getattr(desk, persona))
    count = desk.team.ratings.count()

    response = client.post(scale_url(desk), {"label": "", "colour": "not a colour"})

    assert response.status_code == 403
    assert "Only the team's admins change the rating scale." in unescape(html_of(response))
    assert desk.team.ratings.count() == count


def test_an_admin_adds_edits_moves_retires_and_deletes(client, desk):
    client.force_login(desk.admin)
    slug = desk.team.slug

    added = client.post(
        scale_url(desk),
        {"label": "Partly false", "value": "1.5", "colour": "#1d4ed8", "description": "Some."},
        follow=True,
    )
    assert "Added “Partly false” to the scale." in html_of(added)
    assert 'aria-label="Delete Partly false"' in html_of(added)

    edit_url = reverse("rating_edit", args=[slug, "partly-false"])
    assert 'value="1.5"' in html_of(client.get(edit_url))
    client.post(edit_url, {"label": "Largely false", "value": "", "colour": "#ff0000"})
    rating = Rating.objects.get(team=desk.team, slug="partly-false")
    assert (rating.label, rating.value, rating.colour) == ("Largely false", None, "#ff0000")

    client.post(reverse("rating_action", args=[slug, "partly-false", "up"]))
    order = list(desk.team.ratings.order_by("order").values_list("slug", flat=True))
    assert order[-2:] == ["partly-false", "unverifiable"]
    client.post(reverse("rating_action", args=[slug, "partly-false", "down"]))

    retired = client.post(
        reverse("rating_action", args=[slug, "partly-false", "retire"]), follow=True
    )
    assert "Retired “Largely false”" in html_of(retired)
    assert 'aria-label="Restore Largely false"' in html_of(retired)
    client.post(reverse("rating_action", args=[slug, "partly-false", "restore"]))

    client.post(reverse("rating_action", args=[slug, "partly-false", "delete"]))
    assert not Rating.objects.filter(team=desk.team, slug="partly-false").exists()
    verbs = set(
        Event.objects.filter(team=desk.team, verb__startswith="rating.").values_list(
            "verb", flat=True
        )
    )
    assert verbs == {
        "rating.created",
        "rating.updated",
        "rating.reordered",
        "rating.retired",
        "rating.restored",
        "rating.deleted",
    }


def test_bad_colours_come_back_in_the_form(client, desk):
    client.force_login(desk.admin)
    response = client.post(scale_url(desk), {"label": "Odd", "colour": "red"})
    assert response.status_code == 400
    assert "#rrggbb" in html_of(response)
    assert 'value="Odd"' in html_of(response)


def test_a_rating_in_use_offers_no_delete_and_refuses_it(client, desk):
    article = make_article(desk.team)
    services.claim_create(article=article, actor=desk.reviewer, exact=QUOTE, rating="false")
    client.force_login(desk.admin)

    page = html_of(client.get(scale_url(desk)))
    assert 'aria-label="Delete False"' not in page
    assert 'aria-label="Delete Misleading"' in page

    response = client.post(
        reverse("rating_action", args=[desk.team.slug, "false", "delete"]), follow=True
    )
    assert "retire it instead" in html_of(response)
    assert Rating.objects.filter(team=desk.team, slug="false").exists()


def verdict_select(page: str) -> str:
    """The claim form's Verdict select (not the list's rating filter)."""
    return re.search(r'<select name="rating"[^>]*>.*?</select>', page, re.S).group(0)


def test_a_retired_rating_is_not_offered_for_new_claims_but_stays_on_existing_ones(client, desk):
    article = make_article(desk.team)
    claim = services.claim_create(article=article, actor=desk.reviewer, exact=QUOTE, rating="false")
    services.rating_retire(
        rating=Rating.objects.get(team=desk.team, slug="false"), actor=desk.admin
    )
    client.force_login(desk.reviewer)

    new_form = verdict_select(html_of(client.get(reverse("claim_new", args=[article.pk]))))
    assert 'value="false"' not in new_form
    assert 'value="mostly-false"' in new_form

    edit_form = verdict_select(html_of(client.get(reverse("claim_edit", args=[claim.pk]))))
    assert re.search(
        r'<option value="false"[^>]*selected[^>]*>False \(retired\)</option>', edit_form
    )

    # Saving the claim with its retired verdict unchanged works.
    response = client.post(
        reverse("claim_edit", args=[claim.pk]),
        {
            "claimant": "Zelensky",
            "summary": QUOTE,
            "rating": "false",
            "rationale": "",
            "version": claim.version,
            "sources-TOTAL_FORMS": "1",
            "sources-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code in (200, 302)
    claim.refresh_from_db()
    assert claim.claimant == "Zelensky"
    assert claim.verdicts.get(is_current=True).rating.slug == "false"

    page = html_of(client.get(reverse("article_detail", args=[article.pk])))
    assert "False" in page


# --- the team switcher ---------------------------------------------------------------------------


def test_the_switcher_shows_only_for_people_in_several_teams(client, desk):
    client.force_login(desk.viewer)
    assert "Switch" not in html_of(client.get(reverse("team_list")))

    Membership.objects.create(team=desk.other_team, user=desk.viewer, role=Role.VIEWER)
    page = html_of(client.get(reverse("team_list")))
    assert '<label for="team-switcher-select">Team</label>' in page
    assert ">Other desk</option>" in page


def test_switching_team_filters_the_article_list_and_the_import_form(client, desk):
    Membership.objects.create(team=desk.other_team, user=desk.reviewer, role=Role.REVIEWER)
    make_article(desk.team, text="Ours.\n\nA story.", title="Our story")
    make_article(desk.other_team, text="Theirs.\n\nA story.", title="Their story")
    client.force_login(desk.reviewer)

    both = html_of(client.get(reverse("article_list")))
    assert "Our story" in both and "Their story" in both

    response = client.post(reverse("team_switch"), {"team": "other", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"

    page = html_of(client.get(reverse("article_list")))
    assert "Their story" in page
    assert "Our story" not in page
    assert re.search(rf'<option value="{desk.other_team.pk}" selected>Other desk</option>', page)
    # Choosing "All teams" in the filter still shows everything.
    all_teams = html_of(client.get(reverse("article_list"), {"team": ""}))
    assert "Our story" in all_teams and "Their story" in all_teams

    form = html_of(client.get(reverse("article_import")))
    assert re.search(rf'<option value="{desk.other_team.pk}" selected>Other desk</option>', form)

    client.post(reverse("team_switch"), {"team": ""})
    page = html_of(client.get(reverse("article_list")))
    assert "Our story" in page and "Their story" in page


def test_switching_to_a_team_you_are_not_in_is_404(client, desk):
    client.force_login(desk.viewer)
    assert client.post(reverse("team_switch"), {"team": "other"}).status_code == 404


def test_switching_never_redirects_elsewhere(client, desk):
    Membership.objects.create(team=desk.other_team, user=desk.viewer, role=Role.VIEWER)
    client.force_login(desk.viewer)
    response = client.post(
        reverse("team_switch"), {"team": "other", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("article_list")


# --- query counts --------------------------------------------------------------------------------


def test_the_team_page_costs_the_same_queries_for_few_and_many_members(client, desk):
    client.force_login(desk.admin)
    services.invite_create(team=desk.team, actor=desk.admin)
    few = get_queries(client, team_url(desk))
    for number in range(15):
        Membership.objects.create(team=desk.team, user=UserFactory(), role=Role.REVIEWER)
        services.invite_create(team=desk.team, actor=desk.admin, note=f"n{number}")
    many = get_queries(client, team_url(desk))
    assert few == many


def test_the_scale_page_costs_the_same_queries_for_few_and_many_ratings(client, desk):
    client.force_login(desk.admin)
    few = get_queries(client, scale_url(desk))
    article = make_article(desk.team)
    for number in range(15):
        rating = services.rating_create(team=desk.team, actor=desk.admin, label=f"Extra {number}")
        claim = services.claim_create(article=article, actor=desk.reviewer, exact=QUOTE)
        services.verdict_set(claim=claim, actor=desk.reviewer, rating=rating)
    many = get_queries(client, scale_url(desk))
    assert few == many


def test_the_teams_page_costs_the_same_queries_for_one_and_many_teams(client, desk):
    client.force_login(desk.viewer)
    few = get_queries(client, reverse("team_list"))
    for number in range(10):
        services.team_start(actor=desk.viewer, name=f"Desk number {number}")
    many = get_queries(client, reverse("team_list"))
    assert few == many


# --- rating colours ------------------------------------------------------------------------------


def test_the_teams_stylesheet_colours_every_rating(client, desk):
    custom = services.rating_create(
        team=desk.team, actor=desk.admin, label="Cherry-picked", colour="#123456"
    )
    services.rating_update(
        rating=Rating.objects.get(team=desk.team, slug="true"), actor=desk.admin, colour="#00ff00"
    )
    client.force_login(desk.viewer)

    response = client.get(reverse("team_ratings_css", args=[desk.team.slug]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    css = response.content.decode()
    assert f".rating-{custom.pk} {{ --c: #123456; }}" in css
    assert ".verdict-true,\n.claim-card--verdict-true { --c: #00ff00; }" in css
    again = client.get(
        reverse("team_ratings_css", args=[desk.team.slug]),
        headers={"If-None-Match": response["ETag"]},
    )
    assert again.status_code == 304


def test_the_stylesheet_is_the_teams_own(client, desk):
    url = reverse("team_ratings_css", args=[desk.team.slug])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(desk.outsider)
    assert client.get(url).status_code == 404


def test_a_claim_with_a_custom_rating_takes_its_colour_class(client, desk):
    custom = services.rating_create(
        team=desk.team, actor=desk.admin, label="Cherry-picked", colour="#123456"
    )
    article = make_article(desk.team)
    services.claim_create(article=article, actor=desk.reviewer, exact=QUOTE, rating="cherry-picked")
    client.force_login(desk.viewer)

    page = html_of(client.get(reverse("article_detail", args=[article.pk])))

    css_url = reverse("team_ratings_css", args=[desk.team.slug])
    assert f'<link rel="stylesheet" href="{css_url}">' in page
    assert re.search(rf'<mark class="mark verdict-other rating-{custom.pk}"', page)
    assert "style=" not in page
