"""`mail_ingest` as an MTA runs it: the message's bytes on standard input."""

from __future__ import annotations

import io
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from complaints.models import Channel, Complaint
from mailintake.models import InboundMessage, Status
from tests.mailintake.test_services import eml


class _Stdin:
    def __init__(self, raw: bytes) -> None:
        self.buffer = io.BytesIO(raw)


def _run(monkeypatch, raw: bytes, *args: str) -> str:
    monkeypatch.setattr(sys, "stdin", _Stdin(raw))
    out = io.StringIO()
    call_command("mail_ingest", *args, stdout=out)
    return out.getvalue()


def test_mail_ingest_files_an_owners_message_and_says_so(owner, compound, monkeypatch):
    raw = eml(sender=owner.email, message_id="<cmd@mail.example>")
    printed = _run(monkeypatch, raw, "--compound", str(compound.pk))
    complaint = Complaint.objects.get()
    assert complaint.channel == Channel.EMAIL
    assert printed.startswith("cmd@mail.example: ")
    assert complaint.reference in printed
    again = _run(monkeypatch, raw)
    assert "already processed" in again
    assert Complaint.objects.count() == 1


def test_mail_ingest_refuses_an_oversized_message_read_only_up_to_the_limit(db, monkeypatch, settings):
    settings.MAIL_MAX_BYTES = 1000
    raw = eml(sender="stranger@example.net", body="x" * 50_000)
    _run(monkeypatch, raw)
    message = InboundMessage.objects.get()
    assert message.status == Status.REFUSED
    assert message.size == 1001


def test_mail_ingest_unknown_compound_is_an_error(db, monkeypatch):
    with pytest.raises(CommandError, match="no compound 999"):
        _run(monkeypatch, b"", "--compound", "999")
