"""Two people acting on one complaint at the same moment, each through their
own database connection: one wins, the other is told, nothing is lost."""

import pytest

from committee_site.services import ChangedMeanwhile
from complaints import services
from complaints.models import Complaint, ComplaintEvent, Status, StatusCount
from tests import factories
from tests.complaints.conftest import file_complaint
from tests.races import postgresql_only, race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    postgresql_only,
]


def _load(pk):
    return lambda: Complaint.objects.select_related("compound", "category", "complainant").get(pk=pk)


def test_accept_and_reject_at_once_exactly_one_wins(compound, owner, committee_member):
    second = factories.member_of(compound.committee, role="committee_member", username="second")
    complaint = file_complaint(owner)
    outcomes = race(
        (_load(complaint.pk), lambda c: services.complaint_accept(
            complaint=c, by=committee_member, seen_version=1, category=c.category, service_area=None, priority="urgent"
        )),
        (_load(complaint.pk), lambda c: services.complaint_reject(
            complaint=c, by=second, seen_version=1, reason="重复"
        )),
    )  # fmt: skip
    winners = [o for o in outcomes if isinstance(o, Complaint)]
    losers = [o for o in outcomes if isinstance(o, ChangedMeanwhile)]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    complaint.refresh_from_db()
    assert complaint.status == winners[0].status
    assert complaint.version == 2
    assert ComplaintEvent.objects.filter(complaint=complaint).count() == 2
    counts = dict(StatusCount.objects.filter(compound=compound).values_list("status", "count"))
    assert counts[Status.SUBMITTED] == 0
    assert counts[complaint.status] == 1
    assert sum(counts.values()) == 1


def test_two_progress_notes_at_once_one_is_refused_not_lost(compound, owner, committee_member, property_staff):
    from tests.complaints.conftest import drive

    complaint = drive(file_complaint(owner), Status.IN_PROGRESS, committee=committee_member, staff=property_staff)
    version = complaint.version
    outcomes = race(
        (_load(complaint.pk), lambda c: services.complaint_progress(
            complaint=c, by=property_staff, seen_version=version, note="A 的进展", visible_to_owner=True
        )),
        (_load(complaint.pk), lambda c: services.complaint_progress(
            complaint=c, by=committee_member, seen_version=version, note="B 的进展", visible_to_owner=True
        )),
    )  # fmt: skip
    assert sorted(type(o).__name__ for o in outcomes) == ["ChangedMeanwhile", "Complaint"]
    notes = list(ComplaintEvent.objects.filter(complaint=complaint, action="progress").values_list("note", flat=True))
    assert len(notes) == 1
    loser = next(o for o in outcomes if isinstance(o, ChangedMeanwhile))
    # The loser is told who got there first, so they can add their note again.
    assert "记录了处理进展" in str(loser.message)
