"""The reminder sweep with frozen time: who is reminded, when, in which
language, how often, and nothing for closed cases."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from committee_site.models import Language, Notification, OutgoingEmail, Reminder, ReminderEmail, TimeLimits
from committee_site.reminders import reminders_sweep
from complaints import services as complaint_services
from tests import factories
from tests.complaints.conftest import drive, file_complaint

SHANGHAI = ZoneInfo("Asia/Shanghai")
FILED = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def at(moment):
    return time_machine.travel(moment, tick=False)


def sweep(moment):
    with at(moment):
        return reminders_sweep(now=moment)


def sent_to(user, kind=None):
    rows = Reminder.objects.filter(recipient=user, status=Reminder.Status.SENT)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("sent_at", "id").values_list("kind", "round"))


@pytest.fixture(autouse=True)
def _no_quarter_warnings(db):
    """These tests count every reminder of a sweep in March, the first
    quarter's last month: the compound's joint-inspection warnings
    (tests/inspections/test_reminders.py) would be among them."""
    TimeLimits.objects.filter(pk=1).update(joint_inspections_per_quarter=0)


@pytest.fixture
def filed(owner, committee_member):
    with at(FILED):
        return file_complaint(owner)


# --- complaints ----------------------------------------------------------------


def test_complaint_reminder_reaches_the_committee_four_hours_before_the_acceptance_deadline(
    filed, committee_member, owner
):
    # Accept by 09:00 the next day: reminded at 05:00, not before.
    assert sweep(FILED + timedelta(hours=19, minutes=59)).sent == {}
    pending = Reminder.objects.get(kind="reminder_complaint")
    assert (pending.status, pending.round, pending.send_at) == ("pending", 0, FILED + timedelta(hours=20))

    result = sweep(FILED + timedelta(hours=20))

    assert result.sent == {"reminder_complaint": 1}
    assert sent_to(committee_member) == [("reminder_complaint", 0)]
    assert sent_to(owner) == []
    notification = Notification.objects.get(recipient=committee_member, kind="reminder_complaint")
    assert notification.title == f"即将到期：投诉 {filed.reference}“电梯门关不上”"
    assert notification.url == f"/complaints/{filed.pk}/"


def test_complaint_reminder_is_written_in_the_recipients_language(filed, committee_member):
    committee_member.language = Language.EN
    committee_member.save()

    sweep(FILED + timedelta(hours=25))

    notification = Notification.objects.get(recipient=committee_member, kind="reminder_complaint")
    assert notification.title == f"Overdue: complaint {filed.reference} “电梯门关不上”"
    assert notification.body == (
        "It waits to be accepted or rejected, by 2026-03-03 09:00. The deadline has passed: it is overdue. "
        "Status: Submitted."
    )


def test_overdue_complaint_is_reminded_daily_for_a_week_not_every_sweep(filed, committee_member):
    deadline = FILED + timedelta(days=1)
    sweep(deadline - timedelta(hours=4))
    for hours in range(0, 24 * 10, 2):
        sweep(deadline + timedelta(hours=hours, minutes=1))

    assert sent_to(committee_member) == [("reminder_complaint", n) for n in range(8)]
    assert Notification.objects.filter(recipient=committee_member, kind="reminder_complaint").count() == 8


def test_a_worker_down_for_days_sends_one_overdue_reminder_not_every_missed_one(filed, committee_member):
    # Overdue since day 1: round 1 was due then, round 4 three days later, now.
    result = sweep(FILED + timedelta(days=4, hours=1))

    assert result.sent == {"reminder_complaint": 1}
    assert sent_to(committee_member) == [("reminder_complaint", 4)]


def test_complaint_assigned_to_the_company_reminds_its_staff_and_the_committee(
    filed, committee_member, property_staff, owner
):
    with at(FILED + timedelta(hours=1)):
        drive(filed, "assigned", committee=committee_member)
    filed.refresh_from_db()

    sweep(filed.next_due_at - timedelta(hours=3))

    assert sent_to(property_staff) == [("reminder_complaint", 0)]
    assert sent_to(committee_member) == [("reminder_complaint", 0)]
    assert sent_to(owner) == []


def test_closed_case_is_not_reminded_and_its_upcoming_reminder_is_cancelled(filed, committee_member):
    sweep(FILED + timedelta(hours=1))
    with at(FILED + timedelta(hours=2)):
        complaint_services.complaint_reject(
            complaint=filed, by=committee_member, seen_version=filed.version, reason="重复投诉"
        )

    sweep(FILED + timedelta(hours=21))
    sweep(FILED + timedelta(days=3))

    assert sent_to(committee_member) == []
    assert list(Reminder.objects.values_list("status", "cancel_reason")) == [("cancelled", "no_longer_due")]


def test_moved_deadline_reminds_about_the_new_one_only(filed, committee_member):
    sweep(FILED + timedelta(hours=1))
    with at(FILED + timedelta(hours=2)):
        drive(filed, "accepted", committee=committee_member)
    filed.refresh_from_db()
    assert filed.next_due_at == FILED + timedelta(days=2)

    sweep(FILED + timedelta(hours=21))
    sweep(FILED + timedelta(days=2) - timedelta(hours=4))

    rows = list(Reminder.objects.order_by("id").values_list("deadline", "status", "cancel_reason"))
    assert rows == [
        (FILED + timedelta(days=1), "cancelled", "deadline_moved"),
        (FILED + timedelta(days=2), "sent", ""),
    ]
    body = Notification.objects.get(recipient=committee_member, kind="reminder_complaint").body
    assert body == "业主等待答复处理方式，期限 2026年3月4日 09:00。 状态：已受理。"


def test_dispute_window_reminds_the_owner_a_day_before_it_closes(filed, committee_member, owner):
    with at(FILED + timedelta(hours=1)):
        drive(filed, "resolved", committee=committee_member)
    filed.refresh_from_db()
    # The committee's callback reminders are another source.
    before = filed.dispute_until - timedelta(days=1)

    sweep(before - timedelta(minutes=1))
    assert sent_to(owner) == []
    sweep(before)
    sweep(filed.dispute_until + timedelta(hours=1))

    assert sent_to(owner) == [("reminder_dispute_closing", 0)]
    assert sent_to(committee_member, "reminder_dispute_closing") == []


# --- callbacks ------------------------------------------------------------------


def test_callback_reminds_the_member_it_is_assigned_to(filed, committee_member, compound):
    from feedback.models import Callback

    other_member = factories.member_of(compound.committee, role="committee_member", username="member2")
    with at(FILED + timedelta(hours=1)):
        drive(filed, "resolved", committee=committee_member)
    callback = Callback.objects.get(complaint=filed)
    Callback.objects.filter(pk=callback.pk).update(assigned_to=other_member)

    sweep(callback.due_at - timedelta(hours=23))
    sweep(callback.due_at + timedelta(hours=1))
    sweep(callback.due_at + timedelta(hours=2))

    assert sent_to(other_member, "reminder_callback") == [("reminder_callback", 0), ("reminder_callback", 1)]
    assert sent_to(committee_member, "reminder_callback") == []


# --- owner applications ------------------------------------------------------------


def test_waiting_application_reminds_the_committee_after_a_day_then_every_two_days_three_times(
    compound, committee_member, other_committee_member
):
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound))
    with at(FILED):
        application = factories.OwnerApplicationFactory(unit=unit, created_at=FILED)

    for hours in range(0, 24 * 12, 6):
        sweep(FILED + timedelta(hours=hours))

    assert sent_to(committee_member) == [("reminder_owner_application", n) for n in (1, 2, 3)]
    assert list(Reminder.objects.filter(status="sent").order_by("id").values_list("send_at", flat=True)) == [
        FILED + timedelta(days=1),
        FILED + timedelta(days=3),
        FILED + timedelta(days=5),
    ]
    assert sent_to(other_committee_member) == []
    assert application.pk


def test_decided_application_is_not_reminded(compound, committee_member):
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound))
    factories.OwnerApplicationFactory(unit=unit, created_at=FILED, status="approved")

    sweep(FILED + timedelta(days=2))

    assert Reminder.objects.count() == 0


# --- exactly once, e-mail preference, the command ---------------------------------


def test_sweeping_twice_sends_nothing_twice(filed, committee_member):
    moment = FILED + timedelta(hours=21)
    first = sweep(moment)
    second = sweep(moment)

    assert (first.created, first.sent) == ({"reminder_complaint": 1}, {"reminder_complaint": 1})
    assert (second.created, second.sent) == ({}, {})
    assert Notification.objects.filter(kind="reminder_complaint").count() == 1


def test_immediate_preference_mails_each_reminder_and_digest_mails_none_at_once(filed, committee_member, compound):
    digest_member = factories.member_of(
        compound.committee, role="committee_member", username="digester", reminder_email=ReminderEmail.DIGEST
    )

    sweep(FILED + timedelta(hours=21))

    reminders = OutgoingEmail.objects.filter(subject__startswith="即将到期")
    assert list(reminders.values_list("to", flat=True)) == [committee_member.email]
    assert Notification.objects.filter(recipient=digest_member, kind="reminder_complaint").count() == 1


def test_reminders_run_prints_what_it_created_and_sent_by_kind(filed, committee_member):
    out = StringIO()
    with at(FILED + timedelta(hours=21)):
        call_command("reminders_run", stdout=out)

    assert out.getvalue().splitlines() == [
        "created: 1",
        "  reminder_complaint: 1",
        "sent: 1",
        "  reminder_complaint: 1",
        "cancelled: 0",
    ]
