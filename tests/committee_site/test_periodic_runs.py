"""The site admin sees the last run and the last failure of every periodic
task, and the beat entries that never ran."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from committee_site.celery import app
from committee_site.models import PeriodicRun
from committee_site.tasks import ping
from complaints.tasks import complaints_auto_close
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
RUNS = reverse("admin:committee_site_periodicrun_changelist")


@pytest.fixture
def failing_entry():
    """A periodic task that fails as a task does when a server it needs is down."""

    @app.task(name="tests.failing_sweep")
    def failing_sweep() -> None:
        raise ConnectionRefusedError("smtp.example.org:25 refused the connection")

    app.conf.beat_schedule["tests-failing-sweep"] = {"task": "tests.failing_sweep", "schedule": 300.0}
    yield failing_sweep
    del app.conf.beat_schedule["tests-failing-sweep"]
    app.tasks.unregister("tests.failing_sweep")


def test_periodic_run_records_each_success_with_its_time():
    with time_machine.travel(datetime(2026, 11, 2, 9, 15, tzinfo=SHANGHAI), tick=False):
        complaints_auto_close.apply()
    with time_machine.travel(datetime(2026, 11, 2, 9, 30, tzinfo=SHANGHAI), tick=False):
        complaints_auto_close.apply()
    run = PeriodicRun.objects.get(task="complaints.tasks.complaints_auto_close")
    assert run.runs == 2
    assert run.failures == 0
    assert run.last_started_at == run.last_succeeded_at == datetime(2026, 11, 2, 9, 30, tzinfo=SHANGHAI)
    assert run.last_failed_at is None
    assert run.last_error == ""
    assert run.last_duration is not None
    assert run.last_duration >= 0


def test_periodic_run_records_a_failure_and_keeps_the_last_success(failing_entry):
    with time_machine.travel(datetime(2026, 11, 2, 9, 15, tzinfo=SHANGHAI), tick=False):
        complaints_auto_close.apply()
    with time_machine.travel(datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        # As a worker runs it: the error is the task's result, not raised to the caller.
        assert failing_entry.apply(throw=False).failed()
    failed = PeriodicRun.objects.get(task="tests.failing_sweep")
    assert failed.runs == 1
    assert failed.failures == 1
    assert failed.last_failed_at == datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
    assert failed.last_succeeded_at is None
    assert failed.last_error == "ConnectionRefusedError: smtp.example.org:25 refused the connection"
    assert PeriodicRun.objects.get(task="complaints.tasks.complaints_auto_close").failures == 0


def test_a_task_outside_the_beat_schedule_leaves_no_run_record():
    ping.apply(args=["x"])
    assert not PeriodicRun.objects.exists()


def test_admin_lists_runs_and_failures_and_names_the_entries_that_never_ran(failing_entry):
    complaints_auto_close.apply()
    assert failing_entry.apply(throw=False).failed()
    site_admin = factories.UserFactory(username="siteadmin", is_staff=True, is_superuser=True, language="en")
    page = client_for(site_admin).get(RUNS).content.decode()
    assert "complaints.tasks.complaints_auto_close" in page
    assert "ConnectionRefusedError: smtp.example.org:25 refused the connection" in page
    assert '<td class="field-schedule">*/15 * * * *</td>' in page
    never = page.split('data-testid="never-run">')[1].split("</li>")[0]
    assert never.split(": ", 1)[1].startswith(
        "committee_site.tasks.notification_emails_sweep, committee_site.tasks.reminders_sweep_task, "
        "inspections.tasks.inspection_plans_materialise."
    )
    assert "complaints_auto_close" not in never
    # Nobody edits the machine's log.
    assert client_for(site_admin).get(reverse("admin:committee_site_periodicrun_add")).status_code == 403


def test_admin_page_of_runs_is_for_the_site_admin_only():
    staff_member = factories.UserFactory(username="clerk", is_staff=True)
    assert client_for(staff_member).get(RUNS).status_code == 403
