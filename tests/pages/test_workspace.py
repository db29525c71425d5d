"""The reviewing workspace (pages/workspace/views.py): the article page and its claim endpoints.

Every endpoint is tried by the four roles of the `desk` fixture, an outsider from another team
(404) and an anonymous visitor (sent to log in). Plain form posts (no JavaScript) are answered
with redirects or the whole page; htmx requests with fragments placed by HX-Retarget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Article, Claim, ClaimStatus, Event, Source, Verdict
from annotations.pages.article_text import layout
from tests.conftest import PERSONAS
from tests.factories import make_article
from tests.pages.claim_workflow import HTMX, KURSK_CLAIM, QUOTE, editor_data
from tests.pages.test_pages import assert_csp_safe, nested_and_across_claims, text_map
from tests.query_count import get_queries

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.article(title="Kursk troop numbers"),
    # A reviewer's draft claim with a verdict and a source.
    pytest.mark.claim(
        **KURSK_CLAIM, sources=[{"url": "https://example.org/isw", "title": "ISW assessment"}]
    ),
]


def html_of(response) -> str:
    return response.content.decode()


def detail_url(article: Article) -> str:
    return reverse("article_detail", args=[article.pk])


def htmx_headers(article: Article, query: str = "", target: str = "") -> dict:
    headers = dict(HTMX, HTTP_HX_CURRENT_URL=f"http://testserver{detail_url(article)}{query}")
    if target:
        headers["HTTP_HX_TARGET"] = target
    return headers


def selector(article: Article, quote: str) -> dict:
    start = article.text.index(quote)
    return {"start": start, "end": start + len(quote), "exact": quote}


def create_data(article: Article, quote: str = QUOTE, **extra) -> dict:
    data = {
        **selector(article, quote),
        "claimant": "Volodymyr Zelensky",
        "summary": "11,000 North Korean soldiers arrived in Kursk.",
        "rating": "half-true",
        "rationale": "Other estimates are lower.",
        "sources-TOTAL_FORMS": "3",
        "sources-INITIAL_FORMS": "0",
        "sources-0-url": "https://example.org/isw",
        "sources-0-title": "ISW assessment",
        "sources-0-excerpt": "About 10,000 in Russia.",
        "sources-0-stance": "refutes",
    }
    data.update(extra)
    return data


# --- every endpoint × every persona -----------------------------------------------------------


@dataclass
class Call:
    method: str
    url: str
    data: dict
    allowed: int  # the status for admin, editor and the reviewer who owns the claim
    viewer: int = 403


def calls(article: Article, claim: Claim, deleted_id: int) -> dict[str, Call]:
    source = claim.sources.get()
    return {
        "page": Call("get", detail_url(article), {}, 200, viewer=200),
        "open a claim": Call("get", reverse("claim_edit", args=[claim.pk]), {}, 200, viewer=200),
        "close a claim": Call("get", reverse("claim_card", args=[claim.pk]), {}, 302, viewer=302),
        "new-claim form": Call("get", reverse("claim_new", args=[article.pk]), {}, 200),
        "create": Call(
            "post",
            reverse("claim_create", args=[article.pk]),
            create_data(article, "10.000 North Korean soldiers"),
            302,
        ),
        "edit": Call(
            "post",
            reverse("claim_edit", args=[claim.pk]),
            editor_data(claim, claimant="President Zelensky"),
            302,
        ),
        "verdict": Call(
            "post",
            reverse("claim_verdict", args=[claim.pk]),
            {"version": claim.version, "rating": "false", "rationale": ""},
            302,
        ),
        "add a source": Call(
            "post",
            reverse("claim_source_add", args=[claim.pk]),
            editor_data(claim, **{"sources-0-url": "https://example.org/new"}),
            200,
        ),
        "remove a source": Call(
            "post",
            reverse("source_remove", args=[source.pk]),
            editor_data(claim),
            200,
        ),
        "status": Call(
            "post",
            reverse("claim_status", args=[claim.pk]),
            {"version": claim.version, "to": "in_review"},
            200,
        ),
        "confirm delete": Call("get", reverse("claim_delete", args=[claim.pk]), {}, 200),
        "delete": Call(
            "post", reverse("claim_delete", args=[claim.pk]), {"version": claim.version}, 302
        ),
        "restore": Call(
            "post", reverse("claim_restore", args=[article.pk]), {"claim": deleted_id}, 302
        ),
    }


ENDPOINTS = [
    "page",
    "open a claim",
    "close a claim",
    "new-claim form",
    "create",
    "edit",
    "verdict",
    "add a source",
    "remove a source",
    "status",
    "confirm delete",
    "delete",
    "restore",
]


@pytest.fixture
def deleted_id(desk, article):
    """A claim of the reviewer's, deleted: what `restore` brings back."""
    doomed = services.claim_create(article=article, actor=desk.reviewer, exact="Troops in Kursk")
    return services.claim_delete(claim=doomed, actor=desk.reviewer)["id"]


def snapshot_of(article: Article) -> list:
    claims = Claim.objects.filter(article=article).order_by("pk")
    return [
        (c.pk, c.claimant, c.status, c.version, c.sources.count(), c.verdicts.count())
        for c in claims
    ]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_endpoint_answers_each_role(
    client, desk, article, claim, deleted_id, endpoint, persona
):
    call = calls(article, claim, deleted_id)[endpoint]
    before = snapshot_of(article)
    client.force_login(desk.user(persona))
    response = getattr(client, call.method)(call.url, call.data)
    expected = call.viewer if persona == "viewer" else call.allowed
    assert response.status_code == expected, html_of(response)[:2000]
    if persona == "viewer" and call.method == "post":
        assert snapshot_of(article) == before, "a viewer's post changed something"
    if call.method == "post" and expected < 400:
        assert snapshot_of(article) != before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_outsider_gets_404_from_every_endpoint(
    client, desk, article, claim, deleted_id, endpoint
):
    call = calls(article, claim, deleted_id)[endpoint]
    before = snapshot_of(article)
    client.force_login(desk.outsider)
    response = getattr(client, call.method)(call.url, call.data)
    assert response.status_code == 404
    assert snapshot_of(article) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_visitors_are_sent_to_log_in(client, desk, article, claim, deleted_id, endpoint):
    call = calls(article, claim, deleted_id)[endpoint]
    before = snapshot_of(article)
    response = getattr(client, call.method)(call.url, call.data)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")
    assert snapshot_of(article) == before


def test_a_reviewer_cannot_edit_or_delete_a_colleagues_claim_but_can_give_a_verdict(
    client, desk, article
):
    theirs = services.claim_create(article=article, actor=desk.editor, exact=QUOTE)
    client.force_login(desk.reviewer)
    page = html_of(client.get(reverse("claim_edit", args=[theirs.pk])))
    assert "Save verdict" in page and "Save claim" not in page
    edit = client.post(reverse("claim_edit", args=[theirs.pk]), editor_data(theirs, claimant="X"))
    assert edit.status_code == 302  # only the verdict part applies: the wording is not theirs
    theirs.refresh_from_db()
    assert theirs.claimant == ""
    assert client.post(reverse("claim_delete", args=[theirs.pk])).status_code == 403
    response = client.post(
        reverse("claim_verdict", args=[theirs.pk]),
        {"version": theirs.version, "rating": "false", "rationale": "Wrong number."},
    )
    assert response.status_code == 302
    assert Verdict.objects.get(claim=theirs, reviewer=desk.reviewer, is_current=True).rationale


# --- the page ---------------------------------------------------------------------------------


def test_reviewers_get_the_workspace_and_viewers_a_read_only_page(client, desk, article, claim):
    client.force_login(desk.reviewer)
    page = html_of(client.get(detail_url(article)))
    assert 'id="add-claim"' in page and ">Add claim <kbd" in page
    assert 'data-new-claim-url="' in page
    assert reverse("claim_new", args=[article.pk]) in page
    assert '<script type="module" src="/static/js/workspace.js">' in page

    client.force_login(desk.viewer)
    page = html_of(client.get(detail_url(article)))
    assert "Add claim" not in page
    assert "New claim" not in page
    assert "data-new-claim-url" not in page
    assert "Read only" in page
    opened = html_of(client.get(reverse("claim_edit", args=[claim.pk])))
    assert '<form method="post"' not in opened.split('id="claim-filters"')[1]


def test_the_page_shows_the_claims_in_text_order_with_verdict_status_and_sources(
    client, desk, article, claim
):
    later = services.claim_create(
        article=article, actor=desk.editor, exact="10.000 North Korean soldiers", rating="true"
    )
    client.force_login(desk.viewer)
    page = html_of(client.get(detail_url(article)))
    assert page.index(f'id="claim-{claim.pk}"') < page.index(f'id="claim-{later.pk}"')
    card = page[page.index(f'id="claim-{claim.pk}"') :]
    card = card[: card.index("</li>")]
    for shown in [
        ">Claim #1<",
        "Volodymyr Zelensky",
        "Half true",
        "(proposed)",
        "Draft",
        "1 source",
    ]:
        assert shown in card
    assert 'class="swatch verdict-half-true"' in card


def test_each_highlight_is_preceded_by_its_numbered_link_in_list_order(client, desk, article):
    # Nested, overlapping and across blocks: the links still come in the list's order.
    outer, inner, across = nested_and_across_claims(article, desk.reviewer)
    client.force_login(desk.viewer)
    response = client.get(detail_url(article))
    page = html_of(response)
    refs = re.findall(r'<a class="claim-ref [^"]+" href="#claim-(\d+)"', page)
    assert [int(ref) for ref in refs] == [outer.pk, inner.pk, across.pk]
    cards = re.findall(r'<li id="claim-(\d+)" class="claim-card', page)
    assert [int(card) for card in cards] == [outer.pk, inner.pk, across.pk]
    # The links carry no text: each block's text is still exactly its slice of the article.
    parsed = text_map(response)
    for block in parsed.blocks:
        assert block["text"] == article.text[block["start"] : block["end"]]
    assert parsed.quote_of(across.pk) == (across.start, across.exact.replace("\n\n", ""))


def test_a_block_says_when_the_text_before_it_is_not_a_blank_line(desk):
    text = "First line.\nSecond line.\n\n\nThird."
    blocks = [
        {"kind": "paragraph", "start": 0, "end": 11},
        {"kind": "paragraph", "start": 12, "end": 24},
        {"kind": "paragraph", "start": 27, "end": 33},
    ]
    groups = layout(text, blocks, [])
    rendered = [block.html for group in groups for block in group.blocks]
    assert 'data-gap="\n"' in rendered[1]
    assert 'data-gap="\n\n\n"' in rendered[2]
    assert "data-gap" not in rendered[0]


def test_rendering_only_some_blocks_gives_the_same_html_for_them(client, desk, article, claim):
    services.claim_create(article=article, actor=desk.reviewer, exact="in the Kursk region")
    claims = list(Claim.objects.filter(article=article).order_by("start"))
    for c in claims:
        c.mark_class = "verdict-none"
    full = {b.start: b.html for g in layout(article.text, article.blocks, claims) for b in g.blocks}
    for start in full:
        only = layout(article.text, article.blocks, claims, only={start})
        (block,) = [b for g in only for b in g.blocks if b.start == start]
        assert block.html == full[start]


def test_the_article_page_makes_the_same_number_of_queries_for_5_and_50_claims(
    client, desk, article
):
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", article.text)]

    def add_claims(count: int) -> None:
        for index in range(article.claims.count(), count):
            start, end = words[index % len(words)]
            end = words[min(len(words) - 1, index % len(words) + index % 3)][1]
            services.claim_create(
                article=article,
                actor=desk.reviewer if index % 2 else desk.editor,
                start=start,
                end=end,
                claimant=f"Person {index % 4}",
                rating=["false", "true", "half-true"][index % 3],
                sources=[{"url": f"https://example.org/{index}", "title": f"Source {index}"}],
            )

    client.force_login(desk.reviewer)
    add_claims(5)
    first = article.claims.order_by("pk").first()
    urls = [
        detail_url(article),
        detail_url(article) + "?status=draft&verdict=false&q=the",
        reverse("claim_edit", args=[first.pk]),
        reverse("claim_new", args=[article.pk]),
    ]
    few = [get_queries(client, url) for url in urls]
    add_claims(50)
    many = [get_queries(client, url) for url in urls]
    assert few == many
    # A fixed number: the workspace's own queries, the header's (queue count, unread
    # notifications, team switcher), the live stream's starting point and the assignees.
    assert many[0] <= 14


# --- filters --------------------------------------------------------------------------------------


@pytest.fixture
def three_claims(desk, article):
    first = services.claim_create(
        article=article, actor=desk.reviewer, exact="Zelensky said", claimant="Zelensky"
    )
    second = services.claim_create(
        article=article,
        actor=desk.editor,
        exact="10.000 North Korean soldiers",
        claimant="The Pentagon",
        rating="false",
    )
    services.claim_transition(claim=second, actor=desk.editor, to="in_review")
    third = services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact="Troops in Kursk",
        claimant="Headline",
        summary="Troops are in Kursk",
    )
    services.verdict_set(claim=third, actor=desk.admin, rating="true")
    return first, second, third


def listed(response) -> list[int]:
    return [
        int(pk) for pk in re.findall(r'<li id="claim-(\d+)" class="claim-card', html_of(response))
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [2, 0, 1]),
        ("?status=in_review", [1]),
        ("?verdict=false", [1]),
        ("?verdict=none", [0]),
        ("?claimant=Headline", [2]),
        ("?q=pentagon", [1]),
        ("?q=kursk+troops", [2]),
        ("?status=draft&verdict=true", [2]),
        ("?status=nonsense", [2, 0, 1]),
    ],
)
def test_the_panel_filters_by_status_verdict_claimant_and_search(
    client, desk, article, three_claims, query, expected
):
    client.force_login(desk.viewer)
    response = client.get(detail_url(article) + query)
    assert listed(response) == [three_claims[i].pk for i in expected]
    # Every highlight stays in the text, filtered or not.
    assert len(set(re.findall(r'data-claim-id="(\d+)"', html_of(response)))) == 3


def test_the_reviewer_filter_finds_claims_someone_created_or_gave_a_verdict_on(
    client, desk, article, three_claims
):
    client.force_login(desk.viewer)
    by_admin = listed(client.get(detail_url(article) + f"?reviewer={desk.admin.pk}"))
    assert by_admin == [three_claims[2].pk]
    by_reviewer = listed(client.get(detail_url(article) + f"?reviewer={desk.reviewer.pk}"))
    assert by_reviewer == [three_claims[2].pk, three_claims[0].pk]


def test_an_htmx_filter_request_gets_only_the_list(client, desk, article, three_claims):
    client.force_login(desk.viewer)
    response = client.get(
        detail_url(article) + "?status=in_review", **htmx_headers(article, target="claim-list")
    )
    page = html_of(response)
    assert page.lstrip().startswith('<div id="claim-list"')
    assert "1 of 3 claims match" in page
    assert "<html" not in page and 'id="article-text"' not in page
    assert "HX-Target" in response["Vary"]


# --- creating ---------------------------------------------------------------------------------


def test_the_new_claim_form_is_prefilled_from_the_selection(client, desk, article):
    client.force_login(desk.reviewer)
    page = html_of(client.get(reverse("claim_new", args=[article.pk]), selector(article, QUOTE)))
    assert "Selected text" in page
    assert f'<input type="hidden" name="exact" value="{QUOTE}">' in page
    # The Claim field starts as the quote, editable.
    assert re.search(r'<textarea name="summary"[^>]*>\s*' + re.escape(QUOTE), page)
    assert 'name="claimant"' in page and "autofocus" in page


def test_a_long_selection_sends_only_offsets_and_the_quote_is_read_from_the_text(
    client, desk, article
):
    client.force_login(desk.reviewer)
    start = article.text.index("President")
    end = len(article.text)
    page = html_of(
        client.get(reverse("claim_new", args=[article.pk]), {"start": start, "end": end})
    )
    assert "Selected text" in page
    assert "The Pentagon estimated" in page


def test_without_a_selection_the_form_asks_for_the_quote(client, desk, article):
    client.force_login(desk.reviewer)
    page = html_of(client.get(reverse("claim_new", args=[article.pk])))
    assert "Quote from the article" in page
    assert '<textarea name="exact"' in page
    response = client.post(
        reverse("claim_create", args=[article.pk]),
        {
            "exact": "10.000 North Korean soldiers",
            "claimant": "The Pentagon",
            "sources-TOTAL_FORMS": "3",
            "sources-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    created = Claim.objects.get(article=article)
    assert created.exact == "10.000 North Korean soldiers"
    assert created.start == article.text.index("10.000")


def test_creating_a_claim_stores_it_with_verdict_and_source_and_redirects(client, desk, article):
    client.force_login(desk.reviewer)
    response = client.post(reverse("claim_create", args=[article.pk]), create_data(article))
    created = Claim.objects.get(article=article)
    assert response.status_code == 302
    assert response.url == f"{detail_url(article)}#claim-{created.pk}"
    assert (created.start, created.end, created.exact) == (
        article.text.index(QUOTE),
        article.text.index(QUOTE) + len(QUOTE),
        QUOTE,
    )
    assert created.claimant == "Volodymyr Zelensky"
    assert created.summary == "11,000 North Korean soldiers arrived in Kursk."
    verdict = created.verdicts.get()
    assert (verdict.rating.slug, verdict.rationale) == ("half-true", "Other estimates are lower.")
    source = created.sources.get()
    assert (source.url, source.title, source.stance) == (
        "https://example.org/isw",
        "ISW assessment",
        "refutes",
    )
    page = html_of(client.get(response.url))
    assert "Claim #1 saved." in page


def test_line_breaks_sent_as_crlf_by_a_browser_still_match_the_text(client, desk, article):
    quote = "in the region.\n\nThe Pentagon"
    data = create_data(article, quote, exact=quote.replace("\n", "\r\n"))
    client.force_login(desk.reviewer)
    assert client.post(reverse("claim_create", args=[article.pk]), data).status_code == 302
    assert Claim.objects.get(article=article).exact == quote


def test_an_htmx_create_answers_with_the_list_the_changed_blocks_and_an_announcement(
    client, desk, article, claim
):
    client.force_login(desk.reviewer)
    response = client.post(
        reverse("claim_create", args=[article.pk]),
        create_data(article, "10.000 North Korean soldiers"),
        **htmx_headers(article),
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#claim-list"
    assert response["HX-Reswap"] == "outerHTML"
    page = html_of(response)
    created = Claim.objects.exclude(pk=claim.pk).get()
    assert page.startswith('\n<div id="claim-list"') or page.lstrip().startswith(
        '<div id="claim-list"'
    )
    assert listed(response) == [claim.pk, created.pk]
    # Only the block the new claim is in comes along, swapped out of band.
    blocks = re.findall(r'<p id="block-(\d+)"[^>]*hx-swap-oob="outerHTML"', page)
    assert blocks == [str(article.text.index("The Pentagon"))]
    assert f'data-claim-id="{created.pk}"' in page
    assert '<div id="announcer" hx-swap-oob="innerHTML">Claim #2 saved.</div>' in page
    assert '<div id="composer" hx-swap-oob="innerHTML"></div>' in page
    assert '<span id="claim-count" class="count" hx-swap-oob="true">2</span>' in page
    assert "data-focus-after-swap" in page


def test_an_htmx_create_keeps_the_panel_filtered_as_the_user_had_it(client, desk, article, claim):
    client.force_login(desk.reviewer)
    response = client.post(
        reverse("claim_create", args=[article.pk]),
        create_data(article, "10.000 North Korean soldiers", rating="false"),
        **htmx_headers(article, "?verdict=false"),
    )
    created = Claim.objects.exclude(pk=claim.pk).get()
    assert listed(response) == [created.pk]
    assert "1 of 2 claims match" in html_of(response)


def test_an_invalid_form_comes_back_with_everything_typed(client, desk, article):
    data = create_data(
        article,
        **{"sources-0-url": "ftp://example.org/x", "sources-1-title": "A title without a URL"},
    )
    client.force_login(desk.reviewer)
    response = client.post(reverse("claim_create", args=[article.pk]), data)
    assert response.status_code == 400
    page = unescape(html_of(response))
    assert not Claim.objects.exists()
    assert "Not saved yet" in page
    assert "a source needs an http:// or https:// URL" in page
    assert "Give the source's web address" in page
    for typed in [
        'value="Volodymyr Zelensky"',
        "11,000 North Korean soldiers arrived in Kursk.",
        "Other estimates are lower.",
        'value="ftp://example.org/x"',
        'value="A title without a URL"',
        "About 10,000 in Russia.",
        f'name="exact" value="{QUOTE}"',
    ]:
        assert typed in page
    assert 'value="half-true" selected' in page
    assert 'value="refutes" id="new-sources-0-stance_1" checked' in page or re.search(
        r'value="refutes"[^>]*checked', page
    )


def test_a_rationale_without_a_verdict_is_refused_beside_the_verdict(client, desk, article):
    client.force_login(desk.reviewer)
    response = client.post(
        reverse("claim_create", args=[article.pk]), create_data(article, rating="")
    )
    assert response.status_code == 400
    assert "Choose a verdict for this rationale" in unescape(html_of(response))


def test_offsets_that_disagree_with_a_quote_not_in_the_text_get_a_clear_inline_error(
    client, desk, article
):
    data = create_data(article, exact="12.000 South Korean soldiers")
    client.force_login(desk.reviewer)
    response = client.post(reverse("claim_create", args=[article.pk]), data)
    assert response.status_code == 400
    page = unescape(html_of(response))
    assert "which is not the quote you sent" in page
    assert 'name="exact" value="12.000 South Korean soldiers"' in page
    assert 'value="Volodymyr Zelensky"' in page
    assert not Claim.objects.exists()


def test_offsets_that_disagree_with_a_quote_found_elsewhere_are_corrected(client, desk, article):
    quote = "10.000 North Korean soldiers"
    data = create_data(article, quote, start=0, end=len(quote))
    client.force_login(desk.reviewer)
    assert client.post(reverse("claim_create", args=[article.pk]), data).status_code == 302
    assert Claim.objects.get().start == article.text.index(quote)


def test_an_htmx_create_with_errors_goes_back_into_the_form(client, desk, article):
    client.force_login(desk.reviewer)
    response = client.post(
        reverse("claim_create", args=[article.pk]),
        create_data(article, **{"sources-0-url": "not a url"}),
        **htmx_headers(article),
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#composer"
    assert response["HX-Reswap"] == "innerHTML"
    page = html_of(response)
    assert 'class="composer"' in page and 'role="alert"' in page
    assert 'aria-invalid="true"' in page


# --- editing --------------------------------------------------------------------------------------


def test_opening_a_claim_gives_its_form_with_the_users_own_verdict(client, desk, article, claim):
    client.force_login(desk.reviewer)
    response = client.get(reverse("claim_edit", args=[claim.pk]), **htmx_headers(article))
    page = html_of(response)
    assert response["HX-Retarget"] == f"#claim-{claim.pk}"
    assert f'name="version" value="{claim.version}"' in page
    assert 'value="half-true" selected' in page
    assert "Other estimates are lower." in page
    assert "Save claim" in page and "Delete…" in page and "Submit for review" in page
    assert reverse("source_remove", args=[claim.sources.get().pk]) in page


def test_editing_saves_wording_verdict_and_a_new_source_at_once(client, desk, article, claim):
    client.force_login(desk.reviewer)
    data = editor_data(
        claim,
        claimant="President Zelensky",
        summary="11,000 soldiers are in Kursk.",
        rating="mostly-false",
        rationale="Kursk alone has about 8,000.",
        **{"sources-0-url": "https://example.org/state", "sources-0-stance": "refutes"},
    )
    response = client.post(reverse("claim_edit", args=[claim.pk]), data, **htmx_headers(article))
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#claim-{claim.pk}"
    claim.refresh_from_db()
    assert (claim.claimant, claim.summary) == (
        "President Zelensky",
        "11,000 soldiers are in Kursk.",
    )
    current = claim.verdicts.get(is_current=True)
    assert (current.rating.slug, current.rationale) == (
        "mostly-false",
        "Kursk alone has about 8,000.",
    )
    assert claim.sources.count() == 2
    page = html_of(response)
    assert "Mostly false" in page
    # The highlight changes colour: its block comes along.
    assert f'<mark class="mark verdict-mostly-false" data-claim-id="{claim.pk}"' in page
    assert "hx-swap-oob" in page


def test_clearing_your_verdict_withdraws_it(client, desk, article, claim):
    client.force_login(desk.reviewer)
    client.post(reverse("claim_edit", args=[claim.pk]), editor_data(claim, rating=""))
    assert not claim.verdicts.filter(is_current=True).exists()
    assert Event.objects.filter(claim=claim, verb="verdict.withdrawn").exists()


def test_a_stale_version_gives_a_conflict_message_and_keeps_the_typed_input(
    client, desk, article, claim
):
    opened_at = claim.version
    # Someone else changes the claim meanwhile.
    services.claim_update(claim=claim, actor=desk.editor, claimant="Their claimant")
    client.force_login(desk.reviewer)
    data = editor_data(claim, version=opened_at, claimant="My claimant", summary="My wording")
    response = client.post(reverse("claim_edit", args=[claim.pk]), data)
    assert response.status_code == 409
    page = unescape(html_of(response))
    assert "Someone else changed this claim while you were editing it (editor-user, at " in page
    # field by field: their value beside what was typed
    assert re.search(
        r"<th scope=\"row\">Claimant</th><td>Their claimant</td><td>My claimant</td>", page
    )
    assert 'value="My claimant"' in page and "My wording" in page
    assert "Their claimant" in page  # what it says now
    claim.refresh_from_db()
    assert claim.claimant == "Their claimant"
    # The form now carries the current version: saving again keeps the user's text.
    assert f'name="version" value="{claim.version}"' in page
    again = client.post(
        reverse("claim_edit", args=[claim.pk]),
        editor_data(claim, claimant="My claimant", summary="My wording"),
    )
    assert again.status_code == 302
    claim.refresh_from_db()
    assert claim.claimant == "My claimant"


def test_an_htmx_conflict_goes_back_into_the_open_claim(client, desk, article, claim):
    stale = claim.version
    services.verdict_set(claim=claim, actor=desk.editor, rating="false")
    client.force_login(desk.reviewer)
    response = client.post(
        reverse("claim_edit", args=[claim.pk]),
        editor_data(claim, version=stale, claimant="Typed"),
        **htmx_headers(article),
    )
    assert response.status_code == 409
    assert response["HX-Retarget"] == f"#claim-{claim.pk}"
    assert 'value="Typed"' in html_of(response)


def test_a_claim_deleted_while_editing_keeps_the_input_and_offers_to_save_it_anew(
    client, desk, article, claim
):
    claim_id = claim.pk
    services.claim_delete(claim=claim, actor=desk.editor)
    client.force_login(desk.reviewer)
    data = editor_data(
        claim,
        claimant="My claimant",
        summary="My wording",
        rating="false",
        rationale="My reasons",
        **{"sources-0-url": "https://example.org/mine"},
    )
    response = client.post(reverse("claim_edit", args=[claim_id]), data, **htmx_headers(article))
    assert response.status_code == 409
    assert response["HX-Retarget"] == f"#claim-{claim_id}"
    page = unescape(html_of(response))
    assert "editor-user deleted this claim" in page
    for typed in ['value="My claimant"', "My wording", "My reasons", "https://example.org/mine"]:
        assert typed in page
    assert f'name="exact" value="{QUOTE}"' in page
    assert "Save as a new claim" in page
    assert reverse("claim_create", args=[article.pk]) in page


def test_someone_elses_deleted_claim_is_still_404_for_an_outsider(client, desk, article, claim):
    claim_id = claim.pk
    services.claim_delete(claim=claim, actor=desk.editor)
    client.force_login(desk.outsider)
    response = client.post(reverse("claim_edit", args=[claim_id]), editor_data(claim))
    assert response.status_code == 404


def test_adding_and_removing_a_source_keep_what_was_typed_in_the_claim(
    client, desk, article, claim
):
    client.force_login(desk.reviewer)
    data = editor_data(
        claim,
        claimant="Typed but not saved",
        **{"sources-0-url": "https://example.org/new", "sources-0-title": "New one"},
    )
    response = client.post(reverse("claim_source_add", args=[claim.pk]), data)
    assert response.status_code == 200
    page = unescape(html_of(response))
    assert "Source added." in page
    assert 'value="Typed but not saved"' in page
    claim.refresh_from_db()
    assert claim.claimant == "Volodymyr Zelensky"  # only the source was saved
    assert claim.sources.count() == 2
    assert f'name="version" value="{claim.version}"' in page

    source = claim.sources.get(title="New one")
    response = client.post(
        reverse("source_remove", args=[source.pk]), editor_data(claim, claimant="Still typed")
    )
    assert response.status_code == 200
    assert 'value="Still typed"' in html_of(response)
    assert not Source.objects.filter(pk=source.pk).exists()


def test_removing_a_source_with_a_stale_version_is_a_conflict(client, desk, article, claim):
    stale = claim.version
    services.claim_update(claim=claim, actor=desk.editor, claimant="Changed")
    client.force_login(desk.reviewer)
    source = claim.sources.get()
    response = client.post(
        reverse("source_remove", args=[source.pk]), editor_data(claim, version=stale)
    )
    assert response.status_code == 409
    assert Source.objects.filter(pk=source.pk).exists()


def test_the_workflow_buttons_move_the_claim_and_an_editor_approves(client, desk, article, claim):
    client.force_login(desk.reviewer)
    response = client.post(
        reverse("claim_status", args=[claim.pk]),
        editor_data(
            claim,
            to="in_review",
            claimant="Typed",
            rating="half-true",
            rationale="Other estimates are lower.",
        ),
    )
    assert response.status_code == 200
    assert "saved and now in review" in html_of(response)
    assert 'value="Typed"' in html_of(response)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW
    assert claim.claimant == "Typed"  # the form was saved before the move

    client.force_login(desk.editor)
    page = html_of(client.get(reverse("claim_edit", args=[claim.pk])))
    assert "Approve" in page and ">Send back<" in page
    response = client.post(
        reverse("claim_status", args=[claim.pk]), {"to": "approved", "version": claim.version}
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    assert claim.final_verdict.rating.slug == "half-true"


def test_an_impossible_move_is_explained_in_the_claim(client, desk, article, claim):
    client.force_login(desk.reviewer)
    response = client.post(
        reverse("claim_status", args=[claim.pk]), {"to": "published", "version": claim.version}
    )
    assert response.status_code == 409
    assert "cannot move to published" in unescape(html_of(response))


# --- deleting and undoing -------------------------------------------------------------------


def test_deleting_asks_first_and_then_offers_undo(client, desk, article, claim):
    client.force_login(desk.reviewer)
    confirm = html_of(client.get(reverse("claim_delete", args=[claim.pk])))
    assert "Delete claim #1?" in confirm and "You can undo this" in confirm
    response = client.post(reverse("claim_delete", args=[claim.pk]), {"version": claim.version})
    assert response.status_code == 302
    assert not Claim.objects.filter(pk=claim.pk).exists()
    page = html_of(client.get(response.url))
    assert "was deleted." in page and ">Undo</button>" in page
    assert reverse("claim_restore", args=[article.pk]) in page


def test_an_htmx_delete_answers_with_the_list_and_an_undo_toast(client, desk, article, claim):
    client.force_login(desk.reviewer)
    response = client.post(
        reverse("claim_delete", args=[claim.pk]),
        {"version": claim.version},
        **htmx_headers(article),
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#claim-list"
    page = html_of(response)
    assert f'id="claim-{claim.pk}"' not in page
    assert 'id="toast-region" hx-swap-oob="innerHTML"' in page
    assert f'name="claim" value="{claim.pk}"' in page
    assert "data-toast-seconds" in page
    assert f'data-claim-id="{claim.pk}"' not in page
    assert 'hx-swap-oob="outerHTML"' in page  # its block, without the highlight


def test_deleting_with_a_stale_version_asks_again(client, desk, article, claim):
    stale = claim.version
    services.claim_update(claim=claim, actor=desk.editor, claimant="Changed")
    client.force_login(desk.reviewer)
    response = client.post(reverse("claim_delete", args=[claim.pk]), {"version": stale})
    assert response.status_code == 409
    assert "Someone changed this claim" in html_of(response)
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_undo_restores_the_claim_with_its_verdicts_and_sources(client, desk, article, claim):
    services.verdict_set(claim=claim, actor=desk.editor, rating="mostly-false", rationale="Kursk")
    services.source_add(claim=claim, actor=desk.reviewer, url="https://example.org/2", title="Two")
    services.claim_transition(claim=claim, actor=desk.reviewer, to="in_review")
    before = {
        "position": (claim.start, claim.end, claim.exact),
        "claimant": claim.claimant,
        "verdicts": sorted(
            (v.reviewer_id, v.rating.slug, v.rationale)
            for v in claim.verdicts.filter(is_current=True)
        ),
        "sources": sorted((s.url, s.title, s.stance) for s in claim.sources.all()),
    }
    client.force_login(desk.reviewer)
    client.post(reverse("claim_delete", args=[claim.pk]), {"version": claim.version})
    assert not Claim.objects.filter(pk=claim.pk).exists()

    response = client.post(
        reverse("claim_restore", args=[article.pk]), {"claim": claim.pk}, **htmx_headers(article)
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#claim-list"
    restored = Claim.objects.get(pk=claim.pk)
    assert (restored.start, restored.end, restored.exact) == before["position"]
    assert restored.claimant == before["claimant"]
    assert restored.status == ClaimStatus.IN_REVIEW
    assert (
        sorted(
            (v.reviewer_id, v.rating.slug, v.rationale)
            for v in restored.verdicts.filter(is_current=True)
        )
        == before["verdicts"]
    )
    assert sorted((s.url, s.title, s.stance) for s in restored.sources.all()) == before["sources"]
    assert restored.version > claim.version
    page = html_of(response)
    assert "Claim #1 restored." in page
    assert f'data-claim-id="{claim.pk}"' in page
    assert '<div id="toast-region" hx-swap-oob="innerHTML"></div>' in page
    # Undoing twice is refused, not a crash.
    again = client.post(reverse("claim_restore", args=[article.pk]), {"claim": claim.pk})
    assert again.status_code == 409


def test_undo_of_an_unknown_claim_is_404(client, desk, article):
    client.force_login(desk.reviewer)
    response = client.post(reverse("claim_restore", args=[article.pk]), {"claim": "424242"})
    assert response.status_code == 404


# --- safety ---------------------------------------------------------------------------------------


def test_the_workspace_pages_have_no_inline_script_or_style(client, desk, article, claim):
    client.force_login(desk.reviewer)
    for url in [
        detail_url(article),
        reverse("claim_new", args=[article.pk])
        + "?"
        + "&".join(f"{k}={v}" for k, v in selector(article, "Troops").items()),
        reverse("claim_edit", args=[claim.pk]),
        reverse("claim_delete", args=[claim.pk]),
    ]:
        assert_csp_safe(client.get(url))


def test_hostile_text_in_claims_is_escaped_in_the_workspace(client, desk):
    text = "Intro <script>alert(1)</script> and <img src=x onerror=alert(2)> said X."
    article = make_article(desk.team, text=text)
    claim = services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact="<img src=x onerror=alert(2)>",
        claimant='"><b onmouseover=alert(4)>',
        summary='"><script>alert(5)</script>',
        sources=[{"url": "https://example.org/?q=<script>", "title": "<i>t</i>"}],
    )
    client.force_login(desk.reviewer)
    for url in [detail_url(article), reverse("claim_edit", args=[claim.pk])]:
        page = html_of(client.get(url))
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "<b onmouseover" not in page
        assert "<i>t</i>" not in page
