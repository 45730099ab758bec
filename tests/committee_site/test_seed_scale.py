"""seed_scale fills PostgreSQL with data a page could have: nothing dated in
the future, statuses that agree with their times, the same rows for the same
seed, and one compound holding everything when asked."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone

from committee_site.models import Compound, User
from complaints.models import Complaint, ComplaintEvent, StatusCount
from feedback.models import Callback, SurveyAnswer
from inspections.models import Inspection, RectificationNotice

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="seed_scale writes with generate_series"),
]


def _seed(**options):
    out = StringIO()
    call_command("seed_scale", compounds=5, complaints=2000, stdout=out, **options)
    return out.getvalue()


def test_seed_scale_fills_every_part_with_times_in_the_past():
    output = _seed(seed=3)
    assert "2000 complaints" in output
    complaints = Complaint.objects.filter(reference__startswith="SC-3-")
    assert complaints.count() == 2000
    assert complaints.values("compound").distinct().count() > 1
    now = timezone.now()
    assert not complaints.filter(
        Q(submitted_at__gt=now) | Q(accepted_at__gt=now) | Q(resolved_at__gt=now) | Q(closed_at__gt=now)
    ).exists()
    # A status agrees with its times.
    assert not complaints.filter(status="closed", resolved_at__isnull=True).exists()
    assert not complaints.filter(status="submitted", accepted_at__isnull=False).exists()
    assert not complaints.filter(status__in=["submitted", "in_progress", "resolved"], next_due_at__isnull=True).exists()
    assert not complaints.filter(resolved_at__lt=F("accepted_at")).exists()
    # Every complaint has its submission in the timeline, every replied one its callback.
    assert ComplaintEvent.objects.filter(complaint__in=complaints, action="submit").count() == 2000
    assert (
        Callback.objects.filter(complaint__in=complaints).count()
        == complaints.filter(resolved_at__isnull=False).count()
    )
    compounds = Compound.objects.filter(name__startswith="规模3-")
    assert compounds.count() == 5
    assert Inspection.objects.filter(compound__in=compounds, kind="joint").exists()
    assert RectificationNotice.objects.filter(compound__in=compounds, status="verified").exists()
    assert SurveyAnswer.objects.filter(survey__compound__in=compounds).exists()
    kept = dict(StatusCount.objects.filter(compound__in=compounds).values_list("status").annotate(n=Count("id")))
    assert set(kept) == set(complaints.values_list("status", flat=True))


def test_seed_scale_gives_the_same_rows_for_the_same_seed_and_refuses_to_run_twice():
    def rows():
        return list(
            Complaint.objects.filter(reference__startswith="SC-4-")
            .order_by("pk")
            .values_list("reference", "status", "title", "category", "building__number")
        )

    _seed(seed=4)
    first = rows()
    with pytest.raises(CommandError, match="already holds the rows of seed 4"):
        _seed(seed=4)
    # Out of the way, so the same seed may run again beside them.
    Complaint.objects.filter(reference__startswith="SC-4-").update(reference=Concat(Value("old-"), "reference"))
    Compound.objects.filter(name__startswith="规模4-").update(name=Concat(Value("old-"), "name"))
    User.objects.filter(username__startswith="scale4_").update(username=Concat(Value("old-"), "username"))
    RectificationNotice.objects.filter(reference__startswith="SZ-4-").update(
        reference=Concat(Value("old-"), "reference")
    )
    _seed(seed=4)
    assert rows() == first
    assert len(first) == 2000


def test_seed_scale_one_compound_puts_every_complaint_in_the_first():
    _seed(seed=5, one_compound=True)
    by_compound = Complaint.objects.filter(reference__startswith="SC-5-").values("compound").annotate(n=Count("id"))
    assert [row["n"] for row in by_compound] == [2000]
