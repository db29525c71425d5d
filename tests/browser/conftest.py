"""Playwright (sync API) driving Debian's Chromium against the project.

`playwright install` cannot download here, so the browser is /usr/bin/chromium. Without it the
browser tests are skipped on a developer machine and fail in CI, saying what to install.

Two ways to serve the project to the browser:

* `live_server` (pytest-django's, in this process, DEBUG off) through `open_page`;
* `app_server`: the project under uvicorn in a separate process, as people run it, in both
  configurations (a parametrized fixture: `make-run` is DEBUG on, exactly what `make run`
  serves; `production` is DEBUG off with a secret key, collected static files and secure
  cookies). Each configuration's server starts once per session; tests stay isolated through
  `transactional_db` (see `UvicornServer` for how the server reads each test's data).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from annotations.models import Article

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
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
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
def open_page(browser, live_server, transactional_db):
    """open_page(width) -> (page, console log), with the viewport at that width.

    It asks for the database itself so that its pages are closed before the database is
    flushed after the test: fixtures tear down in reverse order, and a page still open (a live
    stream polling) would otherwise hold SQLite's shared in-memory tables locked during the
    flush ("database table is locked").
    """
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


@pytest.fixture
def demo(transactional_db) -> Article:
    """The demo desk of `manage.py seed_demo` (users log in with helpers.DEMO_PASSWORD); its
    article."""
    call_command("seed_demo", verbosity=0)
    return Article.objects.get(team__slug="demo")


# --- the project under uvicorn, in another process ------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for_servers(tmp_path: Path, name: str = "live.sqlite3") -> str:
    """The committed test data, where another process can reach it.

    PostgreSQL: the test database itself. SQLite, whose test database lives in memory: a file
    copy of it made now (VACUUM INTO), which later copies can replace (`copy_sqlite_database`).
    """
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        copy = tmp_path / name
        copy_sqlite_database(copy)
        return f"sqlite:///{copy}"
    user = quote(settings.get("USER") or "", safe="")
    password = quote(settings.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings['NAME']}"


def copy_sqlite_database(target: Path) -> None:
    """Replace `target` with a copy of the (in-memory) SQLite test database, as committed now.

    The copy is written beside it and moved over it in one step; the server opens a new
    connection for every request (DATABASE_CONN_MAX_AGE=0), so its next request reads it.
    """
    fresh = target.with_name(target.name + ".new")
    fresh.unlink(missing_ok=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(fresh)])
    for suffix in ("-wal", "-shm"):  # the old file's journal must not meet the new file
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    os.replace(fresh, target)


def server_environment(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a server process: ours, without what only the tests need."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_TEST_NAME", "SECRET_KEY"}
    }
    return env | {
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "0",
        "DEBUG": "true",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


class UvicornServer:
    """`uvicorn factcheck.asgi:application` on a free port of 127.0.0.1, as `make serve` runs it."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [sys.executable, "-m", "uvicorn", "factcheck.asgi:application"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        command += ["--no-proxy-headers"]
        with log.open("wb") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)

    def wait_until_listening(self, deadline: float) -> None:
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    message = f"uvicorn on {self.port} did not start:\n{self.output()}"
                    raise RuntimeError(message) from None
                time.sleep(0.2)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_servers(envs: list[dict[str, str]], logs: Path) -> list[UvicornServer]:
    """Several servers, started together (each takes a second or two to import Django)."""
    servers = [UvicornServer(env, logs / f"server-{i}.log") for i, env in enumerate(envs)]
    deadline = time.monotonic() + 40
    try:
        for server in servers:
            server.wait_until_listening(deadline)
    except RuntimeError:
        for server in servers:
            server.stop()
        raise
    return servers


APP_MODES = ["make-run", "production"]
# Only for the production-configuration server of the tests: never a real secret.
PRODUCTION_TEST_KEY = "browser-tests-production-configuration-" + "k" * 24


@dataclass
class AppServer:
    """One running configuration of the project, for one test.

    `url` is where it listens. The server reads the test's data once it is committed: call
    `publish()` after creating data outside `log_in_context` (which publishes by itself).
    """

    mode: str
    url: str
    server: UvicornServer
    secret_key: str
    sqlite_file: Path | None
    contexts: list = field(default_factory=list)

    @property
    def debug(self) -> bool:
        return self.mode == "make-run"

    def publish(self) -> None:
        if self.sqlite_file is not None:
            copy_sqlite_database(self.sqlite_file)

    def log_in_context(self, browser, user: AbstractBaseUser, *, width: int = 1280):
        """A browser context signed in as `user` (a session made here, as the server signs it)."""
        with override_settings(SECRET_KEY=self.secret_key):
            client = Client()
            client.force_login(user)
            session = client.cookies["sessionid"].value
        self.publish()
        context = browser.new_context(viewport={"width": width, "height": 900}, base_url=self.url)
        context.add_cookies([{"name": "sessionid", "value": session, "url": self.url}])
        self.contexts.append(context)
        return context

    def output(self) -> str:
        return self.server.output()


class _ServerPool:
    """The session's servers, one per configuration, started when a test first asks."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.running: dict[str, tuple[UvicornServer, Path | None]] = {}

    def get(self, mode: str) -> tuple[UvicornServer, Path | None]:
        if mode not in self.running:
            self.running[mode] = self._start(mode)
        return self.running[mode]

    def _start(self, mode: str) -> tuple[UvicornServer, Path | None]:
        folder = self.workdir / mode
        folder.mkdir(exist_ok=True)
        database_url = database_url_for_servers(folder, "app.sqlite3")
        sqlite_file = folder / "app.sqlite3" if connection.vendor == "sqlite" else None
        extra: dict[str, str] = {}
        if mode == "production":
            static_root = folder / "static"
            extra = {
                "DEBUG": "false",
                "SECRET_KEY": PRODUCTION_TEST_KEY,
                "ALLOWED_HOSTS": "127.0.0.1",
                "SECURE_SSL_REDIRECT": "false",
                "STATIC_ROOT": str(static_root),
            }
            # Production serves collected, hashed static files (whitenoise's manifest).
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=ROOT,
                env=server_environment(database_url, **extra),
                check=True,
                timeout=300,
            )
        env = server_environment(database_url, **extra)
        [server] = start_servers([env], folder)
        return server, sqlite_file

    def stop(self) -> None:
        for server, _ in self.running.values():
            server.stop()


@pytest.fixture(scope="session")
def _app_servers(tmp_path_factory, django_db_setup) -> Iterator[_ServerPool]:
    pool = _ServerPool(tmp_path_factory.mktemp("app-servers"))
    yield pool
    pool.stop()


@pytest.fixture(params=APP_MODES)
def app_server(request, browser, transactional_db, _app_servers) -> Iterator[AppServer]:
    """The project under uvicorn in the `make run` configuration (DEBUG on) and in the
    production one (DEBUG off): each test that takes it runs once in each."""
    mode = request.param
    server, sqlite_file = _app_servers.get(mode)
    secret = PRODUCTION_TEST_KEY if mode == "production" else settings.SECRET_KEY
    running = AppServer(mode, server.url, server, secret, sqlite_file)
    yield running
    for context in running.contexts:
        context.close()
