"""Calls made at the same moment: each in its own thread, so each with its own database
connection (Django's connections are per thread), all released together by a barrier.

Tests using it need committed data (`django_db(transaction=True)`) and PostgreSQL: SQLite lets
one writer in at a time, so a race there cannot lose an update in the first place.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

ROUNDS = 10


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "Concurrent transactions need PostgreSQL: SQLite serialises writers, so two "
            "writes never interleave there."
        )


def together(*calls: Callable[[], Any], timeout: float = 30.0) -> list[Any]:
    """Run the calls at once; each one's result, or the exception it raised, in call order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout)
            outcomes[index] = call()
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a call did not finish in time"
    return outcomes


def statuses(responses: list[Any]) -> list[Any]:
    """The status codes of responses (an exception stands for itself), sorted."""
    return sorted((getattr(r, "status_code", repr(r)) for r in responses), key=lambda s: str(s))


class Tally:
    """What the rounds of one race gave: how many had exactly one winner, how many let both
    writes through (the first one lost), and anything else that went wrong."""

    def __init__(self, won: int, refused: int) -> None:
        self.won, self.refused = won, refused
        self.rounds = self.one_winner = self.lost_updates = 0
        self.problems: list[str] = []

    def record(self, responses: list[Any]) -> tuple[int | None, int | None]:
        """The indexes of the winner and the loser when exactly one call won, else Nones."""
        self.rounds += 1
        codes = [getattr(r, "status_code", None) for r in responses]
        if codes.count(self.won) == len(codes):
            self.lost_updates += 1
            return None, None
        if sorted(codes) != sorted([self.won, self.refused]):
            self.problems.append(f"round {self.rounds}: {[repr(r)[:300] for r in responses]}")
            return None, None
        self.one_winner += 1
        return codes.index(self.won), codes.index(self.refused)

    def check(self, where: str, ok: bool) -> None:
        if not ok:
            self.problems.append(f"round {self.rounds}: {where}")

    def __str__(self) -> str:
        return (
            f"{self.rounds} rounds: {self.one_winner} with one winner, {self.lost_updates} "
            f"with every write accepted (updates lost); {len(self.problems)} problems: "
            f"{self.problems[:5]}"
        )

    @property
    def clean(self) -> bool:
        return self.one_winner == self.rounds and not self.problems
