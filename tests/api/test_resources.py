"""What each resource answers: shapes, imports, claims and their verdicts, sources, comments,
history and workflow, list filters, ordering and cursor pagination."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations import services
from annotations.models import Article, Claim, Event
from tests.api.conftest import error_of
from tests.factories import QUOTE, make_article

pytestmark = pytest.mark.django_db


# --- teams -----------------------------------------------------------------------------------


def test_teams_show_your_role(desk, api_as):
    team = api_as("reviewer").get("/api/v1/teams/verify/").json()

    assert team == {
        "slug": "verify",
        "name": "Verification desk",
        "created_at": team["created_at"],
        "role": "reviewer",
    }


def test_ratings_list_the_scale_in_order_with_numbers(desk, reviewer):
    ratings = reviewer.get("/api/v1/teams/verify/ratings/").json()["results"]

    assert [r["slug"] for r in ratings][:3] == ["true", "mostly-true", "half-true"]
    assert ratings[0]["value"] == 5.0 and ratings[-1]["value"] is None
    assert ratings[0]["colour"].startswith("#")


def test_members_list_every_role(desk, reviewer):
    members = reviewer.get("/api/v1/teams/verify/members/").json()["results"]

    assert {m["username"]: m["role"] for m in members} == {
        "admin-user": "admin",
        "editor-user": "editor",
        "reviewer-user": "reviewer",
        "viewer-user": "viewer",
    }


# --- articles --------------------------------------------------------------------------------


def test_importing_text_answers_201_with_location_and_the_article(desk, reviewer):
    response = reviewer.post(
        "/api/v1/articles/",
        {
            "team": "verify",
            "text": "Budget day\n\nThe minister said taxes fall.",
            "title": "Budget",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["created"] is True
    assert body["title"] == "Budget"
    assert body["text"].startswith("Budget day")
    assert response["Location"].endswith(f"/api/v1/articles/{body['id']}/")
    assert response["ETag"]


def test_importing_the_same_text_again_gives_back_the_article_with_200(desk, reviewer):
    article = make_article(desk.team)

    response = reviewer.post(
        "/api/v1/articles/", {"team": "verify", "text": article.text}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == article.pk and body["created"] is False
    assert "already" in body["message"]
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "title"),
    [
        ("story.md", b"# A heading\n\nSome *text*.", "A heading"),
        (
            "story.html",
            b"<html><head><title>Page</title></head><body><p>Body text here.</p></body></html>",
            "Page",
        ),
        ("story.txt", b"Plain first line\n\nSecond.", "Plain first line"),
    ],
)
def test_importing_a_multipart_file(name, content, title, desk, reviewer):
    upload = SimpleUploadedFile(name, content)

    response = reviewer.post(
        "/api/v1/articles/",
        {"team": "verify", "file": upload, "force": "true"},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert response.json()["title"] == title


def test_importing_markdown_and_html_in_json(desk, reviewer):
    md = reviewer.post(
        "/api/v1/articles/", {"team": "verify", "markdown": "# Title\n\nBody."}, format="json"
    )
    html = reviewer.post(
        "/api/v1/articles/",
        {"team": "verify", "html": "<h1>Other</h1><p>Another body of text.</p>", "force": True},
        format="json",
    )

    assert md.status_code == 201 and md.json()["text"] == "Title\n\nBody."
    assert html.status_code == 201


def test_article_filters(desk, reviewer):
    first = make_article(desk.team, text="Alpha story.\n\nAbout elections.", title="Alpha")
    make_article(desk.team, text="Beta story.\n\nAbout weather.", title="Beta")
    first.assignees.add(desk.editor)
    make_article(desk.other_team, text="Alpha in the other team.")

    def titles(query: str) -> list[str]:
        response = reviewer.get(f"/api/v1/articles/?{query}")
        assert response.status_code == 200
        return sorted(a["title"] for a in response.json()["results"])

    assert titles("") == ["Alpha", "Beta"]
    assert titles("q=alpha") == ["Alpha"]
    assert titles("assignee=editor-user") == ["Alpha"]
    assert titles("team=other") == []
    assert titles("status=new") == ["Alpha", "Beta"]
    assert titles("status=published") == []
    assert titles("ordering=title")[0] == "Alpha"


def test_article_detail_and_revisions(desk, world, reviewer):
    detail = reviewer.get(f"/api/v1/articles/{world.article.pk}/").json()
    revisions = reviewer.get(f"/api/v1/articles/{world.article.pk}/revisions/").json()["results"]

    assert detail["text"] == world.article.text
    assert detail["claim_count"] == 1
    assert detail["blocks"][0]["kind"]
    assert [r["number"] for r in revisions] == [1]
    assert revisions[0]["text"] == world.article.text


# --- claims ----------------------------------------------------------------------------------


def test_a_claim_has_the_documented_shape(world, reviewer):
    claim = reviewer.get(f"/api/v1/claims/{world.claim.pk}/").json()

    assert set(claim) == {
        "id", "number", "article", "start", "end", "exact", "prefix", "suffix", "anchor",
        "anchored_revision", "claimant", "summary", "status", "tags", "version", "created_by",
        "created_at", "updated_at", "verdicts", "final_verdict", "sources",
        "correction_note", "corrected_at", "public_url",
    }  # fmt: skip
    assert claim["public_url"] == ""
    assert world.article.text[claim["start"] : claim["end"]] == claim["exact"] == QUOTE
    assert claim["number"] == world.claim.number >= 1
    assert claim["anchor"] == "anchored"
    assert claim["created_by"] == "admin-user"
    verdict = claim["verdicts"][0]
    assert verdict["reviewer"] == "admin-user"
    assert verdict["rating"] == {
        "slug": "mostly-true",
        "label": "Mostly true",
        "value": 4.0,
        "colour": "#65a30d",
    }
    assert verdict["rationale"] == "Close to other estimates."
    assert claim["final_verdict"] is None
    source = claim["sources"][0]
    assert set(source) == {
        "id", "url", "title", "publisher", "excerpt", "stance", "accessed_at", "archived_url",
    }  # fmt: skip
    assert source["url"] == "https://example.org/kursk"


def test_creating_a_claim_from_offsets_with_verdict_sources_and_tags(world, reviewer):
    start = world.article.text.index("10.000")
    response = reviewer.post(
        f"/api/v1/articles/{world.article.pk}/claims/",
        {
            "start": start,
            "end": start + 6,
            "claimant": "Pentagon",
            "summary": "There are 10,000 North Korean soldiers in Kursk.",
            "rating": "half-true",
            "rationale": "Estimates vary.",
            "sources": [
                {
                    "url": "https://example.org/pentagon",
                    "stance": "supports",
                    "accessed_at": "2026-11-01",
                }
            ],
            "tags": ["troops", "numbers"],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    claim = response.json()
    assert claim["exact"] == "10.000"
    assert claim["verdicts"][0]["rating"]["slug"] == "half-true"
    assert claim["sources"][0]["stance"] == "supports"
    assert claim["sources"][0]["accessed_at"] == "2026-11-01"
    assert claim["tags"] == ["troops", "numbers"]
    assert response["Location"].endswith(f"/api/v1/claims/{claim['id']}/")


def test_a_quote_with_context_chooses_among_repeats(world, reviewer):
    response = reviewer.post(
        f"/api/v1/articles/{world.article.pk}/claims/",
        {"exact": "North Korean soldiers", "prefix": "there are 10.000 "},
        format="json",
    )

    assert response.status_code == 201, response.content
    start = response.json()["start"]
    assert world.article.text[start - 7 : start] == "10.000 "


def test_article_claims_come_in_text_order_with_orphans_last(world, desk, reviewer):
    later = services.claim_create(article=world.article, actor=desk.reviewer, exact="Pentagon")
    earlier = services.claim_create(article=world.article, actor=desk.reviewer, exact="Troops")
    Claim.objects.filter(pk=earlier.pk).update(start=None, end=None, anchor="orphaned")

    ids = [
        c["id"]
        for c in reviewer.get(f"/api/v1/articles/{world.article.pk}/claims/").json()["results"]
    ]

    assert ids == [world.claim.pk, later.pk, earlier.pk]


def test_put_replaces_the_fields_and_patch_changes_only_those_given(world, editor):
    url = f"/api/v1/claims/{world.claim.pk}/"

    put = editor.put(url, {"claimant": "Kyiv", "summary": "S.", "tags": ["x"]}, format="json")
    patch = editor.patch(url, {"tags": []}, format="json")

    assert put.status_code == 200 and patch.status_code == 200
    assert patch.json()["claimant"] == "Kyiv" and patch.json()["tags"] == []
    missing = editor.put(url, {"claimant": "Kyiv"}, format="json")
    assert missing.status_code == 400
    assert set(error_of(missing)["errors"]) == {"summary", "tags"}


def test_patch_can_move_a_claim(world, editor):
    response = editor.patch(
        f"/api/v1/claims/{world.claim.pk}/",
        {"exact": "10.000 North Korean soldiers"},
        format="json",
    )

    assert response.status_code == 200
    claim = response.json()
    assert world.article.text[claim["start"] : claim["end"]] == "10.000 North Korean soldiers"


def test_a_reviewer_edits_their_own_claim_but_not_another(world, desk, reviewer):
    own = services.claim_create(article=world.article, actor=desk.reviewer, exact="Pentagon")

    assert (
        reviewer.patch(f"/api/v1/claims/{own.pk}/", {"summary": "Mine."}, format="json").status_code
        == 200
    )
    other = reviewer.patch(f"/api/v1/claims/{world.claim.pk}/", {"summary": "No."}, format="json")
    assert other.status_code == 403
    assert error_of(other)["code"] == "permission_denied"


def test_verdicts_keep_history_and_setting_the_same_one_is_200(world, reviewer):
    url = f"/api/v1/claims/{world.claim.pk}/verdicts/"

    first = reviewer.post(url, {"rating": "false"}, format="json")
    same = reviewer.post(url, {"rating": "false"}, format="json")
    changed = reviewer.post(url, {"rating": "true", "rationale": "Checked."}, format="json")

    assert (first.status_code, same.status_code, changed.status_code) == (201, 200, 201)
    verdicts = reviewer.get(url).json()["results"]
    mine = [v for v in verdicts if v["reviewer"] == "reviewer-user"]
    assert [(v["rating"]["slug"], v["is_current"]) for v in mine] == [
        ("true", True),
        ("false", False),
    ]
    claim = reviewer.get(f"/api/v1/claims/{world.claim.pk}/").json()
    assert sorted(v["rating"]["slug"] for v in claim["verdicts"]) == ["mostly-true", "true"]


def test_sources_are_added_and_removed(world, editor):
    url = f"/api/v1/claims/{world.claim.pk}/sources/"

    added = editor.post(url, {"url": "HTTPS://example.org/new", "title": "New"}, format="json")
    assert added.status_code == 201
    assert added.json()["url"] == "https://example.org/new"

    source_id = added.json()["id"]
    assert editor.delete(f"{url}{source_id}/").status_code == 204
    assert editor.delete(f"{url}{source_id}/").status_code == 404
    assert [s["title"] for s in editor.get(url).json()["results"]] == ["Kursk report"]


def test_comments_replies_edits_and_deletes(world, desk, reviewer, editor):
    url = f"/api/v1/claims/{world.claim.pk}/comments/"

    reply = reviewer.post(url, {"body": "Agreed.", "reply_to": world.comment.pk}, format="json")
    assert reply.status_code == 201 and reply.json()["reply_to"] == world.comment.pk
    comment_id = reply.json()["id"]

    edited = reviewer.patch(f"{url}{comment_id}/", {"body": "Agreed, mostly."}, format="json")
    assert edited.status_code == 200 and edited.json()["body"] == "Agreed, mostly."
    assert (
        editor.patch(f"{url}{comment_id}/", {"body": "Not mine."}, format="json").status_code == 403
    )
    assert editor.delete(f"{url}{comment_id}/").status_code == 204  # editors moderate
    # The deleted reply stays as a tombstone, without its text.
    listed = reviewer.get(url).json()["results"]
    assert [(c["body"], c["deleted"]) for c in listed] == [
        ("Check the Pentagon.", False),
        (None, True),
    ]
    assert listed[1]["removed_by_editor"] is True


def test_the_workflow_through_the_api_and_its_history(world, desk, api_as):
    admin, editor = api_as("admin"), api_as("editor")
    url = f"/api/v1/claims/{world.claim.pk}/"

    assert admin.post(f"{url}transition/", {"to": "in_review"}, format="json").status_code == 200
    approved = editor.post(
        f"{url}transition/",
        {"to": "approved", "final_verdict": world.verdict.pk},
        format="json",
    )
    assert approved.status_code == 200
    assert approved.json()["final_verdict"]["rating"]["slug"] == "mostly-true"
    published = editor.post(f"{url}transition/", {"to": "published"}, format="json")
    assert published.json()["status"] == "published"

    frozen = editor.patch(url, {"summary": "Late change."}, format="json")
    assert frozen.status_code == 409 and error_of(frozen)["code"] == "published"

    no_note = editor.post(f"{url}transition/", {"to": "in_review"}, format="json")
    assert no_note.status_code == 400
    corrected = editor.post(
        f"{url}transition/", {"to": "in_review", "note": "Wrong number."}, format="json"
    )
    assert corrected.status_code == 200
    assert corrected.json()["correction_note"] == "Wrong number."
    assert corrected.json()["corrected_at"] is not None

    history = editor.get(f"{url}history/").json()["results"]
    verbs = [event["verb"] for event in history]
    assert verbs[0] == "claim.created"
    assert verbs[-4:] == ["claim.submitted", "claim.approved", "claim.published", "claim.corrected"]
    assert history[-1]["note"] == "Wrong number." and history[-1]["actor"] == "editor-user"
    assert history[-1]["changes"] == {
        "status": ["published", "in_review"],
        "correction_note": [None, "Wrong number."],
        "final_verdict": ["mostly-true", None],
    }
    assert [e["id"] for e in history] == sorted(e["id"] for e in history)


def test_deleting_a_claim_keeps_its_events(world, editor):
    assert editor.delete(f"/api/v1/claims/{world.claim.pk}/").status_code == 204

    assert Event.objects.filter(claim_id=world.claim.pk, verb="claim.deleted").exists()
    assert editor.get(f"/api/v1/claims/{world.claim.pk}/").status_code == 404


def test_claim_filters(world, desk, reviewer, editor):
    other = services.claim_create(
        article=world.article,
        actor=desk.reviewer,
        exact="Pentagon",
        claimant="US Department of Defense",
        rating="false",
    )

    def ids(query: str) -> set[int]:
        response = reviewer.get(f"/api/v1/claims/?{query}")
        assert response.status_code == 200, response.content
        return {c["id"] for c in response.json()["results"]}

    both = {world.claim.pk, other.pk}
    assert ids("") == both
    assert ids(f"article={world.article.pk}") == both
    assert ids("team=verify") == both and ids("team=other") == set()
    assert ids("rating=false") == {other.pk}
    assert ids("rating=mostly-true") == {world.claim.pk}
    assert ids("reviewer=reviewer-user") == {other.pk}
    assert ids("claimant=defense") == {other.pk}
    assert ids("q=korean") == {world.claim.pk}
    assert ids("status=draft") == both and ids("status=approved") == set()
    assert ids("created_after=2000-01-01") == both
    assert ids("created_before=2000-01-01T00:00:00Z") == set()


def test_lists_page_with_a_cursor(world, desk, reviewer):
    for i in range(4):
        make_article(desk.team, text=f"Paged story {i}.\n\nText.")

    seen: list[int] = []
    url = "/api/v1/articles/?page_size=2&ordering=title"
    pages = 0
    while url:
        body = reviewer.get(url).json()
        assert len(body["results"]) <= 2
        seen += [a["id"] for a in body["results"]]
        url = body["next"]
        pages += 1

    assert pages == 3
    assert len(seen) == len(set(seen)) == 5


def test_the_page_size_is_capped_at_200(world, reviewer):
    from annotations.api.pagination import MAX_PAGE_SIZE, ApiCursorPagination

    assert MAX_PAGE_SIZE == ApiCursorPagination.max_page_size == 200
    assert reviewer.get("/api/v1/claims/?page_size=100000").status_code == 200
    assert ApiCursorPagination.page_size == 50
