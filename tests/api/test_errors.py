"""Bad input never makes a 500: each gets the right status and the one error shape,
`{"detail": str, "code": str}` (+ `"errors": {field: [...]}` for validation)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import Claim
from tests.api.conftest import error_of
from tests.factories import QUOTE

pytestmark = pytest.mark.django_db


def claims_url(world) -> str:
    return f"/api/v1/articles/{world.article.pk}/claims/"


def post_json(client, url: str, body, **extra):
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, data=raw, content_type="application/json", **extra)


BAD_CLAIMS = [
    pytest.param({"start": "abc", "end": 10}, "start", id="start is not a number"),
    pytest.param({"start": 1.5, "end": 10}, "start", id="start is a fraction"),
    pytest.param({"start": -1, "end": 10}, "start", id="start is negative"),
    pytest.param({"start": 0, "end": 10**30}, "end", id="end is astronomically large"),
    pytest.param({"exact": QUOTE, "sources": "x"}, "sources", id="sources is a string"),
    pytest.param({"exact": QUOTE, "sources": ["x"]}, "sources.0", id="a source is a string"),
    pytest.param(
        {"exact": QUOTE, "sources": [{"url": "https://a.example", "colour": "red"}]},
        "sources.0.colour",
        id="a source has an unknown field",
    ),
    pytest.param({"exact": QUOTE, "tags": 5}, "tags", id="tags is a number"),
    pytest.param({"exact": QUOTE, "tags": [{"a": 1}]}, "tags.0", id="a tag is an object"),
    pytest.param({"exact": QUOTE, "claimant": {"x": 1}}, "claimant", id="claimant is an object"),
    pytest.param({"exact": QUOTE, "colour": "red"}, "colour", id="unknown field"),
    pytest.param({"exact": QUOTE, "status": "published"}, "status", id="read-only field"),
    pytest.param({"exact": "nul\u0000byte"}, "exact", id="a NUL character"),
    pytest.param(
        {"exact": QUOTE, "sources": [{"url": "https://a.example", "stance": "maybe"}]},
        "sources.0.stance",
        id="unknown stance",
    ),
]


@pytest.mark.parametrize(("body", "field"), BAD_CLAIMS)
def test_wrongly_typed_or_unknown_claim_fields_are_a_400_naming_the_field(
    body, field, world, reviewer
):
    response = post_json(reviewer, claims_url(world), body)

    assert response.status_code == 400, response.content
    error = error_of(response)
    assert field in error["errors"], error
    assert field in error["detail"]
    assert Claim.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param({"exact": "not in the article"}, "quote_not_found", id="absent quote"),
        pytest.param({"exact": "North Korean soldiers"}, "ambiguous_quote", id="ambiguous quote"),
        pytest.param({"start": 10, "end": 5}, "invalid_selector", id="start after end"),
        pytest.param({"start": 0, "end": 100_000}, "invalid_selector", id="offsets past the end"),
        pytest.param({"start": 5}, "invalid_selector", id="start without end"),
        pytest.param({}, "invalid_selector", id="no selector at all"),
        pytest.param(
            {"start": 0, "end": 5, "exact": "something else"}, "selector_mismatch", id="mismatch"
        ),
        pytest.param({"exact": QUOTE, "rating": "nonsense"}, "unknown_rating", id="unknown rating"),
        pytest.param(
            {"exact": QUOTE, "sources": [{"url": "javascript:alert(1)"}]},
            "invalid_url",
            id="source url not http",
        ),
    ],
)
def test_selectors_and_ratings_the_service_refuses_are_a_400_with_its_code(
    body, code, world, reviewer
):
    response = post_json(reviewer, claims_url(world), body)

    assert response.status_code == 400, response.content
    assert error_of(response)["code"] == code
    assert Claim.objects.count() == 1


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("[]", id="a list"),
        pytest.param('"text"', id="a string"),
        pytest.param("5", id="a number"),
        pytest.param("null", id="null"),
        pytest.param("true", id="a boolean"),
    ],
)
def test_a_json_body_that_is_not_an_object_is_a_400(raw, world, reviewer):
    response = post_json(reviewer, claims_url(world), raw)

    assert response.status_code == 400
    error = error_of(response)
    assert "non_field_errors" in error["errors"]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param('{"exact": ', id="truncated"),
        pytest.param("{'exact': 'x'}", id="single quotes"),
        pytest.param('{"start": NaN, "end": 3}', id="NaN"),
        pytest.param('{"exact": "\\ud800"}', id="lone surrogate"),
        pytest.param(b"\xff\xfe{", id="not UTF-8"),
    ],
)
def test_malformed_json_is_a_400_parse_error(raw, world, reviewer):
    response = post_json(reviewer, claims_url(world), raw)

    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


def test_a_body_over_the_limit_is_a_413(world, reviewer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = post_json(reviewer, claims_url(world), {"exact": QUOTE, "summary": "x" * 2000})

    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"


def test_an_imported_file_over_the_upload_limit_is_a_413(desk, reviewer, settings):
    settings.FACTCHECK_MAX_UPLOAD_BYTES = 100
    upload = SimpleUploadedFile("story.txt", b"A long story.\n\n" * 20, content_type="text/plain")

    response = reviewer.post(
        "/api/v1/articles/", {"team": "verify", "file": upload}, format="multipart"
    )

    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"


def test_an_unsupported_file_type_is_a_415(desk, reviewer):
    upload = SimpleUploadedFile("story.pdf", b"%PDF-1.7 ...", content_type="application/pdf")

    response = reviewer.post(
        "/api/v1/articles/", {"team": "verify", "file": upload}, format="multipart"
    )

    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_type"


def test_an_unsupported_request_media_type_is_a_415(world, reviewer):
    response = reviewer.post(claims_url(world), data="exact=x", content_type="text/plain")

    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_a_response_type_the_api_cannot_produce_is_a_406(world, reviewer):
    response = reviewer.get(claims_url(world), HTTP_ACCEPT="text/csv")

    assert response.status_code == 406
    assert error_of(response)["code"] == "not_acceptable"


def test_a_method_an_endpoint_does_not_answer_is_a_405(world, reviewer):
    response = reviewer.delete("/api/v1/claims/")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/claims/999999/",
        "/api/v1/claims/99999999999999999999999999/",
        "/api/v1/articles/99999999999999999999999999/claims/",
        "/api/v1/teams/no-such-team/",
    ],
)
def test_what_does_not_exist_is_a_404(path, desk, reviewer):
    response = reviewer.get(path)

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_importing_into_an_unknown_team_is_a_404(desk, reviewer):
    response = post_json(reviewer, "/api/v1/articles/", {"team": "nowhere", "text": "Hello."})

    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"team": "verify"}, id="nothing to import"),
        pytest.param({"team": "verify", "text": "a", "html": "<p>b</p>"}, id="two inputs"),
        pytest.param({"text": "Hello."}, id="no team"),
        pytest.param({"team": "verify", "text": 5 * [1]}, id="text is a list"),
        pytest.param({"team": "verify", "url": "ftp://example.org/x"}, id="not a web address"),
    ],
)
def test_bad_imports_are_a_400(body, desk, reviewer):
    response = post_json(reviewer, "/api/v1/articles/", body)

    assert response.status_code == 400, response.content
    error_of(response)


def test_a_stale_version_in_the_body_is_a_409(world, api_as):
    response = api_as("editor").patch(
        f"/api/v1/claims/{world.claim.pk}/",
        {"summary": "New.", "version": world.claim.version - 1 or 99},
        format="json",
    )

    assert response.status_code == 409
    assert error_of(response)["code"] == "stale"


def test_a_workflow_step_that_is_not_allowed_is_a_409(world, api_as):
    response = api_as("editor").post(
        f"/api/v1/claims/{world.claim.pk}/transition/", {"to": "published"}, format="json"
    )

    assert response.status_code == 409
    assert error_of(response)["code"] == "invalid_transition"


def test_an_unknown_status_is_a_400(world, api_as):
    response = api_as("editor").post(
        f"/api/v1/claims/{world.claim.pk}/transition/", {"to": "gone"}, format="json"
    )

    assert response.status_code == 400
    assert "to" in error_of(response)["errors"]


def test_a_reply_to_a_comment_of_another_claim_is_a_400(world, reviewer):
    response = reviewer.post(
        f"/api/v1/claims/{world.claim.pk}/comments/",
        {"body": "Reply.", "reply_to": 987654},
        format="json",
    )

    assert response.status_code == 400
    assert "reply_to" in error_of(response)["errors"]


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "article=abc",
        "article=99999999999999999999999",
        "created_after=not-a-date",
        "created_after=0001-01-01T00:00:00%2B14:00",
        "q=" + "x" * 300,
        "q=nul%00byte",
    ],
)
def test_bad_filter_values_are_a_400(query, world, reviewer):
    response = reviewer.get(f"/api/v1/claims/?{query}")

    assert response.status_code == 400, response.content
    assert error_of(response)["errors"]


@pytest.mark.parametrize("cursor", ["garbage", "cD1hYmM=", "bz0xJnA9YWJj"])
def test_a_hand_made_cursor_is_a_400(cursor, world, reviewer):
    response = reviewer.get(f"/api/v1/claims/?cursor={cursor}&ordering=created_at")

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_cursor"


def test_an_unknown_ordering_is_ignored(world, reviewer):
    response = reviewer.get("/api/v1/claims/?ordering=nonsense")

    assert response.status_code == 200


def test_a_missing_token_is_a_401_asking_for_a_token(world, api_as):
    response = api_as(None).get("/api/v1/claims/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert error_of(response)["code"] == "not_authenticated"


def test_a_validation_error_reads_as_a_sentence(world, reviewer):
    response = post_json(reviewer, claims_url(world), {"start": "abc", "end": "x", "tags": 5})

    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["detail"].startswith("Invalid input. ")
    assert "start: A valid integer is required." in error["detail"]
    assert set(error["errors"]) == {"start", "end", "tags"}


def test_a_service_error_names_its_field(world, api_as):
    response = api_as("editor").patch(
        f"/api/v1/claims/{world.claim.pk}/", {"summary": "   "}, format="json"
    )

    assert response.status_code == 400
    error = error_of(response)
    assert "summary" in error["errors"]


@pytest.mark.parametrize(
    "path", ["/api/v1/claims/{pk}/", "/api/v1/claims/{pk}/transition/", "/api/v1/articles/"]
)
def test_options_describes_the_endpoint_without_failing(path, world, reviewer):
    response = reviewer.options(path.format(pk=world.claim.pk), HTTP_IF_MATCH="")

    assert response.status_code == 200
    assert "application/json" in response.json()["renders"]
    assert "OPTIONS" in response["Allow"]


def test_an_unknown_api_path_is_a_json_404(desk, api_as):
    response = api_as("editor").get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_an_unknown_page_is_still_the_html_404(client, desk):
    client.force_login(desk.editor)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
