from datetime import date

import pytest
import time_machine

from committee_site.models import Notification
from committee_site.tasks import reminders_sweep_task
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
def test_materialised_inspection_is_reminded_once_by_the_sweep(compound, committee_member, officer, default_template):
    InspectionPlan.objects.create(
        compound=compound,
        template=default_template,
        kind="joint",
        recurrence="quarterly",
        day_of_period=5,
        lead=committee_member,
    )
    tasks.inspection_plans_materialise.delay().get()
    reminders_sweep_task.delay().get()
    reminders_sweep_task.delay().get()
    assert Notification.objects.filter(recipient=officer, kind="reminder_inspection").count() == 1


# Midnight of 1 December in Shanghai: the fourth quarter's last month begins.
@time_machine.travel("2026-12-01 00:00 +0800", tick=False)
def test_sweep_task_warns_once_of_a_quarter_without_a_joint_inspection(compound, committee_member):
    assert reminders_sweep_task.delay().get()["sent"] == {"reminder_joint_unplanned": 1}
    assert reminders_sweep_task.delay().get()["sent"] == {}
    warning = Notification.objects.get(recipient=committee_member, kind="reminder_joint_unplanned")
    assert warning.title == f"{compound.name}本季度尚未安排联合检查"
