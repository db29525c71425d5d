"""The management commands a desk runs from the shell."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from annotations.models import Article, Claim, Event, Membership, Role, Source, Team, Verdict

pytestmark = pytest.mark.django_db


def run(*args, **kwargs) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Team, Membership, Article, Claim, Verdict, Source, Event)
    }


def test_seed_demo_creates_the_demo_desk_with_one_user_per_role(settings):
    settings.DEMO_PASSWORD = "a-demo-password"
    out, _ = run("seed_demo")

    team = Team.objects.get(slug="demo")
    roles = dict(team.memberships.values_list("user__username", "role"))
    assert roles == {role: role for role in Role.values}
    for username in Role.values:
        assert authenticate(username=username, password="a-demo-password") is not None
    assert "a-demo-password" in out


def test_seed_demo_loads_the_demo_article_with_claims_verdicts_and_sources():
    run("seed_demo")

    article = Article.objects.get(team__slug="demo")
    assert "11.000 North Korean soldiers" in article.text
    claims = list(article.claims.all())
    assert len(claims) >= 4
    for claim in claims:
        assert article.text[claim.start : claim.end] == claim.exact
        assert claim.verdicts.filter(is_current=True).exists()
        assert claim.sources.exists()
    numbers = " ".join(claim.exact for claim in claims)
    for figure in ("11.000", "12.000", "10.000"):
        assert figure in numbers


def test_seed_demo_twice_changes_nothing(settings):
    run("seed_demo")
    before = counts()
    settings.DEMO_PASSWORD = "changed-password"
    run("seed_demo")
    assert counts() == before
    assert authenticate(username="viewer", password="changed-password") is not None


@pytest.fixture
def team(db) -> Team:
    from annotations import services

    return services.team_create(name="Politics", slug="politics")


def test_import_article_imports_every_file_and_reports_failures(team, tmp_path):
    good_text = tmp_path / "speech.txt"
    good_text.write_text("Speech\n\nThe minister said unemployment fell by 3%.", encoding="utf-8")
    good_md = tmp_path / "notes.md"
    good_md.write_text("# Notes\n\n- Inflation is 2.1%\n- Wages rose 4%\n", encoding="utf-8")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    missing = tmp_path / "missing.html"

    with pytest.raises(SystemExit) as exit_info:
        _, err = run(
            "import_article",
            str(good_text),
            str(binary),
            str(missing),
            str(good_md),
            "--team",
            "politics",
        )
    assert exit_info.value.code == 1
    titles = set(Article.objects.filter(team=team).values_list("title", flat=True))
    assert titles == {"Speech", "Notes"}


def test_import_article_prints_one_line_per_failure_and_a_summary(team, tmp_path, capsys):
    good = tmp_path / "good.txt"
    good.write_text("A claim\n\nThe river rose by two metres.", encoding="utf-8")
    bad = tmp_path / "report.pdf"
    bad.write_bytes(b"%PDF-1.4 not an article")
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "import_article",
            str(good),
            str(bad),
            "--team",
            "politics",
            stdout=io.StringIO(),
            stderr=err,
        )
    lines = [line.strip() for line in err.getvalue().split("\n") if "FAILED" in line]
    assert len(lines) == 1
    assert "report.pdf" in lines[0]
    assert "1 imported, 0 already present, 1 failed (of 2)" in err.getvalue()


def test_import_article_twice_reports_the_existing_article(team, tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("Story\n\nThe bridge cost 40 million.", encoding="utf-8")
    run("import_article", str(path), "--team", "politics")
    out, _ = run("import_article", str(path), "--team", "politics")
    assert Article.objects.filter(team=team).count() == 1
    assert "already" in out
    assert "0 imported, 1 already present, 0 failed (of 1)" in out


def test_import_article_as_a_viewer_fails_for_that_user(team, tmp_path):
    viewer = get_user_model().objects.create_user("vera", password="pw-for-tests-1")
    Membership.objects.create(team=team, user=viewer, role=Role.VIEWER)
    path = tmp_path / "story.txt"
    path.write_text("Story\n\nThe bridge cost 40 million.", encoding="utf-8")
    with pytest.raises(SystemExit):
        run("import_article", str(path), "--team", "politics", "--user", "vera")
    assert not Article.objects.exists()


def test_import_article_needs_an_existing_team(tmp_path):
    with pytest.raises(CommandError, match="No team"):
        run("import_article", str(tmp_path / "x.txt"), "--team", "nowhere")


def test_add_member_creates_the_team_and_the_user(monkeypatch):
    monkeypatch.setenv("FACTCHECK_PASSWORD", "correct-horse-battery")
    run("add_member", "alice", "--team", "science", "--role", "editor", "--create")

    team = Team.objects.get(slug="science")
    assert team.ratings.count() == 7
    assert Membership.objects.get(team=team, user__username="alice").role == Role.EDITOR
    assert authenticate(username="alice", password="correct-horse-battery") is not None


def test_add_member_changes_the_role_of_an_existing_member(team):
    get_user_model().objects.create_user("bob", password="pw-for-tests-1")
    run("add_member", "bob", "--team", "politics", "--role", "viewer")
    run("add_member", "bob", "--team", "politics", "--role", "admin")
    assert Membership.objects.get(team=team, user__username="bob").role == Role.ADMIN
    assert Event.objects.filter(team=team, verb="member.role_changed").count() == 1


def test_add_member_refuses_an_unknown_user_without_create(team):
    with pytest.raises(CommandError, match="--create"):
        run("add_member", "nobody", "--team", "politics", "--role", "viewer")


def test_add_member_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("FACTCHECK_PASSWORD", "123")
    with pytest.raises(CommandError):
        run("add_member", "carol", "--team", "science", "--role", "viewer", "--create")
    assert not get_user_model().objects.filter(username="carol").exists()
