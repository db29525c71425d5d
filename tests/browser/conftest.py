"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

`playwright install` cannot download here, so the browser is /usr/bin/chromium. Without it the
browser tests are skipped on a developer machine and fail in CI, saying what to install.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the database calls the tests make
# next to it are still synchronous, so Django's async-safety check must stand aside.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MISSING = "CI needs Chromium: apt-get install chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class ConsoleLog:
    """Everything the page printed to the console, and its uncaught errors."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m]

    def errors(self) -> list[str]:
        return [m for m in self.messages if m.startswith(("error:", "pageerror:"))]


@pytest.fixture
def open_page(browser, live_server):
    """open_page(width) -> (page, console log), with the viewport at that width."""
    contexts = []

    def _open(width: int = 1280, height: int = 900):
        context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=live_server.url
        )
        contexts.append(context)
        page = context.new_page()
        log = ConsoleLog()
        page.on("console", lambda message: log.messages.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: log.messages.append(f"pageerror: {error}"))
        page.set_default_timeout(10_000)
        return page, log

    yield _open
    for context in contexts:
        context.close()


def log_in(page, username: str, password: str = "pw-for-tests") -> None:
    """Log in through the login form, as a person would."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
