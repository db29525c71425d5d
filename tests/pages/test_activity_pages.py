"""The audit trail's pages: a claim's history (full page and the claim panel's section) and the
team's activity feed with its filters, keyset paging and download links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from annotations import services
from annotations.models import Event
from annotations.queries import audit
from tests.factories import make_article

OTHER_QUOTE = "10.000 North Korean soldiers"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.article(title="Troops in Kursk"),
    pytest.mark.claim(claimant="Zelensky"),
]


def html_of(response) -> str:
    return response.content.decode()


def entries(html: str) -> list[str]:
    """The sentences of the listed events, in page order."""
    return [
        re.sub(r"\s+", " ", text).strip()
        for text in re.findall(r'<span class="audit-entry__sentence">(.*?)</span>', html, re.S)
    ]


@pytest.fixture
def claim(claim, desk):
    """The shared claim, with two verdicts after it in its history."""
    services.verdict_set(claim=claim, actor=desk.reviewer, rating="mostly-false")
    services.verdict_set(claim=claim, actor=desk.reviewer, rating="false")
    return claim


def history_url(claim_id: int) -> str:
    return reverse("claim_history", args=[claim_id])


def activity_url(desk) -> str:
    return reverse("team_activity", args=[desk.team.slug])


# --- claim history ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["viewer", "reviewer", "editor", "admin"])
def test_members_read_a_claims_history_newest_first(client, desk, claim, persona):
    client.force_login(desk.user(persona))
    response = client.get(history_url(claim.pk))

    assert response.status_code == 200
    html = html_of(response)
    assert "<h1>History of claim" in html
    assert entries(html) == [
        "reviewer-user changed the verdict from Mostly false to False",
        "reviewer-user gave the verdict Mostly false",
        "reviewer-user added the claim “11.000 North Korean soldiers”",
    ]
    event = Event.objects.filter(claim_id=claim.pk).latest("id")
    assert f'<time datetime="{event.created_at.isoformat()}' in html or (
        f'<time datetime="{timezone.localtime(event.created_at):%Y-%m-%dT%H:%M}' in html
    )


def test_outsiders_and_strangers_do_not_find_a_claims_history(client, desk, claim):
    client.force_login(desk.outsider)
    assert client.get(history_url(claim.pk)).status_code == 404
    assert client.get(history_url(999_999)).status_code == 404
    client.logout()
    assert client.get(history_url(claim.pk)).status_code == 302  # to the login page


def test_a_deleted_claims_history_stays_readable_for_the_team(client, desk, claim):
    claim_id = claim.pk
    services.claim_delete(claim=claim, actor=desk.editor)

    client.force_login(desk.viewer)
    html = html_of(client.get(history_url(claim_id)))
    assert "This claim has been deleted" in html
    assert entries(html)[0] == "editor-user deleted the claim"
    assert "11.000 North Korean soldiers" in html
    client.force_login(desk.outsider)
    assert client.get(history_url(claim_id)).status_code == 404


def test_a_correction_note_is_shown_highlighted(client, desk, claim):
    for to in ("in_review", "approved", "published"):
        services.claim_transition(claim=claim, actor=desk.editor, to=to)
    services.claim_transition(
        claim=claim, actor=desk.editor, to="in_review", note="The figure was <b>12.000</b>."
    )

    client.force_login(desk.viewer)
    html = html_of(client.get(history_url(claim.pk)))
    assert entries(html)[0].startswith("editor-user corrected the published claim")
    assert "audit-entry--highlight" in html
    assert "<strong>Correction note:</strong> The figure was &lt;b&gt;12.000&lt;/b&gt;." in html
    assert "<b>12.000</b>" not in html


def test_field_changes_show_before_and_after_and_long_values_fold(client, desk, claim):
    long_summary = "The number of soldiers " + "really " * 30 + "matters."
    services.claim_update(claim=claim, actor=desk.editor, claimant="Pentagon", summary=long_summary)

    client.force_login(desk.viewer)
    html = html_of(client.get(history_url(claim.pk)))
    assert entries(html)[0] == "editor-user edited the claim"
    assert "<dt>claimant</dt>" in html
    assert re.search(r"Zelensky</span></span> <span aria-hidden=\"true\">→</span>", html)
    assert '<details class="audit-value"><summary>' in html
    assert long_summary in html  # the full value, inside the <details>


def test_the_history_page_pages_by_id_with_an_older_link(client, desk, claim, settings):
    from annotations.pages import audit as audit_pages

    original = audit_pages.HISTORY_PAGE_SIZE
    audit_pages.HISTORY_PAGE_SIZE = 2
    try:
        client.force_login(desk.viewer)
        first = html_of(client.get(history_url(claim.pk)))
        older = re.search(r'<a href="([^"]+)" rel="next">Older</a>', first).group(1)
        second = html_of(client.get(history_url(claim.pk) + older.replace("&amp;", "&")))
    finally:
        audit_pages.HISTORY_PAGE_SIZE = original
    assert len(entries(first)) == 2
    assert entries(second) == ["reviewer-user added the claim “11.000 North Korean soldiers”"]
    assert "Newest" in second and 'rel="next"' not in second


def _history_queries(client, claim, desk, count: int) -> int:
    existing = Event.objects.filter(claim_id=claim.pk).count()
    for number in range(existing, count):
        services.comment_add(claim=claim, actor=desk.reviewer, body=f"Comment {number}")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(history_url(claim.pk))
    assert len(entries(html_of(response))) == count
    return len(captured)


def test_the_history_page_takes_as_many_queries_for_30_events_as_for_3(client, desk, claim):
    client.force_login(desk.viewer)
    few = _history_queries(client, claim, desk, 3)
    many = _history_queries(client, claim, desk, 30)
    assert few == many
    assert many <= 12


# --- the History section in the claim panel --------------------------------------------------


def test_the_claim_panel_has_a_history_section_loaded_when_opened(client, desk, claim):
    client.force_login(desk.viewer)
    panel = html_of(client.get(reverse("claim_edit", args=[claim.pk]), HTTP_HX_REQUEST="true"))

    section = re.search(r'<details class="claim-section claim-history".*?</details>', panel, re.S)
    assert section, "no History section in the panel"
    assert "<summary>History</summary>" in section.group(0)
    assert f'hx-get="{history_url(claim.pk)}"' in section.group(0)
    assert 'hx-trigger="toggle once"' in section.group(0)
    # Without JavaScript, the section links to the full page.
    assert f'href="{history_url(claim.pk)}"' in section.group(0)

    loaded = html_of(client.get(history_url(claim.pk), HTTP_HX_REQUEST="true"))
    assert "<html" not in loaded
    assert entries(loaded)[0] == "reviewer-user changed the verdict from Mostly false to False"
    assert "Full history" in loaded


def test_the_panels_queries_do_not_grow_with_the_claims_history(client, desk, claim):
    client.force_login(desk.viewer)
    url = reverse("claim_edit", args=[claim.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url, HTTP_HX_REQUEST="true")
    for number in range(20):
        services.comment_add(claim=claim, actor=desk.reviewer, body=f"Comment {number}")
    with CaptureQueriesContext(connection) as many:
        client.get(url, HTTP_HX_REQUEST="true")
    assert not any("annotations_event" in q["sql"] for q in many.captured_queries)
    assert len(few) == len(many)


def test_the_panel_list_shows_the_latest_events_only(client, desk, claim):
    for number in range(15):
        services.comment_add(claim=claim, actor=desk.reviewer, body=f"Comment {number}")
    client.force_login(desk.viewer)
    loaded = html_of(client.get(history_url(claim.pk), HTTP_HX_REQUEST="true"))
    assert len(entries(loaded)) == 10
    assert entries(loaded)[0] == "reviewer-user commented: “Comment 14”"


# --- team activity ------------------------------------------------------------------------------


@pytest.fixture
def busy(desk, claim):
    """Events of several kinds, by several people, on two articles."""
    second = make_article(desk.team, text="Another story about 10.000 North Korean soldiers.")
    other = services.claim_create(article=second, actor=desk.editor, exact=OTHER_QUOTE)
    services.source_add(claim=other, actor=desk.editor, url="https://example.org/pentagon")
    services.comment_add(claim=claim, actor=desk.reviewer, body="Looks off.")
    services.membership_set(team=desk.team, user=desk.outsider, role="viewer", actor=desk.admin)
    return {"first": claim.article, "second": second, "other": other}


@pytest.mark.parametrize("persona", ["viewer", "reviewer", "editor", "admin"])
def test_members_see_every_change_of_their_team_newest_first(client, desk, busy, persona):
    client.force_login(desk.user(persona))
    response = client.get(activity_url(desk))

    assert response.status_code == 200
    html = html_of(response)
    shown = entries(html)
    assert len(shown) == Event.objects.filter(team=desk.team).count()
    assert shown[0] == "admin-user added outsider as viewer"
    assert "reviewer-user commented: “Looks off.”" in shown
    assert "editor-user added a source https://example.org/pentagon" in shown
    # Links to the article (at the claim) and to the claim's history.
    other = busy["other"]
    assert f'href="{reverse("article_detail", args=[busy["second"].pk])}#claim-{other.pk}"' in html
    assert f'href="{history_url(other.pk)}"' in html


def test_outsiders_do_not_find_a_teams_activity(client, desk, claim):
    client.force_login(desk.outsider)
    assert client.get(activity_url(desk)).status_code == 404
    assert client.get(reverse("team_activity", args=["nope"])).status_code == 404
    assert client.get(reverse("team_activity", args=["other"])).status_code == 200
    client.logout()
    assert client.get(activity_url(desk)).status_code == 302  # to the login page


def test_the_feed_filters_by_actor_article_and_kind(client, desk, busy):
    client.force_login(desk.viewer)
    url = activity_url(desk)

    by_editor = entries(html_of(client.get(url, {"actor": "editor-user"})))
    assert by_editor and all(text.startswith("editor-user ") for text in by_editor)

    on_second = entries(html_of(client.get(url, {"article": busy["second"].pk})))
    assert "editor-user added a source https://example.org/pentagon" in on_second
    assert not any("Mostly false" in text for text in on_second)

    verdicts = entries(html_of(client.get(url, {"kind": "verdicts"})))
    assert verdicts == [
        "reviewer-user changed the verdict from Mostly false to False",
        "reviewer-user gave the verdict Mostly false",
    ]
    members = entries(html_of(client.get(url, {"kind": "members"})))
    assert members[0] == "admin-user added outsider as viewer"
    assert all(
        audit.kind_of(e.verb) == "members"
        for e in Event.objects.filter(
            team=desk.team, verb__in=["team.created", "member.added", "membership.added"]
        )
    )
    comments = entries(html_of(client.get(url, {"kind": "comments", "actor": "reviewer-user"})))
    assert comments == ["reviewer-user commented: “Looks off.”"]


def test_the_feed_filters_by_date_range(client, desk, busy):
    client.force_login(desk.viewer)
    today = timezone.localdate()
    url = activity_url(desk)
    everything = Event.objects.filter(team=desk.team).count()

    same_day = {"since": today.isoformat(), "until": today.isoformat()}
    assert len(entries(html_of(client.get(url, same_day)))) == everything
    tomorrow = html_of(client.get(url, {"since": (today + timedelta(days=1)).isoformat()}))
    assert entries(tomorrow) == []
    assert "No changes match these filters." in tomorrow


def test_invalid_filters_are_ignored_not_fatal(client, desk, busy):
    client.force_login(desk.viewer)
    response = client.get(activity_url(desk), {"actor": "nobody", "since": "soon", "before": "x"})
    assert response.status_code == 200
    assert len(entries(html_of(response))) == Event.objects.filter(team=desk.team).count()


def _make_events(desk, count: int) -> None:
    existing = Event.objects.filter(team=desk.team).count()
    for number in range(existing, count):
        services.event_record(
            team=desk.team, verb="claim.updated", actor=desk.editor,
            changes={"claimant": [f"Before {number}", f"After {number}"]},
        )  # fmt: skip


def test_the_feed_shows_50_at_a_time_with_older_links_by_id(client, desk):
    _make_events(desk, 120)
    client.force_login(desk.viewer)
    url = activity_url(desk)

    pages = []
    next_url = url + "?kind=claims"
    while next_url:
        html = html_of(client.get(next_url))
        pages.append(entries(html))
        found = re.search(r'<a href="([^"]+)" rel="next">Older</a>', html)
        next_url = url + found.group(1).replace("&amp;", "&") if found else None
        if found:
            assert "kind=claims" in found.group(1) and "before=" in found.group(1)
            assert "page=" not in found.group(1)

    claims = Event.objects.filter(team=desk.team, verb__startswith="claim.").count()
    assert [len(page) for page in pages] == [50, 50, claims - 100]
    everything = [text for page in pages for text in page]
    assert len(set(everything)) == len(everything)  # nothing shown twice


def test_events_recorded_meanwhile_do_not_shift_older_pages(client, desk):
    _make_events(desk, 60)
    client.force_login(desk.viewer)
    first = html_of(client.get(activity_url(desk)))
    older = re.search(r'<a href="([^"]+)" rel="next">Older</a>', first).group(1)
    services.event_record(team=desk.team, verb="claim.updated", actor=desk.admin)
    second = entries(html_of(client.get(activity_url(desk) + older.replace("&amp;", "&"))))
    assert not set(second) & set(entries(first))
    assert len(second) == Event.objects.filter(team=desk.team).count() - 1 - 50


def _activity_queries(client, desk, count: int) -> int:
    _make_events(desk, count)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(activity_url(desk), {"kind": "claims", "actor": "editor-user"})
    assert response.status_code == 200
    assert len(entries(html_of(response))) >= min(count, 50) - 5
    return len(captured)


def test_the_activity_page_takes_as_many_queries_for_60_events_as_for_5(client, desk, claim):
    client.force_login(desk.viewer)
    few = _activity_queries(client, desk, 8)
    many = _activity_queries(client, desk, 60)
    assert few == many
    assert many <= 12


def test_editors_and_admins_get_the_download_links(client, desk, busy):
    for persona, shown in [
        ("viewer", False),
        ("reviewer", False),
        ("editor", True),
        ("admin", True),
    ]:
        client.force_login(desk.user(persona))
        html = html_of(client.get(activity_url(desk)))
        audit = reverse("api-team-audit", args=[desk.team.slug])
        assert (f'href="{audit}?format=csv"' in html) is shown, persona
        assert (f'href="{audit}?format=ndjson"' in html) is shown, persona


def test_the_download_links_keep_the_chosen_dates(client, desk, busy):
    client.force_login(desk.editor)
    html = html_of(client.get(activity_url(desk), {"since": "2026-01-01", "until": "2026-12-31"}))
    assert "?format=csv&amp;since=2026-01-01&amp;until=2026-12-31" in html


def test_sentences_are_escaped(client, desk, claim):
    services.comment_add(claim=claim, actor=desk.reviewer, body="<script>alert(1)</script>")
    client.force_login(desk.viewer)
    html = html_of(client.get(activity_url(desk)))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
