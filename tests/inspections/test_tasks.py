from datetime import date

import pytest
import time_machine

from committee_site.models import Notification
from inspections import tasks
from inspections.models import Inspection, InspectionPlan

pytestmark = pytest.mark.django_db


@time_machine.travel(date(2026, 11, 30), tick=False)
def test_materialise_task_run_twice_creates_each_inspection_once(compound, committee_member, officer, default_template):
    InspectionPlan.objects.create(
        compound=compound,
        template=default_template,
        kind="joint",
        recurrence="quarterly",
        day_of_period=5,
        lead=committee_member,
    )
    assert tasks.inspection_plans_materialise.delay().get() == 1
    tasks.inspection_plans_materialise.delay().get()
    assert list(Inspection.objects.values_list("planned_on", flat=True)) == [date(2027, 1, 5)]
    assert Notification.objects.filter(recipient=officer, kind="inspection_invitation").count() == 1


@time_machine.travel(date(2027, 1, 3), tick=False)
def test_materialise_task_reminds_participants_once(compound, committee_member, officer, default_template):
    InspectionPlan.objects.create(
        compound=compound,
        template=default_template,
        kind="joint",
        recurrence="quarterly",
        day_of_period=5,
        lead=committee_member,
    )
    tasks.inspection_plans_materialise.delay().get()
    tasks.inspection_plans_materialise.delay().get()
    assert Notification.objects.filter(recipient=officer, kind="inspection_reminder").count() == 1


@time_machine.travel(date(2026, 11, 30), tick=False)
def test_coverage_warning_task_warns_once_per_quarter(compound, committee_member):
    assert tasks.joint_inspection_coverage_warn.delay().get() == 1
    assert tasks.joint_inspection_coverage_warn.delay().get() == 0
    warning = Notification.objects.get(recipient=committee_member, kind="joint_inspection_missing")
    assert warning.title == f"{compound.name}本季度尚未安排联合检查"
