"""A complaint that shows a standing problem becomes a rectification notice."""

import pytest
from django.urls import reverse

from complaints.models import ComplaintEvent, Status
from inspections.models import RectificationNotice
from tests.complaints.conftest import drive, file_complaint
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_committee_issues_a_notice_from_a_complaint(owner, committee_member, property_staff):
    complaint = drive(file_complaint(owner, title="消防通道长期停车"), Status.ASSIGNED, committee=committee_member)
    client = client_for(committee_member)
    url = reverse("complaint_rectification", args=[complaint.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert form.context["form"].initial["title"] == "消防通道长期停车"
    response = client.post(
        url, {"title": "清理消防通道", "description": "东侧消防通道停满私家车", "severity": "critical"}
    )
    notice = RectificationNotice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("inspections:notice_detail", args=[notice.pk])
    assert (notice.source_type, notice.source_id, notice.source_reference) == (
        "complaints.complaint",
        str(complaint.pk),
        complaint.reference,
    )
    assert notice.organisation == complaint.compound.property_company
    assert notice.severity == "critical"
    note = ComplaintEvent.objects.get(complaint=complaint, action="note")
    assert note.note == f"已下发整改通知单 {notice.reference}：清理消防通道"
    assert note.visible_to_owner is False
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED
    owner_page = client_for(owner).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert notice.reference not in owner_page
    assert property_staff.notifications.filter(url__contains=str(notice.pk)).exists()


def test_only_the_committee_may_and_other_compounds_see_nothing(owner, property_staff, officer, other_committee_member):
    complaint = file_complaint(owner)
    url = reverse("complaint_rectification", args=[complaint.pk])
    data = {"title": "t", "description": "d", "severity": "general"}
    for user in (owner, officer):
        assert client_for(user).post(url, data).status_code == 403
    for user in (property_staff, other_committee_member):
        assert client_for(user).post(url, data).status_code == 404
    assert RectificationNotice.objects.count() == 0


def test_bad_input_keeps_the_text_and_sends_nothing(owner, committee_member):
    complaint = file_complaint(owner)
    response = client_for(committee_member).post(
        reverse("complaint_rectification", args=[complaint.pk]),
        {"title": "", "description": "<b>描述</b>", "severity": "catastrophic"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "&lt;b&gt;描述&lt;/b&gt;" in page
    assert RectificationNotice.objects.count() == 0
    assert not ComplaintEvent.objects.filter(action="note").exists()
