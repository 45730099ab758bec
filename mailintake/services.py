"""Every write of the complaint mailbox but the IMAP poller's
(`mailintake.polling`). `message_ingest` takes one raw message (from
`mail_ingest` on standard input, or from the poller), claims its key, and then
files a complaint, adds an owner note, puts it in the intake list, ignores it
or refuses it, each through the InboundMessage TRANSITIONS."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from email.errors import MessageError
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from committee_site import clock, notifications
from committee_site.models import Compound, OutgoingEmail, Unit, User
from committee_site.services import ServiceError, audit_record, email_message_id, email_queue, transition_apply
from committee_site.uploads import ImageRejected, image_reencode
from complaints.models import Category, Channel, Complaint
from complaints.services import complaint_note, complaint_submit
from mailintake.models import PREVIEW_LENGTH, TRANSITIONS, Action, InboundMessage, Status

# The committee files an e-mailed complaint under this category and corrects
# it when accepting, as for a call: an e-mail carries no category.
CATEGORY_CODE = "suggestion"
MAX_PHOTOS = 6
# One "how to register" answer per address a day, and at most this many an
# hour in all, so a flood of forged senders cannot make the site a spammer.
REPLY_EVERY = timedelta(days=1)
REPLIES_PER_HOUR = 30
REFERENCE = re.compile(r"\bTS-\d{4}-\d{6}\b")
# committee_site.services.email_message_id: <email-<pk>@<domain>>.
ISSUED_ID = re.compile(r"<email-(\d{1,18})@([^>\s]+)>")
ROBOT_LOCALPARTS = frozenset({"mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply"})


@dataclass(frozen=True)
class Ingested:
    message: InboundMessage
    duplicate: bool

    def describe(self) -> str:
        text = f"{self.message.key}: {self.message.get_status_display()}"
        if self.duplicate:
            text = f"{self.message.key}: already processed ({self.message.get_status_display()}), nothing done"
        if self.message.complaint_id:
            text += f" [{self.message.complaint.reference}]"  # type: ignore[union-attr]
        if self.message.reason:
            text += f" – {self.message.reason}"
        return text


# --- reading the message ---------------------------------------------------------


class _TextOfHtml(HTMLParser):
    """The visible text of an HTML body: no script, no style, no markup."""

    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in {"script", "style", "head", "title"}:
            self._hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head", "title"} and self._hidden:
            self._hidden -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).splitlines())
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    return parser.text()


def _key(headers: Message, raw: bytes) -> str:
    message_id = str(headers.get("Message-ID", "") or "").strip().strip("<>").strip()
    if message_id and len(message_id) <= 250 and " " not in message_id:
        return message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _sender(headers: Message) -> str:
    for _name, address in getaddresses([str(value) for value in headers.get_all("From", [])]):
        if "@" in address:
            return address.strip().lower()[:254]
    return ""


def _is_robot(headers: Message, sender: str) -> str:
    """Why the message is automatic mail that must never be answered, or ""."""
    auto = str(headers.get("Auto-Submitted", "") or "").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(headers.get("Precedence", "") or "").strip().lower()
    if precedence in {"bulk", "list", "junk"}:
        return f"Precedence: {precedence}"
    if headers.get("List-Id") is not None:
        return "List-Id"
    if str(headers.get("Return-Path", "") or "").strip() == "<>":
        return "null sender"
    if sender.split("@")[0] in ROBOT_LOCALPARTS:
        return f"automatic sender {sender}"
    content_type = str(headers.get("Content-Type", "") or "").lower()
    if "multipart/report" in content_type:
        return "delivery report"
    return ""


@dataclass
class _Content:
    text: str
    photos: list[ContentFile[bytes]]
    refused: list[str]


def body_text(message: EmailMessage) -> str:
    """The body as text: plain preferred, else HTML made text."""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    content = body.get_content()
    text = html_to_text(content) if body.get_content_type() == "text/html" else content
    return str(text).strip()


def _preview(message: EmailMessage) -> str:
    """The start of the body on one line for the intake list; a body that
    cannot be decoded has none (the message's own processing says why)."""
    try:
        text = body_text(message)
    except (ValueError, TypeError, LookupError, UnicodeError, MessageError):
        return ""
    return " ".join(text.split())[:PREVIEW_LENGTH]


def _content(message: EmailMessage) -> _Content:
    """The body as text (plain preferred, else HTML made text), the photos
    re-encoded by the base's upload checks, and a line per refused attachment."""
    text = body_text(message)
    photos: list[ContentFile[bytes]] = []
    refused: list[str] = []
    for part in message.iter_attachments():
        name = part.get_filename() or part.get_content_type()
        if part.get_content_maintype() != "image":
            refused.append(str(_("“%(name)s” was not kept: only photos are accepted.") % {"name": name}))
            continue
        if len(photos) >= MAX_PHOTOS:
            refused.append(str(_("“%(name)s” was not kept: at most %(n)s photos.") % {"name": name, "n": MAX_PHOTOS}))
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        try:
            photos.append(image_reencode(SimpleUploadedFile(name, data, content_type=part.get_content_type())))
        except ImageRejected as exc:
            refused.append(str(exc.args[0]) if exc.args else name)
    return _Content(text=text, photos=photos, refused=refused)


# --- the claim --------------------------------------------------------------------


def _claim(
    *, key: str, raw: bytes, size: int, sender: str, subject: str, compound: Compound | None
) -> tuple[InboundMessage, bool]:
    """Insert the row that owns `key`, with the raw bytes on disk, in a
    transaction of its own: committed before anything is filed. The second
    caller gets the existing row and False."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    name = f"private/mail/{timezone.localtime(clock.now()):%Y/%m}/{digest}.eml"
    try:
        with transaction.atomic():
            row = InboundMessage.objects.create(
                key=key, sender=sender, subject=subject[:300], compound=compound, size=size
            )
            row.raw.name = default_storage.save(name, ContentFile(raw[: settings.MAIL_MAX_BYTES]))
            row.save(update_fields=["raw"])
            audit_record(actor=None, action="inbound_message.receive", obj=row, compound=compound)
    except IntegrityError:
        return InboundMessage.objects.select_related("complaint").get(key=key), False
    return row, True


def _move(row: InboundMessage, action: str, *, reason: str = "", **changes: Any) -> InboundMessage:
    transition_apply(
        obj=row,
        machine=TRANSITIONS,
        action=action,
        by=None,
        seen_version=row.version,
        changes={"reason": reason[:2000], "preview": row.preview, **changes},
        compound=row.compound,
    )
    return row


# --- the decisions ------------------------------------------------------------------


def _owners(sender: str) -> list[User]:
    return list(
        User.objects.filter(email__iexact=sender, is_active=True, owner_profile__verified_at__isnull=False).order_by(
            "pk"
        )[:2]
    )


def _owner_unit(owner: User, compound: Compound | None) -> Unit | None:
    units = Unit.objects.filter(owners__user=owner).select_related("building__compound").order_by("pk")
    if compound is not None:
        units = units.filter(building__compound=compound)
    found = list(units[:2])
    return found[0] if found else None


def _reply_allowed(sender: str, now: Any) -> bool:
    if InboundMessage.objects.filter(sender=sender, replied_at__gt=now - REPLY_EVERY).exists():
        return False
    return InboundMessage.objects.filter(replied_at__gt=now - timedelta(hours=1)).count() < REPLIES_PER_HOUR


def _register_reply(row: InboundMessage) -> None:
    link = f"{settings.SITE_URL}{reverse('apply')}"
    parts = []
    for language in ("zh-hans", "en"):
        with override(language):
            parts.append(
                str(
                    _(
                        "Your message to the complaint mailbox was received, but this address does not belong "
                        "to a verified owner, so it waits for the committee. To file complaints by e-mail, "
                        "register as an owner at %(link)s and use the address you register with."
                    )
                    % {"link": link}
                )
            )
    with override("zh-hans"):
        subject_zh = str(_("Complaint mailbox: please register first"))
    with override("en"):
        subject_en = str(_("Complaint mailbox: please register first"))
    email_queue(to=row.sender, subject=f"{subject_zh} / {subject_en}", body="\n\n".join(parts))


def _reply_note(row: InboundMessage, reference: str, content: _Content) -> InboundMessage | None:
    complaint = Complaint.objects.select_related("compound", "complainant").filter(reference=reference).first()
    if complaint is None or complaint.complainant is None:
        return None
    if (complaint.complainant.email or "").lower() != row.sender:
        return _move(
            row,
            Action.HOLD,
            reason=str(_("A reply about %(reference)s from someone who is not its owner.") % {"reference": reference}),
            compound=complaint.compound,
        )
    text = content.text or row.subject
    if content.refused:
        text += "\n\n" + "\n".join(content.refused)
    event = complaint_note(
        complaint=complaint,
        by=complaint.complainant,
        note=text[:5000],
        visible_to_owner=True,
        data={"channel": Channel.EMAIL, "message": row.key},
    )
    return _move(row, Action.NOTE, complaint=complaint, note_event=event, compound=complaint.compound)


def _reference(message: EmailMessage, subject: str) -> str:
    """The complaint a reply is about: its reference in the subject, or the
    reference in the notification e-mail the site sent that the reply names."""
    found = REFERENCE.search(subject)
    if found:
        return found.group(0)
    named = " ".join(str(message.get(name, "") or "") for name in ("In-Reply-To", "References"))
    domain = email_message_id(0).rpartition("@")[2].rstrip(">")
    pks = [int(pk) for pk, at in ISSUED_ID.findall(named) if at == domain][-5:]
    for email in OutgoingEmail.objects.filter(pk__in=pks).order_by("-pk")[:5]:
        found = REFERENCE.search(f"{email.subject}\n{email.body}")
        if found:
            return found.group(0)
    return ""


def _process(row: InboundMessage, message: EmailMessage, compound: Compound | None) -> InboundMessage:
    row.preview = _preview(message)
    robot = _is_robot(message, row.sender)
    if robot:
        return _move(row, Action.IGNORE, reason=robot)
    if not row.sender:
        return _move(row, Action.REFUSE, reason=str(_("The message has no sender address.")), preview="")
    content = _content(message)
    reference = _reference(message, row.subject)
    if reference:
        noted = _reply_note(row, reference, content)
        if noted is not None:
            return noted
    owners = _owners(row.sender)
    unit = _owner_unit(owners[0], compound) if len(owners) == 1 else None
    if unit is None:
        now = clock.now()
        if not owners and not notifications.email_suppressed() and _reply_allowed(row.sender, now):
            _register_reply(row)
            row.replied_at = now
        reason = _("Not from a verified owner's address.")
        if owners:
            reason = _("The owner's address is not unique, or the owner has no unit in this compound.")
        return _move(row, Action.HOLD, reason=str(reason), replied_at=row.replied_at)
    description = content.text or row.subject
    if content.refused:
        description += "\n\n" + "\n".join(content.refused)
    complaint = complaint_submit(
        by=owners[0],
        compound=unit.building.compound,
        category=Category.objects.get(code=CATEGORY_CODE),
        title=(row.subject or str(_("(no subject)")))[:120],
        description=description[:5000],
        unit=unit,
        photos=content.photos,
        channel=Channel.EMAIL,
        complainant=owners[0],
    )
    return _move(row, Action.FILE, complaint=complaint, compound=unit.building.compound)


def message_ingest(*, raw: bytes, compound: Compound | None = None, size: int | None = None) -> Ingested:
    """Process one message once. Its key is claimed and committed first; the
    work then runs in one transaction on the locked row, so a crash leaves the
    row "received" and a rerun finishes it, while a finished one is left alone.
    `size` is the whole message's size when `raw` holds only its start (the
    IMAP poller downloads only the headers of a message over the limit)."""
    # The size column is a 32-bit integer; a larger size is refused all the same.
    size = min(len(raw) if size is None else max(size, len(raw)), 2**31 - 1)
    headers = BytesHeaderParser(policy=policy.default).parsebytes(raw[: 256 * 1024])
    try:
        sender, subject, key = _sender(headers), str(headers.get("Subject", "") or ""), _key(headers, raw)
    except (ValueError, TypeError, IndexError):
        sender, subject, key = "", "", "sha256:" + hashlib.sha256(raw).hexdigest()
    subject = " ".join(subject.split())
    row, _claimed = _claim(key=key, raw=raw, size=size, sender=sender, subject=subject, compound=compound)
    with transaction.atomic():
        row = InboundMessage.objects.select_for_update(of=("self",)).select_related("complaint").get(pk=row.pk)
        if row.status != Status.RECEIVED:
            return Ingested(message=row, duplicate=True)
        if size > settings.MAIL_MAX_BYTES:
            reason = _("The message is larger than %(n)s bytes.") % {"n": settings.MAIL_MAX_BYTES}
            return Ingested(message=_move(row, Action.REFUSE, reason=str(reason)), duplicate=False)
        try:
            message = BytesParser(policy=policy.default).parsebytes(raw)
            if not isinstance(message, EmailMessage) or not message.keys():
                raise ValueError("no headers")
            with transaction.atomic():
                row = _process(row, message, compound)
        except (ValueError, TypeError, LookupError, UnicodeError, MessageError) as exc:
            # Broken MIME, an unknown charset, a header the parser cannot take.
            row.refresh_from_db()
            reason = _("The message could not be read: %(error)s") % {"error": str(exc)[:200] or type(exc).__name__}
            row = _move(row, Action.REFUSE, reason=str(reason))
        except ServiceError as exc:
            row.refresh_from_db()
            reason = _("The complaint could not be filed: %(error)s") % {"error": exc}
            row = _move(row, Action.REFUSE, reason=str(reason))
    return Ingested(message=row, duplicate=False)


# --- the committee's decisions on the intake list ------------------------------------


def _decide(row: InboundMessage, action: str, *, by: User, seen_version: int, reason: str, **changes: Any) -> None:
    transition_apply(
        obj=row,
        machine=TRANSITIONS,
        action=action,
        by=by,
        seen_version=seen_version,
        changes={"reason": reason[:2000], **changes},
        compound=row.compound,
    )


@transaction.atomic
def inbound_discard(*, message: InboundMessage, by: User, seen_version: int, reason: str = "") -> InboundMessage:
    """A committee member drops a waiting message (spam, nothing to file)."""
    _decide(message, Action.DISCARD, by=by, seen_version=seen_version, reason=reason)
    return message


def inbound_record(
    *,
    message: InboundMessage,
    by: User,
    seen_version: int,
    compound: Compound,
    owner: User,
    category: Category,
    unit: Unit | None = None,
) -> Complaint:
    """A committee member files a waiting message as a complaint of a named
    owner, with the message's text and photos, as for a letter (书面)."""
    if message.compound_id is not None and message.compound_id != compound.pk:
        raise ServiceError(_("This message reached another compound's mailbox."))
    if unit is None:
        unit = _owner_unit(owner, compound)
    if unit is None or not Unit.objects.filter(pk=unit.pk, owners__user=owner, building__compound=compound).exists():
        raise ServiceError(_("Choose an owner of a unit in this compound."))
    with message.raw.open("rb") as handle:
        raw = handle.read(settings.MAIL_MAX_BYTES)
    content = _content(BytesParser(policy=policy.default).parsebytes(raw))
    description = content.text or message.subject
    if content.refused:
        description += "\n\n" + "\n".join(content.refused)
    with transaction.atomic():
        complaint = complaint_submit(
            by=by,
            compound=compound,
            category=category,
            title=(message.subject or str(_("(no subject)")))[:120],
            description=description[:5000],
            unit=unit,
            photos=content.photos,
            channel=Channel.EMAIL,
            complainant=owner,
        )
        _decide(
            message, Action.RECORD, by=by, seen_version=seen_version, reason="", complaint=complaint, compound=compound
        )
    return complaint
