"""Celery against the configured broker: the filesystem transport by
default, Redis in CI (CELERY_BROKER_URL)."""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from committee_site.celery import app, task_limit_problems
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
        "committee_site.tasks.reminder_digests_task",
        "committee_site.tasks.reminders_sweep_task",
        "complaints.tasks.complaints_auto_close",
        "inspections.tasks.inspection_plans_materialise",
        "mailintake.tasks.mailboxes_poll",
        "reports.tasks.quarterly_reports_compose",
    }
    assert scheduled <= set(app.tasks)


# --- limits: no task can hang a worker, none can run twice ----------------------

PROJECT_TASKS = {
    "committee_site.tasks.email_send_task",
    "committee_site.tasks.notification_emails_sweep",
    "committee_site.tasks.ping",
    "committee_site.tasks.reminder_digests_task",
    "committee_site.tasks.reminders_sweep_task",
    "complaints.tasks.complaints_auto_close",
    "inspections.tasks.inspection_plan_materialise",
    "inspections.tasks.inspection_plans_materialise",
    "mailintake.tasks.mailboxes_poll",
    "reports.tasks.quarterly_reports_compose",
}


def _limits(name):
    task = app.tasks[name]
    soft = task.soft_time_limit if task.soft_time_limit is not None else app.conf.task_soft_time_limit
    hard = task.time_limit if task.time_limit is not None else app.conf.task_time_limit
    return soft, hard


def test_every_task_has_a_soft_limit_below_a_hard_limit():
    app.loader.import_default_modules()
    assert {name for name in app.tasks if not name.startswith("celery.")} == PROJECT_TASKS
    assert {name: _limits(name) for name in sorted(PROJECT_TASKS)} == {
        "committee_site.tasks.email_send_task": (60, 90),
        "committee_site.tasks.notification_emails_sweep": (300, 360),
        "committee_site.tasks.ping": (60, 90),
        "committee_site.tasks.reminder_digests_task": (300, 360),
        "committee_site.tasks.reminders_sweep_task": (300, 360),
        "complaints.tasks.complaints_auto_close": (300, 360),
        "inspections.tasks.inspection_plan_materialise": (300, 360),
        "inspections.tasks.inspection_plans_materialise": (300, 360),
        "mailintake.tasks.mailboxes_poll": (300, 360),
        "reports.tasks.quarterly_reports_compose": (300, 360),
    }


def _settings_in_subprocess(env_overrides: dict[str, str], expression: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "committee_site.settings", "DEBUG": "1", **env_overrides}
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip().splitlines()[-1]


def test_redis_broker_gets_an_explicit_visibility_timeout():
    expression = "settings.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout']"
    assert _settings_in_subprocess({"CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}, expression) == "3600"
    overridden = {"CELERY_BROKER_URL": "redis://127.0.0.1:1/0", "CELERY_VISIBILITY_TIMEOUT": "7200"}
    assert _settings_in_subprocess(overridden, expression) == "7200"


@pytest.fixture
def redis_conf():
    """The app's configuration as on Redis, put back afterwards."""
    saved = {key: app.conf[key] for key in ("broker_url", "broker_transport_options")}
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    yield app.conf
    app.conf.update(saved)


def test_default_limits_pass_the_start_up_check_on_redis(redis_conf):
    assert task_limit_problems() == []


def test_start_up_check_refuses_redis_without_an_explicit_visibility_timeout(redis_conf):
    redis_conf.broker_transport_options = {}
    assert task_limit_problems() == [
        "the broker's visibility_timeout is not set: set it in CELERY_BROKER_TRANSPORT_OPTIONS "
        "(CELERY_VISIBILITY_TIMEOUT)"
    ]


def test_start_up_check_refuses_a_visibility_timeout_shorter_than_a_retry_and_a_run(redis_conf):
    # The auto-close task would be retried Celery's 180 s later and may run 360 s:
    # 540 s is too short, 541 s is enough.
    name = "complaints.tasks.complaints_auto_close"
    redis_conf.broker_transport_options = {"visibility_timeout": 540}
    problems = [p for p in task_limit_problems() if p.startswith(f"{name} ")]
    assert problems == [
        f"{name} may be queued 180 s ahead (retry delay or countdown) and run 360 s, "
        "together not less than the broker's visibility timeout (540 s): another worker would run it again. "
        "Raise CELERY_VISIBILITY_TIMEOUT."
    ]
    redis_conf.broker_transport_options = {"visibility_timeout": 541}
    assert task_limit_problems() == []


def test_start_up_check_counts_a_countdown_a_task_declares(redis_conf):
    @app.task(name="tests.later", max_countdown=3580, soft_time_limit=10, time_limit=20)
    def later() -> None:
        """Queued up to an hour ahead."""

    try:
        assert task_limit_problems() == [
            "tests.later may be queued 3580 s ahead (retry delay or countdown) and run 20 s, together not less "
            "than the broker's visibility timeout (3600 s): another worker would run it again. "
            "Raise CELERY_VISIBILITY_TIMEOUT."
        ]
    finally:
        app.tasks.unregister("tests.later")


def test_only_tasks_safe_to_run_twice_are_acknowledged_after_they_ran():
    app.loader.import_default_modules()
    assert app.conf.task_acks_late is False
    # Every task of the project claims its work in the database, so each is
    # marked idempotent and acknowledged late; a new one is not, unless it says so.
    assert {
        name: (app.tasks[name].acks_late, app.tasks[name].reject_on_worker_lost) for name in PROJECT_TASKS
    } == dict.fromkeys(PROJECT_TASKS, (True, True))
    assert all(app.tasks[name].idempotent for name in PROJECT_TASKS)

    @app.task(name="tests.plain")
    def plain() -> None:
        pass

    try:
        assert app.tasks["tests.plain"].acks_late is False
        assert task_limit_problems() == []
    finally:
        app.tasks.unregister("tests.plain")


def test_start_up_check_refuses_acks_late_on_a_task_not_marked_idempotent():
    @app.task(name="tests.unsafe", acks_late=True)
    def unsafe() -> None:
        pass

    try:
        assert task_limit_problems() == [
            "tests.unsafe is acknowledged after it ran (acks_late) but not marked safe to run twice: "
            "claim its work in the database and give it tasks_queue.IDEMPOTENT, or drop acks_late"
        ]
    finally:
        app.tasks.unregister("tests.unsafe")


def test_start_up_check_refuses_a_soft_limit_not_below_the_hard_one(monkeypatch):
    # A task takes the settings' limits when it is registered.
    monkeypatch.setattr(app.tasks["committee_site.tasks.email_send_task"], "soft_time_limit", 90)
    assert task_limit_problems() == [
        "committee_site.tasks.email_send_task: the soft time limit (90 s) must be below the hard one (90 s)"
    ]


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "celery", "-A", "committee_site", "worker", "--pool=solo"],
        ["-m", "celery", "-A", "committee_site", "beat"],
        ["manage.py", "check"],
    ],
    ids=["worker", "beat", "manage.py check"],
)
def test_worker_beat_and_checks_refuse_a_visibility_timeout_too_short(command, tmp_path):
    # The refusal comes before any connection: the broker's port is closed.
    env = {
        **os.environ,
        "DEBUG": "1",
        "VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        "CELERY_VISIBILITY_TIMEOUT": "300",
    }
    result = subprocess.run(
        [sys.executable, *command], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode != 0
    assert (
        "complaints.tasks.complaints_auto_close may be queued 180 s ahead (retry delay or countdown) and run 360 s"
        in result.stderr
    )


def test_code_queues_no_countdown_or_eta_the_start_up_check_cannot_see():
    """A countdown= or eta= must be bounded by the task's max_countdown, which
    the start-up check compares with the visibility timeout. Retries use the
    task's default_retry_delay, which the check reads itself."""
    found = []
    for folder in ("committee_site", "complaints", "inspections", "records", "feedback"):
        for path in (ROOT / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if re.search(r"\b(countdown|eta)\s*=", line) and "max_countdown" not in line:
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == [], "declare max_countdown on these tasks"


@pytest.mark.django_db
def test_an_e_mail_stopped_by_the_soft_time_limit_is_sent_again_later(mailoutbox, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from committee_site import services

    email = services.email_queue(to="owner@example.org", subject="s", body="b")
    email.refresh_from_db()
    email.status = "pending"
    email.save()

    def stuck(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(services, "send_mail", stuck)
    with pytest.raises(SoftTimeLimitExceeded):
        services.email_send(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts, email.claimed_at) == ("pending", 1, None)
    monkeypatch.undo()
    assert services.email_send(email_id=email.pk) is True
    assert [m.to for m in mailoutbox] == [["owner@example.org"]]
