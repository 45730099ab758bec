"""A quarter of a compound's life written as rows with exact timestamps
(reads only: the report's figures come from these columns), and helpers
to compose and decide reports through the services."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
import time_machine

from complaints.models import Category, Complaint, Status
from feedback.models import Callback
from inspections.models import Inspection, InspectionItem, RectificationNotice
from records.analysis import Quarter
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
Q3 = Quarter(2026, 3)
# "Today" in these tests: the demo's today, in the fourth quarter.
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
_numbers = count(1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def travel(moment: datetime = NOW):
    return time_machine.travel(moment, tick=False)


def complaint_row(compound, building, submitted, *, category="facility_repair", status, **times) -> Complaint:
    category_row = Category.objects.get(code=category)
    submitted_at = at(submitted)
    times = {
        key: at(value) if key.endswith("_at") and isinstance(value, str) else value for key, value in times.items()
    }
    return Complaint.objects.create(
        reference=f"TS-2026-{next(_numbers):06d}",
        compound=compound,
        building=building,
        category=category_row,
        service_area=category_row.service_area,
        title="测试投诉",
        status=status,
        description="描述",
        submitted_at=submitted_at,
        updated_at=submitted_at,
        accept_due_at=submitted_at + timedelta(hours=24),
        reply_due_at=submitted_at + timedelta(days=2),
        **times,
    )


def inspection_row(compound, kind, completed, score, status=Inspection.Status.COMPLETED) -> Inspection:
    completed_at = at(completed) if completed else None
    return Inspection.objects.create(
        compound=compound,
        kind=kind,
        status=status,
        planned_on=(completed_at or at("2026-09-01T09:00")).date(),
        completed_at=completed_at,
        score=score,
        total_points=100,
    )


def item_row(inspection, *, critical, deduction) -> InspectionItem:
    return InspectionItem.objects.create(
        inspection=inspection, section_name="消防安全", text="消防通道畅通", points=10, critical=critical,
        deduction=deduction, answered=True,
    )  # fmt: skip


def notice_row(compound, created, deadline, verified=None, severity="general", status=None) -> RectificationNotice:
    return RectificationNotice.objects.create(
        reference=f"ZG-2026-{next(_numbers):06d}",
        compound=compound,
        organisation=compound.property_company,
        title="整改",
        description="整改内容",
        severity=severity,
        status=status or (RectificationNotice.Status.VERIFIED if verified else RectificationNotice.Status.OPEN),
        created_at=at(created),
        deadline=at(deadline),
        verified_at=at(verified) if verified else None,
    )


def callback_row(complaint, due, status, done=None, satisfaction=None) -> Callback:
    return Callback.objects.create(
        complaint=complaint,
        compound=complaint.compound,
        status=status,
        due_at=at(due),
        done_at=at(done) if done else None,
        satisfaction=satisfaction,
        created_at=at(due) - timedelta(days=3),
    )


@pytest.fixture
def buildings(compound):
    return factories.BuildingFactory(compound=compound, number="1"), factories.BuildingFactory(
        compound=compound, number="2"
    )


@pytest.fixture
def crafted(compound, buildings):
    """2026Q3 of one compound, with the figures a committee would check:

    complaints (accept within 24 h, answer within 2 days, resolve by its due):
      A on time at every step, resolved after 96 h;
      B late at every step, resolved after 240 h;
      C accepted on time, never answered, past its resolve deadline;
      G rejected within the hour (decided: counts for no deadline);
      D filed at 23:00 on the last day, accepted the next morning (after the quarter);
      and one on each side of the quarter, not counted.
    """
    one, two = buildings
    a = complaint_row(compound, one, "2026-07-01T09:00", status=Status.CLOSED, accepted_at="2026-07-01T12:00",
                      planned_at="2026-07-02T09:00", resolved_at="2026-07-05T09:00", closed_at="2026-07-08T09:00",
                      resolve_due_at="2026-07-08T09:00")  # fmt: skip
    b = complaint_row(compound, one, "2026-07-10T09:00", status=Status.RESOLVED, accepted_at="2026-07-12T09:00",
                      planned_at="2026-07-13T09:00", resolved_at="2026-07-20T09:00",
                      resolve_due_at="2026-07-17T09:00")  # fmt: skip
    c = complaint_row(compound, one, "2026-08-01T09:00", status=Status.IN_PROGRESS, accepted_at="2026-08-01T10:00",
                      resolve_due_at="2026-08-08T09:00")  # fmt: skip
    complaint_row(compound, one, "2026-08-05T09:00", status=Status.REJECTED, closed_at="2026-08-05T10:00")
    complaint_row(compound, two, "2026-09-30T23:00", category="noise", status=Status.ACCEPTED,
                  accepted_at="2026-10-01T08:00", resolve_due_at="2026-10-08T08:00")  # fmt: skip
    complaint_row(compound, one, "2026-06-30T23:59", status=Status.SUBMITTED)
    complaint_row(compound, one, "2026-10-01T00:00", status=Status.SUBMITTED)

    kind = Inspection.Kind
    inspection_row(compound, kind.SCHEDULED, "2026-07-15T10:00", 90)
    inspection_row(compound, kind.SCHEDULED, "2026-08-15T10:00", 80, status=Inspection.Status.ARCHIVED)
    joint = inspection_row(compound, kind.JOINT, "2026-09-20T10:00", 70)
    item_row(joint, critical=True, deduction=5)
    item_row(joint, critical=True, deduction=0)
    item_row(joint, critical=False, deduction=3)
    inspection_row(compound, kind.AD_HOC, "2026-10-02T10:00", 60)
    inspection_row(compound, kind.AD_HOC, None, None, status=Inspection.Status.IN_PROGRESS)

    notice_row(compound, "2026-07-16T10:00", "2026-07-23T10:00", verified="2026-07-20T10:00")
    notice_row(compound, "2026-08-16T10:00", "2026-08-23T10:00", verified="2026-08-30T10:00")
    notice_row(compound, "2026-09-21T10:00", "2026-09-24T10:00", severity="critical")
    notice_row(compound, "2026-09-29T10:00", "2026-10-06T10:00")
    notice_row(compound, "2026-10-03T10:00", "2026-10-10T10:00")

    status = Callback.Status
    callback_row(a, "2026-07-08T09:00", status.SOLVED, done="2026-07-07T09:00", satisfaction=5)
    callback_row(b, "2026-07-25T09:00", status.UNSOLVED, done="2026-07-28T09:00", satisfaction=2)
    callback_row(c, "2026-09-30T12:00", status.PENDING)
    return compound
