import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections, transaction

from committee_site.services import reference_next


@pytest.mark.django_db
def test_references_count_per_prefix_and_per_year():
    spring, winter = datetime(2026, 3, 1, tzinfo=UTC), datetime(2027, 1, 5, tzinfo=UTC)
    assert reference_next(prefix="TS", at=spring) == "TS-2026-000001"
    assert reference_next(prefix="TS", at=spring) == "TS-2026-000002"
    assert reference_next(prefix="ZG", at=spring) == "ZG-2026-000001"
    assert reference_next(prefix="TS", at=winter) == "TS-2027-000001"


@pytest.mark.django_db
def test_the_year_is_the_year_in_shanghai():
    # 31 Dec 2026 20:00 UTC is already 1 Jan 2027 in Shanghai.
    assert reference_next(prefix="TS", at=datetime(2026, 12, 31, 20, 0, tzinfo=UTC)) == "TS-2027-000001"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite runs one writer at a time")
def test_references_taken_at_once_never_collide():
    at = datetime(2026, 6, 1, tzinfo=UTC)
    reference_next(prefix="RC", at=at)  # the counter row exists; the race is on its increment
    barrier = threading.Barrier(6)
    taken: list[str] = []

    def take():
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                taken.append(reference_next(prefix="RC", at=at))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(taken) == [f"RC-2026-{n:06d}" for n in range(2, 8)]
