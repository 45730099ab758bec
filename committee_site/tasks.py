"""Thin tasks: ids in, call a service. Claims live in the database, so a
duplicate or retried task does nothing the first one did already."""

from __future__ import annotations

from celery import shared_task

from committee_site import services
from committee_site.tasks_queue import IDEMPOTENT, enqueue

# Limits for the tasks that work through a batch (a sweep, a fan-out, every
# due complaint): longer than the defaults in settings (CELERY_TASK_*_TIME_LIMIT).
# What a batch task did not reach when it is stopped, its next run does.
BATCH_SOFT_TIME_LIMIT = 300
BATCH_TIME_LIMIT = 360


# The e-mail is claimed by a conditional update: a second run finds it sent.
# No Celery retry: a failed attempt leaves the row pending with its next
# attempt's time (the back-off), and the sweep queues it then.
@shared_task(**IDEMPOTENT)
def email_send_task(email_id: int) -> bool:
    return services.email_send(email_id=email_id)


# Queues the pending e-mails; their claims keep a second sweep from sending any twice.
@shared_task(soft_time_limit=BATCH_SOFT_TIME_LIMIT, time_limit=BATCH_TIME_LIMIT, **IDEMPOTENT)
def notification_emails_sweep() -> int:
    email_ids = services.email_sweep()
    for email_id in email_ids:
        # A broker that refused one refuses the rest: they stay pending for the next sweep.
        if not enqueue(email_send_task, email_id):
            break
    return len(email_ids)


@shared_task(soft_time_limit=BATCH_SOFT_TIME_LIMIT, time_limit=BATCH_TIME_LIMIT, **IDEMPOTENT)
def reminders_sweep_task() -> dict[str, dict[str, int]]:
    # The Reminder rows are the claims: two sweeps at once, or one after a
    # killed worker, send each reminder once.
    from committee_site.reminders import reminders_sweep

    return reminders_sweep().as_dict()


# The unique (person, day) row, claimed before the e-mail is queued, is the
# claim: a second run, a second beat or a redelivered message sends nothing twice.
@shared_task(soft_time_limit=BATCH_SOFT_TIME_LIMIT, time_limit=BATCH_TIME_LIMIT, **IDEMPOTENT)
def reminder_digests_task() -> int:
    return services.reminder_digests_send()


@shared_task(**IDEMPOTENT)
def ping(token: str) -> str:
    """Answers with what it was given: proves a worker is consuming the queue."""
    return f"pong:{token}"
