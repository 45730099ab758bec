"""Two people acting at the same moment, each through their own database
connection: the helper the race tests of every app share (PostgreSQL only,
since SQLite runs one writer at a time)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite runs one writer at a time"
)


def race(*racers: tuple[Callable[[], Any], Callable[[Any], Any]]) -> list[Any]:
    """Each racer is (load, act): load() reads what the person saw, in the
    racer's own thread and connection; then all are released together into
    act(loaded). Returns what each act returned, or the exception it raised."""
    barrier = threading.Barrier(len(racers))
    outcomes: list[Any] = [None] * len(racers)

    def run(index: int, load: Callable[[], Any], act: Callable[[Any], Any]) -> None:
        try:
            seen = load()
            barrier.wait(timeout=10)
            outcomes[index] = act(seen)
        except Exception as error:  # the loser's exception is the result under test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, *racer)) for i, racer in enumerate(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes
