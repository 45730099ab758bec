from __future__ import annotations

from celery import shared_task

from committee_site.tasks import BATCH_SOFT_TIME_LIMIT, BATCH_TIME_LIMIT
from committee_site.tasks_queue import IDEMPOTENT
from complaints import services


@shared_task(soft_time_limit=BATCH_SOFT_TIME_LIMIT, time_limit=BATCH_TIME_LIMIT, **IDEMPOTENT)
def complaints_auto_close() -> int:
    """Safe to overlap: each complaint closes through a conditional update."""
    return len(services.complaints_auto_close())
