"""Managing articles (annotations/services/articles.py, pages/articles.py): editing an article's
details, archiving and restoring it, deleting it; what an archived article still allows; and
a new version without a title keeping the current one. Permissions by role are in the three
generated matrices; these tests follow what a person sees and what the audit trail says."""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from annotations import queries, services
from annotations.errors import Conflict, Forbidden, InvalidInput
from annotations.exports import streams
from annotations.models import (
    Article,
    ArticleAssignment,
    ArticleRevision,
    Claim,
    ClaimAssignment,
    Comment,
    Event,
    Notification,
    Source,
    Verdict,
)
from annotations.queries import audit
from tests.factories import make_article
from tests.matrices.permission_world import QUOTE, make_scene

STORY = (
    "Kursk, 5 November. 11.000 North Korean soldiers are in the Kursk region, Zelensky said.\n\n"
    "The Pentagon counts 10.000 North Korean soldiers."
)

pytestmark = [pytest.mark.django_db, pytest.mark.article(text=STORY, title="Troops in Kursk")]


def html_of(response) -> str:
    return response.content.decode()


def text_of(response) -> str:
    """The page's words, without markup, as a reader sees them."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", html_of(response))).split())


def sentences(article_id: int) -> list[str]:
    events = Event.objects.filter(article_id=article_id).select_related("actor", "article")
    return [view.sentence for view in audit.present(events.order_by("id"))]


# --- editing details: the service ---------------------------------------------------------------


def test_an_editor_corrects_the_details_and_one_event_keeps_only_what_changed(desk, article):
    services.article_update(
        actor=desk.editor,
        article=article,
        title="Troops in Kursk, checked",
        url="HTTPS://example.org/kursk",
        publisher="",
        author="",
        published_at="2024-11-05",
        language="EN-gb",
    )
    article.refresh_from_db()
    assert article.title == "Troops in Kursk, checked"
    assert article.url == "https://example.org/kursk"
    assert article.published_at == date(2024, 11, 5)
    assert article.language == "en-gb"
    event = Event.objects.get(verb="article.updated")
    assert event.actor == desk.editor
    # publisher and author were empty and stayed empty: not recorded
    assert event.changes == {
        "title": ["Troops in Kursk", "Troops in Kursk, checked"],
        "url": ["", "https://example.org/kursk"],
        "published_at": [None, "2024-11-05"],
        "language": ["en", "en-gb"],  # detected at import
    }
    assert sentences(article.pk)[-1] == (
        "editor-user changed the article's title, address, published date and language"
    )


def test_one_changed_field_reads_as_a_sentence_and_saving_the_same_values_records_nothing(
    desk, article
):
    services.article_update(actor=desk.editor, article=article, publisher="Ukrainska Pravda")
    assert sentences(article.pk)[-1] == (
        "editor-user set the article's publisher to “Ukrainska Pravda”"
    )
    services.article_update(actor=desk.editor, article=article, title="Kursk troops")
    assert sentences(article.pk)[-1] == (
        "editor-user changed the article's title from “Troops in Kursk” to “Kursk troops”"
    )
    before = Event.objects.count()
    services.article_update(actor=desk.editor, article=article, title=" Kursk troops ")
    assert Event.objects.count() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "   ", "needs a title"),
        ("url", "ftp://example.org/story", "http:// or https://"),
        ("url", "javascript:alert(1)", "http:// or https://"),
        ("url", "not a url", "http:// or https://"),
        ("published_at", "5 November", "YYYY-MM-DD"),
        ("language", "English (UK)", "language code"),
        ("publisher", "x" * 201, "longer than 200"),
    ],
)
def test_bad_details_are_refused_naming_the_field_and_nothing_changes(
    desk, article, field, value, message
):
    with pytest.raises(InvalidInput, match=re.escape(message)) as refused:
        services.article_update(actor=desk.editor, article=article, **{field: value})
    assert refused.value.field == field
    assert Article.objects.get(pk=article.pk).title == "Troops in Kursk"
    assert not Event.objects.filter(verb="article.updated").exists()


def test_a_change_made_meanwhile_to_a_field_being_changed_is_not_overwritten(desk, article):
    seen = {"title": "Troops in Kursk", "publisher": ""}
    services.article_update(actor=desk.admin, article=article, title="Kursk: the numbers")
    with pytest.raises(Conflict, match="the title is now “Kursk: the numbers”") as refused:
        services.article_update(
            actor=desk.editor, article=article, expected=seen, title="Troops in Kursk region"
        )
    assert refused.value.code == "stale"
    assert Article.objects.get(pk=article.pk).title == "Kursk: the numbers"
    # A field nobody else touched saves although another one changed.
    services.article_update(
        actor=desk.editor,
        article=article,
        expected=seen,
        title="Kursk: the numbers",
        publisher="Ukrainska Pravda",
    )
    assert Article.objects.get(pk=article.pk).publisher == "Ukrainska Pravda"


def test_reviewers_cannot_edit_details_and_are_told_why(desk, article):
    with pytest.raises(Forbidden, match="reviewer; this needs editor"):
        services.article_update(actor=desk.reviewer, article=article, title="Mine")


# --- editing details: the page --------------------------------------------------------------------


def test_the_article_page_links_editors_to_edit_details_and_not_reviewers(client, desk, article):
    url = reverse("article_detail", args=[article.pk])
    client.force_login(desk.editor)
    page = html_of(client.get(url))
    assert reverse("article_edit", args=[article.pk]) in page
    assert reverse("article_archive", args=[article.pk]) in page
    assert reverse("article_delete", args=[article.pk]) not in page  # admins only
    client.force_login(desk.admin)
    assert reverse("article_delete", args=[article.pk]) in html_of(client.get(url))
    client.force_login(desk.reviewer)
    page = html_of(client.get(url))
    assert reverse("article_edit", args=[article.pk]) not in page
    assert reverse("article_archive", args=[article.pk]) not in page


def _edit_form(article: Article, **changes) -> dict:
    values = {
        "title": article.title,
        "url": article.url,
        "publisher": article.publisher,
        "author": article.author,
        "published_at": article.published_at.isoformat() if article.published_at else "",
        "language": article.language,
    }
    seen = {f"seen_{name}": value for name, value in values.items()}
    return {**values, **seen, **changes}


def test_the_edit_page_saves_and_the_article_page_shows_the_new_details(client, desk, article):
    client.force_login(desk.editor)
    url = reverse("article_edit", args=[article.pk])
    form = html_of(client.get(url))
    assert 'value="Troops in Kursk"' in form
    response = client.post(
        url, _edit_form(article, title="Kursk, checked", url="https://example.org/kursk")
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    text = text_of(page)
    assert "Saved the article's details." in text
    assert "Kursk, checked" in text
    assert 'href="https://example.org/kursk"' in html_of(page)


def test_a_bad_url_on_the_edit_page_is_shown_in_place_keeping_what_was_typed(client, desk, article):
    client.force_login(desk.editor)
    response = client.post(
        reverse("article_edit", args=[article.pk]),
        _edit_form(article, title="Typed title", url="ftp://example.org/x", author="Typed author"),
    )
    assert response.status_code == 400
    page = html_of(response)
    assert "http:// or https://" in page
    assert 'value="Typed title"' in page
    assert 'value="Typed author"' in page
    assert 'value="ftp://example.org/x"' in page
    assert Article.objects.get(pk=article.pk).title == "Troops in Kursk"


def test_the_edit_page_names_a_change_made_meanwhile_and_saving_again_applies_yours(
    client, desk, article
):
    client.force_login(desk.editor)
    url = reverse("article_edit", args=[article.pk])
    form = _edit_form(article, title="My title")
    services.article_update(actor=desk.admin, article=article, title="Their title")
    response = client.post(url, form)
    assert response.status_code == 409
    page = html_of(response)
    assert "the title is now “Their title”" in page
    assert 'value="My title"' in page
    assert Article.objects.get(pk=article.pk).title == "Their title"
    # The form now carries the current values as the ones seen: saving again replaces them.
    seen = re.search(r'name="seen_title" value="([^"]*)"', page).group(1)
    assert seen == "Their title"
    response = client.post(url, {**form, "seen_title": seen})
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).title == "My title"


def test_a_reviewer_opening_the_edit_page_is_told_why_not(client, desk, article):
    client.force_login(desk.reviewer)
    response = client.get(reverse("article_edit", args=[article.pk]))
    assert response.status_code == 403
    assert "this needs editor" in text_of(response)


# --- a new version keeps the title ----------------------------------------------------------------


def test_a_new_version_without_a_title_keeps_the_current_one(desk, article):
    services.article_update(actor=desk.editor, article=article, title="Chosen title")
    page = (
        "<html><head><title>Scraped headline | Site</title></head><body><article>"
        f"<h1>Scraped headline</h1><p>{STORY}</p><p>Update.</p></article></body></html>"
    )
    result = services.article_revise(article=article, actor=desk.reviewer, html=page, title="")
    assert result.created
    assert Article.objects.get(pk=article.pk).title == "Chosen title"
    assert ArticleRevision.objects.get(article=article, number=2).title == "Chosen title"
    result = services.article_revise(
        article=article, actor=desk.reviewer, text=STORY + "\n\nMore.", title="  "
    )
    assert Article.objects.get(pk=article.pk).title == "Chosen title"
    services.article_revise(
        article=article, actor=desk.reviewer, text=STORY + "\n\nEven more.", title="New title"
    )
    assert Article.objects.get(pk=article.pk).title == "New title"


def test_the_revise_page_with_the_title_left_empty_keeps_the_title(client, desk, article):
    client.force_login(desk.reviewer)
    response = client.post(
        reverse("article_revise", args=[article.pk]),
        {"source": "text", "text_format": "text", "title": "", "text": "Other words.\n\nNew."},
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.revision == 2
    assert article.title == "Troops in Kursk"
    page = client.get(reverse("article_revise", args=[article.pk]))
    assert "the current title stays when left empty" in text_of(page)


# --- archive and restore --------------------------------------------------------------------------


def test_archiving_hides_the_article_from_the_list_and_restoring_brings_it_back(
    client, desk, article
):
    client.force_login(desk.editor)
    listed = reverse("article_list")
    assert "Troops in Kursk" in text_of(client.get(listed))

    response = client.post(reverse("article_archive", args=[article.pk]))
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Archived “Troops in Kursk”" in text_of(page)
    assert "Archived on" in text_of(page)
    assert reverse("article_restore", args=[article.pk]) in html_of(page)
    assert "Troops in Kursk" not in text_of(client.get(listed))
    archived = client.get(listed, {"archived": "1"})
    assert "Troops in Kursk" in text_of(archived)
    assert 'aria-current="page">Archived' in html_of(archived)

    response = client.post(reverse("article_restore", args=[article.pk]))
    assert response.status_code == 302
    assert "Restored “Troops in Kursk”" in text_of(client.get(response["Location"]))
    assert "Troops in Kursk" in text_of(client.get(listed))
    assert [e.verb for e in Event.objects.filter(article=article).order_by("id")][-2:] == [
        "article.archived",
        "article.restored",
    ]
    assert sentences(article.pk)[-2:] == [
        "editor-user archived the article “Troops in Kursk”",
        "editor-user restored the archived article “Troops in Kursk”",
    ]


def test_archiving_twice_or_restoring_a_current_article_is_refused(desk, article):
    services.article_archive(actor=desk.editor, article=article)
    with pytest.raises(Conflict) as refused:
        services.article_archive(actor=desk.editor, article=article)
    assert refused.value.code == "already_archived"
    services.article_restore(actor=desk.editor, article=article)
    with pytest.raises(Conflict) as refused:
        services.article_restore(actor=desk.editor, article=article)
    assert refused.value.code == "not_archived"


def test_an_archived_article_keeps_its_claims_readable_but_takes_no_new_claims_or_versions(
    client, desk, article
):
    claim = services.claim_create(article=article, actor=desk.reviewer, exact=QUOTE)
    services.article_archive(actor=desk.editor, article=article)
    article.refresh_from_db()
    with pytest.raises(Conflict, match="archived: restore it before adding claims"):
        services.claim_create(article=article, actor=desk.reviewer, exact="10.000")
    with pytest.raises(Conflict, match="archived: restore it before loading a new version"):
        services.article_revise(article=article, actor=desk.reviewer, text="Changed.")
    # Its details can still be corrected.
    services.article_update(actor=desk.editor, article=article, publisher="Corrected")
    client.force_login(desk.reviewer)
    page = client.get(reverse("article_detail", args=[article.pk]))
    assert f'data-claim-id="{claim.pk}"' in html_of(page)
    assert "takes no new claims or versions until it is restored" in text_of(page)
    assert reverse("claim_new", args=[article.pk]) not in html_of(page)
    assert reverse("article_revise", args=[article.pk]) not in html_of(page)


def test_importing_an_archived_articles_text_again_says_it_is_archived(desk, article):
    services.article_archive(actor=desk.editor, article=article)
    result = services.article_import(team=desk.team, actor=desk.reviewer, text=STORY)
    assert not result.created
    assert result.article.pk == article.pk
    assert "That article is archived: restore it" in result.message


def test_an_archived_articles_work_leaves_everyones_queue_and_comes_back_on_restore(desk, article):
    claim = services.claim_create(article=article, actor=desk.editor, exact=QUOTE)
    services.article_assign(article=article, assignee=desk.reviewer, actor=desk.editor)
    services.claim_assign(claim=claim, assignee=desk.reviewer, actor=desk.editor)
    services.claim_transition(claim=claim, actor=desk.editor, to="in_review")
    before = queries.queue_for(desk.reviewer)
    assert (len(before.articles), len(before.claims), len(before.waiting)) == (1, 1, 1)
    assert queries.open_item_count(desk.reviewer) == 2
    assert len(queries.queue_for(desk.admin).waiting) == 1

    services.article_archive(actor=desk.editor, article=article)
    after = queries.queue_for(desk.reviewer)
    assert (len(after.articles), len(after.claims), len(after.waiting)) == (0, 0, 0)
    assert queries.open_item_count(desk.reviewer) == 0
    assert queries.queue_for(desk.admin).waiting == []
    # The assignments themselves are kept, for when it comes back.
    assert ArticleAssignment.objects.filter(article=article).count() == 1

    services.article_restore(actor=desk.editor, article=article)
    assert queries.open_item_count(desk.reviewer) == 2


def test_an_archived_article_takes_no_new_assignments_and_its_page_offers_none(
    client, desk, article
):
    claim = services.claim_create(article=article, actor=desk.editor, exact=QUOTE)
    services.article_archive(actor=desk.editor, article=article)
    for assign in (
        lambda: services.article_assign(article=article, assignee=desk.reviewer, actor=desk.editor),
        lambda: services.claim_assign(claim=claim, assignee=desk.reviewer, actor=desk.editor),
    ):
        with pytest.raises(Conflict) as refused:
            assign()
        assert refused.value.code == "archived"
    assert not ArticleAssignment.objects.filter(article=article).exists()
    client.force_login(desk.editor)
    page = client.get(reverse("article_detail", args=[article.pk])).content.decode()
    assert reverse("article_assign", args=[article.pk]) not in page
    services.article_restore(actor=desk.editor, article=article)
    page = client.get(reverse("article_detail", args=[article.pk])).content.decode()
    assert reverse("article_assign", args=[article.pk]) in page


def _export(team, fmt: str = "ndjson", **kwargs) -> str:
    return "".join(streams.FORMATS[fmt].stream(team, base_url="http://testserver", **kwargs))


def test_a_team_export_leaves_archived_articles_out_unless_asked_and_one_articles_export_works(
    desk, article
):
    kept = make_article(desk.team, "A current story.\n\nWith a claim.", title="Current")
    services.claim_create(article=kept, actor=desk.reviewer, exact="a claim")
    services.claim_create(article=article, actor=desk.reviewer, exact=QUOTE)
    services.article_archive(actor=desk.editor, article=article)

    quotes = [json.loads(line)["exact"] for line in _export(desk.team).splitlines()]
    assert quotes == ["a claim"]
    everything = _export(desk.team, include_archived=True).splitlines()
    assert sorted(json.loads(line)["exact"] for line in everything) == sorted([QUOTE, "a claim"])
    alone = _export(desk.team, article=article).splitlines()
    assert [json.loads(line)["exact"] for line in alone] == [QUOTE]
    document = json.loads(_export(desk.team, "json"))
    assert [item["title"] for item in document["articles"]] == ["Current"]
    document = json.loads(_export(desk.team, "json", include_archived=True))
    assert sorted(item["title"] for item in document["articles"]) == ["Current", "Troops in Kursk"]
    w3c = json.loads(_export(desk.team, "w3c"))
    assert w3c["total"] == 1


def test_a_json_export_with_archived_articles_imports_back_archived(desk, article):
    services.claim_create(article=article, actor=desk.reviewer, exact=QUOTE)
    services.article_archive(actor=desk.editor, article=article)
    document = json.loads(_export(desk.team, "json", include_archived=True))
    assert document["articles"][0]["archived_at"]
    copy = services.team_create(name="Copy desk", slug="copy-desk")
    services.team_import_json(team=copy, data=document)
    copied = Article.objects.get(team=copy)
    assert copied.archived_at == Article.objects.get(pk=article.pk).archived_at
    # An export made before articles could be archived (no archived_at) still imports.
    del document["articles"][0]["archived_at"]
    older = services.team_create(name="Older desk", slug="older-desk")
    services.team_import_json(team=older, data=document)
    assert Article.objects.get(team=older).archived_at is None


def test_the_export_command_includes_archived_articles_when_asked(desk, article, capsys):
    services.claim_create(article=article, actor=desk.reviewer, exact=QUOTE)
    services.article_archive(actor=desk.editor, article=article)
    call_command("export", team="verify", format="ndjson")
    assert capsys.readouterr().out == ""
    call_command("export", team="verify", format="ndjson", include_archived=True)
    assert QUOTE in capsys.readouterr().out


# --- delete --------------------------------------------------------------------------------------


def _article_with_everything(desk, article) -> Claim:
    claim = services.claim_create(
        article=article,
        actor=desk.reviewer,
        exact=QUOTE,
        rating="mostly-true",
        sources=[{"url": "https://example.org/kursk"}, {"url": "https://example.org/isw"}],
    )
    services.verdict_set(claim=claim, actor=desk.editor, rating="false")
    services.comment_add(claim=claim, actor=desk.editor, body="@reviewer-user check the ISW")
    services.article_revise(article=article, actor=desk.reviewer, text=STORY + "\n\nMore.")
    services.article_assign(article=article, assignee=desk.reviewer, actor=desk.editor)
    services.claim_assign(claim=claim, assignee=desk.reviewer, actor=desk.editor)
    return claim


def test_the_delete_page_names_what_goes_with_the_article(client, desk, article):
    _article_with_everything(desk, article)
    client.force_login(desk.admin)
    response = client.get(reverse("article_delete", args=[article.pk]))
    assert response.status_code == 200
    text = text_of(response)
    for words in (
        "1 claim ",
        "2 verdicts",
        "2 sources",
        "1 comment ",
        "2 revisions",
        "2 assignments",
    ):
        assert words in text + " ", words
    assert "This cannot be undone" in text
    assert Article.objects.filter(pk=article.pk).exists()  # asking deletes nothing


def test_deleting_removes_everything_but_the_history_stays_readable(client, desk, article):
    claim = _article_with_everything(desk, article)
    client.force_login(desk.admin)
    response = client.post(reverse("article_delete", args=[article.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("article_list")
    message = text_of(client.get(response["Location"]))
    assert "Deleted “Troops in Kursk” with 1 claim, 2 verdicts, 2 sources" in message

    assert not Article.objects.filter(pk=article.pk).exists()
    assert not Claim.objects.filter(pk=claim.pk).exists()
    for model, lookup in (
        (Verdict, "claim_id"),
        (Source, "claim_id"),
        (Comment, "claim_id"),
        (ClaimAssignment, "claim_id"),
    ):
        assert not model.objects.filter(**{lookup: claim.pk}).exists()
    assert not ArticleRevision.objects.filter(article_id=article.pk).exists()
    assert not ArticleAssignment.objects.filter(article_id=article.pk).exists()
    # Notifications about it stay, pointing nowhere.
    assert Notification.objects.filter(user=desk.reviewer).exists()

    deletion = Event.objects.get(verb="article.deleted")
    assert deletion.article_id == article.pk
    assert deletion.changes["title"] == ["Troops in Kursk", None]
    assert deletion.changes["claims"] == [1, None]
    # Every earlier event is still there, and the activity page reads them.
    assert Event.objects.filter(article_id=article.pk).count() > 5
    activity = client.get(reverse("team_activity", args=["verify"]))
    assert activity.status_code == 200
    text = text_of(activity)
    assert (
        "admin-user deleted the article “Troops in Kursk” for good, with 1 claim, 2 verdicts, "
        "2 sources, 1 comment, 2 revisions, 2 assignments"
    ) in text
    assert "reviewer-user added the claim" in text
    history = client.get(reverse("claim_history", args=[claim.pk]))
    assert history.status_code == 200
    assert "A deleted article" in text_of(history)


def test_editors_cannot_delete_and_are_told_why(client, desk, article):
    with pytest.raises(Forbidden, match="this needs admin"):
        services.article_delete(actor=desk.editor, article=article)
    client.force_login(desk.editor)
    response = client.post(reverse("article_delete", args=[article.pk]))
    assert response.status_code == 403
    assert "this needs admin" in text_of(response)
    assert Article.objects.filter(pk=article.pk).exists()


# --- the list's query count ----------------------------------------------------------------------


def _list_queries(client, desk, count: int, archived: bool) -> int:
    for number in range(count):
        current = make_article(desk.team, f"Current story {count}-{number}.", title="Current")
        services.claim_create(article=current, actor=desk.reviewer, exact="Current story")
        old = make_article(desk.team, f"Old story {count}-{number}.", title="Old")
        Article.objects.filter(pk=old.pk).update(archived_at=timezone.now() - timedelta(days=1))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("article_list"), {"archived": "1"} if archived else {})
    assert response.status_code == 200
    rows = html_of(response).count('<th scope="row"')
    assert rows == Article.objects.filter(archived_at__isnull=not archived).count()
    return len(queries)


@pytest.mark.parametrize("archived", [False, True], ids=["current", "archived tab"])
def test_the_list_with_archived_articles_takes_the_same_queries_for_3_and_30(
    client, desk, archived
):
    client.force_login(desk.reviewer)
    few = _list_queries(client, desk, 3, archived)
    many = _list_queries(client, desk, 27, archived)
    assert few == many


def test_the_scene_article_can_be_archived_and_deleted_in_the_permission_world(desk):
    """The permission matrices' world: archiving keeps the scene's claim, deleting removes it."""
    scene = make_scene(desk)
    services.article_archive(actor=desk.editor, article=scene.article)
    assert Claim.objects.filter(pk=scene.claim.pk).exists()
    contents = services.article_delete(actor=desk.admin, article=scene.article)
    assert (contents.claims, contents.verdicts, contents.sources, contents.comments) == (1, 1, 1, 1)


def test_a_date_typed_by_an_editor_is_no_longer_shown_as_a_guess(desk, article):
    Article.objects.filter(pk=article.pk).update(
        published_at=date(2019, 1, 1), published_at_guessed=True
    )
    article.refresh_from_db()
    services.article_update(actor=desk.editor, article=article, title="Renamed only")
    article.refresh_from_db()
    assert article.published_at_guessed  # the date was not touched: still the extractor's guess
    services.article_update(actor=desk.editor, article=article, published_at="2024-11-05")
    article.refresh_from_db()
    assert article.published_at == date(2024, 11, 5)
    assert not article.published_at_guessed
    assert sentences(article.pk)[-1] == (
        "editor-user changed the article's published date from “2019-01-01” to “2024-11-05”"
    )
