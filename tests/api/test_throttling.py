"""Throttling: per token (or session user) and per anonymous address, 429 with Retry-After."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from rest_framework.test import APIClient

from tests.api.conftest import error_of
from tests.browser.conftest import database_url_for_servers, server_environment, start_servers

pytestmark = pytest.mark.django_db
MAKEFILE = Path(__file__).resolve().parents[2] / "Makefile"


@pytest.fixture
def rates(settings):
    """rates(user=..., anon=...) lowers the API's request rates for one test."""

    def _set(user: str = "600/min", anon: str = "60/min") -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"user": user, "anon": anon},
        }

    return _set


def test_a_token_over_its_rate_gets_429_with_retry_after(desk, api_as, rates):
    rates(user="3/min")
    client = api_as("viewer")

    statuses = [client.get("/api/v1/teams/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/teams/")
    assert error_of(response)["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_each_token_has_its_own_budget(desk, api_as, rates):
    rates(user="2/min")
    first, second = api_as("viewer"), api_as("viewer")

    assert [first.get("/api/v1/teams/").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/api/v1/teams/").status_code == 200


def test_anonymous_callers_are_counted_per_address(desk, rates):
    rates(anon="2/min")
    here, elsewhere = APIClient(REMOTE_ADDR="10.0.0.1"), APIClient(REMOTE_ADDR="10.0.0.2")

    assert [here.get("/api/v1/teams/").status_code for _ in range(3)] == [401, 401, 429]
    assert elsewhere.get("/api/v1/teams/").status_code == 401


def test_guessing_tokens_is_throttled_like_anonymous_calls(desk, rates):
    rates(anon="2/min")
    guesser = APIClient(REMOTE_ADDR="10.0.0.3")

    statuses = [
        guesser.get("/api/v1/teams/", HTTP_AUTHORIZATION=f"Token fct_guess{i}").status_code
        for i in range(3)
    ]

    assert statuses == [401, 401, 429]


def test_the_default_rates_come_from_the_environment_variables():
    import os
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='factcheck.settings'; "
        "django.setup(); from django.conf import settings; "
        "print(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])"
    )
    env = {**os.environ, "FACTCHECK_API_RATE_USER": "7/min", "FACTCHECK_API_RATE_ANON": "2/s"}
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=root
    )

    assert out.stdout.strip() == "{'user': '7/min', 'anon': '2/s'}", out.stderr


def test_a_new_x_forwarded_for_per_request_does_not_escape_the_anonymous_limit(desk):
    """A client writes its own X-Forwarded-For: with no trusted proxy it is ignored, and the
    default 60/min per address holds for 90 token guesses each claiming another address."""
    guesser = APIClient(REMOTE_ADDR="10.0.0.4")

    statuses = [
        guesser.get(
            "/api/v1/teams/",
            HTTP_AUTHORIZATION=f"Token fct_guess{i}",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        ).status_code
        for i in range(90)
    ]

    assert statuses == [401] * 60 + [429] * 30


def test_behind_one_trusted_proxy_the_right_most_forwarded_address_counts(desk, rates, settings):
    settings.FACTCHECK_TRUSTED_PROXIES = 1
    rates(anon="2/min")
    proxy = APIClient(REMOTE_ADDR="10.0.0.1")

    def call(forwarded_for: str) -> int:
        return proxy.get("/api/v1/teams/", HTTP_X_FORWARDED_FOR=forwarded_for).status_code

    # What the client wrote (left of the proxy's own entry) changes nothing...
    assert [call(f"spoof-{i}, 203.0.113.5") for i in range(3)] == [401, 401, 429]
    # ...and another client behind the same proxy has its own budget.
    assert call("203.0.113.6") == 401


def test_make_runs_server_counts_the_socket_address_not_the_header(transactional_db, tmp_path):
    """The real server as `make run` serves it (uvicorn, which on its own would believe an
    X-Forwarded-For sent from 127.0.0.1): 90 guesses, each claiming a new address."""
    serve = next(
        line for line in MAKEFILE.read_text().splitlines() if "uvicorn factcheck.asgi" in line
    )
    assert "--no-proxy-headers" in serve  # as the test server below runs it
    env = server_environment(database_url_for_servers(tmp_path))
    [server] = start_servers([env], tmp_path)
    try:
        statuses = [
            requests.get(
                f"{server.url}/api/v1/teams/",
                headers={
                    "Authorization": f"Token fct_guess{i}",
                    "X-Forwarded-For": f"198.51.100.{i}",
                },
                timeout=10,
            ).status_code
            for i in range(90)
        ]
    finally:
        server.stop()

    assert statuses == [401] * 60 + [429] * 30, server.output()
