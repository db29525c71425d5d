"""GET /api/v1/teams/{slug}/activity/ (the activity feed) and /api/v1/teams/{slug}/audit (the
audit log export, streamed)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from annotations import services
from annotations.models import Event
from tests.api.conftest import World, error_of
from tests.factories import QUOTE, make_article

pytestmark = pytest.mark.django_db

ACTIVITY = "/api/v1/teams/verify/activity/"
AUDIT = "/api/v1/teams/verify/audit"


def body(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode("utf-8")


def team_events() -> list[Event]:
    return list(Event.objects.filter(team__slug="verify").order_by("id"))


# --- activity -----------------------------------------------------------------------------------


def test_viewers_read_the_activity_newest_first_in_words(world: World, api_as):
    response = api_as("viewer").get(ACTIVITY)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["id"] for row in results] == [e.pk for e in reversed(team_events())]
    comment = results[0]
    assert comment["verb"] == "comment.added"
    assert comment["kind"] == "comments"
    assert comment["sentence"] == "admin-user commented: “Check the Pentagon.”"
    assert comment["actor"] == "admin-user"
    assert comment["article"] == world.article.pk
    assert comment["article_title"] == world.article.title
    assert comment["claim"] == world.claim.pk
    assert comment["changes"] == {"body": [None, "Check the Pentagon."]}
    verdict = next(row for row in results if row["verb"] == "verdict.set")
    assert verdict["sentence"] == "admin-user gave the verdict Mostly true"


def test_outsiders_and_anonymous_callers_get_no_activity(world, api_as):
    assert api_as("outsider").get(ACTIVITY).status_code == 404
    response = api_as(None).get(ACTIVITY)
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_a_deleted_claims_events_keep_its_id(world, api_as, desk):
    claim_id = world.claim.pk
    services.claim_delete(claim=world.claim, actor=desk.editor)
    results = api_as("viewer").get(ACTIVITY, {"claim": claim_id}).json()["results"]
    assert results[0]["verb"] == "claim.deleted"
    assert results[0]["claim"] == claim_id
    assert {row["claim"] for row in results} == {claim_id}


def test_the_activity_filters(world, api_as, desk):
    second = make_article(desk.team, text="Another story about 10.000 North Korean soldiers.")
    services.claim_create(article=second, actor=desk.editor, exact="10.000 North Korean soldiers")
    services.membership_set(team=desk.team, user=desk.outsider, role="viewer", actor=desk.admin)
    client = api_as("viewer")

    def verbs(**params) -> list[str]:
        response = client.get(ACTIVITY, params)
        assert response.status_code == 200, response.content
        return [row["verb"] for row in response.json()["results"]]

    assert set(verbs(actor="editor-user")) == {"claim.created"}
    assert verbs(article=second.pk) == ["claim.created", "article.imported"]
    assert verbs(kind="verdicts") == ["verdict.set"]
    assert verbs(kind="sources") == ["source.added"]
    assert verbs(kind="members")[0] == "member.added"
    assert verbs(claim=world.claim.pk)[-1] == "claim.created"
    tomorrow = (timezone.now() + timedelta(days=1)).isoformat()
    assert verbs(since=tomorrow) == []
    assert len(verbs(until=tomorrow)) == len(team_events())


@pytest.mark.parametrize(
    ("params", "field"),
    [({"kind": "gossip"}, "kind"), ({"since": "soon"}, "since"), ({"article": "x"}, "article")],
)
def test_bad_filters_are_400_naming_the_field(world, api_as, params, field):
    response = api_as("viewer").get(ACTIVITY, params)
    assert response.status_code == 400
    assert field in error_of(response)["errors"]


def test_the_activity_is_cursor_paginated(world, api_as, desk):
    for number in range(7):
        services.comment_add(claim=world.claim, actor=desk.reviewer, body=f"Comment {number}")
    client = api_as("viewer")
    seen = []
    url = ACTIVITY + "?page_size=3"
    while url:
        page = client.get(url).json()
        assert len(page["results"]) <= 3
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == [e.pk for e in reversed(team_events())]


def _activity_queries(world, desk, count: int) -> tuple[int, int]:
    existing = len(team_events())
    for number in range(existing, count):
        services.verdict_set(
            claim=world.claim, actor=desk.reviewer, rating=["true", "false"][number % 2]
        )
    client = APIClient()
    client.force_authenticate(desk.viewer)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(ACTIVITY, {"kind": "verdicts"})
    assert response.status_code == 200
    return len(captured), len(response.json()["results"])


def test_the_activity_takes_as_many_queries_for_40_events_as_for_10(world, desk):
    few, few_rows = _activity_queries(world, desk, 10)
    many, many_rows = _activity_queries(world, desk, 40)
    assert many_rows > few_rows
    assert few == many
    assert many <= 6


# --- the audit export ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["editor", "admin"])
def test_editors_download_the_audit_log_as_csv(world, api_as, persona):
    response = api_as(persona).get(AUDIT, {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-verify-')
    assert response["Content-Disposition"].endswith('.csv"')
    text = body(response)
    assert text.startswith("\ufeffid,time,team,actor,verb,article_id,article_title,claim_id,")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert len(rows) == sum(max(1, len(e.changes)) for e in team_events())
    created = [row for row in rows if row["verb"] == "claim.created"]
    assert {row["field"] for row in created} >= {"exact", "claimant", "status"}
    [exact] = [row for row in created if row["field"] == "exact"]
    assert (exact["before"], exact["after"], exact["actor"]) == ("", QUOTE, "admin-user")
    assert exact["claim_id"] == str(world.claim.pk)
    assert exact["time"].endswith("Z")


def test_csv_is_the_default_format(world, api_as):
    response = api_as("editor").get(AUDIT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


def test_a_comment_starting_with_equals_is_exported_safely(world, api_as, desk):
    services.comment_add(claim=world.claim, actor=desk.reviewer, body='=HYPERLINK("http://x")')
    rows = list(csv.reader(io.StringIO(body(api_as("editor").get(AUDIT))[1:])))
    [row] = [row for row in rows if row[4] == "comment.added" and "HYPERLINK" in row[10]]
    assert row[10] == '\'=HYPERLINK("http://x")'


def test_ndjson_parses_line_by_line(world, api_as, desk):
    services.verdict_set(claim=world.claim, actor=desk.admin, rating="false", rationale="No.")
    response = api_as("admin").get(AUDIT, {"format": "ndjson"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    lines = body(response).splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["id"] for e in events] == [e.pk for e in team_events()]
    changed = events[-1]
    assert changed["verb"] == "verdict.set"
    assert changed["changes"]["rating"] == ["mostly-true", "false"]
    assert changed["changes"]["rationale"] == ["Close to other estimates.", "No."]


@pytest.mark.parametrize("persona", ["reviewer", "viewer"])
def test_reviewers_and_viewers_may_not_export_the_audit_log(world, api_as, persona):
    response = api_as(persona).get(AUDIT)
    assert response.status_code == 403
    assert "editor" in error_of(response)["detail"]


def test_outsiders_and_anonymous_callers_get_no_audit_log(world, api_as):
    assert api_as("outsider").get(AUDIT).status_code == 404
    assert api_as(None).get(AUDIT).status_code == 401


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"format": "xml"}, "unknown_format"),
        ({"since": "soon"}, "invalid"),
        ({"until": "x"}, "invalid"),
    ],
)
def test_a_bad_format_or_date_is_400(world, api_as, params, code):
    response = api_as("editor").get(AUDIT, params)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == code or code == "invalid"


def test_since_and_until_narrow_the_export(world, api_as):
    client = api_as("editor")
    tomorrow = (timezone.now() + timedelta(days=1)).isoformat()
    yesterday = (timezone.now() - timedelta(days=1)).isoformat()
    assert body(client.get(AUDIT, {"format": "ndjson", "since": tomorrow})) == ""
    assert body(client.get(AUDIT, {"format": "ndjson", "until": yesterday})) == ""
    everything = body(
        client.get(AUDIT, {"format": "ndjson", "since": yesterday, "until": tomorrow})
    )
    assert len(everything.splitlines()) == len(team_events())


def _export_queries(world, desk, count: int, fmt: str) -> int:
    existing = len(team_events())
    for number in range(existing, count):
        services.comment_add(claim=world.claim, actor=desk.reviewer, body=f"Comment {number}")
    client = APIClient()
    client.force_authenticate(desk.editor)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(AUDIT, {"format": fmt})
        text = body(response)
    assert text.count("comment.added") >= count - existing
    return len(captured)


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_the_export_takes_as_many_queries_for_60_events_as_for_10(world, desk, fmt):
    assert _export_queries(world, desk, 10, fmt) == _export_queries(world, desk, 60, fmt)


def test_the_schema_describes_both_endpoints(world):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    activity = schema["paths"]["/api/v1/teams/{slug}/activity/"]["get"]
    names = {p["name"] for p in activity["parameters"]}
    assert {"actor", "article", "claim", "kind", "since", "until", "cursor", "page_size"} <= names
    audit = schema["paths"]["/api/v1/teams/{slug}/audit"]["get"]
    assert {"200", "400", "401", "403", "404", "429"} <= set(audit["responses"])
    assert {"text/csv", "application/x-ndjson"} <= set(audit["responses"]["200"]["content"])


def test_dates_alone_are_whole_days_included_at_both_ends(world, api_as):
    client = api_as("editor")
    today = timezone.localdate().isoformat()
    same_day = body(client.get(AUDIT, {"format": "ndjson", "since": today, "until": today}))
    assert len(same_day.splitlines()) == len(team_events())
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert body(client.get(AUDIT, {"format": "ndjson", "since": tomorrow})) == ""
