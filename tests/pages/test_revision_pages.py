"""Revisions on the page (pages/revisions.py): a new version, the list of revisions,
one revision, a diff, and the needs-attention list with its confirm and re-attach actions.

Every endpoint is tried by the four roles of the `desk` fixture, an outsider (404) and an
anonymous visitor (sent to log in).
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations import services
from annotations.models import AnchorState, Article, Claim
from tests.conftest import PERSONAS
from tests.factories import SAMPLE_TEXT
from tests.pages.test_pages import assert_csp_safe

pytestmark = [pytest.mark.django_db, pytest.mark.article(title="Troops in Kursk")]

STORY = SAMPLE_TEXT
QUOTE = "11.000 North Korean soldiers had arrived in the region"
REWORDED = STORY.replace("had arrived in the region", "had arrived in the area")
HOSTILE = STORY + "\n\n<script>alert('x')</script> & more"


def claim_on(article: Article, user, quote: str = QUOTE) -> Claim:
    start = article.text.index(quote)
    return services.claim_create(
        article=article, actor=user, start=start, end=start + len(quote), exact=quote
    )


def revise(article: Article, user, text: str) -> services.RevisionResult:
    return services.article_revise(article=article, actor=user, text=text)


def endpoints(article: Article, claim: Claim) -> list[tuple[str, str, dict]]:
    return [
        ("get", reverse("article_revise", args=[article.pk]), {}),
        (
            "post",
            reverse("article_revise", args=[article.pk]),
            {"source": "text", "text": STORY + "\n\nMore."},
        ),
        ("get", reverse("revision_list", args=[article.pk]), {}),
        ("get", reverse("revision_detail", args=[article.pk, 1]), {}),
        ("get", reverse("revision_diff", args=[article.pk]) + "?a=1&b=2", {}),
        ("post", reverse("claim_confirm_anchor", args=[claim.pk]), {}),
        ("get", reverse("claim_reattach", args=[claim.pk]), {}),
        ("post", reverse("claim_reattach", args=[claim.pk]), {"exact": "The Pentagon estimated"}),
    ]


WRITES = {0, 1, 5, 6, 7}  # indexes of endpoints that need reviewer+


@pytest.mark.parametrize("index", range(8))
@pytest.mark.parametrize("persona", [*PERSONAS, "outsider", "anonymous"])
def test_every_endpoint_by_role(client, desk, article, persona, index):
    claim = claim_on(article, desk.reviewer)
    revise(article, desk.editor, REWORDED)  # the claim becomes fuzzy; revision 2 exists
    method, url, data = endpoints(article, claim)[index]
    if persona != "anonymous":
        client.force_login(desk.user(persona))
    response = getattr(client, method)(url, data)
    if persona == "anonymous":
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    elif persona == "outsider":
        assert response.status_code == 404
    elif persona == "viewer" and index in WRITES:
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 302), response.content[:500]


def test_article_page_links_to_new_version_for_reviewers_only(client, desk, article):
    url = reverse("article_detail", args=[article.pk])
    revise_url = reverse("article_revise", args=[article.pk])
    client.force_login(desk.reviewer)
    assert revise_url in client.get(url).content.decode()
    client.force_login(desk.viewer)
    page = client.get(url).content.decode()
    assert revise_url not in page
    assert reverse("revision_list", args=[article.pk]) in page


def test_revise_form_prefills_url(client, desk, desk_article_with_url):
    client.force_login(desk.reviewer)
    page = client.get(reverse("article_revise", args=[desk_article_with_url.pk])).content.decode()
    assert 'value="https://example.org/story"' in page
    assert "Refresh from URL" in page


@pytest.fixture
def desk_article_with_url(article) -> Article:
    Article.objects.filter(pk=article.pk).update(url="https://example.org/story")
    article.refresh_from_db()
    return article


def test_revision_through_the_page_reanchors(client, desk, article):
    claim = claim_on(article, desk.reviewer)
    client.force_login(desk.reviewer)
    new_text = "A correction was added.\n\n" + STORY
    upload = SimpleUploadedFile("story.txt", new_text.encode(), content_type="text/plain")
    response = client.post(
        reverse("article_revise", args=[article.pk]), {"source": "file", "file": upload}
    )
    assert response.status_code == 302
    article.refresh_from_db()
    claim.refresh_from_db()
    assert article.revision == 2
    assert article.text[claim.start : claim.end] == QUOTE
    assert claim.anchor == AnchorState.ANCHORED
    page = client.get(response["Location"]).content.decode()
    assert "1 anchored, 0 fuzzy, 0 orphaned" in page
    assert "0 published claims flagged" in page


def test_revision_errors_keep_the_input(client, desk, article):
    client.force_login(desk.reviewer)
    url = reverse("article_revise", args=[article.pk])
    response = client.post(url, {"source": "text", "text": "  ", "title": "Kept title"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Paste the article" in page
    assert 'value="Kept title"' in page


def test_diff_marks_changes_and_escapes(client, desk, article):
    revise(article, desk.editor, HOSTILE)
    client.force_login(desk.viewer)
    response = client.get(reverse("revision_diff", args=[article.pk]) + "?a=1&b=2")
    page = response.content.decode()
    assert "<ins>" in page
    assert "&lt;script&gt;" in page
    assert "<script>alert" not in page
    revise(article, desk.editor, STORY.replace("Pentagon estimated", "Pentagon guessed"))
    page = client.get(reverse("revision_diff", args=[article.pk]) + "?a=2&b=3").content.decode()
    assert "<del>" in page and "<ins>" in page
    assert client.get(reverse("revision_diff", args=[article.pk]) + "?a=1&b=9").status_code == 404


def test_revision_detail_shows_old_text(client, desk, article):
    revise(article, desk.editor, REWORDED)
    client.force_login(desk.viewer)
    page = client.get(reverse("revision_detail", args=[article.pk, 1])).content.decode()
    assert "had arrived in the region" in page
    assert client.get(reverse("revision_detail", args=[article.pk, 7])).status_code == 404


def test_needs_attention_and_confirm(client, desk, article):
    claim = claim_on(article, desk.reviewer)
    revise(article, desk.editor, REWORDED)
    claim.refresh_from_db()
    assert claim.anchor == AnchorState.FUZZY
    client.force_login(desk.reviewer)
    page = client.get(reverse("article_detail", args=[article.pk])).content.decode()
    assert 'id="needs-attention"' in page
    assert "Fuzzy match" in page
    assert "had arrived in the area" in page and "had arrived in the region" in page
    response = client.post(
        reverse("claim_confirm_anchor", args=[claim.pk]), {"version": claim.version}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.anchor == AnchorState.ANCHORED
    assert claim.exact == QUOTE.replace("region", "area")
    page = client.get(reverse("article_detail", args=[article.pk])).content.decode()
    assert 'id="needs-attention"' not in page


def test_viewer_cannot_confirm_or_reattach(client, desk, article):
    claim = claim_on(article, desk.reviewer)
    revise(article, desk.editor, REWORDED)
    client.force_login(desk.viewer)
    assert client.post(reverse("claim_confirm_anchor", args=[claim.pk])).status_code == 403
    response = client.post(reverse("claim_reattach", args=[claim.pk]), {"exact": "Pentagon"})
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.anchor == AnchorState.FUZZY


def test_reattach_an_orphan(client, desk, article):
    claim = claim_on(article, desk.reviewer)
    revise(article, desk.editor, "Troops in Kursk\n\nSomething else entirely happened today.")
    claim.refresh_from_db()
    assert claim.anchor == AnchorState.ORPHANED
    client.force_login(desk.reviewer)
    page = client.get(reverse("article_detail", args=[article.pk])).content.decode()
    assert "Orphaned" in page
    url = reverse("claim_reattach", args=[claim.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"exact": "not in the text at all"})
    assert bad.status_code >= 400
    assert "not in the text at all" in bad.content.decode()
    quote = "Something else entirely"
    article.refresh_from_db()
    start = article.text.index(quote)
    response = client.post(
        url, {"start": start, "end": start + len(quote), "exact": quote, "version": claim.version}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.anchor == AnchorState.ANCHORED
    assert claim.exact == quote


def test_revision_list_query_count_is_constant(client, desk, article):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("revision_list", args=[article.pk]))
        assert response.status_code == 200
        return len(captured)

    client.force_login(desk.viewer)
    revise(article, desk.editor, STORY + "\n\nOne.")
    few = count()
    for index in range(6):
        revise(article, desk.reviewer if index % 2 else desk.editor, STORY + f"\n\nMore {index}.")
    many = count()
    assert few == many
    assert "Revision 8" in client.get(reverse("revision_list", args=[article.pk])).content.decode()


def test_new_pages_have_no_inline_script_or_style(client, desk, article):
    claim = claim_on(article, desk.reviewer)
    revise(article, desk.editor, REWORDED)
    client.force_login(desk.reviewer)
    for url in [
        reverse("article_detail", args=[article.pk]),
        reverse("article_revise", args=[article.pk]),
        reverse("revision_list", args=[article.pk]),
        reverse("revision_detail", args=[article.pk, 2]),
        reverse("revision_diff", args=[article.pk]) + "?a=1&b=2",
        reverse("claim_reattach", args=[claim.pk]),
    ]:
        assert_csp_safe(client.get(url))
