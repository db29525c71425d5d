"""The interactive API docs run in a real Chromium under the Content-Security-Policy."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_every_section_without_csp_violations(open_page):
    page, log = open_page()

    page.goto("/api/docs/")
    page.get_by_text("Factcheck annotation API").first.wait_for()
    page.locator(".opblock-tag", has_text="claims").first.wait_for()

    assert page.locator(".opblock").count() >= 20
    assert log.csp_violations() == []
    assert log.errors() == []
