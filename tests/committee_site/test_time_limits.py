"""The time limits settings page (the admin's): who may change it, what each
default says about its source, the audit row, and that each number changes
what people see on the site."""

from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from committee_site.models import AuditEvent, Notification, TimeLimits, time_limits_scope
from committee_site.services import time_limits_update
from committee_site.tasks import reminders_sweep_task
from complaints.models import Category, Complaint
from inspections import tasks
from inspections.models import ChecklistTemplate, Inspection, InspectionPlan
from tests import factories
from tests.complaints.conftest import file_complaint
from tests.complaints.rows import bulk_complaints
from tests.conftest import client_for, jpeg_bytes

pytestmark = pytest.mark.django_db

SETTINGS = reverse("admin:committee_site_timelimits_change", args=[1])
NEW_FIELDS = ("due_soon_hours", "hot_spot_count", "hot_spot_days", "plan_ahead_days", "plan_remind_days")


@pytest.fixture
def site_admin(db):
    return factories.UserFactory(username="siteadmin", is_staff=True, is_superuser=True, language="en")


def _limits() -> dict:
    return model_to_dict(TimeLimits.load())


def _change(user, **values):
    """Submit the settings page as the user would: every field, some changed."""
    data = {key: value for key, value in _limits().items() if key != "id"}
    return client_for(user).post(SETTINGS, {**data, **values, "_save": "Save"})


def _set(site_admin, **values):
    response = _change(site_admin, **values)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert {key: _limits()[key] for key in values} == values


# --- the page -------------------------------------------------------------------------


def test_settings_page_says_where_each_default_comes_from_in_both_languages(site_admin):
    page = client_for(site_admin).get(SETTINGS).content.decode()
    # DESIGN §6: the reply limit is bound by the strictest local rule; the rest of §6 is the usual practice.
    assert "Default 2 days: the usual practice. Never more than 10 days: the strictest local rule." in page
    assert page.count(": the usual practice.") == 12
    assert page.count(": chosen for this site, no rule sets it.") == 6
    for name in (*NEW_FIELDS, "complaint_photos"):
        assert f'name="{name}"' in page
    site_admin.language = "zh-hans"
    site_admin.save(update_fields=["language"])
    page = client_for(site_admin).get(SETTINGS).content.decode()
    assert "默认 2 天：通行做法。不得超过 10 天：最严格的地方规定。" in page
    assert page.count("：通行做法。") == 12
    assert page.count("：本站自定，无规定约束。") == 6
    assert "即将到期：距期限不足（小时）" in page


def test_site_admin_changes_limits_and_the_audit_keeps_before_and_after(site_admin):
    _set(site_admin, due_soon_hours=72, complaint_photos=2)
    event = AuditEvent.objects.get(action="time_limits.update")
    assert event.actor == site_admin
    assert event.data == {"due_soon_hours": [48, 72], "complaint_photos": [6, 2]}
    assert LogEntry.objects.count() == 1
    # Saved again without a change: nothing to record.
    assert _change(site_admin).status_code == 302
    assert AuditEvent.objects.filter(action="time_limits.update").count() == 1


@pytest.fixture
def staff_reader(db):
    user = factories.UserFactory(username="reader", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_timelimits"))
    return user


def test_settings_page_refuses_every_other_role_and_changes_nothing(
    owner, committee_member, property_staff, officer, staff_reader
):
    plain_staff = factories.UserFactory(username="plainstaff", is_staff=True)
    before = _limits()
    for user in (owner, committee_member, property_staff, officer):
        response = _change(user, due_soon_hours=1, hot_spot_count=2, plan_ahead_days=2)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    for user in (plain_staff, staff_reader):
        assert _change(user, due_soon_hours=1, hot_spot_count=2, plan_ahead_days=2).status_code == 403
    assert client_for(plain_staff).get(SETTINGS).status_code == 403
    assert _limits() == before
    assert not AuditEvent.objects.exists()
    assert not LogEntry.objects.exists()


def test_values_out_of_bounds_are_refused_with_a_message(site_admin):
    before = _limits()
    response = _change(site_admin, reply_days=11)
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 10." in response.content.decode()
    response = _change(site_admin, plan_ahead_days=5, plan_remind_days=6)
    assert "Remind at most as many days ahead as plans create their inspections." in response.content.decode()
    response = _change(site_admin, complaint_photos=50, hot_spot_count=1)
    assert response.content.decode().count("errorlist") >= 2
    assert _limits() == before
    assert not AuditEvent.objects.exists()


def test_a_request_reads_the_limits_once_and_sees_its_own_change(site_admin, django_assert_num_queries):
    with time_limits_scope():
        with django_assert_num_queries(1):
            assert TimeLimits.current().due_soon_hours == 48
            assert TimeLimits.current() is TimeLimits.current()
        time_limits_update(by=site_admin, values={"due_soon_hours": 12})
        assert TimeLimits.current().due_soon_hours == 12
    with django_assert_num_queries(2):
        TimeLimits.current()
        TimeLimits.current()


# --- what each setting changes -------------------------------------------------------------


def test_due_soon_hours_decide_the_count_the_list_and_the_mark(site_admin, owner, committee_member):
    committee_member.language = "en"
    committee_member.save(update_fields=["language"])
    complaint = file_complaint(owner, title="六十小时后到期")
    Complaint.objects.filter(pk=complaint.pk).update(next_due_at=timezone.now() + timedelta(hours=60))
    dashboard = client_for(committee_member)

    def seen():
        page = dashboard.get(reverse("complaints:dashboard"))
        listed = dashboard.get(reverse("complaints:dashboard"), {"due": "soon"}).context["page"].items
        mine = client_for(owner).get(reverse("complaints:mine")).content.decode()
        return page.context["counts"].due_soon, [c.title for c in listed], page.content.decode(), mine

    count, listed, page, mine = seen()
    assert (count, listed) == (0, [])
    assert "Due within 48 hours" in page
    assert "row-due-soon" not in page
    assert 'data-testid="due-soon"' not in mine
    _set(site_admin, due_soon_hours=72)
    count, listed, page, mine = seen()
    assert (count, listed) == (1, ["六十小时后到期"])
    assert "Due within 72 hours" in page
    assert '<option value="soon">Due within 72 hours</option>' in page
    assert 'class="row-due-soon"' in page
    assert 'data-testid="due-soon"' in mine


def test_hot_spot_rule_decides_which_problems_are_flagged(site_admin, compound, committee_member):
    committee_member.language = "en"
    committee_member.save(update_fields=["language"])
    building = factories.BuildingFactory(compound=compound, number="7")
    # Two lift complaints about building 7, twenty days apart.
    bulk_complaints(compound, 2, building=building, start=timezone.now() - timedelta(days=30), step=timedelta(days=20))
    analysis = client_for(committee_member)

    def spots():
        response = analysis.get(reverse("complaints:analysis"))
        return [(s.building, s.category, s.count) for s in response.context["result"].hot_spots], response

    assert spots()[0] == []
    _set(site_admin, hot_spot_count=2)
    found, response = spots()
    assert found == [("Building 7", "Facility repair", 2)]
    assert "at least 2 times within 90 days" in response.content.decode()
    _set(site_admin, hot_spot_days=10)
    found, response = spots()
    assert found == []
    assert "at least 2 times within 10 days" in response.content.decode()


@pytest.fixture
def monthly_plan(compound, committee_member):
    return InspectionPlan.objects.create(
        compound=compound,
        template=ChecklistTemplate.objects.get(compound__isnull=True),
        kind="scheduled",
        recurrence="monthly",
        day_of_period=20,
        lead=committee_member,
    )


@time_machine.travel(date(2026, 11, 30), tick=False)
def test_plan_ahead_days_decide_how_far_ahead_plans_create_inspections(site_admin, monthly_plan):
    tasks.inspection_plans_materialise.delay().get()
    # 45 days from 30 November reach 14 January: the December round only.
    assert list(Inspection.objects.values_list("planned_on", flat=True)) == [date(2026, 12, 20)]
    _set(site_admin, plan_ahead_days=60)
    tasks.inspection_plans_materialise.delay().get()
    assert list(Inspection.objects.order_by("planned_on").values_list("planned_on", flat=True)) == [
        date(2026, 12, 20),
        date(2027, 1, 20),
    ]


@time_machine.travel(date(2026, 12, 15), tick=False)
def test_plan_remind_days_decide_when_participants_are_reminded(site_admin, monthly_plan, committee_member):
    def reminders():
        return list(Notification.objects.filter(recipient=committee_member, kind="reminder_inspection"))

    tasks.inspection_plans_materialise.delay().get()
    reminders_sweep_task.delay().get()
    # The round of 20 December is five days away: three days' notice means not yet.
    assert reminders() == []
    _set(site_admin, plan_remind_days=5)
    reminders_sweep_task.delay().get()
    (reminder,) = reminders()
    assert reminder.url == reverse(
        "inspections:inspection_detail", args=[Inspection.objects.get(planned_on="2026-12-20").pk]
    )


def _photo():
    return SimpleUploadedFile("photo.jpg", jpeg_bytes(), content_type="image/jpeg")


def test_complaint_photos_limit_the_photos_the_owner_may_send(site_admin, owner):
    _set(site_admin, complaint_photos=2)
    unit = owner.owner_profile.units.get()
    client = client_for(owner)
    form = client.get(reverse("complaints:new")).content.decode()
    assert "最多 2 张照片；照片中的定位信息会被清除。" in form
    data = {
        "where": f"unit:{unit.pk}",
        "category": Category.objects.get(code="cleaning").pk,
        "title": "垃圾没人清",
        "description": "三天没人清理",
    }
    response = client.post(reverse("complaints:new"), {**data, "photos": [_photo() for _ in range(3)]})
    assert response.status_code == 400
    assert "最多只能上传 2 张照片。" in response.content.decode()
    assert not Complaint.objects.exists()
    owner.language = "en"
    owner.save(update_fields=["language"])
    response = client.post(reverse("complaints:new"), {**data, "photos": [_photo() for _ in range(3)]})
    assert "At most 2 photos, please." in response.content.decode()
    assert client.post(reverse("complaints:new"), {**data, "photos": [_photo(), _photo()]}).status_code == 302
    assert Complaint.objects.get().photos.count() == 2
