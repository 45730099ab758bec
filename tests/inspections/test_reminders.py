"""The inspections' reminders with frozen time: rectification deadlines,
re-inspections, inspections coming up and the quarter's joint inspections;
who is reminded, when, how often, and nothing once the case moved on."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from committee_site.models import Language, Notification, Reminder, time_limits_scope
from committee_site.reminders import People, reminders_create, reminders_sweep
from inspections import reminders, services
from inspections.models import Inspection, InspectionKind, RectificationNotice
from tests import factories
from tests.workers import postgresql_only

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
ISSUED = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
DEADLINE = datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)


def at(moment):
    return time_machine.travel(moment, tick=False)


def sweep(moment):
    with at(moment):
        return reminders_sweep(now=moment)


def sent(kind, user=None):
    rows = Reminder.objects.filter(kind=kind, status=Reminder.Status.SENT)
    if user is not None:
        rows = rows.filter(recipient=user)
    return sorted(rows.values_list("recipient__username", "round"))


def issue(compound, by, title="清理消防通道", deadline=DEADLINE):
    with at(ISSUED):
        return services.rectification_issue(
            compound=compound,
            by=by,
            title=title,
            description="3号楼消防通道堆放杂物",
            severity=RectificationNotice.Severity.GENERAL,
            deadline=deadline,
        )


@pytest.fixture
def notice(compound, committee_member, property_staff):
    return issue(compound, committee_member)


@pytest.fixture
def elsewhere(other_compound, other_committee_member):
    """Another compound's committee and property staff, with their own notice and inspection."""
    staff = factories.member_of(other_compound.property_company, role="property_staff", username="otherstaff")
    return other_compound, other_committee_member, staff


def report_done(notice, by, moment):
    with at(moment):
        notice.refresh_from_db()
        return services.rectification_submit(
            notice=notice, by=by, seen_version=notice.version, note="已清理", photos=[]
        )


# --- rectification deadlines ---------------------------------------------------------


def test_rectification_reminds_the_company_staff_and_committee_a_day_before_the_deadline(
    notice, committee_member, property_staff, owner, elsewhere
):
    other_compound, other_member, _other_staff = elsewhere
    issue(other_compound, other_member, title="别处的通知", deadline=DEADLINE + timedelta(days=5))
    assert sweep(DEADLINE - timedelta(days=1, minutes=1)).sent == {}

    result = sweep(DEADLINE - timedelta(days=1))

    # Not the owners, nor the other compound's committee and staff, whose deadline is later.
    assert result.sent == {"reminder_rectification": 2}
    assert sent("reminder_rectification") == [("chair", 0), ("staffer", 0)]
    notification = Notification.objects.get(recipient=property_staff, kind="reminder_rectification")
    assert notification.title == f"即将到期：整改通知单 {notice.reference}“清理消防通道”"
    assert notification.url == f"/inspections/notices/{notice.pk}/"


def test_rectification_reminder_is_written_in_each_recipients_language(notice, committee_member, property_staff):
    property_staff.language = Language.EN
    property_staff.save()

    sweep(DEADLINE + timedelta(minutes=5))

    english = Notification.objects.get(recipient=property_staff, kind="reminder_rectification")
    assert english.title == f"Overdue: rectification notice {notice.reference} “清理消防通道”"
    with translation.override("en"):
        organisation = str(notice.organisation)
    assert english.body == (
        f"{organisation} must rectify this and report it done, with photos, by 2026-03-09 09:00. "
        "The deadline has passed: it is overdue. Status: Open."
    )
    chinese = Notification.objects.get(recipient=committee_member, kind="reminder_rectification")
    assert chinese.title == f"已超时：整改通知单 {notice.reference}“清理消防通道”"


def test_overdue_rectification_is_reminded_daily_for_a_week_then_stops(notice, property_staff):
    for hours in range(0, 10 * 24, 3):
        sweep(DEADLINE + timedelta(hours=hours))

    assert sent("reminder_rectification", property_staff) == [("staffer", n) for n in range(1, 8)]
    sent_at = list(
        Reminder.objects.filter(recipient=property_staff, round__gt=0)
        .order_by("round")
        .values_list("sent_at", flat=True)
    )
    assert sent_at == [DEADLINE + timedelta(days=n) for n in range(7)]


def test_sweeping_again_creates_and_sends_nothing_new(notice, property_staff):
    first = sweep(DEADLINE + timedelta(hours=1))
    rows = Reminder.objects.count()

    again = sweep(DEADLINE + timedelta(hours=1, minutes=5))

    assert first.sent == {"reminder_rectification": 2}
    assert (again.created, again.sent) == ({}, {})
    assert Reminder.objects.count() == rows
    assert Notification.objects.filter(kind="reminder_rectification").count() == 2


def test_work_reported_done_cancels_the_deadline_reminder_and_reminds_the_committee_to_reinspect(
    notice, committee_member, property_staff
):
    sweep(DEADLINE - timedelta(days=1, hours=12))  # creates the round ahead, not yet due
    reported = DEADLINE - timedelta(days=1, hours=6)
    report_done(notice, property_staff, reported)

    sweep(DEADLINE - timedelta(days=1))
    assert Reminder.objects.get(kind="reminder_rectification", recipient=property_staff).cancel_reason == (
        Reminder.CancelReason.NO_LONGER_DUE
    )
    # Re-inspect within three days of the report: reminded a day before, the committee only.
    assert sweep(reported + timedelta(days=2) - timedelta(minutes=1)).sent == {}
    assert sweep(reported + timedelta(days=2)).sent == {"reminder_reinspection": 1}
    assert sent("reminder_reinspection") == [("chair", 0)]
    notification = Notification.objects.get(kind="reminder_reinspection")
    assert notification.title == f"待复查：整改通知单 {notice.reference}“清理消防通道”"
    assert "请在 2026年3月11日 03:00 前到现场复查" in notification.body


def test_overdue_reinspection_repeats_every_two_days_three_times_and_stops_once_verified(
    notice, committee_member, property_staff
):
    reported = DEADLINE - timedelta(days=2)
    report_done(notice, property_staff, reported)
    due = reported + timedelta(days=3)
    for hours in range(0, 4 * 24, 6):
        sweep(due + timedelta(hours=hours))
    assert sent("reminder_reinspection") == [("chair", 1), ("chair", 2)]

    with at(due + timedelta(days=4)):
        notice.refresh_from_db()
        services.rectification_verify(notice=notice, by=committee_member, seen_version=notice.version)
    for days in range(4, 12):
        sweep(due + timedelta(days=days))

    assert sent("reminder_reinspection") == [("chair", 1), ("chair", 2)]
    assert Reminder.objects.filter(kind="reminder_reinspection", status=Reminder.Status.PENDING).count() == 0


def test_reinspection_never_done_is_reminded_before_and_three_times_after_then_no_more(
    notice, committee_member, property_staff
):
    reported = DEADLINE - timedelta(days=2)
    report_done(notice, property_staff, reported)
    for hours in range(0, 14 * 24, 4):
        sweep(reported + timedelta(hours=hours))

    assert sent("reminder_reinspection") == [("chair", 0), ("chair", 1), ("chair", 2), ("chair", 3)]
    due = reported + timedelta(days=3)
    assert list(
        Reminder.objects.filter(kind="reminder_reinspection").order_by("round").values_list("send_at", flat=True)
    ) == [due - timedelta(days=1), due, due + timedelta(days=2), due + timedelta(days=4)]


def test_moved_rectification_deadline_reminds_about_the_new_one_only(notice, committee_member, property_staff):
    sweep(DEADLINE - timedelta(days=1, hours=2))  # the round ahead of the first deadline is created
    report_done(notice, property_staff, DEADLINE - timedelta(days=1, hours=1))
    new_deadline = datetime(2026, 3, 20, 18, 0, tzinfo=SHANGHAI)
    with at(DEADLINE - timedelta(days=1, minutes=30)):
        notice.refresh_from_db()
        services.rectification_fail(
            notice=notice, by=committee_member, seen_version=notice.version, note="仍有杂物", deadline=new_deadline
        )

    sweep(DEADLINE - timedelta(days=1))
    sweep(DEADLINE + timedelta(hours=1))

    old = Reminder.objects.filter(kind="reminder_rectification", deadline=DEADLINE)
    assert set(old.values_list("status", "cancel_reason")) == {("cancelled", "deadline_moved")}
    assert Notification.objects.filter(kind="reminder_rectification").count() == 0

    sweep(new_deadline - timedelta(days=1))

    (notification,) = Notification.objects.filter(recipient=property_staff, kind="reminder_rectification")
    assert "须在 2026年3月20日 18:00 前完成整改" in notification.body
    assert sent("reminder_rectification", property_staff) == [("staffer", 0)]


def test_rectification_sweep_reads_a_fixed_number_of_queries_however_many_notices(
    compound, committee_member, property_staff
):
    def creating(count):
        Reminder.objects.all().delete()
        for index in range(count - RectificationNotice.objects.count()):
            issue(compound, committee_member, title=f"整改{index}")
        with at(DEADLINE), CaptureQueriesContext(connection) as queries, time_limits_scope():
            reminders_create(now=DEADLINE)
        assert Reminder.objects.filter(kind="reminder_rectification").count() == 2 * count
        return len(queries)

    assert creating(1) == creating(12)


# --- inspections coming up -----------------------------------------------------------


PLANNED_ON = date(2026, 12, 10)
MORNING = datetime(2026, 12, 10, 8, 0, tzinfo=SHANGHAI)


def plan_inspection(compound, by, template, kind=InspectionKind.JOINT, planned_on=PLANNED_ON):
    with at(datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)):
        return services.inspection_create(compound=compound, kind=kind, template=template, planned_on=planned_on, by=by)


def test_joint_inspection_reminds_participants_and_every_signing_party_three_days_ahead(
    compound, committee_member, property_staff, officer, owner, default_template, elsewhere
):
    inspection = plan_inspection(compound, committee_member, default_template)
    other_compound, other_member, other_staff = elsewhere
    plan_inspection(other_compound, other_member, default_template, planned_on=PLANNED_ON + timedelta(days=5))
    # Joined the community office after the invitations went out: still one of the parties.
    newcomer = factories.member_of(compound.community_office, role="community_officer", username="newofficer")
    assert sweep(MORNING - timedelta(days=3, minutes=1)).sent == {}

    sweep(MORNING - timedelta(days=3))

    ours = Reminder.objects.filter(kind="reminder_inspection", subject=f"reminder_inspection:{inspection.pk}")
    assert sorted(ours.values_list("recipient__username", flat=True)) == ["chair", "newofficer", "officer1", "staffer"]
    assert sent("reminder_inspection", owner) == []
    assert sent("reminder_inspection", other_staff) == []
    notification = Notification.objects.get(recipient=newcomer, kind="reminder_inspection")
    assert notification.title == f"提醒：{compound.name} 2026年12月10日 联合检查"
    assert notification.url == f"/inspections/{inspection.pk}/"


def test_random_check_reminds_only_its_participants(compound, committee_member, property_staff, default_template):
    plan_inspection(compound, committee_member, default_template, kind=InspectionKind.AD_HOC)

    sweep(MORNING - timedelta(days=2))

    assert sent("reminder_inspection") == [("chair", 0)]


def test_started_inspection_cancels_its_upcoming_reminder(compound, committee_member, officer, default_template):
    inspection = plan_inspection(compound, committee_member, default_template)
    sweep(MORNING - timedelta(days=3, hours=6))
    assert Reminder.objects.filter(kind="reminder_inspection", status="pending").count() == 2
    with at(MORNING - timedelta(days=3, hours=1)):
        services.inspection_start(inspection=inspection, seen_version=inspection.version, by=committee_member)

    sweep(MORNING - timedelta(days=3))

    assert set(Reminder.objects.filter(kind="reminder_inspection").values_list("status", "cancel_reason")) == {
        ("cancelled", "no_longer_due")
    }
    assert not Notification.objects.filter(kind="reminder_inspection").exists()


def test_inspection_sweep_reads_a_fixed_number_of_queries_however_many_inspections(
    compound, committee_member, property_staff, officer, default_template
):
    def creating(count):
        Reminder.objects.all().delete()
        for day in range(count - Inspection.objects.count()):
            plan_inspection(
                compound, committee_member, default_template, planned_on=PLANNED_ON + timedelta(days=day % 2)
            )
        with at(MORNING - timedelta(days=3)), CaptureQueriesContext(connection) as queries, time_limits_scope():
            reminders_create(now=MORNING - timedelta(days=3))
        assert Reminder.objects.filter(kind="reminder_inspection").count() == 3 * count
        return len(queries)

    assert creating(1) == creating(10)


# --- the quarter's joint inspections ---------------------------------------------


# The fourth quarter of 2026: its third month starts on 1 December, it ends on
# 31 December, two weeks before which is 18 December.
THIRD_MONTH = datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI)
TWO_WEEKS_LEFT = datetime(2026, 12, 18, 0, 0, tzinfo=SHANGHAI)


def test_quarter_without_a_planned_joint_inspection_warns_its_committee_once(
    compound, committee_member, officer, other_compound, other_committee_member, default_template
):
    plan_inspection(other_compound, other_committee_member, default_template, planned_on=date(2026, 12, 20))
    assert sweep(THIRD_MONTH - timedelta(minutes=1)).sent.get("reminder_joint_unplanned") is None

    sweep(THIRD_MONTH)
    sweep(THIRD_MONTH + timedelta(days=1))
    sweep(THIRD_MONTH + timedelta(days=8))

    assert sent("reminder_joint_unplanned") == [("chair", 1)]
    notification = Notification.objects.get(kind="reminder_joint_unplanned")
    assert notification.title == f"{compound.name}本季度尚未安排联合检查"
    assert notification.body.startswith("2026年10月1日至2026年12月31日这一季度已进入最后一个月")
    assert notification.url == "/inspections/quarter/"


def test_joint_inspection_planned_before_the_warning_went_out_cancels_it(compound, committee_member, default_template):
    sweep(THIRD_MONTH - timedelta(hours=2))
    assert Reminder.objects.filter(kind="reminder_joint_unplanned", status="pending").count() == 1
    plan_inspection(compound, committee_member, default_template, planned_on=date(2026, 12, 20))

    sweep(THIRD_MONTH)

    assert Reminder.objects.get(kind="reminder_joint_unplanned").status == Reminder.Status.CANCELLED
    assert not Notification.objects.filter(kind="reminder_joint_unplanned").exists()


def test_quarter_without_a_held_joint_inspection_warns_the_committee_and_community_office_two_weeks_before_its_end(
    compound, committee_member, property_staff, officer, other_compound, other_committee_member, default_template
):
    # Planned but not held is not enough; the other compound held its inspection.
    plan_inspection(compound, committee_member, default_template, planned_on=date(2026, 12, 20))
    held = plan_inspection(other_compound, other_committee_member, default_template, planned_on=date(2026, 12, 5))
    Inspection.objects.filter(pk=held.pk).update(status=Inspection.Status.COMPLETED)

    sweep(TWO_WEEKS_LEFT - timedelta(minutes=1))
    assert sent("reminder_joint_not_done") == []
    sweep(TWO_WEEKS_LEFT)
    sweep(TWO_WEEKS_LEFT + timedelta(days=3))

    assert sent("reminder_joint_not_done") == [("chair", 1), ("officer1", 1)]
    notification = Notification.objects.get(recipient=officer, kind="reminder_joint_not_done")
    assert notification.title == f"{compound.name}本季度尚未进行联合检查"


def test_quarter_warnings_read_a_fixed_number_of_queries_however_many_compounds(db):
    def creating(count):
        Reminder.objects.all().delete()
        for _index in range(count - len(compounds)):
            compound = factories.CompoundFactory()
            factories.member_of(compound.committee, role="committee_member")
            factories.member_of(compound.community_office, role="community_officer")
            compounds.append(compound)
        with at(TWO_WEEKS_LEFT), CaptureQueriesContext(connection) as queries, time_limits_scope():
            reminders_create(now=TWO_WEEKS_LEFT)
        assert Reminder.objects.filter(kind="reminder_joint_not_done").count() == 2 * count
        return len(queries)

    compounds: list = []
    assert creating(1) == creating(8)


# --- the indexes --------------------------------------------------------------------


@postgresql_only
def test_each_range_the_sweep_reads_is_served_by_its_partial_index(db):
    now = TWO_WEEKS_LEFT
    ranges = {
        "notice_work_deadline": reminders.RectificationDue().due,
        "notice_review_submitted": reminders.ReinspectionDue().due,
        "inspection_planned_day": reminders.InspectionComing().due,
    }
    with connection.cursor() as cursor:
        # An empty table is read whole whatever its indexes; without that shortcut the plan shows the index.
        cursor.execute("SET LOCAL enable_seqscan = off")
    with time_limits_scope(), CaptureQueriesContext(connection) as queries:
        for due in ranges.values():
            list(due(since=now, until=now + timedelta(days=2), people=People()))
    reads = [q for q in queries.captured_queries if "committee_site_timelimits" not in q["sql"]]
    for index, query in zip(ranges, reads, strict=True):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + query["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert index in plan, plan
