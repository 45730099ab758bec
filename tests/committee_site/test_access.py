import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from committee_site.access import get_compound_for, get_notification_for, user_access
from committee_site.models import Compound, Membership, OwnerProfile
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PROTECTED_GET: list[tuple[str, list[int]]] = [
    ("home", []),
    ("account", []),
    ("notification_list", []),
    ("owner_application_list", []),
    ("password_change", []),
]
PUBLIC_GET = ["login", "apply", "apply_done", "password_reset", "password_reset_done", "healthz"]


@pytest.mark.parametrize(("name", "args"), PROTECTED_GET)
def test_protected_pages_redirect_anonymous_to_login(name, args):
    url = reverse(name, args=args)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_compound_page_redirects_anonymous_to_login(compound):
    response = Client().get(reverse("compound_detail", args=[compound.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", PUBLIC_GET)
def test_public_pages_answer_anonymous(name):
    assert Client().get(reverse(name)).status_code == 200


def test_admin_needs_staff_account(owner):
    response = client_for(owner).get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_roles_follow_memberships_and_ownership(compound, committee_member, property_staff, officer, owner):
    assert user_access(committee_member).roles_in(compound.pk) == {"committee_chair"}
    assert user_access(property_staff).roles_in(compound.pk) == {"property_staff"}
    assert user_access(officer).roles_in(compound.pk) == {"community_officer"}
    assert user_access(owner).roles_in(compound.pk) == {"owner"}


def test_inactive_membership_gives_no_access(compound, committee_member):
    Membership.objects.filter(user=committee_member).update(active=False)
    committee_member.refresh_from_db()
    assert user_access(committee_member).compound_ids == frozenset()


def test_unverified_owner_profile_gives_no_access(compound, owner):
    OwnerProfile.objects.filter(user=owner).update(verified_at=None)
    owner.refresh_from_db()
    assert user_access(owner).compound_ids == frozenset()


def test_community_office_covers_all_its_compounds(compound, officer):
    second = factories.CompoundFactory(community_office=compound.community_office)
    assert user_access(officer).officer_compound_ids == {compound.pk, second.pk}


def test_compound_list_is_scoped_to_the_user(compound, other_compound, owner, other_committee_member):
    assert list(Compound.objects.visible_to(owner)) == [compound]
    assert list(Compound.objects.visible_to(other_committee_member)) == [other_compound]


def test_get_compound_for_allows_members_and_hides_other_compounds(compound, other_compound, owner, committee_member):
    assert get_compound_for(owner, compound.pk) == compound
    with pytest.raises(Http404):
        get_compound_for(owner, other_compound.pk)
    with pytest.raises(Http404):
        get_compound_for(owner, 999999)


def test_get_compound_for_write_needs_the_committee(compound, owner, property_staff, officer, committee_member):
    assert get_compound_for(committee_member, compound.pk, write=True) == compound
    for user in (owner, property_staff, officer):
        with pytest.raises(PermissionDenied):
            get_compound_for(user, compound.pk, write=True)


@pytest.mark.parametrize("role_fixture", ["owner", "property_staff", "officer", "committee_member"])
def test_compound_page_shows_to_each_role_of_the_compound(request, compound, role_fixture):
    user = request.getfixturevalue(role_fixture)
    response = client_for(user).get(reverse("compound_detail", args=[compound.pk]))
    assert response.status_code == 200
    assert compound.name in response.content.decode()


def test_compound_page_of_another_compound_is_not_found(compound, other_compound, owner):
    response = client_for(owner).get(reverse("compound_detail", args=[other_compound.pk]))
    assert response.status_code == 404


def test_notification_of_someone_else_is_not_found(owner, committee_member):
    notification = factories_notification(committee_member)
    assert get_notification_for(committee_member, notification.pk) == notification
    with pytest.raises(Http404):
        get_notification_for(owner, notification.pk)


def factories_notification(user):
    from committee_site.models import Notification

    return Notification.objects.create(recipient=user, kind="test", title="t", body="b", created_at=timezone.now())
