"""schemathesis against the running app's own OpenAPI schema: zero server errors and zero
responses that break the schema.

The app runs for real (pytest-django's live server: a real HTTP server on 127.0.0.1 over the
test database), schemathesis's command line generates requests from /api/schema/ with an
editor's token, bounded in examples per operation and in total time. Runs in `make test` (CI).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotations import services

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MAX_EXAMPLES = 8
TIME_BUDGET_SECONDS = 50


@pytest.fixture
def populated(transactional_db, desk, settings):
    """Real objects for the generated ids to find now and then, and rates that never throttle
    the run (throttling has its own tests)."""
    from tests.factories import QUOTE, make_article

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "100000/min", "anon": "100000/min"},
    }
    ids: dict[str, list] = {
        "id": [],
        "article_id": [],
        "claim_id": [],
        "comment_id": [],
        "source_id": [],
        "slug": ["verify"],
    }
    for i in range(3):
        article = make_article(desk.team, text=f"Story {i}: {QUOTE} arrived.\n\nMore text.")
        claim = services.claim_create(
            article=article,
            actor=desk.editor,
            exact=QUOTE,
            rating="false",
            sources=[{"url": "https://example.org/evidence"}],
        )
        comment = services.comment_add(claim=claim, actor=desk.editor, body="A comment.")
        ids["id"] += [article.pk, claim.pk]
        ids["article_id"].append(article.pk)
        ids["claim_id"].append(claim.pk)
        ids["comment_id"].append(comment.pk)
        ids["source_id"] += list(claim.sources.values_list("pk", flat=True))
    _, raw = services.token_create(actor=desk.editor, name="schemathesis")
    return raw, ids


def write_config(directory: Path, ids: dict[str, list]) -> None:
    """Half the generated path parameters name objects that exist, so requests get past the
    404 and into validation, the services and the serializers."""
    lines = []
    for name, values in ids.items():
        quoted = ", ".join(json.dumps(value) for value in sorted(set(values)))
        lines += [f"[dictionaries.{name}]", f"values = [{quoted}]", ""]
    lines.append("[parameters]")
    for name in ids:
        lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.5 }}')
    (directory / "schemathesis.toml").write_text("\n".join(lines) + "\n")


def test_the_api_answers_every_generated_request_within_its_schema(
    populated, live_server, tmp_path
):
    token, ids = populated
    write_config(tmp_path, ids)
    started = time.monotonic()
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{live_server.url}/api/schema/",
        "--header",
        f"Authorization: Token {token}",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(TIME_BUDGET_SECONDS),
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",
        "--seed",
        "20261126",
        "--request-timeout",
        "20",
        "--no-shrink",
        "--suppress-health-check",
        "all",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=TIME_BUDGET_SECONDS + 60,
        cwd=tmp_path,
    )
    elapsed = time.monotonic() - started

    output = result.stdout + result.stderr
    print(output[-6000:])  # shown by pytest -s, or with the failure
    assert result.returncode == 0, output[-8000:]
    assert "No issues found" in output or "passed" in output, output[-3000:]
    assert elapsed < 110, f"schemathesis took {elapsed:.0f}s"
