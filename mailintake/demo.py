"""Demo data of the complaint mailbox: its Mailbox row, pointing at no real
server and switched off so the beat never tries it, and real raw messages fed through
`message_ingest` at moments in the past, so the committee's intake list
(待处理邮件) has what a mailbox really gets: people the site does not know
writing about their problems, a message nobody can read, an automatic reply.
Seeded inside `notifications.in_app_only()`, so the "please register" answer
to the unknown senders is not queued: nobody is mailed about made-up mail."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from email.message import EmailMessage

from django.utils import timezone

from committee_site import clock
from committee_site.models import Compound, User
from complaints.models import Complaint, ComplaintEvent, Status
from mailintake.models import Mailbox
from mailintake.polling import mailbox_create
from mailintake.services import message_ingest

DEMO_MAILBOX_ADDRESS = "tousu@yangguang-huayuan.invalid"
# The site's one catch-all address, for mail that names no compound.
SHARED_ADDRESS = "tousu@committee-site.invalid"

BROKEN_CHARSET = "x-unknown-gb"

# (days ago, hour, to the compound's own address?, Message-ID, From, subject, body, extra headers)
MESSAGES: list[tuple[int, int, bool, str, str, str, str, dict[str, str]]] = [
    (
        3,
        21,
        True,
        "demo-intake-noise@mail.example.net",
        "孙女士 <sun.tenant@mail.example.net>",
        "2号楼楼上深夜噪音",
        "您好，我是2号楼402的租户，房东不在本地，所以由我来反映。\n"
        "楼上502这两周每天晚上十一点以后还在拖动家具、敲打地板，有时到凌晨一点。"
        "我们上门沟通过两次，没有改善，物业前台说要业主本人投诉。\n"
        "麻烦业委会帮忙协调，谢谢。\n\n孙女士 139 0000 1234",
        {},
    ),
    (
        1,
        9,
        False,
        "demo-intake-parking@mail.example.net",
        "Zhou Jian <zhoujian1988@mail.example.net>",
        "地下车库B2-017车位被长期占用",
        "业委会：\n我在地下车库B2层租了017号车位，最近一个月几乎每天都被一辆白色SUV占用，"
        "车上没有留电话。跟保安说了几次，只是贴了张纸条。\n"
        "请问能否让物业查一下车主并处理？附上车位租赁合同编号：CW-2025-0817。\n\n周先生",
        {},
    ),
    (
        2,
        14,
        True,
        "demo-intake-broken@mail.example.net",
        "13900001111@mail.example.net",
        "电梯维保记录",
        # An old mail client's body in a charset nobody knows: refused as unreadable.
        BROKEN_CHARSET,
        {},
    ),
    (
        1,
        18,
        True,
        "demo-intake-autoreply@mail.example.net",
        "周敏 <zhou_min@example.org>",
        "自动回复：休假中",
        "您好，我12月1日至12月8日休假，期间不能及时回复邮件。急事请致电。",
        {"Auto-Submitted": "auto-replied"},
    ),
]


def _raw(
    message_id: str, sender: str, to: str, subject: str, body: str, headers: dict[str, str], at: datetime
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = at.strftime("%a, %d %b %Y %H:%M:%S %z")
    message["Message-ID"] = f"<{message_id}>"
    for name, value in headers.items():
        message[name] = value
    if body == BROKEN_CHARSET:
        message["Content-Type"] = f'text/plain; charset="{BROKEN_CHARSET}"'
        message["Content-Transfer-Encoding"] = "base64"
        return message.as_bytes() + b"\n" + b"xOO6w6OswuXM3bXEzqyxo7zHwrw=\n"
    message.set_content(body)
    return message.as_bytes()


def intake_seed(*, compound: Compound, now: datetime | None = None) -> int:
    """How many messages it added: none on a second run, each message being
    known by its Message-ID."""
    now = now or timezone.now()
    added = 0
    for days, hour, own_address, message_id, sender, subject, body, headers in MESSAGES:
        day = timezone.localtime(now).date() - timedelta(days=days)
        at = clock.local_midnight(day, time(hour, 17))
        with clock.frozen_at(at):
            result = message_ingest(
                raw=_raw(
                    message_id,
                    sender,
                    DEMO_MAILBOX_ADDRESS if own_address else SHARED_ADDRESS,
                    subject,
                    body,
                    headers,
                    at,
                ),
                compound=compound if own_address else None,
            )
        added += int(not result.duplicate)
    return added


def mailbox_seed(*, compound: Compound, admin: User) -> int:
    """The demo compound's mailbox, through the service; nothing if there already."""
    if Mailbox.objects.filter(address=DEMO_MAILBOX_ADDRESS).exists():
        return 0
    mailbox_create(
        by=admin,
        values={
            "compound": compound,
            "address": DEMO_MAILBOX_ADDRESS,
            # .invalid never resolves (RFC 2606): a poll fails at once, harmlessly.
            "host": "imap.invalid",
            "port": 993,
            "use_tls": True,
            "username": DEMO_MAILBOX_ADDRESS,
            "password_env": "MAILBOX_DEMO_PASSWORD",
            "folder": "INBOX",
            "active": False,
        },
    )
    return 1


# Owners who write to the compound's mailbox from the address they registered
# with, after the demo's newest web complaint (its references follow the
# dates): (username, minutes ago, Message-ID, subject, body).
OWNER_MAIL = [
    (
        "he_yan",
        150,
        "demo-mail-bins@example.org",
        "3号楼门口垃圾桶满了没人清运",
        "您好：3号楼门口的四个垃圾桶从早上起就满了，到现在还没有清运，垃圾堆到地上，有异味。\n\n何燕 3-902",
    ),
    (
        "wang_jun",
        90,
        "demo-mail-basement@example.org",
        "1号楼地下室积水",
        "业委会、物业：\n1号楼地下室（自行车库）从前天下雨开始一直积水，最深处到脚踝，"
        "电动车只能停在外面，排水泵好像没有启动。请尽快派人查看。\n\n王军 1-601",
    ),
]


def owner_mail_seed(*, compound: Compound, now: datetime | None = None) -> int:
    """Complaints e-mailed by owners, filed by `message_ingest` as the mailbox
    would, waiting for the committee to take them up; and a reply by mail to
    a complaint's notification, which becomes the owner's note on it."""
    now = now or timezone.now()
    added = 0
    for username, minutes, message_id, subject, body in OWNER_MAIL:
        owner = User.objects.get(username=username)
        at = now - timedelta(minutes=minutes)
        with clock.frozen_at(at):
            result = message_ingest(
                raw=_raw(
                    message_id, f"{owner.first_name} <{owner.email}>", DEMO_MAILBOX_ADDRESS, subject, body, {}, at
                ),
                compound=compound,
            )
        added += int(not result.duplicate)
    # Wang Fang answers the last notification of her newest open complaint by e-mail.
    open_one = (
        Complaint.objects.filter(compound=compound, complainant__username="owner2")
        .exclude(status__in=[Status.CLOSED, Status.REJECTED, Status.WITHDRAWN, Status.REFERRED])
        .order_by("-submitted_at")
        .first()
    )
    last = ComplaintEvent.objects.filter(complaint=open_one).latest("at").at if open_one else now
    if open_one is not None and open_one.complainant is not None and last < now - timedelta(hours=3):
        owner = open_one.complainant
        at = last + min(timedelta(hours=5), (now - last) / 2)
        with clock.frozen_at(at):
            result = message_ingest(
                raw=_raw(
                    "demo-mail-reply-owner2@example.org", f"Wang Fang <{owner.email}>", DEMO_MAILBOX_ADDRESS,
                    f"Re: {open_one.reference} {open_one.title}",
                    "Thank you for the update. Please tell me when it is done; I can be reached at this address"
                    " or on 139 0013 9000.\n\nWang Fang 5-801",
                    {}, at,
                ),
                compound=compound,
            )  # fmt: skip
        added += int(not result.duplicate)
    return added
