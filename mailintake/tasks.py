from __future__ import annotations

import time

from celery import shared_task

from committee_site.tasks import BATCH_SOFT_TIME_LIMIT, BATCH_TIME_LIMIT
from committee_site.tasks_queue import IDEMPOTENT
from mailintake import polling
from mailintake.models import Mailbox

# Past this, no further mailbox is started: the one being polled stops taking
# messages, so the task ends well before its soft limit, and the mailboxes it
# did not reach are the first the next time (Mailbox.objects.due()).
POLL_BUDGET_SECONDS = BATCH_SOFT_TIME_LIMIT - 2 * polling.TIMEOUT_SECONDS - 60


@shared_task(soft_time_limit=BATCH_SOFT_TIME_LIMIT, time_limit=BATCH_TIME_LIMIT, **IDEMPOTENT)
def mailboxes_poll() -> int:
    """Safe to overlap or run twice: a message is claimed by its Message-ID
    before anything is filed, and marked seen only after. The number of
    messages taken."""
    deadline = time.monotonic() + POLL_BUDGET_SECONDS
    taken = 0
    for pk in list(Mailbox.objects.due().values_list("pk", flat=True)):
        if time.monotonic() > deadline:
            break
        # Switched off since the list was read: left alone.
        mailbox = Mailbox.objects.filter(pk=pk, active=True).select_related("compound").first()
        if mailbox is not None:
            taken += polling.mailbox_poll(mailbox=mailbox, deadline=deadline).processed
    return taken
