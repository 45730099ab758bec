"""Thin tasks: ids in, call a service. The unique (plan, period) inspection
is the claim, so a duplicate beat or a retried task creates nothing twice.
Reminders of inspections and the quarter's warnings go out with the
reminder sweep (inspections/reminders.py)."""

from __future__ import annotations

from celery import shared_task

from committee_site.tasks import BATCH_SOFT_TIME_LIMIT, BATCH_TIME_LIMIT
from committee_site.tasks_queue import IDEMPOTENT, enqueue
from inspections import services
from inspections.models import InspectionPlan


@shared_task(soft_time_limit=BATCH_SOFT_TIME_LIMIT, time_limit=BATCH_TIME_LIMIT, **IDEMPOTENT)
def inspection_plan_materialise(plan_id: int) -> int:
    return len(services.inspection_plan_materialise(plan_id=plan_id))


@shared_task(soft_time_limit=BATCH_SOFT_TIME_LIMIT, time_limit=BATCH_TIME_LIMIT, **IDEMPOTENT)
def inspection_plans_materialise() -> int:
    """Fan out one task per active plan."""
    plan_ids = list(InspectionPlan.objects.filter(active=True).values_list("pk", flat=True))
    for plan_id in plan_ids:
        # The active plan is the record: tomorrow's run materialises what a refused message left out.
        if not enqueue(inspection_plan_materialise, plan_id):
            break
    return len(plan_ids)
