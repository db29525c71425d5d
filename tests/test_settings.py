"""Settings come from the environment and refuse unsafe production set-ups."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        # Browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; production never has it.
        if key
        not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_on_the_development_secret_key():
    result = manage("check", DEBUG="false", ALLOWED_HOSTS="factcheck.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_deploy_check_is_clean_with_production_variables():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x7#k2!pQz9" * 6,
        ALLOWED_HOSTS="factcheck.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_a_malformed_boolean_is_an_error_not_a_guess():
    result = manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_the_trusted_proxies_come_from_the_environment_and_set_drfs_num_proxies():
    code = (
        "from django.conf import settings; "
        "print(settings.FACTCHECK_TRUSTED_PROXIES, settings.REST_FRAMEWORK['NUM_PROXIES'])"
    )
    assert manage("shell", "--no-imports", "-c", code).stdout.split() == ["0", "0"]
    assert manage(
        "shell", "--no-imports", "-c", code, FACTCHECK_TRUSTED_PROXIES="2"
    ).stdout.split() == ["2", "2"]
    refused = manage("check", FACTCHECK_TRUSTED_PROXIES="-1")
    assert refused.returncode != 0
    assert "FACTCHECK_TRUSTED_PROXIES must be 0 or more" in refused.stderr
