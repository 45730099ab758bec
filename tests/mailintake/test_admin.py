"""The site admin's read-only view of what the mailbox received, and the
mailboxes it polls."""

import pytest
from django.contrib import messages

from committee_site.models import AuditEvent
from mailintake.models import Mailbox
from mailintake.services import message_ingest
from tests import factories
from tests.mailintake.test_services import eml


def test_admin_lists_inbound_messages_with_their_status(admin_client):
    message_ingest(raw=eml(sender="stranger@example.net", subject="楼道灯不亮"))
    response = admin_client.get("/admin/mailintake/inboundmessage/")
    assert response.status_code == 200
    assert "楼道灯不亮" in response.content.decode()
    assert "stranger@example.net" in response.content.decode()


def test_admin_cannot_add_or_change_inbound_messages(admin_client):
    assert admin_client.get("/admin/mailintake/inboundmessage/add/").status_code == 403


# --- the mailboxes the beat polls ---------------------------------------------------

MAILBOXES = "/admin/mailintake/mailbox/"
CELL = '<td class="field-password_variable_set">'


def _form(compound, **changes):
    return {
        "compound": str(compound.pk),
        "address": "tousu@sunny.example",
        "host": "imap.sunny.example",
        "port": "993",
        "use_tls": "on",
        "username": "tousu@sunny.example",
        "password_env": "MAILBOX_SUNNY_PASSWORD",
        "folder": "INBOX",
        "active": "on",
        **changes,
    }


def _mailbox(compound, **fields):
    values = {
        "compound": compound,
        "address": "tousu@sunny.example",
        "host": "imap.sunny.example",
        "username": "tousu@sunny.example",
        "password_env": "MAILBOX_SUNNY_PASSWORD",
        **fields,
    }
    return Mailbox.objects.create(**values)


def test_admin_adds_a_mailbox_through_the_service_and_warns_of_an_unset_password_variable(
    admin_client, compound, monkeypatch
):
    monkeypatch.delenv("MAILBOX_SUNNY_PASSWORD", raising=False)
    response = admin_client.post(f"{MAILBOXES}add/", _form(compound), follow=True)
    assert response.status_code == 200
    mailbox = Mailbox.objects.get()
    assert (mailbox.compound, mailbox.host, mailbox.port, mailbox.use_tls, mailbox.active) == (
        compound, "imap.sunny.example", 993, True, True
    )  # fmt: skip
    audit = AuditEvent.objects.get(action="mailbox.create")
    assert audit.actor.username == "admin"
    assert audit.data["password_env"] == "MAILBOX_SUNNY_PASSWORD"
    assert audit.data["compound"] == compound.pk
    [warning] = [m for m in response.context["messages"] if m.level == messages.WARNING]
    assert "MAILBOX_SUNNY_PASSWORD" in str(warning)


def test_admin_shows_clearly_when_the_password_variable_is_not_set(admin_client, compound, monkeypatch):
    mailbox = _mailbox(compound)
    monkeypatch.delenv("MAILBOX_SUNNY_PASSWORD", raising=False)
    listing = admin_client.get(MAILBOXES).content.decode()
    assert (
        '<td class="field-password_variable_set"><img src="/static/admin/img/icon-no.svg" alt="False"></td>' in listing
    )
    page = admin_client.get(f"{MAILBOXES}{mailbox.pk}/change/").content.decode()
    assert 'data-testid="password-not-set"' in page
    assert "MAILBOX_SUNNY_PASSWORD" in page
    monkeypatch.setenv("MAILBOX_SUNNY_PASSWORD", "secret")
    listing = admin_client.get(MAILBOXES).content.decode()
    assert (
        '<td class="field-password_variable_set"><img src="/static/admin/img/icon-yes.svg" alt="True"></td>' in listing
    )
    page = admin_client.get(f"{MAILBOXES}{mailbox.pk}/change/").content.decode()
    assert 'data-testid="password-not-set"' not in page
    # The password itself appears nowhere.
    assert "secret" not in page


def test_admin_change_records_each_changed_field_and_keeps_the_poll_fields_read_only(admin_client, compound):
    mailbox = _mailbox(compound, last_error="Login failed")
    response = admin_client.post(f"{MAILBOXES}{mailbox.pk}/change/", _form(compound, active="", last_error="edited"))
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.active, mailbox.last_error) == (False, "Login failed")
    assert AuditEvent.objects.get(action="mailbox.update").data == {"active": [True, False]}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"password_env": "SECRET_KEY"}, "password_env"),
        ({"password_env": "MAILBOX_lower"}, "password_env"),
        ({"use_tls": ""}, "use_tls"),
        ({"port": "70000"}, "port"),
    ],
)
def test_admin_refuses_another_secret_plain_imap_to_another_machine_and_a_bad_port(
    admin_client, compound, changes, field
):
    response = admin_client.post(f"{MAILBOXES}add/", _form(compound, **changes))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Mailbox.objects.exists()


def test_admin_allows_plain_imap_to_this_machine(admin_client, compound):
    response = admin_client.post(f"{MAILBOXES}add/", _form(compound, use_tls="", host="127.0.0.1", port="143"))
    assert response.status_code == 302
    assert Mailbox.objects.get().use_tls is False


def test_admin_mailboxes_are_the_site_admins_alone(compound):
    from tests.conftest import client_for

    clerk = factories.UserFactory(username="clerk", is_staff=True)
    mailbox = _mailbox(compound)
    assert client_for(clerk).get(MAILBOXES).status_code == 403
    assert client_for(clerk).get(f"{MAILBOXES}{mailbox.pk}/change/").status_code == 403


def test_admin_cannot_delete_a_mailbox(admin_client, compound):
    mailbox = _mailbox(compound)
    assert admin_client.get(f"{MAILBOXES}{mailbox.pk}/delete/").status_code == 403
