"""Many complaint rows at once, written directly (not through the services),
for tests that only read: list sizes, query counts, sorting."""

from datetime import timedelta
from itertools import count

from django.utils import timezone

from committee_site import search
from complaints.models import OPEN_STATUSES, Category, Complaint

_numbers = count(900001)


def bulk_complaints(
    compound, n, *, status="submitted", title="楼道灯不亮", start=None, step=timedelta(minutes=1), **fields
):
    start = start or timezone.now() - timedelta(days=1)
    category = fields.pop("category", None) or Category.objects.get(code="facility_repair")
    rows = []
    for i in range(n):
        submitted = start + i * step
        due = fields.get("next_due_at", submitted + timedelta(hours=24))
        rows.append(
            Complaint(
                reference=f"TS-2026-{next(_numbers)}",
                compound=compound,
                category=category,
                service_area=category.service_area,
                title=title,
                description="描述",
                status=status,
                submitted_at=submitted,
                updated_at=submitted,
                accept_due_at=submitted + timedelta(hours=24),
                reply_due_at=submitted + timedelta(days=2),
                search_tokens=search.index_text(title, "描述"),
                **{"next_due_at": due if status in OPEN_STATUSES else None, **fields},
            )
        )
    return Complaint.objects.bulk_create(rows)
