import re

import pytest
from django.test import Client
from django.urls import reverse

from committee_site import services
from committee_site.models import AuditEvent, Notification, OutgoingEmail, OwnerApplication, User
from tests import factories
from tests.conftest import client_for
from tests.factories import PASSWORD
from tests.races import postgresql_only, race
from tests.snapshot import db_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(compound):
    return factories.UnitFactory(building=factories.BuildingFactory(compound=compound, number="3"), number="1502")


def _form(unit, **overrides):
    data = {
        "full_name": "王芳",
        "phone": "13800138000",
        "email": "wang@example.org",
        "building": unit.building.pk,
        "unit_number": unit.number,
        "username": "wangfang",
        "password1": "sunny-garden-2026",
        "password2": "sunny-garden-2026",
        "note": "",
    }
    data.update(overrides)
    return data


def test_apply_creates_a_pending_application_and_tells_the_committee(
    unit, committee_member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client(HTTP_ACCEPT_LANGUAGE="en").post(reverse("apply"), _form(unit))
    assert response.status_code == 302
    assert response["Location"] == reverse("apply_done")
    application = OwnerApplication.objects.get()
    assert application.status == "pending"
    assert application.unit == unit
    assert application.language == "en"
    assert application.password_hash != "sunny-garden-2026"
    notification = Notification.objects.get(recipient=committee_member)
    # The committee member reads Chinese, whatever language the applicant used.
    assert notification.title == "新业主账号申请：王芳，3号楼1502室"
    assert notification.url == reverse("owner_application_detail", args=[application.pk])
    assert [mail.to for mail in mailoutbox] == [[committee_member.email]]
    assert AuditEvent.objects.filter(action="owner_application.submit").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"unit_number": "9999"}, "unit_number", "has no unit 9999"),
        ({"password2": "something-else-1"}, "password2", "The two passwords differ."),
        ({"password1": "12345678", "password2": "12345678"}, "password1", "This password is too common."),
        ({"phone": "call me"}, "phone", "Enter a phone number of 7 to 20 digits"),
        ({"username": "has space"}, "username", "Enter a valid username."),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
    ],
)
def test_apply_rejects_bad_input_with_a_clear_message_and_keeps_the_rest(unit, overrides, field, message):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(reverse("apply"), _form(unit, **overrides))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert 'value="王芳"' in response.content.decode()
    assert OwnerApplication.objects.count() == 0


def test_apply_answers_a_taken_username_exactly_as_a_free_one(unit, owner):
    """An anonymous visitor learns nothing about which accounts exist."""
    factories.OwnerApplicationFactory(unit=unit, username="pending-one")
    answers = []
    for username in ("OWNER1", "pending-one", "nobody-has-this"):
        response = Client(HTTP_ACCEPT_LANGUAGE="en").post(reverse("apply"), _form(unit, username=username), follow=True)
        page = response.content.decode().replace(response.wsgi_request.COOKIES.get("csrftoken", ""), "")
        answers.append((response.redirect_chain, response.status_code, re.sub(r'value="[^"]{32,}"', "", page)))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == [(reverse("apply_done"), 302)]
    assert OwnerApplication.objects.pending().count() == 4


def test_approval_refuses_a_username_that_belongs_to_an_account_and_takes_another(
    unit, owner, committee_member, mailoutbox, django_capture_on_commit_callbacks
):
    application = factories.OwnerApplicationFactory(unit=unit, username="Owner1", language="en")
    client = client_for(committee_member)
    page = client.get(reverse("owner_application_detail", args=[application.pk])).content.decode()
    assert "另一个账号或申请已使用用户名“Owner1”" in page
    approve = reverse("owner_application_approve", args=[application.pk])
    before = db_rows()
    refused = client.post(approve, {"version": 1, "username": "Owner1"}, follow=True)
    assert "用户名“Owner1”已属于另一个账号" in refused.content.decode()
    assert db_rows() == before
    with django_capture_on_commit_callbacks(execute=True):
        client.post(approve, {"version": 1, "username": "wang-1502"})
    application.refresh_from_db()
    assert (application.status, application.username) == ("approved", "wang-1502")
    assert application.user.username == "wang-1502"
    assert "wang-1502" in mailoutbox[-1].body
    assert AuditEvent.objects.get(action="owner_application.approve").data["username"] == "wang-1502"
    assert Client().post(reverse("login"), {"username": "wang-1502", "password": PASSWORD}).status_code == 302


def test_approving_two_applications_for_one_username_creates_one_account(unit, committee_member):
    first, second = factories.OwnerApplicationFactory.create_batch(2, unit=unit, username="wangfang")
    services.owner_application_approve(application=first, by=committee_member, seen_version=1)
    with pytest.raises(services.ServiceError, match="已属于另一个账号"):
        services.owner_application_approve(application=second, by=committee_member, seen_version=1)
    second.refresh_from_db()
    assert (second.status, second.version) == ("pending", 1)
    assert User.objects.filter(username="wangfang").count() == 1


def test_apply_shows_html_in_names_as_text(unit, committee_member):
    Client().post(reverse("apply"), _form(unit, full_name="<script>alert(1)</script>"))
    page = client_for(committee_member).get(reverse("owner_application_list")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_approve_creates_a_verified_owner_who_can_sign_in(
    unit, committee_member, mailoutbox, django_capture_on_commit_callbacks
):
    application = factories.OwnerApplicationFactory(unit=unit, username="newowner", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(committee_member).post(
            reverse("owner_application_approve", args=[application.pk]), {"version": 1}
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "approved"
    assert application.decided_by == committee_member
    user = User.objects.get(username="newowner")
    assert application.user == user
    assert user.owner_profile.verified_by == committee_member
    assert list(user.owner_profile.units.all()) == [unit]
    assert user.language == "en"
    assert mailoutbox[-1].to == [application.email]
    assert mailoutbox[-1].subject.startswith("Your owner account for")
    assert "newowner" in mailoutbox[-1].body
    client = Client()
    assert client.post(reverse("login"), {"username": "newowner", "password": PASSWORD}).status_code == 302
    home = client.get(reverse("home")).content.decode()
    assert unit.building.compound.name_en in home


def test_reject_needs_a_reason_and_mails_it(unit, committee_member, mailoutbox, django_capture_on_commit_callbacks):
    application = factories.OwnerApplicationFactory(unit=unit)
    client = client_for(committee_member)
    url = reverse("owner_application_reject", args=[application.pk])
    response = client.post(url, {"version": 1, "reason": ""})
    assert response.status_code == 400
    application.refresh_from_db()
    assert application.status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"version": 1, "reason": "房产登记上没有您的名字"})
    application.refresh_from_db()
    assert application.status == "rejected"
    assert application.reason == "房产登记上没有您的名字"
    assert "房产登记上没有您的名字" in mailoutbox[-1].body
    assert not User.objects.filter(username=application.username).exists()


def test_a_decision_on_a_stale_page_changes_nothing(unit, committee_member):
    application = factories.OwnerApplicationFactory(unit=unit)
    services.owner_application_reject(
        application=application, seen_version=application.version, by=committee_member, reason="重复申请"
    )
    response = client_for(committee_member).post(
        reverse("owner_application_approve", args=[application.pk]), {"version": 1}, follow=True
    )
    assert f"在此期间{committee_member}已处理该业主账号申请" in response.content.decode()
    assert "驳回了申请。您的操作未保存，请查看页面后重试。" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "rejected"
    assert not User.objects.filter(username=application.username).exists()


def test_two_members_deciding_at_once_only_one_wins(unit, committee_member, compound):
    second = factories.member_of(compound.committee, role="committee_member", username="second")
    application = factories.OwnerApplicationFactory(unit=unit)
    stale_copy = OwnerApplication.objects.get(pk=application.pk)
    services.owner_application_approve(application=application, seen_version=application.version, by=committee_member)
    with pytest.raises(services.ChangedMeanwhile):
        services.owner_application_reject(
            application=stale_copy, seen_version=stale_copy.version, by=second, reason="no"
        )
    stale_copy.refresh_from_db()
    assert (stale_copy.status, stale_copy.version, stale_copy.decided_by) == ("approved", 2, committee_member)
    assert stale_copy.reason == ""


def test_only_the_compounds_committee_sees_and_decides_applications(
    unit, owner, property_staff, officer, other_committee_member
):
    application = factories.OwnerApplicationFactory(unit=unit)
    detail = reverse("owner_application_detail", args=[application.pk])
    approve = reverse("owner_application_approve", args=[application.pk])
    reject = reverse("owner_application_reject", args=[application.pk])
    clients = [client_for(user) for user in (owner, property_staff, officer, other_committee_member)]
    before = db_rows()
    for client in clients:
        assert client.get(detail).status_code == 404
        assert client.post(approve, {"version": 1}).status_code == 404
        assert client.post(reject, {"version": 1, "reason": "x"}).status_code == 404
    assert db_rows() == before
    for user in (owner, property_staff, officer):
        assert client_for(user).get(reverse("owner_application_list")).status_code == 403
    listing = client_for(other_committee_member).get(reverse("owner_application_list"))
    assert listing.status_code == 200
    assert list(listing.context["page"].items) == []


def test_decision_actions_refuse_get(unit, committee_member):
    application = factories.OwnerApplicationFactory(unit=unit)
    client = client_for(committee_member)
    assert client.get(reverse("owner_application_approve", args=[application.pk])).status_code == 405
    assert client.get(reverse("owner_application_reject", args=[application.pk])).status_code == 405


def test_application_list_unknown_status_falls_back_with_a_message(unit, committee_member):
    committee_member.language = "en"
    committee_member.save()
    response = client_for(committee_member).get(reverse("owner_application_list") + "?status=bogus")
    assert response.status_code == 200
    assert "Unknown filter" in response.content.decode()


def test_application_list_bad_cursor_shows_the_first_page_with_a_message(unit, committee_member):
    factories.OwnerApplicationFactory(unit=unit, full_name="第一位")
    committee_member.language = "en"
    committee_member.save()
    response = client_for(committee_member).get(reverse("owner_application_list") + "?cursor=%%%garbage")
    assert response.status_code == 200
    page = response.content.decode()
    assert "That page link is not valid" in page
    assert "第一位" in page


@pytest.mark.parametrize("rows", [3, 60])
def test_application_list_and_home_cost_a_fixed_number_of_queries(
    unit, committee_member, django_assert_num_queries, rows
):
    for _ in range(rows):
        factories.OwnerApplicationFactory(unit=unit)
    client = client_for(committee_member)
    # session, user, access (memberships, compounds, owner profile), badges (2), the page
    with django_assert_num_queries(8):
        response = client.get(reverse("owner_application_list"))
    assert len(response.context["page"].items) == min(rows, 25)
    # the same, plus compounds, pending applications, records to sign, recent notifications, complaints to accept,
    # the member's callbacks to make, the callback coverage and the time limits (its "within 3 days")
    with django_assert_num_queries(15):
        client.get(reverse("home"))


def test_outgoing_email_is_the_only_channel_for_applicant_mail(unit, committee_member):
    application = factories.OwnerApplicationFactory(unit=unit)
    services.owner_application_reject(
        application=application, seen_version=application.version, by=committee_member, reason="x"
    )
    assert OutgoingEmail.objects.filter(to=application.email).count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_members_deciding_at_the_same_moment_exactly_one_decision_lands(unit, compound, committee_member):
    second = factories.member_of(compound.committee, role="committee_member", username="second")
    application = factories.OwnerApplicationFactory(unit=unit, username="racer")

    def load():
        return OwnerApplication.objects.select_related("unit__building__compound").get(pk=application.pk)

    outcomes = race(
        (load, lambda a: services.owner_application_approve(application=a, by=committee_member, seen_version=1)),
        (load, lambda a: services.owner_application_reject(application=a, by=second, seen_version=1, reason="重复")),
    )
    losers = [o for o in outcomes if isinstance(o, services.ChangedMeanwhile)]
    winners = [o for o in outcomes if isinstance(o, User | OwnerApplication)]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    application.refresh_from_db()
    approved = isinstance(winners[0], User)
    assert (application.status, application.version) == ("approved" if approved else "rejected", 2)
    assert User.objects.filter(username="racer").exists() == approved
    decisions = AuditEvent.objects.filter(object_id=str(application.pk), object_type="committee_site.ownerapplication")
    assert list(decisions.exclude(action="owner_application.submit").values_list("action", flat=True)) == [
        "owner_application.approve" if approved else "owner_application.reject"
    ]
