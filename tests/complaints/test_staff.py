import pytest
import time_machine
from django.urls import reverse

from complaints.models import Status
from tests import factories
from tests.complaints.conftest import drive, file_complaint
from tests.complaints.rows import bulk_complaints
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ASSIGNED = reverse("complaints:assigned")


def _titles(response):
    return [complaint.title for complaint, _steps in response.context["rows"]]


def test_staff_see_their_company_s_open_complaints_most_urgent_first(owner, committee_member, property_staff):
    with time_machine.travel("2026-03-01 09:00 +0800", tick=False):
        slow = drive(file_complaint(owner, title="早就派了"), Status.ASSIGNED, committee=committee_member)
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        drive(file_complaint(owner, title="处理中的"), Status.IN_PROGRESS, committee=committee_member,
              staff=property_staff)  # fmt: skip
        drive(file_complaint(owner, title="已经答复"), Status.RESOLVED, committee=committee_member,
              staff=property_staff)  # fmt: skip
        file_complaint(owner, title="还没派单")
    with time_machine.travel("2026-03-04 12:00 +0800", tick=False):
        response = client_for(property_staff).get(ASSIGNED)
    assert response.status_code == 200
    # The first missed its reply deadline (3 March); the second waits until 9 March.
    assert _titles(response) == ["早就派了", "处理中的"]
    page = response.content.decode()
    detail = reverse("complaints:detail", args=[slow.pk])
    assert f'href="{detail}#step-plan"' in page
    assert "#step-progress" in page
    assert "#step-reply" in page
    assert 'data-testid="overdue"' in page
    assert "row-overdue" in page


def test_staff_of_another_company_or_compound_see_nothing(owner, committee_member, other_compound):
    drive(file_complaint(owner, title="我们的"), Status.ASSIGNED, committee=committee_member)
    stranger = factories.member_of(other_compound.property_company, role="property_staff", username="stranger")
    response = client_for(stranger).get(ASSIGNED)
    assert _titles(response) == []
    assert 'data-testid="nothing-assigned"' in response.content.decode()


def test_owners_committee_and_officers_have_no_staff_queue(owner, committee_member, officer):
    for user in (owner, committee_member, officer):
        assert client_for(user).get(ASSIGNED).status_code == 403


def test_the_staff_queue_shows_html_as_text_and_survives_a_bad_cursor(owner, committee_member, property_staff):
    drive(file_complaint(owner, title="<img src=x onerror=alert(1)>"), Status.ASSIGNED, committee=committee_member)
    response = client_for(property_staff).get(ASSIGNED, {"cursor": "bm90IGEgY3Vyc29y"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert len(response.context["rows"]) == 1


@pytest.mark.parametrize("rows", [5, 500])
def test_the_staff_queue_costs_a_fixed_number_of_queries(compound, property_staff, django_assert_num_queries, rows):
    bulk_complaints(compound, rows, status="assigned", assignee=compound.property_company)
    client = client_for(property_staff)
    # session, user, access (3), unread badge, the page, the time limits (which deadline is due soon)
    with django_assert_num_queries(8):
        response = client.get(ASSIGNED)
    assert len(response.context["rows"]) == min(rows, 25)


def test_the_home_page_leads_staff_to_the_whole_queue(property_staff):
    page = client_for(property_staff).get(reverse("home")).content.decode()
    assert f'href="{ASSIGNED}"' in page
    assert 'data-testid="nav-assigned"' in page
