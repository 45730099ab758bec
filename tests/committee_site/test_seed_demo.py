import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from committee_site.access import user_access
from committee_site.models import Building, Compound, Membership, OwnerApplication, OwnerProfile, Unit, User

pytestmark = pytest.mark.django_db

MODELS = (Compound, Building, Unit, User, Membership, OwnerProfile, OwnerApplication)


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
