"""Agreement from the team's current verdicts: the read functions, the pages and the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations import services
from annotations.lib import agreement
from annotations.queries import agreement as agreement_queries
from tests.factories import make_article
from tests.query_count import get_queries

STORY = (
    "Troops in Kursk\n\n"
    "Zelensky said 11.000 soldiers arrived. The Pentagon said 10.000 soldiers arrived. "
    "Seoul said 12.000 soldiers arrived."
)


def claim_on(article, user, quote):
    return services.claim_create(article=article, actor=user, exact=quote)


@pytest.fixture
def rated(desk):
    """Two articles. On the first, claim 1: reviewer and editor both "true" (the reviewer
    first said "false", superseded); claim 2: reviewer "false", editor "half-true", admin
    "false". On the second, one claim rated by the reviewer alone (not pairable)."""
    first = make_article(desk.team, text=STORY, title="Kursk")
    second = make_article(desk.team, text=STORY + " More.", title="Kursk, later")
    one = claim_on(first, desk.reviewer, "11.000 soldiers")
    two = claim_on(first, desk.reviewer, "10.000 soldiers")
    three = claim_on(second, desk.reviewer, "12.000 soldiers")
    for claim, user, rating in [
        (one, desk.reviewer, "false"),
        (one, desk.reviewer, "true"),
        (one, desk.editor, "true"),
        (two, desk.reviewer, "false"),
        (two, desk.editor, "half-true"),
        (two, desk.admin, "false"),
        (three, desk.reviewer, "mostly-true"),
    ]:
        services.verdict_set(claim=claim, actor=user, rating=rating)
    return first, second


# Claim 1 {5, 5}, claim 2 {1, 3, 1} as numbers; every rating has one: ordinal.
EXPECTED = agreement.krippendorff_alpha(
    {1: {"r": 5, "e": 5}, 2: {"r": 1, "e": 3, "a": 1}}, agreement.ORDINAL
).value


def test_team_agreement_uses_current_verdicts_of_claims_with_two_or_more(desk, rated):
    first, second = rated
    result = agreement_queries.team_agreement(desk.team)
    alpha = result.figures.alpha
    assert alpha.metric == "ordinal"
    assert alpha.value == pytest.approx(EXPECTED)
    assert (alpha.units, alpha.values, alpha.coders) == (2, 5, 3)
    assert result.figures.rated_claims == 3
    pairs = {(p.first, p.second): (p.claims, p.same) for p in result.figures.pairs}
    assert pairs == {
        ("admin-user", "editor-user"): (1, 0),
        ("admin-user", "reviewer-user"): (1, 1),
        ("editor-user", "reviewer-user"): (2, 1),
    }
    by_article = {a.id: a.figures.alpha for a in result.articles}
    assert by_article[first.pk].value == pytest.approx(EXPECTED)
    assert by_article[second.pk].value is None
    assert by_article[second.pk].reason == agreement.NOT_ENOUGH_DATA


def test_a_rating_without_a_number_makes_the_team_figure_nominal(desk, rated):
    first, _ = rated
    claim = claim_on(first, desk.editor, "Seoul said 12.000")
    services.verdict_set(claim=claim, actor=desk.editor, rating="misleading")
    services.verdict_set(claim=claim, actor=desk.admin, rating="misleading")
    assert agreement_queries.team_agreement(desk.team).figures.alpha.metric == "nominal"


def test_perfect_agreement_on_one_rating_says_not_enough_variation(desk):
    article = make_article(desk.team, text=STORY)
    claim = claim_on(article, desk.reviewer, "11.000 soldiers")
    services.verdict_set(claim=claim, actor=desk.reviewer, rating="true")
    services.verdict_set(claim=claim, actor=desk.editor, rating="true")
    figures = agreement_queries.article_agreement(article)
    assert figures.alpha.value is None
    assert agreement_queries.describe(figures.alpha) == "Not enough variation"


# --- pages ------------------------------------------------------------------------------------


def test_the_team_page_shows_alpha_articles_and_pairs(client, desk, rated):
    client.force_login(desk.viewer)
    response = client.get(reverse("team_agreement", args=[desk.team.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Agreement in Verification desk" in html
    assert f"{EXPECTED:.2f}" in html
    assert "Ordinal" in html
    assert "Kursk, later" in html and "Not enough data" in html
    assert '50% <span class="hint">(n = 2, too few to rely on)</span>' in html
    assert "Reviewer by reviewer" in html


def test_the_article_page_shows_its_own_figures(client, desk, rated):
    first, _ = rated
    client.force_login(desk.reviewer)
    response = client.get(reverse("article_agreement", args=[first.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Agreement on “Kursk”" in html
    assert f"{EXPECTED:.2f}" in html


def test_outsiders_do_not_see_a_teams_agreement(client, desk, rated):
    first, _ = rated
    client.force_login(desk.outsider)
    assert client.get(reverse("team_agreement", args=[desk.team.slug])).status_code == 404
    assert client.get(reverse("article_agreement", args=[first.pk])).status_code == 404


def test_an_empty_team_says_so(client, desk):
    client.force_login(desk.editor)
    html = client.get(reverse("team_agreement", args=[desk.team.slug])).content.decode()
    assert "No verdicts have been given in this team yet." in html
    assert "Not enough data" in html


def _grow(desk, articles: int) -> None:
    from annotations.models import Article

    for number in range(Article.objects.filter(team=desk.team).count(), articles):
        article = make_article(desk.team, text=f"Story {number}: 5 soldiers and 6 tanks.")
        for quote in ("5 soldiers", "6 tanks"):
            claim = claim_on(article, desk.reviewer, quote)
            services.verdict_set(claim=claim, actor=desk.reviewer, rating="true")
            services.verdict_set(claim=claim, actor=desk.editor, rating="false")


def test_the_pages_and_endpoints_cost_the_same_queries_for_2_and_8_articles(client, desk):
    client.force_login(desk.editor)
    urls = [
        reverse("team_agreement", args=[desk.team.slug]),
        f"/api/v1/teams/{desk.team.slug}/agreement/",
    ]
    _grow(desk, 2)
    first = desk.team.articles.order_by("id").first()
    urls += [
        reverse("article_agreement", args=[first.pk]),
        f"/api/v1/articles/{first.pk}/agreement/",
    ]
    few = [get_queries(client, url) for url in urls]
    _grow(desk, 8)
    many = [get_queries(client, url) for url in urls]
    assert few == many


# --- API ----------------------------------------------------------------------------------------


def api_get(client, user, url: str):
    client.force_login(user)  # the API takes a logged-in session for reads
    return client.get(url)


def test_the_api_gives_the_teams_figures(client, desk, rated):
    first, second = rated
    data = api_get(client, desk.viewer, f"/api/v1/teams/{desk.team.slug}/agreement/").json()
    assert data["team"] == desk.team.slug
    assert data["metric"] == "ordinal"
    assert data["alpha"] == pytest.approx(EXPECTED)
    assert (data["units"], data["values"], data["coders"]) == (2, 5, 3)
    assert data["undefined_because"] is None
    assert {
        (p["reviewer_a"], p["reviewer_b"], p["claims"], p["same"], p["agreement"])
        for p in data["pairs"]
    } >= {("editor-user", "reviewer-user", 2, 1, 0.5)}
    articles = {a["id"]: a for a in data["articles"]}
    assert articles[second.pk]["alpha"] is None
    assert articles[second.pk]["undefined_because"] == "not enough data"
    assert articles[first.pk]["title"] == "Kursk"


def test_the_api_gives_an_articles_figures_and_hides_other_teams(client, desk, rated):
    first, _ = rated
    data = api_get(client, desk.reviewer, f"/api/v1/articles/{first.pk}/agreement/").json()
    assert data["article"] == first.pk
    assert data["alpha"] == pytest.approx(EXPECTED)
    assert len(data["pairs"]) == 3
    url = f"/api/v1/articles/{first.pk}/agreement/"
    assert api_get(client, desk.outsider, url).status_code == 404
    assert client.get(f"/api/v1/teams/{desk.team.slug}/agreement/").status_code == 404


def test_the_article_page_links_to_its_agreement(client, desk, rated):
    first, _ = rated
    client.force_login(desk.viewer)
    html = client.get(reverse("article_detail", args=[first.pk])).content.decode()
    assert f'href="{reverse("article_agreement", args=[first.pk])}">Reviewer agreement</a>' in html


def test_a_figure_from_fewer_than_five_claims_says_it_is_too_few(client, desk, rated):
    client.force_login(desk.viewer)
    html = client.get(reverse("team_agreement", args=[desk.team.slug])).content.decode()
    assert "too few to rely on" in html
    assert "Computed from only" in html and "Under 5 claims" in html
    body = client.get(f"/api/v1/teams/{desk.team.slug}/agreement/").json()
    assert body["units"] < 5 and body["few_claims"] is True
    assert all(pair["few_claims"] for pair in body["pairs"])


def test_five_claims_rated_by_two_reviewers_are_not_flagged(desk):
    text = "\n\n".join(f"Claim number {n} is here." for n in range(6))
    article = make_article(desk.team, text=text)
    for n in range(5):
        claim = claim_on(article, desk.reviewer, f"Claim number {n}")
        services.verdict_set(claim=claim, actor=desk.reviewer, rating="true" if n % 2 else "false")
        services.verdict_set(claim=claim, actor=desk.editor, rating="true")
    figures = agreement_queries.article_agreement(article)
    assert figures.alpha.units == 5
    assert figures.as_dict()["few_claims"] is False
    assert "too few" not in agreement_queries.describe(figures.alpha)
