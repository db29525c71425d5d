"""Publishing settings, public URLs of published claims, and the demo desk's publishable
ClaimReview: services, pages, the export command, and seed_demo."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from annotations import services
from annotations.errors import Conflict, InvalidInput
from annotations.lib import publishing
from annotations.management.commands import seed_demo
from annotations.models import (
    Article,
    ArticleRevision,
    Claim,
    ClaimStatus,
    Event,
    Role,
    Team,
)
from tests.conftest import SHARED_DATA
from tests.factories import make_article

pytestmark = pytest.mark.django_db

PATTERN = "https://desk.example.org/fact-checks/{claim}"


def approved_claim(desk, exact: str = "11.000 North Korean soldiers") -> Claim:
    article = make_article(desk.team)
    claim = services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact=exact,
        claimant="President Zelensky",
        summary="11,000 North Korean soldiers arrived in Kursk.",
        rating="false",
    )
    services.claim_transition(claim=claim, actor=desk.reviewer, to=ClaimStatus.IN_REVIEW)
    services.claim_transition(claim=claim, actor=desk.editor, to=ClaimStatus.APPROVED)
    return Claim.objects.get(pk=claim.pk)


def published_claim(desk, public_url: str | None = "") -> Claim:
    claim = approved_claim(desk)
    services.claim_transition(
        claim=claim, actor=desk.editor, to=ClaimStatus.PUBLISHED, public_url=public_url
    )
    return Claim.objects.get(pk=claim.pk)


# --- settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern, message",
    [
        ("https://desk.example.org/fact-checks/", "must contain {claim}"),
        ("https://desk.example.org/{id}/{claim}", "unknown placeholder {id}: use only"),
        ("https://desk.example.org/{claim}/{}", "unknown placeholder {}"),
        ("https://desk.example.org/{claim", "unmatched brace"),
        ("ftp://desk.example.org/{claim}", "http:// or https://"),
        ("/fact-checks/{claim}", "http:// or https://"),
    ],
)
def test_a_bad_pattern_is_refused_with_a_message_saying_why(desk, pattern, message):
    with pytest.raises(InvalidInput) as refused:
        services.team_publishing_update(
            team=desk.team, actor=desk.admin, public_url_pattern=pattern
        )

    assert message in refused.value.message
    assert refused.value.field == "public_url_pattern"
    desk.team.refresh_from_db()
    assert desk.team.public_url_pattern == ""
    assert not Event.objects.filter(verb="team.publishing_changed").exists()


@pytest.mark.parametrize("field", ["site_url", "logo_url"])
def test_site_and_logo_must_be_web_addresses(desk, field):
    with pytest.raises(InvalidInput) as refused:
        services.team_publishing_update(
            team=desk.team, actor=desk.admin, **{field: "javascript:alert(1)"}
        )
    assert refused.value.field == field


def test_changing_the_settings_records_before_and_after(desk):
    services.team_publishing_update(
        team=desk.team,
        actor=desk.admin,
        organisation_name="  Verify Fact Check ",
        site_url="https://verify.example.org/",
        public_url_pattern="https://verify.example.org/{article}/{slug}-{claim}",
    )
    services.team_publishing_update(
        team=desk.team, actor=desk.admin, site_url="https://verify.example.org/"
    )
    services.team_publishing_update(team=desk.team, actor=desk.admin, organisation_name="")

    events = list(Event.objects.filter(verb="team.publishing_changed").order_by("id"))
    assert [event.changes for event in events] == [
        {
            "organisation_name": ["", "Verify Fact Check"],
            "site_url": ["", "https://verify.example.org/"],
            "public_url_pattern": ["", "https://verify.example.org/{article}/{slug}-{claim}"],
        },
        {"organisation_name": ["Verify Fact Check", ""]},
    ]
    assert events[0].actor == desk.admin
    desk.team.refresh_from_db()
    # Without an organisation name, ClaimReview's author is the team.
    assert publishing.organisation(desk.team)["name"] == desk.team.name


def test_public_url_for_fills_the_pattern_from_the_claim(desk):
    claim = approved_claim(desk)
    services.team_publishing_update(
        team=desk.team,
        actor=desk.admin,
        public_url_pattern="https://desk.example.org/{article}/{slug}/{claim}",
    )
    claim = Claim.objects.select_related("article__team").get(pk=claim.pk)

    assert publishing.public_url_for(claim) == (
        f"https://desk.example.org/{claim.article_id}/"
        f"11000-north-korean-soldiers-arrived-in-kursk/{claim.number}"
    )
    # A claim with a permanent number in its team is known by it.
    claim.number = 17
    assert publishing.public_url_for(claim).endswith("/17")


# --- publishing a claim --------------------------------------------------------------------------


def test_publishing_stores_the_public_url_given(desk):
    claim = published_claim(desk, public_url=" https://desk.example.org/checks/zelensky ")

    assert claim.status == ClaimStatus.PUBLISHED
    assert claim.public_url == "https://desk.example.org/checks/zelensky"
    event = Event.objects.get(claim=claim, verb="claim.published")
    assert event.changes["public_url"] == [None, "https://desk.example.org/checks/zelensky"]


def test_publishing_without_a_url_takes_the_teams_pattern(desk):
    services.team_publishing_update(team=desk.team, actor=desk.admin, public_url_pattern=PATTERN)
    claim = approved_claim(desk)

    services.claim_transition(claim=claim, actor=desk.editor, to=ClaimStatus.PUBLISHED)

    claim.refresh_from_db()
    assert claim.public_url == f"https://desk.example.org/fact-checks/{claim.number}"


def test_publishing_with_an_empty_url_publishes_without_one(desk):
    services.team_publishing_update(team=desk.team, actor=desk.admin, public_url_pattern=PATTERN)

    claim = published_claim(desk, public_url="")

    assert claim.status == ClaimStatus.PUBLISHED and claim.public_url == ""


def test_a_bad_public_url_refuses_the_publication(desk):
    claim = approved_claim(desk)

    with pytest.raises(InvalidInput) as refused:
        services.claim_transition(
            claim=claim, actor=desk.editor, to=ClaimStatus.PUBLISHED, public_url="desk/checks/1"
        )

    assert refused.value.field == "public_url"
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and claim.public_url == ""


def test_a_corrected_claim_keeps_its_public_url_when_republished(desk):
    claim = published_claim(desk, public_url="https://desk.example.org/checks/1")
    services.claim_transition(
        claim=claim, actor=desk.editor, to=ClaimStatus.IN_REVIEW, note="Wrong figure."
    )
    services.claim_transition(claim=claim, actor=desk.editor, to=ClaimStatus.APPROVED)
    services.claim_transition(claim=claim, actor=desk.editor, to=ClaimStatus.PUBLISHED)

    claim.refresh_from_db()
    assert claim.public_url == "https://desk.example.org/checks/1"


def test_an_editor_changes_a_published_claims_public_url_without_a_correction(desk):
    claim = published_claim(desk)
    version = claim.version

    services.claim_public_url_set(
        claim=claim,
        actor=desk.editor,
        public_url="https://desk.example.org/checks/2",
        expected_version=version,
    )

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PUBLISHED and not claim.corrected_at
    assert (claim.public_url, claim.version) == ("https://desk.example.org/checks/2", version + 1)
    event = Event.objects.get(claim=claim, verb="claim.public_url_changed")
    assert event.changes == {"public_url": [None, "https://desk.example.org/checks/2"]}
    with pytest.raises(Conflict) as stale:
        services.claim_public_url_set(
            claim=claim, actor=desk.editor, public_url="", expected_version=version
        )
    assert stale.value.code == "stale"


def test_only_a_published_claim_takes_a_public_url_on_its_own(desk):
    claim = approved_claim(desk)
    with pytest.raises(Conflict) as refused:
        services.claim_public_url_set(
            claim=claim, actor=desk.editor, public_url="https://desk.example.org/x"
        )
    assert refused.value.code == "not_published"


# --- pages ---------------------------------------------------------------------------------------


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_team_page_links_to_the_publishing_settings(desk):
    page = logged_in(desk.viewer).get(f"/teams/{desk.team.slug}/").content.decode()
    assert f'href="/teams/{desk.team.slug}/publishing/"' in page


def test_admins_save_the_settings_on_the_page(desk):
    client = logged_in(desk.admin)
    answer = client.post(
        f"/teams/{desk.team.slug}/publishing/",
        {
            "organisation_name": "Verify Fact Check",
            "site_url": "https://verify.example.org/",
            "logo_url": "https://verify.example.org/logo.png",
            "public_url_pattern": "https://verify.example.org/fact-checks/{claim}",
        },
        follow=True,
    )

    page = answer.content.decode()
    assert "Saved the publishing settings." in page
    assert "claim #123 would be https://verify.example.org/fact-checks/123" in page
    desk.team.refresh_from_db()
    assert desk.team.logo_url == "https://verify.example.org/logo.png"


def test_a_refused_pattern_keeps_what_was_typed(desk):
    answer = logged_in(desk.admin).post(
        f"/teams/{desk.team.slug}/publishing/",
        {
            "organisation_name": "Verify Fact Check",
            "site_url": "https://verify.example.org/",
            "logo_url": "",
            "public_url_pattern": "https://verify.example.org/{number}",
        },
    )

    assert answer.status_code == 400
    page = answer.content.decode()
    assert "unknown placeholder {number}" in page
    assert 'value="https://verify.example.org/{number}"' in page
    assert 'value="Verify Fact Check"' in page


def test_members_read_the_settings_without_a_form(desk):
    services.team_publishing_update(team=desk.team, actor=desk.admin, organisation_name="Verify FC")
    page = logged_in(desk.viewer).get(f"/teams/{desk.team.slug}/publishing/").content.decode()
    assert "Verify FC" in page and "Only the team's admins change these settings." in page
    assert "Save publishing settings" not in page


def test_publish_offers_the_public_url_from_the_pattern_and_stores_it(desk):
    services.team_publishing_update(team=desk.team, actor=desk.admin, public_url_pattern=PATTERN)
    claim = approved_claim(desk)
    client = logged_in(desk.editor)

    form = client.get(f"/claims/{claim.pk}/edit/").content.decode()
    assert "Public URL" in form
    assert (
        f'name="public_url" id="public-url-{claim.pk}" value="{PATTERN[:-7]}{claim.number}"' in form
    )

    client.post(
        f"/claims/{claim.pk}/status/",
        {"to": "published", "version": claim.version, "public_url": "https://x.example.org/1"},
    )
    claim.refresh_from_db()
    assert (claim.status, claim.public_url) == ("published", "https://x.example.org/1")


def test_a_bad_public_url_at_publish_says_so_and_keeps_it(desk):
    claim = approved_claim(desk)
    answer = logged_in(desk.editor).post(
        f"/claims/{claim.pk}/status/",
        {"to": "published", "version": claim.version, "public_url": "not a url"},
    )

    assert answer.status_code == 400
    page = answer.content.decode()
    assert "The public URL must be a web address" in page
    assert 'value="not a url"' in page
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED


def test_a_claim_published_without_a_public_url_is_flagged_on_its_card(desk):
    claim = published_claim(desk)
    page = logged_in(desk.viewer).get(f"/articles/{claim.article_id}/").content.decode()
    assert "Published without a public URL: search engines ignore this fact check." in page

    services.claim_public_url_set(
        claim=claim, actor=desk.editor, public_url="https://desk.example.org/checks/1"
    )
    page = logged_in(desk.viewer).get(f"/articles/{claim.article_id}/").content.decode()
    assert "Published without a public URL" not in page
    assert 'Published at <a href="https://desk.example.org/checks/1"' in page


def test_editors_change_the_public_url_on_the_open_claim(desk):
    claim = published_claim(desk)
    client = logged_in(desk.editor)
    opened = client.get(f"/claims/{claim.pk}/edit/").content.decode()
    assert "Add the public URL" in opened

    answer = client.post(
        f"/claims/{claim.pk}/public-url/",
        {"public_url": "https://desk.example.org/checks/9", "version": claim.version},
        HTTP_HX_REQUEST="true",
    )

    assert answer.status_code == 200
    assert "public URL saved" in answer.content.decode()
    claim.refresh_from_db()
    assert claim.public_url == "https://desk.example.org/checks/9"
    bad = client.post(
        f"/claims/{claim.pk}/public-url/",
        {"public_url": "mailto:desk@example.org", "version": claim.version},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 400
    assert 'value="mailto:desk@example.org"' in bad.content.decode()
    # A reviewer sees where it is published, without the form.
    seen = logged_in(desk.reviewer).get(f"/claims/{claim.pk}/edit/").content.decode()
    assert "https://desk.example.org/checks/9" in seen and "Save public URL" not in seen


def test_history_says_what_happened_to_the_public_url(desk):
    claim = published_claim(desk, public_url="https://desk.example.org/checks/1")
    services.claim_public_url_set(
        claim=claim, actor=desk.editor, public_url="https://desk.example.org/checks/2"
    )
    page = logged_in(desk.viewer).get(f"/claims/{claim.pk}/history/").content.decode()
    assert (
        "changed the claim&#x27;s public URL from https://desk.example.org/checks/1 to "
        "https://desk.example.org/checks/2" in page
    )


# --- the export command --------------------------------------------------------------------------


def test_the_export_command_says_how_many_reviews_lack_a_public_url(desk, tmp_path):
    published_claim(desk)
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "export",
        team=desk.team.slug,
        format="claimreview",
        output=str(tmp_path / "feed.jsonld"),
        stdout=out,
        stderr=err,
    )

    assert "1 claim review has no public URL (no `url`): search engines ignore it." in (
        err.getvalue()
    )
    feed = json.loads((tmp_path / "feed.jsonld").read_text())
    assert "url" not in feed["dataFeedElement"][0]["item"][0]


# --- the demo desk -------------------------------------------------------------------------------


def demo_reviews() -> list[dict[str, Any]]:
    out = io.StringIO()
    call_command("export", team="demo", format="claimreview", stdout=out, stderr=io.StringIO())
    return [element["item"][0] for element in json.loads(out.getvalue())["dataFeedElement"]]


def test_the_demo_claimreview_is_publishable(settings):
    settings.FACTCHECK_BASE_URL = "http://127.0.0.1:8000"
    call_command("seed_demo", stdout=io.StringIO())
    article = Article.objects.get(team__slug="demo")

    reviews = demo_reviews()

    assert len(reviews) == 2
    published = Claim.objects.filter(article=article, status=ClaimStatus.PUBLISHED)
    assert sorted(c.public_url for c in published) == sorted(r["url"] for r in reviews)
    for review in reviews:
        assert review["url"].startswith("https://factcheck.example.org/fact-checks/")
        assert review["author"]["name"] == "Example Fact Check"
        assert review["author"]["url"] == "https://factcheck.example.org/"
        appearance = review["itemReviewed"]["appearance"][0]
        assert appearance["url"] == seed_demo.ARTICLE_URL == article.url
        assert appearance["headline"] == article.title
        text = json.dumps(review)
        assert "127.0.0.1" not in text and "/articles/" not in text and "testserver" not in text


def test_the_demo_article_has_no_scraped_leftovers_and_its_claims_are_anchored():
    call_command("seed_demo", stdout=io.StringIO())
    article = Article.objects.get(team__slug="demo")

    for leftover in ("views", "comment(s)", "Photo: Reuters", "Disclaimer", "Bonus video", "=)"):
        assert leftover not in article.text, leftover
    assert article.title == "Zelensky: Number of North Korean soldiers in Kursk increased to 11.000"
    assert (article.language, article.url) == ("en", seed_demo.ARTICLE_URL)
    # Nothing the text does not say is invented.
    assert (article.publisher, article.author, article.published_at) == ("", "", None)
    claims = list(article.claims.all())
    assert len(claims) == 5
    for claim in claims:
        assert claim.anchor == "anchored"
        assert article.text[claim.start : claim.end] == claim.exact


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo", stdout=io.StringIO())
    counts = (Article.objects.count(), Claim.objects.count(), ArticleRevision.objects.count())
    events = Event.objects.count()

    call_command("seed_demo", stdout=io.StringIO())

    assert (Article.objects.count(), Claim.objects.count(), ArticleRevision.objects.count()) == (
        counts
    )
    assert Event.objects.count() == events


def test_seed_demo_keeps_publishing_settings_someone_changed():
    call_command("seed_demo", stdout=io.StringIO())
    team = Team.objects.get(slug="demo")
    admin = get_user_model().objects.get(username="admin")
    services.team_publishing_update(team=team, actor=admin, organisation_name="Our own desk")

    call_command("seed_demo", stdout=io.StringIO())

    team.refresh_from_db()
    assert team.organisation_name == "Our own desk"


def test_seed_demo_upgrades_a_demo_seeded_before_the_text_was_cleaned():
    """An older seed loaded the raw text (the project's seed article, leftovers and all): the
    cleaned text arrives as its next revision, every claim stays anchored, and the examples
    are published."""
    raw = SHARED_DATA.parent / "articles" / "kursk-north-korean-troops.txt"
    if not raw.exists():
        pytest.skip(f"The project's seed article is not here: {raw} is missing.")
    team = services.team_create(name="Demo desk", slug="demo")
    users = {}
    for role in ("admin", "editor", "reviewer", "viewer"):
        users[role] = get_user_model().objects.create_user(username=role, password="x")
        services.membership_set(team=team, user=users[role], role=Role(role))
    old = services.article_import(
        team=team, actor=users["editor"], text=raw.read_text(encoding="utf-8")
    ).article
    assert old.content_hash in seed_demo.LEGACY_TEXT_HASHES
    examples = json.loads((seed_demo.FIXTURES / "demo_claims.json").read_text(encoding="utf-8"))
    seed_demo.Command()._add_claims(old, users, examples)

    call_command("seed_demo", stdout=io.StringIO())

    article = Article.objects.get(team=team)  # no second demo article
    assert article.pk == old.pk and article.revision == 2
    assert "Bonus video" in article.revisions.get(number=1).text
    assert "Bonus video" not in article.text
    for claim in article.claims.all():
        assert claim.anchor == "anchored"
        assert article.text[claim.start : claim.end] == claim.exact
    assert (
        Claim.objects.filter(article=article, status="published").exclude(public_url="").count()
        == 2
    )
    assert all(review.get("url") for review in demo_reviews())
