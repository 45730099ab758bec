import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from committee_site.access import user_access
from committee_site.models import (
    Building,
    Compound,
    Membership,
    Notification,
    OutgoingEmail,
    OwnerApplication,
    OwnerProfile,
    Unit,
    User,
)
from complaints.models import Category, Channel, Complaint, ComplaintEvent, Status, StatusCount
from complaints.services import next_due

pytestmark = pytest.mark.django_db

MODELS = (Compound, Building, Unit, User, Membership, OwnerProfile, OwnerApplication, Complaint, ComplaintEvent)


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seed_demo_twice_adds_nothing_the_second_time(capsys):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    assert first["Compound"] == 1
    assert first["Unit"] == 6 * 18 * 2
    assert "0 new objects" in capsys.readouterr().out
    assert first["Complaint"] == 200


def test_seed_demo_adds_a_year_of_complaints_in_every_status_channel_and_category():
    call_command("seed_demo", stdout=io.StringIO())
    now = timezone.now()
    complaints = list(Complaint.objects.all())
    assert {c.status for c in complaints} == set(Status.values)
    assert {c.channel for c in complaints} == set(Channel.values)
    assert {c.category_id for c in complaints} == set(Category.objects.filter(active=True).values_list("pk", flat=True))
    ages = [(now - c.submitted_at).days for c in complaints]
    assert max(ages) >= 330
    assert min(ages) == 0
    assert all(0 <= age <= 366 for age in ages)
    assert Complaint.objects.overdue().exists()
    assert Complaint.objects.due_within(48).exists()
    # The kept counts are the real counts.
    kept = dict(StatusCount.objects.values_list("status", "count"))
    assert {status: kept.get(status, 0) for status in Status.values} == {
        status: sum(c.status == status for c in complaints) for status in Status.values
    }
    # Back-dated consistently: the events tell the story in the past, and the deadlines follow it.
    for complaint in complaints:
        times = list(ComplaintEvent.objects.filter(complaint=complaint).values_list("at", flat=True))
        assert times[0] == complaint.submitted_at
        assert times == sorted(times)
        assert times[-1] <= now
        assert complaint.updated_at == times[-1]
        assert complaint.next_due_at == next_due(complaint)
        assert complaint.reference.startswith(f"TS-{timezone.localtime(complaint.submitted_at).year}-")
    # Nobody is told of made-up history.
    assert Notification.objects.count() == 0
    assert OutgoingEmail.objects.count() == 0


def test_seed_demo_accounts_sign_in_with_the_demo_password_and_hold_their_roles():
    call_command("seed_demo")
    compound = Compound.objects.get(name="阳光花园")
    assert compound.name_en == "Sunny Garden"
    expected = {
        "owner": {"owner"},
        "owner2": {"owner"},
        "committee": {"committee_chair"},
        "staff": {"property_staff"},
        "officer": {"community_officer"},
        "admin": set(),
    }
    for username, roles in expected.items():
        client = Client()
        response = client.post(reverse("login"), {"username": username, "password": "committee-demo"})
        assert response.status_code == 302, username
        user = User.objects.get(username=username)
        assert user_access(user).roles_in(compound.pk) == roles
    assert User.objects.get(username="admin").is_superuser


def test_no_account_exists_without_demo_data():
    assert User.objects.count() == 0
