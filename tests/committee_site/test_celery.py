"""Celery against the configured broker: the filesystem transport by
default, Redis in CI (CELERY_BROKER_URL)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from committee_site.celery import app
from committee_site.tasks import ping

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.broker
def test_task_round_trips_through_a_real_worker():
    # A queue of its own, so a demo worker running beside the tests cannot take the message.
    queue = f"test-{uuid.uuid4().hex}"
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "committee_site", "worker", "--queues", queue,
            "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    app.conf.task_always_eager = False
    try:
        token = uuid.uuid4().hex
        result = ping.apply_async(args=[token], queue=queue)
        assert result.get(timeout=90) == f"pong:{token}"
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_broker_is_the_one_configured():
    expected = os.environ.get("CELERY_BROKER_URL", "filesystem://")
    assert app.conf.broker_url == expected == settings.CELERY_BROKER_URL


def test_beat_schedule_names_only_registered_tasks():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert scheduled == {
        "committee_site.tasks.notification_emails_sweep",
        "complaints.tasks.complaints_auto_close",
        "inspections.tasks.inspection_plans_materialise",
        "inspections.tasks.joint_inspection_coverage_warn",
    }
    assert scheduled <= set(app.tasks)
