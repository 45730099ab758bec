"""The Celery app. The beat schedule lives here, in code, so every
installation runs the same periodic work."""

import logging
import os
import time
from pathlib import Path
from typing import Any

from celery import Celery, signals
from celery.schedules import crontab
from django.core import checks

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "committee_site.settings")

log = logging.getLogger(__name__)

app = Celery("committee_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _ensure_filesystem_folders() -> None:
    """The filesystem transport and result backend refuse missing folders."""
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        for folder in settings.CELERY_BROKER_TRANSPORT_OPTIONS.values():
            if isinstance(folder, str):
                Path(folder).mkdir(parents=True, exist_ok=True)
    if settings.CELERY_RESULT_BACKEND.startswith("file://"):
        Path(settings.CELERY_RESULT_BACKEND.removeprefix("file://")).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _prepare(sender: Celery, **kwargs: object) -> None:
    _ensure_filesystem_folders()


# Brokers that hand an unacknowledged message to another worker after a timeout.
VISIBILITY_TIMEOUT_SCHEMES = ("redis", "rediss", "sentinel", "sqs")


def task_limit_problems(celery_app: Celery = app) -> list[str]:
    """Why this configuration could hang a worker or run a task twice; empty
    when it cannot. Every task needs a soft limit below its hard one, and on a
    broker with a visibility timeout (Redis) the timeout must be set explicitly
    and outlast the longest delay a task is queued with (its retry delay, or the
    max_countdown a task declares when it is queued with a countdown or ETA)
    plus its hard limit: tasks are acknowledged only after they ran."""
    # Imports every app's tasks module; not import_default_modules(), whose
    # signal makes Celery's Django fixup run the system checks, this one included.
    celery_app.autodiscover_tasks(force=True)
    conf = celery_app.conf
    problems: list[str] = []
    visibility: float | None = None
    if str(conf.broker_url).split(":", 1)[0] in VISIBILITY_TIMEOUT_SCHEMES:
        visibility = (conf.broker_transport_options or {}).get("visibility_timeout")
        if visibility is None:
            problems.append(
                "the broker's visibility_timeout is not set: set it in CELERY_BROKER_TRANSPORT_OPTIONS "
                "(CELERY_VISIBILITY_TIMEOUT)"
            )
    for name, task in sorted(celery_app.tasks.items()):
        if name.startswith("celery."):
            continue
        soft = task.soft_time_limit if task.soft_time_limit is not None else conf.task_soft_time_limit
        hard = task.time_limit if task.time_limit is not None else conf.task_time_limit
        if not soft or not hard:
            problems.append(f"{name} has no soft and hard time limit (CELERY_TASK_SOFT_TIME_LIMIT, _TIME_LIMIT)")
            continue
        if task.acks_late and not getattr(task, "idempotent", False):
            problems.append(
                f"{name} is acknowledged after it ran (acks_late) but not marked safe to run twice: "
                "claim its work in the database and give it tasks_queue.IDEMPOTENT, or drop acks_late"
            )
        if soft >= hard:
            problems.append(f"{name}: the soft time limit ({soft} s) must be below the hard one ({hard} s)")
        delay = max(task.default_retry_delay or 0, getattr(task, "max_countdown", 0) or 0)
        if getattr(task, "retry_backoff", False):
            # autoretry_for with backoff waits up to retry_backoff_max (Celery's default: 600 s).
            delay = max(delay, getattr(task, "retry_backoff_max", 600))
        if visibility is not None and delay + hard >= visibility:
            problems.append(
                f"{name} may be queued {delay} s ahead (retry delay or countdown) and run {hard} s, together not less "
                f"than the broker's visibility timeout ({visibility} s): another worker would run it again. "
                "Raise CELERY_VISIBILITY_TIMEOUT."
            )
    return problems


@checks.register("celery", deploy=False)
def _check_task_limits(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return [checks.Error(problem, id="committee_site.E101") for problem in task_limit_problems()]


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_unsafe_limits(sender: object = None, **kwargs: object) -> None:
    # Celery logs and swallows an Exception raised by a signal handler;
    # SystemExit is not swallowed, so the worker or beat does not start.
    problems = task_limit_problems()
    if problems:
        raise SystemExit("Refusing to start Celery with this configuration:\n- " + "\n- ".join(problems))


def _periodic(task: Any) -> bool:
    return task is not None and task.name in {entry["task"] for entry in app.conf.beat_schedule.values()}


# When each periodic task started in this process, by task id.
_started: dict[str, float] = {}


@signals.task_prerun.connect
def _periodic_run_started(task_id: str = "", task: Any = None, **kwargs: object) -> None:
    if not _periodic(task):
        return
    _started[task_id] = time.monotonic()
    try:
        from committee_site.services import periodic_run_started

        periodic_run_started(task=task.name)
    except Exception:
        # The admin's record of the run must never stop the run.
        log.exception("Could not record the start of %s", task.name)


def _periodic_run_finished(task: Any, error: str) -> None:
    took = time.monotonic() - _started.pop(task.request.id or "", time.monotonic())
    try:
        from committee_site.services import periodic_run_finished

        periodic_run_finished(task=task.name, took=took, error=error)
    except Exception:
        log.exception("Could not record the end of %s", task.name)


@signals.task_success.connect
def _periodic_run_succeeded(sender: Any = None, **kwargs: object) -> None:
    if _periodic(sender):
        _periodic_run_finished(sender, "")


@signals.task_failure.connect
def _periodic_run_failed(sender: Any = None, exception: BaseException | None = None, **kwargs: object) -> None:
    if _periodic(sender):
        _periodic_run_finished(sender, f"{type(exception).__name__}: {exception}")


app.conf.beat_schedule = {
    # Picks up e-mails whose task was lost (broker down at commit time, a
    # worker killed mid-send): claims in the database make this safe to overlap.
    "notification-emails-sweep": {
        "task": "committee_site.tasks.notification_emails_sweep",
        "schedule": crontab(minute="*/5"),
    },
    # Replied complaints the owner did not dispute within the time limit.
    "complaints-auto-close": {
        "task": "complaints.tasks.complaints_auto_close",
        "schedule": crontab(minute="*/15"),
    },
    # Creates planned inspections ahead of time; the unique (plan, period)
    # row makes reruns harmless. Their reminders go out with the reminder sweep.
    "inspection-plans-materialise": {
        "task": "inspections.tasks.inspection_plans_materialise",
        "schedule": crontab(minute=40, hour=6),
    },
    # Creates the reminders that come due and sends the due ones (committee_site/reminders.py).
    "reminders-sweep": {
        "task": "committee_site.tasks.reminders_sweep_task",
        "schedule": float(os.environ.get("REMINDERS_SWEEP_SECONDS", "300")),
    },
    # Each person who chose the daily digest gets one e-mail listing the
    # reminders since their last one, before the working day (Asia/Shanghai).
    "reminder-digests": {
        "task": "committee_site.tasks.reminder_digests_task",
        "schedule": crontab(minute=30, hour=7),
    },
    # The complaint mailboxes (投诉邮箱) set up in the admin: each message is
    # claimed by its Message-ID and marked seen only after it was filed, so an
    # overlap or a crash files nothing twice (mailintake/polling.py).
    "mailboxes-poll": {
        "task": "mailintake.tasks.mailboxes_poll",
        "schedule": crontab(minute="*/5"),
    },
    # The quarterly report's draft, per compound, for the quarter just ended:
    # early on the first day of January, April, July and October (Asia/Shanghai,
    # the beat's time zone). One row per compound and quarter: a rerun is harmless.
    "quarterly-reports-compose": {
        "task": "reports.tasks.quarterly_reports_compose",
        "schedule": crontab(minute=30, hour=5, day_of_month=1, month_of_year="1,4,7,10"),
    },
}
