"""The dashboard's filter by channel at scale: PostgreSQL pages the list by
the index on (compound, channel, submitted_at, id), never by a scan of the
whole table."""

import pytest
from django.db import connection
from django.utils import timezone

from complaints.models import Category
from complaints.queries import dashboard_list, overseen_compound_ids
from complaints.views.dashboard import PER_PAGE

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: generate_series and EXPLAIN"),
]

ROWS = 60_000
CHANNELS = ["web", "web", "web", "phone", "email", "letter", "visit", "wechat", "feedback"]


def _fill(compound_id: int, other_id: int) -> None:
    """ROWS complaints split between two compounds, the channels mixed as a
    year of a busy compound mixes them, written behind the ORM."""
    category = Category.objects.values_list("pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO complaints_complaint (
                reference, compound_id, location_text, complainant_name, complainant_phone, channel, category_id,
                title, description, priority, is_complex, status, responsible_party, responsibility_reason,
                handling_plan, result, decision_reason, referred_to, submitted_at, accept_due_at, reply_due_at,
                updated_at, version, search_tokens
            )
            SELECT 'PL-' || n, CASE WHEN n %% 2 = 0 THEN %s ELSE %s END, '', '', '',
                   (%s::text[])[1 + n %% %s], %s, 't', 'd', 'normal', false, 'closed', '', '', '', '', '', '',
                   now() - n * interval '5 minutes', now(), now(), now() - n * interval '5 minutes', 1, ''
            FROM generate_series(1, %s) AS n
            """,
            [compound_id, other_id, CHANNELS, len(CHANNELS), category, ROWS],
        )
        cursor.execute("ANALYZE complaints_complaint")


def test_the_dashboard_filtered_by_channel_reads_its_index(compound, other_compound, committee_member):
    _fill(compound.pk, other_compound.pk)
    compound_ids = overseen_compound_ids(committee_member)
    for sort in ("newest", "oldest"):
        queryset, ordering = dashboard_list(
            committee_member, compound_ids, {"channel": "wechat", "sort": sort}, timezone.now()
        )
        plan = queryset.order_by(*ordering)[: PER_PAGE + 1].explain()
        assert "complaint_compound_channel" in plan, plan
        assert "Seq Scan on complaints_complaint" not in plan, plan
