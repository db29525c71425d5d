"""How many database queries a page or endpoint takes, for the tests that check the count does
not grow with the number of rows shown."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext


def get_queries(client, url: str) -> int:
    """The number of queries a GET of `url` by `client` takes; the answer must be 200 OK."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)
