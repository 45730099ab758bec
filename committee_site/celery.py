"""The Celery app. The beat schedule lives here, in code, so every
installation runs the same periodic work."""

import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "committee_site.settings")

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
    # Creates planned inspections ahead of time and reminds participants;
    # the unique (plan, period) row and reminder claims make reruns harmless.
    "inspection-plans-materialise": {
        "task": "inspections.tasks.inspection_plans_materialise",
        "schedule": crontab(minute=40, hour=6),
    },
    "joint-inspection-coverage-warn": {
        "task": "inspections.tasks.joint_inspection_coverage_warn",
        "schedule": crontab(minute=50, hour=8, day_of_week="mon"),
    },
}
