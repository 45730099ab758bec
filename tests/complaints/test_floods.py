"""Floods of the complaint forms answered with 429 and nothing saved: an
owner filing, a committee member recording, a step with photos."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints.models import Category, Complaint, ComplaintPhoto, Status
from tests.complaints.conftest import drive, file_complaint
from tests.conftest import client_for, jpeg_bytes
from tests.floods import assert_flood_refused

pytestmark = pytest.mark.django_db


def _photo():
    return SimpleUploadedFile("photo.jpg", jpeg_bytes(), content_type="image/jpeg")


def _speaks(user):
    def speak(language):
        type(user).objects.filter(pk=user.pk).update(language=language)

    return speak


def test_an_owner_filing_a_flood_of_complaints_gets_429(settings, owner):
    unit = owner.owner_profile.units.get()
    client = client_for(owner)

    def send(i, language):
        return client.post(
            reverse("complaints:new"),
            {
                "where": f"unit:{unit.pk}",
                "category": Category.objects.get(code="facility_repair").pk,
                "title": f"楼道灯坏了 {i}",
                "description": "三楼楼道灯一直不亮",
                "photos": [_photo()],
            },
        )

    assert_flood_refused(settings, "complaint", send, speak=_speaks(owner))
    assert Complaint.objects.count() == 2
    assert ComplaintPhoto.objects.count() == 2


def test_a_committee_member_recording_a_flood_gets_429(settings, compound, committee_member):
    client = client_for(committee_member)

    def send(i, language):
        return client.post(
            reverse("complaints:record"),
            {
                "channel": "phone",
                "compound": compound.pk,
                "complainant_name": "赵大爷",
                "complainant_phone": "13912345678",
                "location_text": "5号楼门口",
                "category": Category.objects.get(code="noise").pk,
                "title": f"夜间施工噪音 {i}",
                "description": "晚上十一点还在施工",
            },
        )

    assert_flood_refused(settings, "record", send, speak=_speaks(committee_member))
    assert Complaint.objects.count() == 2


def test_a_flood_of_progress_notes_with_photos_gets_429(settings, owner, committee_member, property_staff):
    complaint = drive(file_complaint(owner), Status.IN_PROGRESS, committee=committee_member, staff=property_staff)
    client = client_for(property_staff)

    def send(i, language):
        version = Complaint.objects.get(pk=complaint.pk).version
        return client.post(
            reverse("complaints:progress", args=[complaint.pk]),
            {"progress-version": version, "progress-note": f"零件已订 {i}", "progress-photos": [_photo()]},
        )

    assert_flood_refused(settings, "step", send, speak=_speaks(property_staff))
    assert ComplaintPhoto.objects.count() == 2


def test_the_default_limits_let_a_committee_member_record_a_busy_day(compound, committee_member):
    """Sixty letters typed in one sitting are not a flood."""
    client = client_for(committee_member)
    for i in range(60):
        response = client.post(
            reverse("complaints:record"),
            {
                "channel": "letter",
                "compound": compound.pk,
                "complainant_name": f"业主{i}",
                "location_text": "小区",
                "category": Category.objects.get(code="noise").pk,
                "title": f"来信 {i}",
                "description": "信件附后",
            },
        )
        assert response.status_code == 302, i
    assert Complaint.objects.count() == 60
