"""The archive's list and search at scale: the plans PostgreSQL chooses use
the indexes, never a scan of the whole table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from records.models import ArchiveRecord
from records.views.lists import ORDERING, PER_PAGE

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: generate_series and EXPLAIN"),
]

ROWS = 60_000


def _fill(compound_id: int, other_id: int) -> None:
    """ROWS records split between two compounds, one in a hundred about the
    lift (电梯), written behind the ORM: the chain does not matter here."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO records_archiverecord
                (number, compound_id, sequence, kind, title, happened_at, parties, body, public_body, data,
                 category, source_type, source_id, created_at, previous_hash, hash, search_tokens)
            SELECT 'DA-QT-2026-' || n, CASE WHEN n %% 2 = 0 THEN %s ELSE %s END, n,
                   CASE WHEN n %% 3 = 0 THEN 'minutes' ELSE 'complaint' END,
                   't' || n, now() - n * interval '1 hour', '[]', 'b', 'b', '{}', '', '', '', now(),
                   repeat('0', 64), md5(n::text) || md5((n + 1)::text),
                   CASE WHEN n %% 100 = 0 THEN '电梯 梯异 异响' ELSE '水泵 漏水 water' END
            FROM generate_series(1, %s) AS n
            """,
            [compound_id, other_id, ROWS],
        )
        cursor.execute("ANALYZE records_archiverecord")


def _plan(queryset) -> str:
    return queryset.order_by(*ORDERING)[: PER_PAGE + 1].explain()


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def test_record_list_and_search_at_scale_read_indexes_not_the_table(compound, other_compound, committee_member):
    _fill(compound.pk, other_compound.pk)
    records = ArchiveRecord.objects.visible_to(committee_member)
    # Search first asks for the matching ids (committee_site/search.py), then orders those few.
    with CaptureQueriesContext(connection) as probe:
        searched = records.filtered({"q": "电梯异响"})
    assert "record_search_gin" in _explain(probe.captured_queries[-1]["sql"])
    search_plan = _plan(searched)
    for plan in (search_plan, _plan(records.filtered({})), _plan(records.filtered({"kind": "minutes"}))):
        assert "Seq Scan on records_archiverecord" not in plan
        assert "Index Scan" in plan
