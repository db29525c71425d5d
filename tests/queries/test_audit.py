"""The audit trail in words (queries/audit.py) and the audit export's mapping and command
(annotations/exports/audit.py, `manage.py export_audit`)."""

from __future__ import annotations

import ast
import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from annotations import services, verbs
from annotations.exports import audit as audit_export
from annotations.models import Event
from annotations.queries import audit
from tests.factories import make_article

pytestmark = pytest.mark.django_db

QUOTE = "11.000 North Korean soldiers"


def event(desk, verb: str, changes: dict | None = None, note: str = "", actor="editor") -> Event:
    return Event(
        team=desk.team,
        verb=verb,
        actor=desk.user(actor) if actor else None,
        changes=changes or {},
        note=note,
        created_at=timezone.now(),
    )


def sentence(desk, verb: str, changes: dict | None = None, note: str = "", actor="editor") -> str:
    [entry] = audit.present([event(desk, verb, changes, note, actor)])
    return entry.sentence


# --- sentences for known verbs --------------------------------------------------------------------


def test_a_changed_verdict_reads_with_the_ratings_labels(desk):
    changes = {"rating": ["mostly-false", "false"], "rationale": ["", "No."]}
    assert (
        sentence(desk, "verdict.set", changes)
        == "editor-user changed the verdict from Mostly false to False"
    )


def test_a_first_verdict_and_a_withdrawn_one(desk):
    assert (
        sentence(desk, "verdict.set", {"rating": [None, "half-true"], "rationale": [None, ""]})
        == "editor-user gave the verdict Half true"
    )
    assert (
        sentence(desk, "verdict.withdrawn", {"rating": ["true", None]})
        == "editor-user withdrew the verdict True"
    )


def test_an_added_source_names_its_address(desk):
    changes = {"url": [None, "https://example.org/report"], "title": [None, ""]}
    assert (
        sentence(desk, "source.added", changes, actor="reviewer")
        == "reviewer-user added a source https://example.org/report"
    )


def test_a_claim_sent_back_quotes_the_note_and_highlights_it(desk):
    [entry] = audit.present(
        [event(desk, "claim.sent_back", {"status": ["in_review", "draft"]}, "Needs a source.")]
    )
    assert entry.sentence == "editor-user sent the claim back to draft: Needs a source."
    assert entry.highlight
    assert entry.note_label == "Why it was sent back"


def test_a_correction_is_highlighted_with_its_note(desk):
    [entry] = audit.present(
        [event(desk, "claim.corrected", {"status": ["published", "in_review"]}, "Wrong figure.")]
    )
    assert entry.sentence == "editor-user corrected the published claim: Wrong figure."
    assert entry.highlight and entry.note_label == "Correction note"


def test_a_role_change_names_the_member_and_both_roles(desk):
    changes = {"user": [None, "reviewer-user"], "role": ["reviewer", "editor"]}
    assert (
        sentence(desk, "member.role_changed", changes, actor="admin")
        == "admin-user changed reviewer-user’s role from reviewer to editor"
    )
    assert (
        sentence(desk, "membership.role_changed", changes, actor="admin")
        == "admin-user changed reviewer-user’s role from reviewer to editor"
    )


def test_a_new_member_and_a_removed_one(desk):
    assert (
        sentence(
            desk,
            "member.added",
            {"user": [None, "newbie"], "role": [None, "viewer"]},
            actor="admin",
        )
        == "admin-user added newbie as viewer"
    )
    assert (
        sentence(
            desk,
            "membership.removed",
            {"user": ["newbie", None], "role": ["viewer", None]},
            actor="admin",
        )
        == "admin-user removed newbie from the team"
    )


def test_retiring_a_rating_names_its_label(desk):
    assert (
        sentence(desk, "rating.retired", {"slug": ["misleading", "misleading"]}, actor="admin")
        == "admin-user retired the rating Misleading"
    )
    assert (
        sentence(
            desk,
            "rating.updated",
            {"label": ["Misleading", "Misleading"], "active": [True, False]},
            actor="admin",
        )
        == "admin-user retired the rating Misleading"
    )


def test_an_assignment_names_the_assignee_and_the_due_date(desk):
    due = date(timezone.localdate().year, 12, 3)
    changes = {"user": [None, "reviewer-user"], "due_on": [None, due.isoformat()]}
    assert (
        sentence(desk, "article.assigned", changes)
        == "editor-user assigned the article to reviewer-user (due 3 Dec)"
    )
    assert (
        sentence(desk, "claim.assigned", {"user": [None, "reviewer-user"]})
        == "editor-user assigned the claim to reviewer-user"
    )


def test_a_comment_is_quoted_and_an_edit_keeps_both_versions(desk):
    assert (
        sentence(desk, "comment.added", {"body": [None, "Check the Pentagon."]})
        == "editor-user commented: “Check the Pentagon.”"
    )
    [entry] = audit.present([event(desk, "comment.updated", {"body": ["Old.", "New."]})])
    assert entry.sentence == "editor-user edited a comment"
    [change] = entry.changes
    assert (change.label, str(change.before), str(change.after)) == ("body", "Old.", "New.")


def test_a_workflow_approval_names_the_final_verdict(desk):
    changes = {"status": ["in_review", "approved"], "final_verdict": [None, "false"]}
    assert (
        sentence(desk, "claim.approved", changes)
        == "editor-user approved the claim with the verdict False"
    )


def test_a_single_field_edit_says_what_changed(desk):
    assert (
        sentence(desk, "claim.updated", {"claimant": ["Zelensky", "Pentagon"]})
        == "editor-user changed the claimant from “Zelensky” to “Pentagon”"
    )


def test_an_unknown_verb_falls_back_to_a_generic_sentence_with_its_fields(desk):
    [entry] = audit.present([event(desk, "widget.frobbed", {"colour": ["red", "blue"]})])
    assert entry.sentence == "editor-user did widget.frobbed"
    assert [(c.label, str(c.before), str(c.after)) for c in entry.changes] == [
        ("colour", "red", "blue")
    ]


def test_an_event_without_an_actor_is_the_command_line(desk):
    assert sentence(desk, "claim.deleted", actor=None) == "command line deleted the claim"


def test_long_values_are_shortened_with_the_full_value_kept(desk):
    long_body = "A very long comment. " * 20
    [entry] = audit.present([event(desk, "comment.deleted", {"body": [long_body, None]})])
    [change] = entry.changes
    assert change.after is None
    assert len(change.before.short) <= audit.SHORT_LENGTH
    assert change.before.short.endswith("…")
    assert change.before.shortened
    assert " ".join(change.before.full.split()) == " ".join(long_body.split())


def test_values_are_shown_in_words(desk):
    [entry] = audit.present(
        [event(desk, "claim.updated", {"status": ["draft", "in_review"], "tags": [[], ["a", "b"]]})]
    )
    assert [(c.label, str(c.before), str(c.after)) for c in entry.changes] == [
        ("status", "draft", "in review"),
        ("tags", "none", "a, b"),
    ]


def test_every_verb_has_a_sentence():
    known = verbs.all_verbs()
    assert len(known) > 50, "verbs.py lost its constants"
    assert known <= set(audit.SENTENCES), sorted(known - set(audit.SENTENCES))
    assert set(audit.SENTENCES) <= known, "a sentence for a verb that verbs.py does not name"
    assert {verb for _, verb in services.TRANSITIONS.values()} <= known


def _app_modules() -> list[Path]:
    app = Path(services.__file__).parent.parent
    return [
        path
        for path in sorted(app.rglob("*.py"))
        if path.name != "verbs.py" and "migrations" not in path.parts
    ]


def test_no_service_records_a_verb_spelled_out_or_built():
    """Every `verb=` a service passes is a verbs.py constant (or a name holding one): never a
    string literal, an f-string or a concatenation, so a search for the constant finds it."""
    spelled = []
    for path in (Path(services.__file__).parent).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg == "verb" and isinstance(
                    keyword.value, (ast.Constant, ast.JoinedStr, ast.BinOp)
                ):
                    spelled.append(f"{path.name}:{keyword.value.lineno}")
    assert spelled == []


def test_no_module_spells_out_a_verb():
    """Outside verbs.py no module of the app writes a verb as a string: it names the constant."""
    known = verbs.all_verbs()
    spelled = [
        f"{path.name}:{node.lineno} {node.value}"
        for path in _app_modules()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and node.value in known
    ]
    assert spelled == []


def test_kinds_sort_verbs_into_the_feed_filters():
    assert audit.kind_of("claim.created") == "claims"
    assert audit.kind_of("claim.assigned") == "assignments"
    assert audit.kind_of("article.unassigned") == "assignments"
    assert audit.kind_of("verdict.set") == "verdicts"
    assert audit.kind_of("membership.role_changed") == "members"
    assert audit.kind_of("invite.created") == "members"
    assert audit.kind_of("rating.retired") == "scale"
    assert audit.kind_of("widget.frobbed") == ""


def test_kind_filters_select_the_same_events_in_the_database(desk):
    for verb in [
        "claim.created",
        "claim.assigned",
        "article.assigned",
        "verdict.set",
        "rating.added",
    ]:
        services.event_record(team=desk.team, verb=verb, actor=desk.editor)
    events = Event.objects.filter(team=desk.team)
    for kind in audit.KINDS:
        chosen = set(events.filter(audit.kind_q(kind)).values_list("verb", flat=True))
        assert all(audit.kind_of(verb) == kind for verb in chosen), (kind, chosen)
    assert set(events.filter(audit.kind_q("assignments")).values_list("verb", flat=True)) == {
        "claim.assigned",
        "article.assigned",
    }


# --- the export's mapping -----------------------------------------------------------------------


def seed_log(desk):
    article = make_article(desk.team, title='=HYPERLINK("http://evil")')
    claim = services.claim_create(
        article=article, actor=desk.reviewer, exact=QUOTE, claimant="Zelensky"
    )
    services.verdict_set(claim=claim, actor=desk.reviewer, rating="mostly-false")
    services.verdict_set(claim=claim, actor=desk.reviewer, rating="false", rationale="-1 soldiers")
    services.comment_add(claim=claim, actor=desk.reviewer, body="=1+1")
    services.claim_transition(claim=claim, actor=desk.reviewer, to="in_review")
    return article, claim


def csv_rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_has_one_row_per_changed_field_and_one_for_an_event_without_changes(desk):
    article, claim = seed_log(desk)
    services.event_record(team=desk.team, verb="team.checked", actor=desk.admin)
    rows = csv_rows("".join(audit_export.stream(desk.team, "csv")))

    assert list(rows[0]) == audit_export.HEADER
    expected = sum(max(1, len(e.changes)) for e in Event.objects.filter(team=desk.team))
    assert len(rows) == expected
    [bare] = [row for row in rows if row["verb"] == "team.checked"]
    assert (bare["field"], bare["before"], bare["after"], bare["actor"]) == (
        "",
        "",
        "",
        "admin-user",
    )
    changed = [row for row in rows if row["verb"] == "verdict.set" and row["field"] == "rating"]
    assert [(row["before"], row["after"]) for row in changed] == [
        ("", "mostly-false"),
        ("mostly-false", "false"),
    ]
    assert changed[0]["claim_id"] == str(claim.pk)
    assert changed[0]["article_id"] == str(article.pk)
    assert changed[0]["time"].endswith("Z")


def test_csv_neutralises_formulas_people_typed(desk):
    seed_log(desk)
    rows = csv_rows("".join(audit_export.stream(desk.team, "csv")))

    [comment] = [row for row in rows if row["verb"] == "comment.added"]
    assert comment["after"] == "'=1+1"
    assert comment["article_title"] == '\'=HYPERLINK("http://evil")'
    [rationale] = [
        row for row in rows if row["field"] == "rationale" and row["after"].endswith("soldiers")
    ]
    assert rationale["after"] == "'-1 soldiers"
    assert all(not row[name].startswith(("=", "+", "-", "@")) for row in rows for name in row)


def test_ndjson_is_one_event_per_line_with_all_its_changes(desk):
    seed_log(desk)
    lines = "".join(audit_export.stream(desk.team, "ndjson")).splitlines()
    events = [json.loads(line) for line in lines]

    assert len(events) == Event.objects.filter(team=desk.team).count()
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    verdict = [e for e in events if e["verb"] == "verdict.set"][1]
    assert verdict["changes"]["rating"] == ["mostly-false", "false"]
    assert verdict["actor"] == "reviewer-user"
    assert set(verdict) == {
        "id", "time", "team", "actor", "verb", "article_id", "article_title", "claim_id",
        "changes", "note",
    }  # fmt: skip


def test_the_export_reads_the_log_in_chunks(desk, monkeypatch):
    monkeypatch.setattr(audit_export, "CHUNK", 3)
    seed_log(desk)
    ids = [
        json.loads(line)["id"]
        for line in "".join(audit_export.stream(desk.team, "ndjson")).splitlines()
    ]
    assert ids == list(
        Event.objects.filter(team=desk.team).order_by("id").values_list("id", flat=True)
    )


def test_since_and_until_select_whole_days(desk):
    seed_log(desk)
    today = timezone.localdate()
    assert list(audit_export.iter_events(desk.team, since=today + timedelta(days=1))) == []
    assert list(audit_export.iter_events(desk.team, until=today - timedelta(days=1))) == []
    assert len(list(audit_export.iter_events(desk.team, since=today, until=today))) == (
        Event.objects.filter(team=desk.team).count()
    )


# --- the command --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_the_command_writes_what_the_export_streams(desk, fmt, tmp_path):
    seed_log(desk)
    out = io.StringIO()
    call_command("export_audit", "--team", "verify", "--format", fmt, stdout=out)
    assert out.getvalue() == "".join(audit_export.stream(desk.team, fmt))

    target = tmp_path / f"audit.{fmt}"
    call_command(
        "export_audit",
        "--team",
        "verify",
        "--format",
        fmt,
        "--output",
        str(target),
        stderr=io.StringIO(),
    )
    assert target.read_bytes().decode("utf-8") == out.getvalue()


def test_the_command_takes_a_since_date(desk):
    seed_log(desk)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    out = io.StringIO()
    call_command(
        "export_audit", "--team", "verify", "--format", "ndjson", "--since", tomorrow, stdout=out
    )
    assert out.getvalue() == ""


def test_the_command_refuses_an_unknown_team_or_date(desk):
    with pytest.raises(CommandError, match="No team"):
        call_command("export_audit", "--team", "nope", "--format", "csv")
    with pytest.raises(CommandError, match="date"):
        call_command("export_audit", "--team", "verify", "--format", "csv", "--since", "soon")
