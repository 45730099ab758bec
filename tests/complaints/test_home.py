import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, Status
from tests.complaints.conftest import drive, file_complaint
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_owner_home_lists_their_open_complaints_and_a_button_to_file(owner, committee_member):
    file_complaint(owner, title="垃圾桶满了")
    drive(file_complaint(owner, title="早已办结"), Status.CLOSED, committee=committee_member)
    response = client_for(owner).get(reverse("home"))
    titles = [c.title for c in response.context["my_open_complaints"]]
    assert titles == ["垃圾桶满了"]
    assert 'data-testid="home-new-complaint"' in response.content.decode()


def test_committee_home_puts_the_most_urgent_acceptance_first_and_marks_it_overdue(owner, committee_member):
    file_complaint(owner, title="刚提交")
    late = file_complaint(owner, title="超时未受理")
    Complaint.objects.filter(pk=late.pk).update(next_due_at=timezone.now() - timezone.timedelta(hours=2))
    response = client_for(committee_member).get(reverse("home"))
    assert [c.title for c in response.context["complaints_to_accept"]] == ["超时未受理", "刚提交"]
    card = response.content.decode().split('data-testid="home-to-accept"')[1].split("</ul>")[0]
    assert card.count('data-testid="overdue"') == 1


def test_staff_home_shows_only_work_assigned_to_their_company(owner, committee_member, property_staff):
    drive(file_complaint(owner, title="派给物业"), Status.ASSIGNED, committee=committee_member)
    file_complaint(owner, title="还没派单")
    response = client_for(property_staff).get(reverse("home"))
    assert [c.title for c in response.context["assigned_complaints"]] == ["派给物业"]


@pytest.mark.parametrize("extra", [1, 40])
def test_home_costs_the_same_whatever_the_number_of_complaints(
    owner, committee_member, django_assert_num_queries, extra
):
    for i in range(extra):
        file_complaint(owner, title=f"投诉{i}")
    owner_client, committee_client = client_for(owner), client_for(committee_member)
    # session, user, access (memberships, owner profile), 2 badges, compounds, notifications, my complaints,
    # the time limits (which deadline is due soon)
    with django_assert_num_queries(9):
        owner_client.get(reverse("home"))
    # the same, plus pending applications, records to sign and complaints to accept, the member's callbacks
    # to make and the callback coverage
    with django_assert_num_queries(15):
        committee_client.get(reverse("home"))
