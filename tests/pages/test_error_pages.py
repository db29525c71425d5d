"""404, 403 and 500 are the site's own pages in every mode, DEBUG on (`make run`) included.

Django shows its technical pages under DEBUG (a 404 that lists every URL pattern, a 500 with
the traceback and settings); `annotations/error_pages.py` puts the site's pages back unless a
developer sets FACTCHECK_DEBUG_ERROR_PAGES. A routine 403 is logged as one line, no traceback.
"""

from __future__ import annotations

import io
import logging

import pytest
from django.template.loader import get_template
from django.urls import reverse

from tests.factories import make_article

pytestmark = pytest.mark.django_db

TECHNICAL_404 = ("Using the URLconf", "urlpatterns", "Page not found <span>")


@pytest.fixture(params=[True, False], ids=["debug-on", "debug-off"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def assert_site_page(response, status: int, heading: str) -> str:
    page = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert 'class="site-header"' in page, "the site's header is missing"
    assert f"<h1>{heading}</h1>" in page
    for technical in TECHNICAL_404:
        assert technical not in page
    assert "Traceback" not in page
    return page


def test_an_unknown_address_is_the_sites_404_page_in_every_mode(client, desk, debug):
    client.force_login(desk.reviewer)
    response = client.get("/no-such-page/")
    page = assert_site_page(response, 404, "Not found")
    assert "Go to the articles" in page


def test_an_unknown_article_is_the_sites_404_page_in_every_mode(client, desk, debug):
    client.force_login(desk.reviewer)
    response = client.get(reverse("article_detail", args=[999999]))
    page = assert_site_page(response, 404, "Not found")
    assert 'href="/queue/"' in page  # the signed-in header, with its navigation


def test_an_unknown_api_address_stays_json_in_every_mode(client, desk, debug):
    client.force_login(desk.reviewer)
    for url in ["/api/v1/no-such-thing/", "/api/v1/articles/999999/"]:
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_a_refused_action_is_the_sites_403_page_with_the_reason(client, desk, debug):
    article = make_article(desk.team)
    client.force_login(desk.viewer)
    response = client.post(reverse("claim_create", args=[article.pk]), {"exact": "x"})
    page = assert_site_page(response, 403, "Not allowed")
    assert "viewer" in page.lower()


@pytest.mark.urls("tests.error_urls")
def test_a_failing_page_is_the_sites_500_page_under_debug(client, desk, settings, caplog):
    settings.DEBUG = True
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/fails/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>Something went wrong</h1>" in page
    assert 'class="site-header"' in page
    assert "RuntimeError" not in page and "a bug in a view" not in page
    # The developer still gets the traceback, on the console.
    logged = [r for r in caplog.records if r.name == "django.request"]
    assert logged and logged[0].exc_info is not None


@pytest.mark.urls("tests.error_urls")
def test_developers_can_ask_for_the_technical_pages(client, desk, settings):
    settings.DEBUG = True
    settings.FACTCHECK_DEBUG_ERROR_PAGES = True
    assert "Using the URLconf" in client.get("/no-such-page/").content.decode()
    client.raise_request_exception = False
    assert "a bug in a view" in client.get("/fails/").content.decode()


def test_the_500_page_renders_with_nothing_to_go_on():
    """Django renders 500.html without a request or context: nothing in it may fail."""
    page = get_template("500.html").render()
    assert "<h1>Something went wrong</h1>" in page
    assert 'href="/static/css/app.css"' in page
    assert "{%" not in page and "{{" not in page


def test_under_debug_pages_load_htmx_without_the_debug_error_handler(client, desk, settings):
    """django-htmx's debug handler writes any 400/403/404 answer over the whole page."""
    settings.DEBUG = True
    client.force_login(desk.reviewer)
    page = client.get(reverse("article_detail", args=[make_article(desk.team).pk])).content
    assert b"django_htmx/htmx-2.min.js" in page
    assert b"django-htmx.js" not in page
    assert b"js/htmx-errors.js" in page


def test_a_routine_403_is_logged_as_one_line_without_a_traceback(client, desk, settings):
    """Through the project's logging configuration, as the console shows it."""
    article = make_article(desk.team)
    client.force_login(desk.viewer)
    lines = _console_output(
        lambda: client.post(reverse("claim_create", args=[article.pk]), {"exact": "x"})
    )
    assert [line for line in lines if "Forbidden" in line], lines
    assert not [line for line in lines if "Traceback" in line or "PermissionDenied" in line]


def _console_output(action) -> list[str]:
    """What the project's console handler writes while `action` runs."""
    handler = logging.getLogger("django").handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        action()
    finally:
        handler.setStream(previous)
    return stream.getvalue().splitlines()
