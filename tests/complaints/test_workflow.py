from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from committee_site.services import ChangedMeanwhile
from complaints import services
from complaints.models import ComplaintEvent, Status, StatusCount
from tests.complaints.conftest import drive, file_complaint
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_submit_numbers_the_complaint_and_sets_the_deadlines(owner, committee_member):
    with time_machine.travel("2026-03-01 09:00 +0800", tick=False):
        first = file_complaint(owner)
        second = file_complaint(owner)
    assert first.reference == "TS-2026-000001"
    assert second.reference == "TS-2026-000002"
    assert first.status == Status.SUBMITTED
    assert timezone.localtime(first.accept_due_at).strftime("%Y-%m-%d %H:%M") == "2026-03-02 09:00"
    assert timezone.localtime(first.reply_due_at).strftime("%Y-%m-%d %H:%M") == "2026-03-03 09:00"
    assert first.next_due_at == first.accept_due_at
    assert StatusCount.objects.get(compound=first.compound, status="submitted").count == 2


def test_the_whole_road_writes_one_event_per_step_and_keeps_counts(owner, committee_member, property_staff):
    complaint = drive(file_complaint(owner), Status.CLOSED, committee=committee_member, staff=property_staff)
    actions = list(ComplaintEvent.objects.filter(complaint=complaint).values_list("action", flat=True))
    assert actions == ["submit", "accept", "assign", "plan", "reply", "confirm"]
    assert complaint.owner_rating == 5
    counts = dict(StatusCount.objects.filter(compound=complaint.compound).values_list("status", "count"))
    assert counts == {"submitted": 0, "accepted": 0, "assigned": 0, "in_progress": 0, "resolved": 0, "closed": 1}


def test_assignment_sets_the_resolve_deadline_from_the_limits(owner, committee_member):
    complaint = file_complaint(owner)
    with time_machine.travel("2026-03-01 09:00 +0800", tick=False):
        complaint = drive(complaint, Status.ASSIGNED, committee=committee_member)
    assert timezone.localtime(complaint.resolve_due_at).strftime("%Y-%m-%d %H:%M") == "2026-03-08 09:00"


def test_a_stale_version_loses_and_says_who_changed_it(owner, committee_member, compound, category):
    complaint = file_complaint(owner)
    stale = type(complaint).objects.get(pk=complaint.pk)
    services.complaint_accept(
        complaint=complaint,
        by=committee_member,
        seen_version=1,
        category=category,
        service_area=None,
        priority="urgent",
    )
    with pytest.raises(ChangedMeanwhile) as error:
        services.complaint_reject(complaint=stale, by=committee_member, seen_version=1, reason="重复")
    assert f"在此期间{committee_member}已处理该投诉" in error.value.message
    assert "：受理了投诉。您的操作未保存" in error.value.message
    stale.refresh_from_db()
    assert (stale.status, stale.priority, stale.version) == (Status.ACCEPTED, "urgent", 2)
    assert list(stale.events.values_list("action", flat=True)) == ["submit", "accept"]


def test_an_owner_files_through_the_form_and_sees_the_reference(
    owner, committee_member, mailoutbox, django_capture_on_commit_callbacks
):
    unit = owner.owner_profile.units.get()
    client = client_for(owner)
    form = client.get(reverse("complaints:new"))
    assert form.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("complaints:new"),
            {"where": f"unit:{unit.pk}", "category": form.context["form"].fields["category"].queryset.first().pk,
             "title": "楼道灯坏了", "description": "三楼楼道灯不亮"},
            follow=True,
        )  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    complaint = owner.complaints.get()
    assert complaint.reference.startswith(f"TS-{timezone.localdate().year}-")
    assert f"您的投诉已登记，编号 {complaint.reference}" in page
    assert {m.to[0] for m in mailoutbox} == {owner.email, committee_member.email}


def test_owner_dispute_reopens_and_auto_close_closes_after_the_window(owner, committee_member):
    complaint = drive(file_complaint(owner), Status.RESOLVED, committee=committee_member)
    services.complaint_dispute(complaint=complaint, by=owner, seen_version=complaint.version, reason="门还是关不上")
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS
    services.complaint_reply(
        complaint=complaint, by=committee_member, seen_version=complaint.version, result="换了新门机"
    )
    assert services.complaints_auto_close(now=timezone.now() + timedelta(days=6)) == []
    assert services.complaints_auto_close(now=timezone.now() + timedelta(days=8)) == [complaint.pk]
    assert services.complaints_auto_close(now=timezone.now() + timedelta(days=9)) == []
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
