import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from inspections.models import Inspection, InspectionPlan, RectificationNotice, SigningParty

pytestmark = pytest.mark.django_db


def test_demo_has_a_year_of_inspections_notices_in_every_status_and_a_half_signed_joint(capsys):
    call_command("seed_demo")
    counts = (Inspection.objects.count(), RectificationNotice.objects.count(), InspectionPlan.objects.count())
    call_command("seed_demo")
    assert (Inspection.objects.count(), RectificationNotice.objects.count(), InspectionPlan.objects.count()) == counts
    assert "0 new objects" in capsys.readouterr().out

    scored = Inspection.objects.filter(kind="scheduled", score__isnull=False)
    assert scored.count() == 12
    assert scored.filter(items__deduction__gt=0).distinct().count() == 12
    assert set(RectificationNotice.objects.values_list("status", flat=True)) == set(RectificationNotice.Status.values)
    # The critical notice nobody acknowledged, and the one that failed its re-inspection.
    assert set(RectificationNotice.objects.overdue().values_list("status", flat=True)) == {
        RectificationNotice.Status.OPEN,
        RectificationNotice.Status.FAILED,
    }
    # Yesterday's joint inspection of the fire lane waits for the other two parties.
    joint = Inspection.objects.get(kind="joint", status=Inspection.Status.SIGNING)
    assert joint.planned_on == timezone.localdate() - timedelta(days=1)
    assert joint.status == Inspection.Status.SIGNING
    assert dict(joint.parties.values_list("party", "status")) == {
        "committee": SigningParty.Status.SIGNED,
        "property_company": SigningParty.Status.PENDING,
        "community_office": SigningParty.Status.PENDING,
    }
    assert Inspection.objects.filter(status="planned").exists()


def test_demo_inspections_and_notices_agree_with_their_findings_and_lie_in_the_past():
    call_command("seed_demo", stdout=io.StringIO())
    now = timezone.now()
    completed = Inspection.objects.filter(completed_at__isnull=False)
    assert completed.count() >= 16
    assert not completed.filter(completed_at__gt=now).exists()
    assert not Inspection.objects.filter(started_at__gt=now).exists()
    assert not completed.filter(planned_on__gt=timezone.localdate()).exists()
    # Checks nobody announced happened too.
    assert Inspection.objects.filter(kind="ad_hoc", completed_at__isnull=False).count() >= 2
    for notice in RectificationNotice.objects.select_related("item__inspection"):
        # The requirement is the finding, written at the checklist line it was found at.
        assert notice.item is not None, notice.reference
        assert notice.description == notice.item.note, notice.reference
        assert notice.item.deduction > 0, notice.reference
        assert notice.item.inspection.completed_at <= notice.created_at <= now, notice.reference
    # Issued in the order they were found, so references follow dates.
    # Findings of one inspection are issued together, at one moment: in the order written.
    issued = list(RectificationNotice.objects.order_by("created_at", "pk").values_list("reference", flat=True))
    assert issued == sorted(issued)
