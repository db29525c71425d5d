"""The `seeded` fixture: the desk of tests/exports/seed.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.exports.seed import seed


@pytest.fixture
def seeded(desk) -> dict[str, Any]:
    return seed(desk)
