"""A mail server that refuses: the e-mail is tried again later and later,
then failed, and the site admin sees it and can send it again. The server is
a real SMTP server (aiosmtpd) answering 451 to every message."""

import socket
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.urls import reverse

from committee_site import services, tasks
from committee_site.models import AuditEvent, OutgoingEmail
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)


class Refusing:
    """Answers every message with a temporary failure, and counts them."""

    def __init__(self) -> None:
        self.refused = 0
        self.accepting = False
        self.received: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        if self.accepting:
            self.received.append(envelope.rcpt_tos[0])
            return "250 OK"
        self.refused += 1
        return "451 4.3.0 Mailbox temporarily unavailable"


@pytest.fixture
def mail_server(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Refusing()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


def _attempt(email_id: int) -> None:
    # As the worker runs it; the task's failure is in its result, not raised.
    tasks.email_send_task.apply(args=[email_id], throw=False)


def test_refused_email_is_tried_again_after_5_10_20_and_40_minutes_then_failed(mail_server):
    with time_machine.travel(START, tick=False) as clock:
        email = services.email_queue(to="owner@example.org", subject="您的投诉已受理", body="…")
        _attempt(email.pk)
        attempts_at = [START]
        for _ in range(services.EMAIL_MAX_ATTEMPTS - 1):
            email.refresh_from_db()
            assert email.status == OutgoingEmail.Status.PENDING
            due = email.next_attempt_at
            # The sweep leaves it alone until its time, then queues it again.
            clock.move_to(due - timedelta(seconds=1))
            assert services.email_sweep() == []
            clock.move_to(due)
            assert services.email_sweep() == [email.pk]
            _attempt(email.pk)
            attempts_at.append(due)
        email.refresh_from_db()
    assert [later - earlier for earlier, later in pairwise(attempts_at)] == [
        timedelta(minutes=5),
        timedelta(minutes=10),
        timedelta(minutes=20),
        timedelta(minutes=40),
    ]
    assert mail_server.refused == services.EMAIL_MAX_ATTEMPTS == email.attempts
    assert email.status == OutgoingEmail.Status.FAILED
    assert "451" in email.last_error
    assert "Mailbox temporarily unavailable" in email.last_error
    # Failed is final: no sweep tries it again by itself.
    with time_machine.travel(START + timedelta(days=1), tick=False):
        assert services.email_sweep() == []


def test_site_admin_sees_the_failed_email_and_sends_it_again(mail_server, django_capture_on_commit_callbacks):
    email = services.email_queue(to="owner@example.org", subject="回访邀请", body="…")
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmail.Status.FAILED,
        attempts=5,
        last_error="SMTPDataError(451, b'Mailbox temporarily unavailable')",
    )
    site_admin = factories.UserFactory(username="siteadmin", is_staff=True, is_superuser=True, language="en")
    client = client_for(site_admin)
    changelist = reverse("admin:committee_site_outgoingemail_changelist")
    page = client.get(changelist, {"status__exact": "failed"}).content.decode()
    assert "回访邀请" in page
    assert "SMTPDataError(451, b&#x27;Mailbox temporarily unavailable&#x27;)" in page

    mail_server.accepting = True
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(changelist, {"action": "send_again", "_selected_action": [email.pk]}, follow=True)
    assert "1 e-mail queued again." in response.content.decode()
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.attempts == 1
    assert mail_server.received == ["owner@example.org"]
    audit = AuditEvent.objects.get(action="email_requeue")
    assert audit.actor == site_admin
    assert audit.object_id == str(email.pk)


def test_sending_again_leaves_emails_that_did_not_fail_alone(mail_server):
    sent = services.email_queue(to="a@example.org", subject="s", body="b")
    OutgoingEmail.objects.filter(pk=sent.pk).update(status=OutgoingEmail.Status.SENT)
    site_admin = factories.UserFactory(username="siteadmin", is_staff=True, is_superuser=True)
    assert services.email_requeue(emails=[sent], by=site_admin) == 0
    sent.refresh_from_db()
    assert sent.status == OutgoingEmail.Status.SENT
    assert not AuditEvent.objects.filter(action="email_requeue").exists()
