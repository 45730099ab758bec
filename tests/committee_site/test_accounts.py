import re

import pytest
from django.test import Client
from django.urls import reverse

from committee_site.models import OutgoingEmail, User
from tests.conftest import client_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def test_login_with_right_password_signs_in_and_goes_home(owner):
    client = Client()
    response = _login(client, "owner1", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == owner


def test_login_with_wrong_password_says_so_in_the_users_language(owner):
    response = _login(Client(HTTP_ACCEPT_LANGUAGE="en"), "owner1", "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    response = _login(Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), "owner1", "wrong")
    assert "请输入一个正确的" in response.content.decode()


def test_login_rotates_the_session_key(owner):
    client = Client()
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    _login(client, "owner1", PASSWORD)
    assert client.session.session_key != before
    assert client.session.get("_auth_user_id") == str(owner.pk)


def test_login_follows_a_local_next_but_not_an_outside_one(owner):
    response = _login(Client(), "owner1", PASSWORD, next="/notifications/")
    assert response["Location"] == "/notifications/"
    response = _login(Client(), "owner1", PASSWORD, next="https://evil.example.com/")
    assert response["Location"] == reverse("home")


def test_login_sets_the_language_cookie_to_the_users_choice(owner):
    owner.language = "en"
    owner.save()
    response = _login(Client(), "owner1", PASSWORD)
    assert response.cookies["language"].value == "en"


def test_logout_needs_post_and_ends_the_session(owner):
    client = Client()
    client.force_login(owner)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_password_change_keeps_the_user_signed_in(owner):
    client = Client()
    client.force_login(owner)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "a-new-long-secret-9", "new_password2": "a-new-long-secret-9"},
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    owner.refresh_from_db()
    assert owner.check_password("a-new-long-secret-9")


def test_password_reset_mails_a_link_in_the_accounts_language(owner, mailoutbox, django_capture_on_commit_callbacks):
    owner.language = "en"
    owner.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").post(reverse("password_reset"), {"email": owner.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [owner.email]
    assert mail.subject == "Choose a new password for the committee site"
    assert "someone (we hope you) asked to reset the password" in mail.body
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT

    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.body).group(1)
    client = Client()
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "reset-to-this-99", "new_password2": "reset-to-this-99"},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=owner.pk).check_password("reset-to-this-99")


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(db, mailoutbox):
    response = Client().post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []


def test_account_page_shows_units_and_memberships(compound, owner, committee_member):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(owner)
    owner.language = "en"
    owner.save()
    page = client.get(reverse("account")).content.decode()
    assert "Building 1, unit 101" in page
    client.force_login(committee_member)
    committee_member.language = "en"
    committee_member.save()
    page = client.get(reverse("account")).content.decode()
    assert "Committee chair" in page


def test_account_page_saves_the_reminder_email_choice_with_an_audit_row(committee_member):
    from committee_site.models import AuditEvent, ReminderEmail

    client = client_for(committee_member)
    page = client.get(reverse("account")).content.decode()
    assert "每天一封邮件，汇总当天的提醒" in page
    assert 'value="immediate" class="form-check-input" id="id_reminder_email_0" required checked' in page

    response = client.post(reverse("account_reminder_email"), {"reminder_email": "digest"}, follow=True)

    committee_member.refresh_from_db()
    assert committee_member.reminder_email == ReminderEmail.DIGEST
    assert "已保存：每天一封邮件，汇总当天的提醒。" in response.content.decode()
    event = AuditEvent.objects.get(action="user.reminder_email")
    assert (event.actor, event.object_id, event.data) == (
        committee_member,
        str(committee_member.pk),
        {"reminder_email": "digest"},
    )


def test_account_reminder_email_refuses_an_unknown_choice_and_get(committee_member):
    from committee_site.models import AuditEvent

    client = client_for(committee_member)
    assert client.post(reverse("account_reminder_email"), {"reminder_email": "hourly"}).status_code == 400
    assert client.get(reverse("account_reminder_email")).status_code == 405
    committee_member.refresh_from_db()
    assert committee_member.reminder_email == "immediate"
    assert not AuditEvent.objects.filter(action="user.reminder_email").exists()
