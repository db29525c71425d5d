"""Managing articles through the API: PATCH an article's metadata, archive and restore it,
DELETE it; the list and exports with archived articles; a new version without a title.
Roles are tried by the permission matrix (test_permissions.py); here the details."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotations import services
from annotations.models import Article, Claim, Event
from tests.api.conftest import World, error_of
from tests.factories import QUOTE, make_article

pytestmark = pytest.mark.django_db


def patch(client, article_id: int, body: dict, **headers):
    return client.patch(
        f"/api/v1/articles/{article_id}/",
        data=json.dumps(body),
        content_type="application/json",
        **headers,
    )


def test_an_editor_patches_metadata_and_gets_the_article_back_with_one_event(api_as, world):
    response = patch(
        api_as("editor"),
        world.article.pk,
        {
            "title": "Troops in Kursk, checked",
            "url": "https://example.org/kursk",
            "published_at": "2024-11-05",
            "language": "en-gb",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "Troops in Kursk, checked"
    assert body["url"] == "https://example.org/kursk"
    assert body["published_at"] == "2024-11-05"
    assert body["archived"] is False
    assert response["ETag"]
    event = Event.objects.get(verb="article.updated")
    assert set(event.changes) == {"title", "url", "published_at", "language"}
    assert event.changes["published_at"] == [None, "2024-11-05"]
    # null clears the date
    response = patch(api_as("editor"), world.article.pk, {"published_at": None})
    assert response.json()["published_at"] is None


def test_unknown_and_read_only_fields_are_refused_by_name(api_as, world):
    response = patch(
        api_as("editor"), world.article.pk, {"status": "published", "text": "x", "titel": "y"}
    )
    assert response.status_code == 400
    body = error_of(response)
    assert set(body["errors"]) == {"status", "text", "titel"}
    assert "status" in body["detail"] and "titel" in body["detail"]
    assert "Read-only" in body["errors"]["status"][0]
    assert "/revisions/" in body["errors"]["text"][0]
    response = patch(api_as("editor"), world.article.pk, {"titel": "y"})
    assert response.status_code == 400
    assert "Unknown field" in error_of(response)["errors"]["titel"][0]
    assert not Event.objects.filter(verb="article.updated").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.org/x"}, "url"),
        ({"title": ""}, "title"),
        ({"published_at": "5 Nov"}, "published_at"),
        ({"language": "English"}, "language"),
    ],
)
def test_bad_metadata_is_a_400_naming_the_field(api_as, world, body, field):
    response = patch(api_as("editor"), world.article.pk, body)
    assert response.status_code == 400
    error = error_of(response)
    assert field in error["detail"] or field in error.get("errors", {})
    assert Article.objects.get(pk=world.article.pk).title == world.article.title


def test_reviewers_get_403_with_the_reason_and_outsiders_404(api_as, world):
    response = patch(api_as("reviewer"), world.article.pk, {"title": "Mine"})
    assert response.status_code == 403
    assert "needs editor" in error_of(response)["detail"]
    assert patch(api_as("outsider"), world.article.pk, {"title": "Mine"}).status_code == 404


def test_if_match_refuses_a_stale_patch(api_as, world):
    editor = api_as("editor")
    etag = editor.get(f"/api/v1/articles/{world.article.pk}/")["ETag"]
    assert (
        patch(editor, world.article.pk, {"publisher": "First"}, HTTP_IF_MATCH=etag).status_code
        == 200
    )
    stale = patch(editor, world.article.pk, {"publisher": "Second"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert error_of(stale)["code"] == "precondition_failed"
    assert Article.objects.get(pk=world.article.pk).publisher == "First"


def test_archive_hides_from_the_list_and_restore_brings_back(api_as, world):
    editor = api_as("editor")
    pk = world.article.pk

    def listed(query: str = "") -> list[int]:
        return [row["id"] for row in editor.get(f"/api/v1/articles/{query}").json()["results"]]

    assert listed() == [pk]
    response = editor.post(
        f"/api/v1/articles/{pk}/archive/",
        data=json.dumps({"note": "Imported by mistake"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["archived"] is True
    assert response.json()["archived_at"]
    assert listed() == []
    assert listed("?archived=1") == [pk]
    assert listed("?archived=0") == []
    # Its claims and its own export stay.
    assert editor.get(f"/api/v1/articles/{pk}/claims/").json()["results"]
    export = editor.get(f"/api/v1/export?format=ndjson&team=verify&article={pk}")
    assert QUOTE in b"".join(export.streaming_content).decode()
    team_export = editor.get("/api/v1/export?format=ndjson&team=verify")
    assert b"".join(team_export.streaming_content) == b""
    with_archived = editor.get("/api/v1/export?format=ndjson&team=verify&include_archived=1")
    assert QUOTE in b"".join(with_archived.streaming_content).decode()
    bad = editor.get("/api/v1/export?format=ndjson&team=verify&include_archived=maybe")
    assert bad.status_code == 400
    # New claims are refused while archived.
    refused = editor.post(
        f"/api/v1/articles/{pk}/claims/",
        data=json.dumps({"exact": "10.000 North Korean soldiers"}),
        content_type="application/json",
    )
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "archived"
    again = editor.post(f"/api/v1/articles/{pk}/archive/")
    assert again.status_code == 409
    assert error_of(again)["code"] == "already_archived"

    response = editor.post(f"/api/v1/articles/{pk}/restore/")
    assert response.status_code == 200
    assert response.json()["archived"] is False
    assert listed() == [pk]
    verbs = list(Event.objects.filter(article_id=pk).values_list("verb", flat=True))
    assert "article.archived" in verbs and "article.restored" in verbs
    assert Event.objects.get(verb="article.archived").note == "Imported by mistake"


def test_only_admins_delete_and_the_event_survives(api_as, world):
    pk = world.article.pk
    refused = api_as("editor").delete(f"/api/v1/articles/{pk}/")
    assert refused.status_code == 403
    assert "needs admin" in error_of(refused)["detail"]
    assert api_as("outsider").delete(f"/api/v1/articles/{pk}/").status_code == 404

    response = api_as("admin").delete(f"/api/v1/articles/{pk}/")
    assert response.status_code == 204
    assert not Article.objects.filter(pk=pk).exists()
    assert not Claim.objects.filter(pk=world.claim.pk).exists()
    assert api_as("admin").get(f"/api/v1/articles/{pk}/").status_code == 404
    activity = api_as("viewer").get(f"/api/v1/teams/verify/activity/?article={pk}").json()
    sentences = [row["sentence"] for row in activity["results"]]
    assert sentences[0].startswith("admin-user deleted the article")
    assert "with 1 claim, 1 verdict, 1 source, 1 comment, 1 revision" in sentences[0]
    assert any("added the claim" in sentence for sentence in sentences)


def test_a_new_version_without_a_title_keeps_the_title(api_as, world):
    pk = world.article.pk
    before = world.article.title
    page = (
        "<html><head><title>Another headline</title></head><body><article>"
        "<h1>Another headline</h1><p>11.000 North Korean soldiers, an update.</p>"
        "<p>More words here.</p></article></body></html>"
    )
    response = api_as("reviewer").post(
        f"/api/v1/articles/{pk}/revisions/",
        data=json.dumps({"html": page, "title": ""}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert api_as("viewer").get(f"/api/v1/articles/{pk}/").json()["title"] == before
    response = api_as("reviewer").post(
        f"/api/v1/articles/{pk}/revisions/",
        data=json.dumps({"text": "Plain new text.\n\nSecond.", "title": "Given title"}),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert api_as("viewer").get(f"/api/v1/articles/{pk}/").json()["title"] == "Given title"


def _list_queries(client, desk, count: int, query: str) -> int:
    for number in range(count):
        current = make_article(desk.team, f"API story {count}-{number}.")
        current.assignees.add(desk.reviewer)
        services.claim_create(article=current, actor=desk.reviewer, exact="API story")
        old = make_article(desk.team, f"Archived API story {count}-{number}.")
        old.assignees.add(desk.editor)
        Article.objects.filter(pk=old.pk).update(archived_at=timezone.now() - timedelta(days=1))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/articles/{query}")
    assert response.status_code == 200
    shown = Article.objects.filter(archived_at__isnull=query == "").count()
    assert len(response.json()["results"]) == shown
    return len(queries)


@pytest.mark.parametrize("query", ["", "?archived=1"], ids=["current", "archived"])
def test_the_article_list_with_archived_articles_takes_the_same_queries_for_3_and_30(
    api_as, desk, world: World, query
):
    client = api_as("viewer")
    client.get("/api/v1/teams/")  # the token's first use is recorded once: not counted below
    assert _list_queries(client, desk, 3, query) == _list_queries(client, desk, 27, query)
