"""The dashboard's open workload at scale: new, overdue and due-soon are
counted from the partial indexes over open complaints (complaints 0012),
never by reading the compound's rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import Category
from complaints.queries import dashboard_counts

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: generate_series and EXPLAIN"),
]

ROWS = 60_000
# Most cases closed; the open ones spread over the four open statuses.
STATUSES = ["closed", "closed", "closed", "closed", "submitted", "accepted", "assigned", "in_progress"]


def _fill(compound_id: int, other_id: int) -> None:
    """ROWS complaints split between two compounds, one every five minutes
    into the past; an open case's deadline lies between two days ago and
    twelve days ahead."""
    category = Category.objects.values_list("pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO complaints_complaint (
                reference, compound_id, location_text, complainant_name, complainant_phone, channel,
                category_id, title, description, priority, is_complex, status, responsible_party,
                responsibility_reason, handling_plan, result, decision_reason, referred_to, submitted_at,
                accept_due_at, reply_due_at, next_due_at, updated_at, version, search_tokens
            )
            SELECT 'W-' || n, CASE WHEN n %% 2 = 0 THEN %s ELSE %s END, '', '', '', 'web', %s, 't', 'd',
                   'normal', false, (%s::text[])[1 + n %% %s], 'property_company', '', '', '', '', '',
                   now() - n * interval '5 minutes', now(), now(),
                   CASE WHEN n %% 8 < 4 THEN NULL
                        ELSE now() + ((n * 7919) %% 20160 - 2880) * interval '1 minute' END,
                   now(), 1, ''
            FROM generate_series(1, %s) AS n
            """,
            [compound_id, other_id, category, STATUSES, len(STATUSES), ROWS],
        )
        cursor.execute("ANALYZE complaints_complaint")


def _expected(compound_id: int, sql_condition: str, now) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM complaints_complaint WHERE compound_id = %s AND status <> 'closed' AND "  # noqa: S608
            + sql_condition,
            [compound_id, now],
        )
        return cursor.fetchone()[0]


def test_the_open_workload_is_counted_from_the_partial_indexes(compound, other_compound):
    _fill(compound.pk, other_compound.pk)
    now = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        counts = dashboard_counts([compound.pk], now)
    (workload,) = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {workload}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on complaints_complaint" not in plan, plan
    # Index Only Scan once autovacuum has marked the pages; a test cannot VACUUM inside its transaction.
    assert plan.count("Index Scan on complaint_open_due") + plan.count("Scan using complaint_open_due") == 2, plan
    assert "complaint_open_submitted" in plan, plan
    assert counts.overdue == _expected(compound.pk, "next_due_at < %s", now) > 0
    due_soon = _expected(compound.pk, "next_due_at >= %s", now) - _expected(
        compound.pk, "next_due_at >= %s", now + timedelta(hours=counts.due_soon_hours)
    )
    assert counts.due_soon == due_soon > 0
    assert counts.new > 0
