import pytest
from django.core.management import call_command
from django.utils import timezone

from inspections.models import Inspection, InspectionPlan, RectificationNotice, SigningParty, quarter_bounds

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
    assert RectificationNotice.objects.overdue().count() == 1
    start, end = quarter_bounds(timezone.localdate())
    joint = Inspection.objects.get(kind="joint", planned_on__gte=start, planned_on__lt=end)
    assert joint.status == Inspection.Status.SIGNING
    assert dict(joint.parties.values_list("party", "status")) == {
        "committee": SigningParty.Status.SIGNED,
        "property_company": SigningParty.Status.PENDING,
        "community_office": SigningParty.Status.PENDING,
    }
    assert Inspection.objects.filter(status="planned").exists()
