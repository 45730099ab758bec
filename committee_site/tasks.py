"""Thin tasks: ids in, call a service. Claims live in the database, so a
duplicate or retried task does nothing the first one did already."""

from __future__ import annotations

from celery import shared_task

from committee_site import services


@shared_task(bind=True, max_retries=services.EMAIL_MAX_ATTEMPTS, default_retry_delay=60)
def email_send_task(self, email_id: int) -> bool:  # type: ignore[no-untyped-def]
    try:
        return services.email_send(email_id=email_id)
    except Exception as exc:
        # email_send put the e-mail back to pending (or failed) before raising.
        raise self.retry(exc=exc) from exc


@shared_task
def notification_emails_sweep() -> int:
    email_ids = services.email_sweep()
    for email_id in email_ids:
        email_send_task.delay(email_id)
    return len(email_ids)


@shared_task
def ping(token: str) -> str:
    """Answers with what it was given: proves a worker is consuming the queue."""
    return f"pong:{token}"
