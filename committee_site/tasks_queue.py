"""Queuing a task without letting the broker fail the action that asked for it.

The row that records the work (an `OutgoingEmail`, an active plan) is the
truth, committed before anything is queued; the message only says "do it
now". So when the broker is down, slow, or its transport cannot even be
imported, the failure is logged and the caller carries on: the beat sweeps
pick the row up later, and the claims in the database make sure it is done
once."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)


# The options of a task whose work is claimed in the database (a conditional
# update, a unique row), so running it twice does nothing twice. Only such a
# task is acknowledged after it ran (acks_late): a worker killed mid-run puts
# the message back for another worker. The start-up check refuses acks_late
# on a task not marked so (committee_site/celery.py).
IDEMPOTENT: dict[str, Any] = {"acks_late": True, "reject_on_worker_lost": True, "idempotent": True}


def enqueue(task: Any, *ids: int) -> bool:
    """Publish `task(*ids)` now. False, with the error logged, when the broker refused."""
    if task.app.conf.task_always_eager:
        # Eager runs in-process: no broker to fail, and an error of the task itself must surface.
        task.apply_async(args=ids)
        return True
    try:
        # Nobody reads these results: not asking for one saves a second
        # connection to the result store, which retries for a long time when it is down.
        task.apply_async(args=ids, ignore_result=True)
    except Exception:
        log.exception("Could not queue %s%s; the work stays recorded for the sweep to pick up.", task.name, list(ids))
        return False
    return True


def enqueue_on_commit(task: Any, *ids: int) -> None:
    """Queue `task(*ids)` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(enqueue, task, *ids))
