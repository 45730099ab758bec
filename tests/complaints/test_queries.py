"""The complaints app's composed reads: the timeline of one complaint and
each person's queue on the home page."""

import pytest

from complaints import queries, services
from complaints.models import Status
from tests import factories
from tests.complaints.conftest import drive, file_complaint

pytestmark = pytest.mark.django_db


def test_timeline_hides_internal_notes_and_photos_from_the_complainant(owner, committee_member, property_staff):
    complaint = drive(file_complaint(owner), Status.IN_PROGRESS, committee=committee_member, staff=property_staff)
    services.complaint_progress(
        complaint=complaint,
        by=property_staff,
        seen_version=complaint.version,
        note="内部：等配件",
        visible_to_owner=False,
    )
    internal = queries.complaint_timeline(complaint, internal=True)
    owners = queries.complaint_timeline(complaint, internal=False)
    assert [e.action for e in internal.events] == ["submit", "accept", "assign", "plan", "progress"]
    assert [e.action for e in owners.events] == ["submit", "accept", "assign", "plan"]
    assert (internal.publication, internal.intake_photos) == (None, [])


def test_timeline_costs_four_queries_whatever_the_history(owner, committee_member, django_assert_num_queries):
    complaint = drive(file_complaint(owner), Status.CLOSED, committee=committee_member)
    with django_assert_num_queries(4):
        queries.complaint_timeline(complaint, internal=True)


def test_home_queues_give_each_role_its_own_work_and_nothing_of_another_compound(
    owner, committee_member, property_staff, other_compound, other_committee_member
):
    waiting = file_complaint(owner, title="待受理的")
    assigned = drive(file_complaint(owner, title="已派单的"), Status.ASSIGNED, committee=committee_member)
    stranger = factories.owner_in(other_compound, username="stranger")
    file_complaint(stranger, title="别的小区")
    assert [c.title for c in queries.home_queues(owner).mine] == ["已派单的", "待受理的"]
    assert [c.pk for c in queries.home_queues(committee_member).to_accept] == [waiting.pk]
    assert [c.pk for c in queries.home_queues(property_staff).assigned] == [assigned.pk]
    assert queries.home_queues(other_committee_member).to_accept[0].title == "别的小区"
    staff_queues = queries.home_queues(property_staff)
    assert (staff_queues.mine, staff_queues.to_accept) == ([], [])
