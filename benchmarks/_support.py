"""What the benchmarks share: a throwaway database, the project's settings made production-like
for a benchmark, Django set up in this process, uvicorn on a free port, percentiles, and the
real news pages of ../shared/data.

The benchmarks import it as `_support` (a script's own folder is first on its path).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DEFAULT_DATA = ROOT.parent / "shared" / "data"


# --- the throwaway database ----------------------------------------------------------------------


class ThrowawayDatabase:
    """A DATABASE_URL for a database that exists only during the benchmark: an SQLite file in
    `workdir`, or, when `server_url` is a postgres:// URL, a new database on that server (the
    database the URL names is not touched), removed by drop()."""

    def __init__(self, workdir: Path, server_url: str = "") -> None:
        self.workdir = workdir
        self.server_url = server_url
        self.name = f"factcheck_bench_{os.getpid()}_{secrets.token_hex(3)}"
        if server_url.startswith(("postgres://", "postgresql://")):
            self.kind = "PostgreSQL"
            self.url = urlunsplit(urlsplit(server_url)._replace(path=f"/{self.name}"))
            self._admin('CREATE DATABASE "{}"')
        else:
            self.kind = "SQLite"
            self.url = f"sqlite:///{workdir / 'bench.sqlite3'}"

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.server_url, autocommit=True) as connection:
            connection.execute(statement.format(self.name))

    def drop(self) -> None:
        if self.kind != "PostgreSQL":
            return
        if "django.db" in sys.modules:  # this process's own connections go first
            from django.db import connections

            connections.close_all()
        self._admin('DROP DATABASE IF EXISTS "{}" WITH (FORCE)')


@contextmanager
def throwaway_database(server_url: str = "") -> Iterator[ThrowawayDatabase]:
    """A ThrowawayDatabase in a new temporary folder (its `workdir`); both go afterwards."""
    with tempfile.TemporaryDirectory(prefix="factcheck-bench-") as workdir:
        database = ThrowawayDatabase(Path(workdir), server_url)
        try:
            yield database
        finally:
            database.drop()


# --- the settings and Django ---------------------------------------------------------------------


def settings_environment(database_url: str, **extra: str) -> dict[str, str]:
    """The variables that make factcheck.settings production-like on `database_url`: DEBUG off,
    a throwaway secret key, no HTTPS redirect, warnings only in the log. `extra` adds or
    replaces variables."""
    return {
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-" + secrets.token_hex(24),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def server_environment(database_url: str, **extra: str) -> dict[str, str]:
    """This process's environment with settings_environment() over it, for a server or a
    helper process (without DJANGO_ALLOW_ASYNC_UNSAFE, which a server must not inherit)."""
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**inherited, **settings_environment(database_url, **extra)}


def configure_django(database_url: str) -> None:
    """Django in this process, production-like, on a migrated `database_url`; requests go
    through the test client (host `testserver`). Static files are served uncollected."""
    sys.path.insert(0, str(ROOT))
    log_level = os.environ.get("LOG_LEVEL", "WARNING")
    os.environ.update(
        settings_environment(database_url, ALLOWED_HOSTS="testserver", LOG_LEVEL=log_level)
    )
    # whitenoise looks for collected static files, which a benchmark does not need.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # No collectstatic here: plain static storage instead of the manifest one.
    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    call_command("migrate", verbosity=0)


def run_prepare(script: str, env: dict[str, str], *args: str) -> dict:
    """Run `script --prepare *args` in `env` (a benchmark's own data loader, in the servers'
    settings) and return the JSON object it prints last."""
    prepared = subprocess.run(
        [PYTHON, script, "--prepare", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if prepared.returncode:
        raise SystemExit(prepared.stderr[-3000:])
    return json.loads(prepared.stdout.strip().splitlines()[-1])


def setup_prepared_django() -> None:
    """In the process run_prepare() starts: Django in the environment it was given, the
    database migrated."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bench_desk(paragraphs: int):
    """(team, {role: user}, article), after setup_prepared_django(): the
    "Benchmark desk" with an editor and a reviewer, and an article of `paragraphs` numbered
    paragraphs, paragraph n saying that n * 1000 soldiers had arrived in region n."""
    from django.contrib.auth import get_user_model

    from annotations import services
    from annotations.models import Role

    users = {
        role: get_user_model().objects.create_user(username=f"bench-{role}", password=None)
        for role in (Role.EDITOR, Role.REVIEWER)
    }
    team = services.team_create(name="Benchmark desk", slug="bench", actor=users[Role.EDITOR])
    services.membership_set(team=team, user=users[Role.REVIEWER], role=Role.REVIEWER)
    text = "\n\n".join(
        f"Paragraph {number}: the ministry said that {number * 1000} soldiers had arrived "
        f"in region {number}, while observers counted fewer."
        for number in range(paragraphs)
    )
    article = services.article_import(
        team=team, actor=None, text=text, title="Benchmark story"
    ).article
    return team, users, article


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running `uvicorn factcheck.asgi:application` on 127.0.0.1."""

    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(env: dict[str, str], *, workers: int | None = None, wait: float = 30) -> Server:
    """uvicorn on a free port in `env` (no access log), once it accepts connections."""
    port = free_port()
    command = [PYTHON, "-m", "uvicorn", "factcheck.asgi:application", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
    if workers is not None:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return Server(process, port)
        except OSError:
            if process.poll() is not None:
                raise SystemExit("uvicorn exited before it served anything.") from None
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"uvicorn did not start within {wait:.0f} s.")


# --- the numbers ---------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """The value at `share` (0.95 for p95) of the sorted values, by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def real_pages(data: Path) -> list[Path]:
    """The real news pages listed in data/news_html/EXPECTATIONS.json; without that file, the
    benchmark stops with status 2, saying so."""
    expectations = data / "news_html" / "EXPECTATIONS.json"
    if not expectations.is_file():
        print(f"no real pages found: {expectations} is missing", file=sys.stderr)
        raise SystemExit(2)
    return [data / page["file"] for page in json.loads(expectations.read_text())]
