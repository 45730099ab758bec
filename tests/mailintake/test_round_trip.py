"""A notification e-mail delivered over real SMTP (aiosmtpd) and the owner's
reply to it piped back in: the Message-ID the site issued ties the two."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from committee_site import tasks
from committee_site.models import OutgoingEmail
from complaints.models import Action, ComplaintEvent
from mailintake.models import Status
from mailintake.services import message_ingest
from tests.complaints.conftest import file_complaint
from tests.mailintake.test_services import eml


class Keeping:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


@pytest.fixture
def smtp(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Keeping()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


def test_reply_to_a_delivered_notification_becomes_an_owner_note(owner, smtp):
    complaint = file_complaint(owner)
    email = OutgoingEmail.objects.get(to=owner.email)
    tasks.email_send_task.apply(args=[email.pk], throw=True)
    [delivered] = [message_from_bytes(raw, policy=policy.default) for raw in smtp.messages]
    issued = delivered["Message-ID"]
    assert issued == f"<email-{email.pk}@localhost>"
    reply = eml(
        sender=owner.email,
        subject="Re: 回复",
        body="周末又坏了。",
        headers={"In-Reply-To": issued, "References": issued},
    )
    result = message_ingest(raw=reply)
    assert result.message.status == Status.NOTE_ADDED
    note = ComplaintEvent.objects.get(complaint=complaint, action=Action.NOTE)
    assert note.note == "周末又坏了。"
