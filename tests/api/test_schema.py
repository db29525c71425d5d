"""The OpenAPI schema describes every endpoint, parameter and error; the docs page works under
the Content-Security-Policy (no CDN, no inline script or style)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.api.test_permissions import RULES

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(out), stderr=io.StringIO()
    )
    assert out.read_text().startswith("openapi: 3")


def test_the_schema_is_served_to_anyone(db):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def openapi_path(route: str) -> str:
    path = re.sub(r"<(?:int|slug):pk>", "{id}", route)
    return "/api/v1/" + re.sub(r"<(?:int|slug|str):(\w+)>", r"{\1}", path)


def test_every_endpoint_and_method_is_described(schema):
    for route, method in RULES:
        operation = schema["paths"][openapi_path(route)][method.lower()]
        assert operation.get("summary"), (route, method)


def test_every_operation_documents_its_errors_in_the_error_format(schema):
    for route, method in RULES:
        responses = schema["paths"][openapi_path(route)][method.lower()]["responses"]
        assert {"401", "404", "429"} <= set(responses), (route, method)
        if method != "GET":
            assert {"400", "403", "413", "415"} <= set(responses), (route, method)
        for status, response in responses.items():
            if int(status) >= 400:
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith(("/Error", "/ValidationError", "/NotAnArticleError")), (
                    route,
                    method,
                    status,
                )


def test_conditional_writes_document_if_match_and_412(schema):
    for path, method in [("/api/v1/claims/{id}/", "patch"), ("/api/v1/claims/{id}/", "delete")]:
        operation = schema["paths"][path][method]
        assert "412" in operation["responses"]
        assert any(p["name"] == "If-Match" for p in operation["parameters"])


def test_list_filters_and_paging_are_described(schema):
    params = {p["name"] for p in schema["paths"]["/api/v1/claims/"]["get"]["parameters"]}

    assert {
        "team", "article", "status", "rating", "claimant", "reviewer", "created_after",
        "created_before", "q", "ordering", "cursor", "page_size",
    } <= params  # fmt: skip
    article_params = {p["name"] for p in schema["paths"]["/api/v1/articles/"]["get"]["parameters"]}
    assert {"team", "status", "assignee", "q"} <= article_params


def test_token_authentication_is_described(schema):
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"


def test_the_docs_page_loads_everything_from_this_site(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script"
    assert "//cdn" not in html and "unpkg" not in html and "jsdelivr" not in html
    srcs = re.findall(r'<script src="([^"]+)"', html)
    assert srcs and all(src.startswith("/") for src in srcs)
    for src in srcs:
        script = client.get(src.replace("&amp;", "&"))
        assert script.status_code == 200, src
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_benchmark_view_does_not_exist_in_normal_runs(world, api_as):
    response = api_as("admin").get(f"/api/v1/_benchmark/articles/{world.article.pk}/claims/")

    assert response.status_code == 404
