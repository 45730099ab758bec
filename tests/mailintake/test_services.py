"""The complaint mailbox on real messages built with the standard library's
email package: what each kind of message becomes, and that none is
processed twice or answered when it must not be."""

from __future__ import annotations

import io
from datetime import timedelta
from email.message import EmailMessage

import pytest
import time_machine
from django.utils import timezone
from PIL import Image

from committee_site.models import OutgoingEmail
from complaints.models import Action as ComplaintAction
from complaints.models import Channel, Complaint, ComplaintEvent, ComplaintPhoto
from mailintake.models import InboundMessage, Status
from mailintake.services import REPLIES_PER_HOUR, message_ingest
from tests import factories
from tests.complaints.conftest import file_complaint

_ids = iter(range(1, 10_000))


def eml(
    *,
    sender: str,
    subject: str = "3号楼电梯坏了",
    body: str = "电梯门一直关不上，请尽快维修。",
    html: str | None = None,
    message_id: str | None = "auto",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[bytes, str, str, str]] = (),  # type: ignore[assignment]
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "complaints@committee.example"
    message["Subject"] = subject
    if message_id == "auto":
        message_id = f"<m{next(_ids)}@mail.example>"
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for data, maintype, subtype, filename in attachments:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def replies_to(address: str) -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(to=address))


def test_message_ingest_from_owner_files_a_complaint_by_email_with_the_photo(owner):
    raw = eml(
        sender=f"Owner <{owner.email.upper()}>",
        attachments=[(jpeg(), "image", "jpeg", "lift.jpg")],
    )
    result = message_ingest(raw=raw)
    complaint = Complaint.objects.get()
    assert result.message.status == Status.COMPLAINT_CREATED
    assert result.message.complaint == complaint
    assert complaint.channel == Channel.EMAIL
    assert complaint.complainant == owner
    assert complaint.title == "3号楼电梯坏了"
    assert complaint.description == "电梯门一直关不上，请尽快维修。"
    assert ComplaintPhoto.objects.filter(complaint=complaint).count() == 1
    # The owner hears what any complainant hears, the receipt, and no "please register".
    assert [mail.subject for mail in replies_to(owner.email)] == [f"您的投诉已登记，编号 {complaint.reference}"]


def test_message_ingest_refuses_a_pdf_attachment_with_a_note_in_the_description(owner):
    raw = eml(sender=owner.email, attachments=[(b"%PDF-1.4 fake", "application", "pdf", "invoice.pdf")])
    message_ingest(raw=raw)
    complaint = Complaint.objects.get()
    assert complaint.description == "电梯门一直关不上，请尽快维修。\n\n附件“invoice.pdf”未保存：只接受照片。"
    assert not ComplaintPhoto.objects.filter(complaint=complaint).exists()


def test_message_ingest_turns_an_html_only_body_into_plain_text(owner):
    message = EmailMessage()
    message["From"] = owner.email
    message["Subject"] = "垃圾没人清"
    message["Message-ID"] = "<html-only@mail.example>"
    message.set_content("<p>楼下<b>垃圾</b>三天没清</p><script>alert(1)</script><style>p{}</style>", subtype="html")
    message_ingest(raw=message.as_bytes())
    assert Complaint.objects.get().description == "楼下垃圾三天没清"


def test_message_ingest_reply_with_reference_adds_an_owner_note_not_a_complaint(owner):
    complaint = file_complaint(owner)
    raw = eml(sender=owner.email, subject=f"Re: [{complaint.reference}] 已受理", body="今天又坏了。")
    result = message_ingest(raw=raw)
    assert result.message.status == Status.NOTE_ADDED
    assert Complaint.objects.count() == 1
    note = ComplaintEvent.objects.get(complaint=complaint, action=ComplaintAction.NOTE)
    assert note.note == "今天又坏了。"
    assert note.actor == owner
    assert note.visible_to_owner
    assert result.message.note_event == note


def test_message_ingest_reply_with_reference_from_another_person_waits(owner, compound):
    complaint = file_complaint(owner)
    other = factories.owner_in(compound, building="2", unit="202", username="neighbour")
    result = message_ingest(raw=eml(sender=other.email, subject=f"Re: {complaint.reference}"))
    assert result.message.status == Status.WAITING
    assert Complaint.objects.count() == 1
    assert not ComplaintEvent.objects.filter(action=ComplaintAction.NOTE).exists()


def test_message_ingest_unknown_sender_waits_with_one_reply_in_both_languages(db):
    result = message_ingest(raw=eml(sender="stranger@example.net"))
    assert result.message.status == Status.WAITING
    assert not Complaint.objects.exists()
    [reply] = replies_to("stranger@example.net")
    assert reply.subject == "投诉邮箱：请先注册 / Complaint mailbox: please register first"
    assert "register as an owner at http" in reply.body
    assert "/accounts/apply/" in reply.body
    assert "注册" in reply.body


def test_message_ingest_second_message_of_a_stranger_within_a_day_gets_no_reply(db):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        message_ingest(raw=eml(sender="stranger@example.net"))
        clock.shift(timedelta(hours=23))
        second = message_ingest(raw=eml(sender="Stranger@Example.net"))
        assert second.message.status == Status.WAITING
        assert len(replies_to("stranger@example.net")) == 1
        clock.shift(timedelta(hours=2))
        message_ingest(raw=eml(sender="stranger@example.net"))
    assert len(replies_to("stranger@example.net")) == 2


def test_message_ingest_replies_at_most_the_hourly_bound_in_all(db):
    for n in range(REPLIES_PER_HOUR + 3):
        message_ingest(raw=eml(sender=f"forged{n}@example.net"))
    assert OutgoingEmail.objects.count() == REPLIES_PER_HOUR
    assert InboundMessage.objects.filter(status=Status.WAITING).count() == REPLIES_PER_HOUR + 3


@pytest.mark.parametrize(
    ("sender", "headers", "reason"),
    [
        ("stranger@example.net", {"Auto-Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
        ("stranger@example.net", {"Precedence": "bulk"}, "Precedence: bulk"),
        ("stranger@example.net", {"List-Id": "<owners.list.example>"}, "List-Id"),
        ("stranger@example.net", {"Return-Path": "<>"}, "null sender"),
        ("MAILER-DAEMON@mx.example.net", {}, "automatic sender mailer-daemon@mx.example.net"),
    ],
)
def test_message_ingest_ignores_automatic_mail_and_never_answers(db, sender, headers, reason):
    result = message_ingest(raw=eml(sender=sender, headers=headers))
    assert result.message.status == Status.IGNORED
    assert result.message.reason == reason
    assert not OutgoingEmail.objects.exists()


def test_message_ingest_auto_submitted_no_is_ordinary_mail(db):
    result = message_ingest(raw=eml(sender="stranger@example.net", headers={"Auto-Submitted": "no"}))
    assert result.message.status == Status.WAITING


def test_message_ingest_an_owners_auto_reply_files_nothing(owner):
    result = message_ingest(raw=eml(sender=owner.email, headers={"Auto-Submitted": "auto-replied"}))
    assert result.message.status == Status.IGNORED
    assert not Complaint.objects.exists()


def test_message_ingest_same_message_id_twice_is_processed_once(owner):
    raw = eml(sender=owner.email, message_id="<same@mail.example>")
    first = message_ingest(raw=raw)
    second = message_ingest(raw=eml(sender=owner.email, message_id="<same@mail.example>", body="再发一次"))
    assert not first.duplicate
    assert second.duplicate
    assert "already processed" in second.describe()
    assert Complaint.objects.count() == 1
    assert InboundMessage.objects.get().key == "same@mail.example"


def test_message_ingest_without_message_id_is_keyed_by_its_bytes(db):
    raw = eml(sender="stranger@example.net", message_id=None)
    first = message_ingest(raw=raw)
    again = message_ingest(raw=raw)
    assert first.message.key.startswith("sha256:")
    assert again.duplicate
    assert InboundMessage.objects.count() == 1
    assert len(replies_to("stranger@example.net")) == 1


def test_message_ingest_resumes_a_claim_left_by_a_crash(owner):
    raw = eml(sender=owner.email, message_id="<crashed@mail.example>")
    InboundMessage.objects.create(key="crashed@mail.example", sender=owner.email, size=len(raw))
    result = message_ingest(raw=raw)
    assert not result.duplicate
    assert result.message.status == Status.COMPLAINT_CREATED
    assert Complaint.objects.count() == 1


def test_message_ingest_refuses_an_oversized_message_with_the_reason(owner, settings):
    settings.MAIL_MAX_BYTES = 2000
    raw = eml(sender=owner.email, body="很长" * 2000)
    result = message_ingest(raw=raw)
    assert result.message.status == Status.REFUSED
    assert result.message.reason == "来信超过 2000 字节。"
    assert result.message.raw.size == 2000
    assert not Complaint.objects.exists()


def test_message_ingest_of_the_headers_of_an_oversized_message_records_its_real_size(owner, settings):
    # What the IMAP poller hands in for a message it does not download.
    settings.MAIL_MAX_BYTES = 2000
    headers = eml(sender=owner.email, message_id="<huge@mail.example>").split(b"\n\n")[0] + b"\n\n"
    result = message_ingest(raw=headers, size=30_000_000)
    assert (result.message.status, result.message.size) == (Status.REFUSED, 30_000_000)
    assert result.message.reason == "来信超过 2000 字节。"
    assert (result.message.key, result.message.sender) == ("huge@mail.example", owner.email)
    assert result.message.raw.read() == headers
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("raw", [b"\x00\xff\xfe garbage \x80\x81", b"", b"Subject: =?bogus?Q?x?=\r\n\r\nno sender\r\n"])
def test_message_ingest_refuses_malformed_bytes_without_failing(db, raw):
    result = message_ingest(raw=raw)
    assert result.message.status == Status.REFUSED
    assert result.message.reason
    assert not OutgoingEmail.objects.exists()
    assert InboundMessage.objects.get().raw.read() == raw


def test_message_ingest_keeps_the_raw_message_under_media(owner, settings):
    raw = eml(sender=owner.email)
    message = message_ingest(raw=raw).message
    assert message.raw.name.startswith("private/mail/")
    assert message.raw.read() == raw
    assert message.size == len(raw)


def test_message_ingest_reply_naming_a_notification_in_reply_to_adds_an_owner_note(
    owner, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = file_complaint(owner)
    [sent] = [mail for mail in mailoutbox if mail.to == [owner.email]]
    issued = sent.extra_headers["Message-ID"]
    assert issued == f"<email-{OutgoingEmail.objects.get(to=owner.email).pk}@localhost>"
    raw = eml(sender=owner.email, subject="Re: 回复", body="还是没修好。", headers={"In-Reply-To": issued})
    result = message_ingest(raw=raw)
    assert result.message.status == Status.NOTE_ADDED
    assert result.message.complaint == complaint
    assert Complaint.objects.count() == 1


def test_message_ingest_in_reply_to_of_another_site_is_not_a_reply(owner):
    file_complaint(owner)
    pk = OutgoingEmail.objects.get(to=owner.email).pk
    raw = eml(sender=owner.email, subject="新问题", headers={"In-Reply-To": f"<email-{pk}@elsewhere.example>"})
    assert message_ingest(raw=raw).message.status == Status.COMPLAINT_CREATED
    assert Complaint.objects.count() == 2


def test_inbound_record_files_a_waiting_message_for_the_named_owner(owner, compound, committee_member):
    from complaints.models import Category
    from mailintake.services import inbound_record

    waiting = message_ingest(
        raw=eml(sender="owner-at-work@example.net", attachments=[(jpeg(), "image", "jpeg", "a.jpg")]), compound=compound
    ).message
    complaint = inbound_record(
        message=waiting,
        by=committee_member,
        seen_version=waiting.version,
        compound=compound,
        owner=owner,
        category=Category.objects.get(code="cleaning"),
    )
    waiting.refresh_from_db()
    assert waiting.status == Status.RECORDED
    assert waiting.complaint == complaint
    assert (complaint.complainant, complaint.channel, complaint.category.code) == (owner, Channel.EMAIL, "cleaning")
    assert complaint.description == "电梯门一直关不上，请尽快维修。"
    assert ComplaintPhoto.objects.filter(complaint=complaint).count() == 1


def test_inbound_record_refuses_an_owner_of_another_compound(owner, committee_member):
    from committee_site.services import ServiceError
    from complaints.models import Category
    from mailintake.services import inbound_record

    elsewhere = factories.CompoundFactory()
    waiting = message_ingest(raw=eml(sender="someone@example.net"), compound=elsewhere).message
    with pytest.raises(ServiceError):
        inbound_record(
            message=waiting, by=committee_member, seen_version=waiting.version, compound=elsewhere, owner=owner,
            category=Category.objects.get(code="cleaning"),
        )  # fmt: skip
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITING
    assert not Complaint.objects.exists()


def test_inbound_discard_drops_a_waiting_message_once(committee_member):
    from committee_site.services import NotAllowed
    from mailintake.services import inbound_discard

    waiting = message_ingest(raw=eml(sender="spam@example.net")).message
    assert waiting.version == 2
    inbound_discard(message=waiting, by=committee_member, seen_version=waiting.version, reason="广告")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.reason) == (Status.DISCARDED, "广告")
    with pytest.raises(NotAllowed):
        inbound_discard(message=waiting, by=committee_member, seen_version=waiting.version)


def test_message_ingest_keeps_a_preview_of_the_text_on_one_line(db):
    body = "楼上每天夜里十一点以后还在装修，\n电钻声很大。" + "吵" * 400
    message = message_ingest(raw=eml(sender="tenant@example.net", body=body)).message
    message.refresh_from_db()
    assert message.preview == ("楼上每天夜里十一点以后还在装修， 电钻声很大。" + "吵" * 400)[:300]
    assert len(message.preview) == 300


def test_message_ingest_previews_an_html_body_as_its_visible_text(db):
    mail = EmailMessage()
    mail["From"] = "driver@example.net"
    mail["Subject"] = "车位"
    mail["Message-ID"] = "<html-preview@mail.example>"
    mail.set_content("<p>车位被<b>占</b>了</p><script>alert(1)</script>", subtype="html")
    message = message_ingest(raw=mail.as_bytes()).message
    message.refresh_from_db()
    assert message.preview == "车位被占了"


def test_message_ingest_refused_messages_have_no_preview(db, settings):
    settings.MAIL_MAX_BYTES = 2000
    oversized = message_ingest(raw=eml(sender="big@example.net", body="很长" * 2000)).message
    no_sender = message_ingest(raw=b"Subject: hello\r\n\r\nsome text\r\n").message
    assert [(m.status, m.preview) for m in (oversized, no_sender)] == [(Status.REFUSED, ""), (Status.REFUSED, "")]


def test_message_ingest_in_app_only_sends_no_register_answer(db):
    from committee_site import notifications

    with notifications.in_app_only():
        result = message_ingest(raw=eml(sender="stranger@example.net"))
    assert result.message.status == Status.WAITING
    assert result.message.replied_at is None
    assert not OutgoingEmail.objects.exists()
