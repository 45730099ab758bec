"""The complaint mailbox polled over IMAP, against a real Dovecot
(tests/mailintake/conftest.py): what each message becomes, that it is marked
seen only after it was taken, and that nothing is filed twice or lost."""

from __future__ import annotations

import io
import socket
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from committee_site.celery import app
from committee_site.models import AuditEvent
from complaints.models import Channel, Complaint
from mailintake import polling
from mailintake.models import InboundMessage, Mailbox, Status
from mailintake.polling import mailbox_poll
from mailintake.services import message_ingest
from mailintake.tasks import mailboxes_poll
from tests.mailintake.test_services import eml
from tests.races import postgresql_only, race

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
PASSWORD_ENV = "MAILBOX_TEST_PASSWORD"
NOTHING = {"filed": 0, "noted": 0, "waiting": 0, "refused": 0, "ignored": 0, "duplicates": 0, "failed": 0, "left": 0}
SEEN = r"\Seen"


@pytest.fixture
def mailbox(imap, compound, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, imap.password)
    return Mailbox.objects.create(
        compound=compound,
        address="tousu@sunny.example",
        host=imap.host,
        port=imap.port,
        use_tls=False,
        username=imap.user,
        password_env=PASSWORD_ENV,
    )


def counts(**some: int) -> dict[str, int]:
    return {**NOTHING, **some}


def poll_command(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("mail_poll", *args, stdout=out)
    return out.getvalue()


def test_mailbox_poll_files_an_owners_message_as_an_email_complaint_and_marks_it_seen(owner, compound, imap, mailbox):
    uid = imap.append(eml(sender=owner.email, subject="5号楼电梯又坏了", message_id="<lift@mail.example>"))
    with time_machine.travel(NOW, tick=False):
        result = mailbox_poll(mailbox=mailbox)
    assert (result.counts(), result.error) == (counts(filed=1), "")
    complaint = Complaint.objects.get()
    assert (complaint.channel, complaint.compound, complaint.complainant) == (Channel.EMAIL, compound, owner)
    assert complaint.title == "5号楼电梯又坏了"
    message = InboundMessage.objects.get()
    assert (message.key, message.status, message.complaint, message.compound) == (
        "lift@mail.example", Status.COMPLAINT_CREATED, complaint, compound
    )  # fmt: skip
    assert SEEN in imap.flags()[uid]
    mailbox.refresh_from_db()
    assert (mailbox.last_polled_at, mailbox.last_error) == (NOW, "")
    audit = AuditEvent.objects.get(action="mailbox.poll")
    assert (audit.object_id, audit.compound, audit.data) == (
        str(mailbox.pk),
        compound,
        {**counts(filed=1), "error": ""},
    )
    assert result.describe() == ("tousu@sunny.example: 1 filed, 0 noted, 0 waiting, 0 refused, 0 ignored, 0 duplicates")


def test_mailbox_poll_a_second_time_files_nothing_more_and_writes_no_audit_row(owner, imap, mailbox):
    raw = eml(sender=owner.email, message_id="<once@mail.example>")
    imap.append(raw)
    mailbox_poll(mailbox=mailbox)
    assert mailbox_poll(mailbox=mailbox).counts() == NOTHING
    # The same message delivered again (a retrying sender) is seen, not filed.
    again = imap.append(raw)
    assert mailbox_poll(mailbox=mailbox).counts() == counts(duplicates=1)
    assert SEEN in imap.flags()[again]
    assert Complaint.objects.count() == 1
    assert AuditEvent.objects.filter(action="mailbox.poll").count() == 2


def test_mailbox_poll_an_unknown_senders_message_waits_and_gets_one_reply(
    imap, mailbox, mailoutbox, django_capture_on_commit_callbacks
):
    first = imap.append(eml(sender="stranger@example.net"))
    second = imap.append(eml(sender="stranger@example.net", subject="再说一遍"))
    with django_capture_on_commit_callbacks(execute=True):
        result = mailbox_poll(mailbox=mailbox)
    assert result.counts() == counts(waiting=2)
    assert not Complaint.objects.exists()
    assert (
        list(InboundMessage.objects.values_list("status", "compound", "sender"))
        == [(Status.WAITING, mailbox.compound_id, "stranger@example.net")] * 2
    )
    assert [(mail.to, mail.subject) for mail in mailoutbox] == [
        (["stranger@example.net"], "投诉邮箱：请先注册 / Complaint mailbox: please register first")
    ]
    flags = imap.flags()
    assert SEEN in flags[first]
    assert SEEN in flags[second]


def test_mailbox_poll_records_an_oversized_message_as_refused_without_downloading_it(owner, imap, mailbox, settings):
    settings.MAIL_MAX_BYTES = 2000
    uid = imap.append(eml(sender=owner.email, subject="大照片", body="BODY-STARTS-HERE " + "x" * 50_000))
    size = imap.size(uid)
    assert size > 50_000
    result = mailbox_poll(mailbox=mailbox)
    assert result.counts() == counts(refused=1)
    message = InboundMessage.objects.get()
    assert (message.status, message.reason, message.size, message.sender, message.subject) == (
        Status.REFUSED, "来信超过 2000 字节。", size, owner.email, "大照片"
    )  # fmt: skip
    # Only the header block came over the wire and was kept.
    kept = message.raw.read()
    assert b"Subject: " in kept
    assert b"BODY-STARTS-HERE" not in kept
    assert len(kept) < 1000
    assert not Complaint.objects.exists()
    # Recorded, so marked seen: the next poll does not look at it again.
    assert SEEN in imap.flags()[uid]
    assert mailbox_poll(mailbox=mailbox).counts() == NOTHING


def test_mailbox_poll_a_message_taken_but_not_yet_marked_seen_is_not_filed_twice(owner, compound, imap, mailbox):
    # A poll that crashed between message_ingest and the \Seen flag: the
    # message was filed, and is still unseen on the server.
    raw = eml(sender=owner.email, message_id="<crashed-before-seen@mail.example>")
    message_ingest(raw=raw, compound=compound)
    uid = imap.append(raw)
    result = mailbox_poll(mailbox=mailbox)
    assert result.counts() == counts(duplicates=1)
    assert Complaint.objects.count() == 1
    assert SEEN in imap.flags()[uid]


def test_mailbox_poll_a_message_the_site_cannot_store_stays_unseen_and_is_taken_next_time(
    owner, imap, mailbox, settings, tmp_path
):
    # The disk under the media folder fails (here: a file where a folder must be).
    (tmp_path / "not-a-folder").write_text("")
    good_media = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = tmp_path / "not-a-folder" / "media"
    first = imap.append(eml(sender=owner.email, subject="第一封"))
    second = imap.append(eml(sender=owner.email, subject="第二封"))
    with translation.override("en"):
        result = mailbox_poll(mailbox=mailbox)
    assert result.counts() == counts(failed=2)
    assert result.error.startswith("2 messages could not be processed; the last: NotADirectoryError: ")
    assert not InboundMessage.objects.exists()
    flags = imap.flags()
    assert SEEN not in flags[first]
    assert SEEN not in flags[second]
    mailbox.refresh_from_db()
    assert mailbox.last_error == result.error
    settings.MEDIA_ROOT = good_media
    assert mailbox_poll(mailbox=mailbox).counts() == counts(filed=2)
    assert sorted(Complaint.objects.values_list("title", flat=True)) == ["第一封", "第二封"]
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""


def test_mailbox_poll_takes_at_most_the_cap_and_leaves_the_rest_for_the_next_poll(imap, mailbox, monkeypatch):
    monkeypatch.setattr(polling, "MAX_MESSAGES", 2)
    uids = [imap.append(eml(sender=f"neighbour{n}@example.net")) for n in range(3)]
    assert mailbox_poll(mailbox=mailbox).counts() == counts(waiting=2, left=1)
    # Oldest first: the last one is still unseen.
    assert [SEEN in imap.flags()[uid] for uid in uids] == [True, True, False]
    assert mailbox_poll(mailbox=mailbox).counts() == counts(waiting=1)
    assert InboundMessage.objects.count() == 3


def test_mail_poll_with_a_wrong_password_records_the_error_and_exits_non_zero(imap, mailbox, monkeypatch):
    uid = imap.append(eml(sender="stranger@example.net"))
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    out = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="1 of 1 mailbox"):
        call_command("mail_poll", stdout=out)
    error = "Login as tousu failed: [AUTHENTICATIONFAILED] Authentication failed."
    assert out.getvalue() == (
        f"tousu@sunny.example: 0 filed, 0 noted, 0 waiting, 0 refused, 0 ignored, 0 duplicates – error: {error}\n"
    )
    mailbox.refresh_from_db()
    assert mailbox.last_error == error
    assert mailbox.last_polled_at is not None
    assert AuditEvent.objects.get(action="mailbox.poll").data == {**NOTHING, "error": error}
    assert not InboundMessage.objects.exists()
    assert SEEN not in imap.flags()[uid]
    # The right password again: the message is taken and the error cleared.
    monkeypatch.setenv(PASSWORD_ENV, imap.password)
    assert poll_command() == "tousu@sunny.example: 0 filed, 0 noted, 1 waiting, 0 refused, 0 ignored, 0 duplicates\n"
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""


def test_mailbox_poll_without_the_password_variable_or_the_server_records_why(imap, mailbox, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV)
    with translation.override("en"):
        assert mailbox_poll(mailbox=mailbox).error == "The environment variable MAILBOX_TEST_PASSWORD is not set."
    monkeypatch.setenv(PASSWORD_ENV, imap.password)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    Mailbox.objects.filter(pk=mailbox.pk).update(port=closed)
    mailbox.refresh_from_db()
    with translation.override("en"):
        result = mailbox_poll(mailbox=mailbox)
    assert result.error == f"Could not connect to 127.0.0.1:{closed}: [Errno 111] Connection refused"
    mailbox.refresh_from_db()
    assert mailbox.last_error == result.error


def test_mailbox_poll_refuses_plain_imap_to_another_machine_before_connecting(mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(host="imap.example.net")
    mailbox.refresh_from_db()
    with translation.override("en"):
        result = mailbox_poll(mailbox=mailbox)
    assert result.error == "Plain IMAP sends the password in clear: use TLS for a server on another machine."


def test_mailbox_poll_a_folder_the_server_does_not_have_is_an_error(mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(folder="Complaints")
    mailbox.refresh_from_db()
    with translation.override("en"):
        result = mailbox_poll(mailbox=mailbox)
    assert result.error.startswith("The folder Complaints could not be opened: ")


def test_inactive_mailboxes_are_not_polled_by_the_task_or_the_command(imap, mailbox):
    uid = imap.append(eml(sender="stranger@example.net"))
    Mailbox.objects.filter(pk=mailbox.pk).update(active=False)
    assert mailboxes_poll.apply(throw=True).get() == 0
    assert poll_command() == "No active mailbox.\n"
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at is None
    assert not InboundMessage.objects.exists()
    assert SEEN not in imap.flags()[uid]
    # Named, a switched-off mailbox is polled: the way to try one before switching it on.
    assert poll_command("--mailbox", str(mailbox.pk)).startswith("tousu@sunny.example: 0 filed, 0 noted, 1 waiting")


def test_mail_poll_names_an_unknown_mailbox(db):
    with pytest.raises(CommandError, match="no mailbox 999"):
        poll_command("--mailbox", "999")


def test_beat_polls_the_mailboxes_every_five_minutes():
    assert app.conf.beat_schedule["mailboxes-poll"] == {
        "task": "mailintake.tasks.mailboxes_poll",
        "schedule": crontab(minute="*/5"),
    }


def test_mailboxes_poll_task_polls_every_active_mailbox_and_a_broken_one_stops_none(
    owner, compound, imap, mailbox, monkeypatch
):
    # Polled first: never polled, and its server is not there.
    broken = Mailbox.objects.create(
        compound=compound,
        address="broken@sunny.example",
        host="127.0.0.1",
        port=1,
        use_tls=False,
        username="nobody",
        password_env=PASSWORD_ENV,
    )
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=NOW)
    imap.append(eml(sender=owner.email))
    with translation.override("en"):
        assert mailboxes_poll.apply(throw=True).get() == 1
    assert Complaint.objects.count() == 1
    broken.refresh_from_db()
    assert broken.last_error == "Could not connect to 127.0.0.1:1: [Errno 111] Connection refused"
    # Run twice (an overlap, a redelivered task): nothing more.
    assert mailboxes_poll.apply(throw=True).get() == 0
    assert Complaint.objects.count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_two_polls_of_one_mailbox_at_once_file_one_complaint(owner, imap, mailbox):
    uid = imap.append(eml(sender=owner.email, message_id="<polled-twice@mail.example>"))

    def load() -> Mailbox:
        return Mailbox.objects.select_related("compound").get(pk=mailbox.pk)

    outcomes = race((load, lambda m: mailbox_poll(mailbox=m)), (load, lambda m: mailbox_poll(mailbox=m)))
    assert [getattr(o, "error", o) for o in outcomes] == ["", ""]
    assert sum(o.filed for o in outcomes) == 1
    assert Complaint.objects.count() == 1
    assert InboundMessage.objects.get().status == Status.COMPLAINT_CREATED
    assert SEEN in imap.flags()[uid]
