"""Time a batch import of the 35 real news pages through the import page.

Usage:  .venv/bin/python benchmarks/bench_batch_import.py [--data DIR]

Uploads every page of ../shared/data/news_html in one "Several at once" form (the path
without JavaScript: one request imports each item on its own, in its own transaction) on a
throwaway SQLite database, and prints the wall time of that request, the time per page, and
how many were imported. A second batch of the same files shows the cost of finding them
already there.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from _support import DEFAULT_DATA, configure_django, real_pages, throwaway_database


def run_batch(client, team, pages: list[Path]) -> tuple[float, dict[str, int]]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from lxml import html

    files = [SimpleUploadedFile(path.name, path.read_bytes()) for path in pages]
    started = time.perf_counter()
    response = client.post(
        "/articles/import/batch/", {"team": team.pk, "files": files}, secure=True
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    states: dict[str, int] = {}
    for state in html.fromstring(response.content).xpath("//ol[@id='import-rows']/li/@data-state"):
        states[state] = states.get(state, 0) + 1
    return elapsed, states


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    options = parser.parse_args()
    pages = real_pages(options.data)

    with throwaway_database() as database:
        configure_django(database.url)
        from django.contrib.auth import get_user_model
        from django.test import Client

        from annotations import services
        from annotations.models import Membership, Role

        team = services.team_create(name="Bench", slug="bench")
        user = get_user_model().objects.create_user("bench")
        Membership.objects.create(team=team, user=user, role=Role.REVIEWER)
        client = Client()
        client.force_login(user)

        elapsed, states = run_batch(client, team, pages)
        print(
            f"first batch: {len(pages)} pages in {elapsed:.2f} s "
            f"({elapsed / len(pages) * 1000:.0f} ms a page): {states}"
        )
        elapsed, states = run_batch(client, team, pages)
        print(f"same batch again: {elapsed:.2f} s: {states}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
