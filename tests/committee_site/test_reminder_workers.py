"""Exactly once with real Celery processes on PostgreSQL and the configured
broker (Redis in CI): two workers sweeping at once, two beats, a worker
killed in the middle of a batch, a deadline moved after its reminder was
queued. The batches are big enough that the work overlaps and the kill
lands half-way; nothing in the code waits for the tests."""

import time
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from committee_site.models import Notification, OutgoingEmail, OwnerApplication, Reminder, TimeLimits
from committee_site.reminders import reminders_create
from committee_site.tasks import reminders_sweep_task
from complaints import services as complaint_services
from complaints.models import Complaint
from tests import factories
from tests.complaints.rows import bulk_complaints
from tests.workers import Celery, postgresql_only, wait_until

pytestmark = [pytest.mark.broker, postgresql_only]

KIND = "reminder_owner_application"


@pytest.fixture(autouse=True)
def _no_quarter_warnings(reference_data):
    """The sweeps run at the real time, which may fall in a week of
    joint-inspection warnings (tests/inspections/test_reminders.py): these
    tests count every reminder, so the warnings are turned off."""
    TimeLimits.objects.filter(pk=1).update(joint_inspections_per_quarter=0)


@pytest.fixture
def celery_processes(tmp_path):
    processes = Celery(tmp_path)
    yield processes
    processes.stop()


def _committee_with_applications(n):
    """A compound whose two members (one with an e-mail address) each have
    n applications to be reminded of now: 2n reminders."""
    compound = factories.CompoundFactory()
    factories.member_of(compound.committee, role="committee_chair", username="chair")
    factories.member_of(compound.committee, role="committee_member", username="member", email="")
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound))
    waited = timezone.now() - timedelta(hours=25)
    OwnerApplication.objects.bulk_create(
        OwnerApplication(
            full_name=f"申请人{i}", email=f"a{i}@example.org", phone="13800138000", unit=unit,
            username=f"applicant{i}", password_hash="!", language="zh-hans", created_at=waited,
        )
        for i in range(n)
    )  # fmt: skip
    return compound


def _sent():
    return Reminder.objects.filter(status=Reminder.Status.SENT).count()


def _assert_each_sent_once(total):
    assert Reminder.objects.filter(kind=KIND).count() == total
    assert _sent() == total
    assert Notification.objects.filter(kind=KIND).count() == total
    assert not Notification.objects.values("recipient", "url").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert not Reminder.objects.filter(status=Reminder.Status.SENT, notification__isnull=True).exists()
    # Only the chair has an address: one e-mail per application.
    assert OutgoingEmail.objects.count() == total // 2


def test_two_workers_sweeping_at_once_send_each_reminder_once(reference_data, celery_processes):
    _committee_with_applications(400)
    celery_processes.workers(2)

    results = [celery_processes.send(reminders_sweep_task) for _ in range(2)]
    outcomes = [result.get(timeout=300) for result in results]

    assert sum(outcome["sent"].get(KIND, 0) for outcome in outcomes) == 800
    assert sum(outcome["created"].get(KIND, 0) for outcome in outcomes) == 800
    _assert_each_sent_once(800)


def test_two_beats_send_each_reminder_once(reference_data, tmp_path):
    _committee_with_applications(300)
    # A sweep every second from each beat, instead of every five minutes.
    celery = Celery(tmp_path, REMINDERS_SWEEP_SECONDS="1")
    try:
        celery.workers(2)
        celery.beat()
        celery.beat()
        wait_until(lambda: _sent() == 600, timeout=300, every=0.5)
        # Both beats go on sweeping; nothing more may go out.
        time.sleep(6)
        _assert_each_sent_once(600)
    finally:
        celery.stop()


def test_worker_killed_in_the_middle_of_a_batch_loses_nothing_and_sends_nothing_twice(reference_data, celery_processes):
    _committee_with_applications(1000)
    (worker,) = celery_processes.workers(1)

    celery_processes.send(reminders_sweep_task)
    wait_until(lambda: _sent() >= 40)
    celery_processes.kill(worker)

    sent_before = _sent()
    assert 40 <= sent_before < 2000
    # The row being sent when the worker died rolled back with its notification.
    assert Notification.objects.filter(kind=KIND).count() == sent_before
    assert Reminder.objects.filter(status=Reminder.Status.PENDING).count() == 2000 - sent_before

    celery_processes.workers(1)
    outcome = celery_processes.send(reminders_sweep_task).get(timeout=300)

    assert outcome["sent"] == {KIND: 2000 - sent_before}
    assert outcome["created"] == {}
    _assert_each_sent_once(2000)


def test_deadline_moved_after_the_reminder_was_queued_reminds_about_the_new_one_only(reference_data, celery_processes):
    compound = factories.CompoundFactory()
    chair = factories.member_of(compound.committee, role="committee_chair", username="chair")
    now = timezone.now()
    # To be accepted within the hour (its reminder due now); once accepted, replied to within two.
    (complaint,) = bulk_complaints(compound, 1, start=now - timedelta(hours=23))
    Complaint.objects.filter(pk=complaint.pk).update(reply_due_at=now + timedelta(hours=2))
    complaint.refresh_from_db()
    reminders_create(now=now)
    queued = Reminder.objects.get()
    assert (queued.deadline, queued.status) == (complaint.accept_due_at, "pending")

    complaint_services.complaint_accept(
        complaint=complaint, by=chair, seen_version=complaint.version, category=complaint.category,
        service_area=None, priority="normal",
    )  # fmt: skip
    celery_processes.workers(1)
    outcome = celery_processes.send(reminders_sweep_task).get(timeout=300)

    assert outcome == {
        "created": {"reminder_complaint": 1},
        "sent": {"reminder_complaint": 1},
        "cancelled": {"reminder_complaint": 1},
    }
    rows = list(Reminder.objects.order_by("id").values_list("deadline", "status", "cancel_reason"))
    assert rows == [
        (complaint.accept_due_at, "cancelled", "deadline_moved"),
        (complaint.reply_due_at, "sent", ""),
    ]
    notification = Notification.objects.get(kind="reminder_complaint")
    assert notification.recipient == chair
    assert notification.body.startswith("业主等待答复处理方式，期限 ")
