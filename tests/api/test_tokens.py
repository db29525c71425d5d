"""API tokens: created by the command or on the Tokens page, used as `Token` or `Bearer`,
stored only as a hash, revocable, and showing when they were last used."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from annotations import services
from annotations.models import ApiToken
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db

TOKEN_SHAPE = re.compile(r"^fct_[A-Za-z0-9_-]{43}$")


def get_with(raw: str, scheme: str = "Token", path: str = "/api/v1/teams/"):
    return APIClient().get(path, HTTP_AUTHORIZATION=f"{scheme} {raw}")


def command_token(username: str, *args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", username, *args, stdout=out, stderr=err)
    return out.getvalue().strip()


# --- the command ---------------------------------------------------------------------------------


def test_the_command_prints_a_working_token(desk):
    raw = command_token("reviewer-user", "--name", "CMS")

    assert TOKEN_SHAPE.match(raw)
    token = ApiToken.objects.get(user=desk.reviewer)
    assert token.name == "CMS"
    response = get_with(raw)
    assert response.status_code == 200
    assert [team["slug"] for team in response.json()["results"]] == ["verify"]


def test_the_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user 'ghost'"):
        command_token("ghost")


def test_a_token_is_stored_only_as_a_hash(desk):
    raw = command_token("editor-user")

    token = ApiToken.objects.get(user=desk.editor)
    assert token.key_hash == services.token_hash(raw) != raw
    assert raw.startswith(token.key_prefix) and len(token.key_prefix) < len(raw) // 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM annotations_apitoken")
        stored = repr(cursor.fetchall())
    assert raw not in stored


# --- using a token -------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "token", "BEARER"])
def test_token_and_bearer_schemes_both_work(scheme, desk, token_for):
    assert get_with(token_for(desk.viewer), scheme).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Token fct_not-a-real-token",
        "Bearer " + "x" * 500,
        "Token",
        "Token two parts",
    ],
)
def test_a_bad_token_is_a_401(header, desk):
    response = APIClient().get("/api/v1/teams/", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    error_of(response)


def test_a_revoked_token_is_a_401(desk, token_for):
    raw = token_for(desk.editor)
    assert get_with(raw).status_code == 200

    services.token_revoke(token=ApiToken.objects.get(user=desk.editor), actor=desk.editor)

    response = get_with(raw)
    assert response.status_code == 401
    assert error_of(response)["code"] == "token_revoked"


def test_a_revoked_token_is_refused_even_beside_a_session(desk, token_for):
    raw = token_for(desk.editor)
    services.token_revoke(token=ApiToken.objects.get(user=desk.editor), actor=desk.editor)
    client = APIClient()
    client.force_login(desk.editor)

    assert client.get("/api/v1/teams/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 401


def test_an_inactive_users_token_is_a_401(desk, token_for):
    raw = token_for(desk.viewer)
    desk.viewer.is_active = False
    desk.viewer.save()

    assert get_with(raw).status_code == 401


def test_last_used_is_recorded_at_most_once_a_minute(desk, token_for):
    raw = token_for(desk.viewer)
    token = ApiToken.objects.get(user=desk.viewer)
    assert token.last_used_at is None

    get_with(raw)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=5)

    with CaptureQueriesContext(connection) as queries:
        get_with(raw)
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == first

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    get_with(raw)
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(seconds=1)


def test_token_mark_used_writes_once_within_the_resolution(desk):
    token, _ = services.token_create(actor=desk.viewer, name="x")
    now = timezone.now()

    assert services.token_mark_used(token=token, now=now) is True
    assert services.token_mark_used(token=token, now=now + timedelta(seconds=30)) is False
    stale_copy = ApiToken.objects.get(pk=token.pk)
    stale_copy.last_used_at = None  # another process's older copy
    assert services.token_mark_used(token=stale_copy, now=now + timedelta(seconds=30)) is False
    assert services.token_mark_used(token=token, now=now + timedelta(seconds=61)) is True


# --- the Tokens page -----------------------------------------------------------------------------


@pytest.fixture
def browser_client(client, desk):
    client.force_login(desk.reviewer)
    return client


def test_the_tokens_page_needs_a_login(client, db):
    response = client.get(reverse("token_list"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_nav_links_to_the_tokens_page(browser_client):
    html = browser_client.get(reverse("article_list")).content.decode()

    assert f'href="{reverse("token_list")}"' in html
    assert "API tokens" in html


def test_creating_a_token_on_the_page_shows_it_once(browser_client, desk):
    response = browser_client.post(reverse("token_list"), {"name": "Spreadsheet"})

    assert response.status_code == 200
    html = response.content.decode()
    raw = re.search(r'value="(fct_[^"]+)"', html).group(1)
    assert "shown only this once" in html
    assert get_with(raw).status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")

    again = browser_client.get(reverse("token_list")).content.decode()
    assert raw not in again
    assert "Spreadsheet" in again
    assert raw[:12] in again  # the prefix tells tokens apart


def test_a_token_needs_a_name(browser_client):
    response = browser_client.post(reverse("token_list"), {"name": "  "})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_page_lists_last_use_and_revocation(browser_client, desk, token_for):
    used, unused = token_for(desk.reviewer, "Used"), token_for(desk.reviewer, "Unused")
    get_with(used)

    html = browser_client.get(reverse("token_list")).content.decode()
    assert "Never" in html  # the unused one
    assert html.count("<time") >= 3  # created twice, last used once

    token = ApiToken.objects.get(name="Unused")
    response = browser_client.post(reverse("token_list"), {"revoke": token.pk}, follow=True)
    html = response.content.decode()
    assert "Revoked “Unused”" in html
    assert "status--revoked" in html
    assert get_with(unused).status_code == 401
    assert get_with(used).status_code == 200


def test_the_page_shows_only_your_own_tokens(browser_client, desk, token_for):
    token_for(desk.editor, "Editor's secret tool")

    html = browser_client.get(reverse("token_list")).content.decode()

    assert "Editor&#x27;s secret tool" not in html and "Editor's secret tool" not in html


def test_you_cannot_revoke_someone_elses_token(browser_client, desk, token_for):
    raw = token_for(desk.editor, "Editor's")
    token = ApiToken.objects.get(user=desk.editor)

    response = browser_client.post(reverse("token_list"), {"revoke": token.pk})

    assert response.status_code == 404
    assert get_with(raw).status_code == 200


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999", ""])
def test_revoking_a_nonsense_id_is_a_404(browser_client, value):
    assert browser_client.post(reverse("token_list"), {"revoke": value}).status_code == 404
