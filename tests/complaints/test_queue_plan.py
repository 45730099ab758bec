"""The property staff's queue at scale: PostgreSQL reads the company's open
cases in deadline order from the partial index, never all of them to sort."""

import pytest
from django.db import connection

from complaints.models import Category
from complaints.queries import assigned_queue
from complaints.views.staff import PER_PAGE
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: generate_series and EXPLAIN"),
]

ROWS = 60_000
# A busy company's mix: most cases closed, the open ones spread over the four open statuses.
STATUSES = ["closed", "closed", "closed", "closed", "submitted", "accepted", "assigned", "in_progress"]


def _fill(compound_ids: list[int], company_id: int) -> None:
    category = Category.objects.values_list("pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO complaints_complaint (
                reference, compound_id, assignee_id, location_text, complainant_name, complainant_phone, channel,
                category_id, title, description, priority, is_complex, status, responsible_party,
                responsibility_reason, handling_plan, result, decision_reason, referred_to, submitted_at,
                accept_due_at, reply_due_at, next_due_at, updated_at, version, search_tokens
            )
            SELECT 'Q-' || n, (%s::int[])[1 + n %% %s], %s, '', '', '', 'web', %s, 't', 'd', 'normal', false,
                   (%s::text[])[1 + n %% %s], 'property_company', '', '', '', '', '',
                   now() - n * interval '5 minutes', now(), now(),
                   CASE WHEN n %% 8 < 4 THEN NULL ELSE now() + ((n * 7919) %% 20000) * interval '1 minute' END,
                   now(), 1, ''
            FROM generate_series(1, %s) AS n
            """,
            [compound_ids, len(compound_ids), company_id, category, STATUSES, len(STATUSES), ROWS],
        )
        cursor.execute("ANALYZE complaints_complaint")


def test_the_staff_queue_reads_its_first_page_from_the_queue_index(compound, property_staff):
    # The company manages two compounds: no per-compound index gives one
    # deadline order across both.
    second = factories.CompoundFactory(
        name="绿洲家园", name_en="Oasis Home", property_company=compound.property_company
    )
    _fill([compound.pk, second.pk], compound.property_company_id)
    queryset, ordering = assigned_queue(property_staff)
    plan = queryset.order_by(*ordering)[: PER_PAGE + 1].explain()
    assert "complaint_assignee_queue" in plan, plan
    assert "Sort" not in plan, plan
    assert "Seq Scan on complaints_complaint" not in plan, plan
    assert queryset.count() == ROWS // 2
