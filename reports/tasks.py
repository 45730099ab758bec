from __future__ import annotations

from celery import shared_task

from committee_site.tasks import BATCH_SOFT_TIME_LIMIT, BATCH_TIME_LIMIT
from committee_site.tasks_queue import IDEMPOTENT
from reports import services


@shared_task(soft_time_limit=BATCH_SOFT_TIME_LIMIT, time_limit=BATCH_TIME_LIMIT, **IDEMPOTENT)
def quarterly_reports_compose() -> int:
    """Safe to run twice: one row per compound and quarter, composed again
    only if the figures changed (reports/services.py)."""
    return len(services.reports_compose_last_quarter())
