"""Reads of the complaint mailbox's pages: the intake list the filters
choose, and what one message says (read back from its stored file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from email.errors import MessageError
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from django.conf import settings

from committee_site import clock
from committee_site.models import User
from mailintake.models import InboundMessage, InboundMessageQuerySet, Status
from mailintake.services import body_text

WAITING, REFUSED, RECENT = "waiting", "refused", "recent"
RECENT_DAYS = 30
UNASSIGNED = "none"
# Newest first, the id breaking ties: the inbound_intake_list index for one
# status, inbound_recent across them.
ORDER = ("-received_at", "-id")
# The detail page shows this much of a body; the stored file keeps all of it.
TEXT_SHOWN = 20_000


def intake_list(user: User, data: dict[str, Any]) -> tuple[InboundMessageQuerySet, tuple[str, ...]]:
    """The messages the filters chose and the order to page them in: those
    waiting for a decision (by default), the refused ones, or everything of
    the last RECENT_DAYS days whatever became of it."""
    rows = InboundMessage.objects.visible_to(user)
    compound = data.get("compound")
    if compound == UNASSIGNED:
        rows = rows.filter(compound__isnull=True)
    elif compound:
        rows = rows.filter(compound_id=int(compound))
    show = data.get("show") or WAITING
    if show == RECENT:
        rows = rows.filter(received_at__gte=clock.now() - timedelta(days=RECENT_DAYS))
    else:
        rows = rows.filter(status=Status.REFUSED if show == REFUSED else Status.WAITING)
    return rows.select_related("compound", "complaint"), ORDER


@dataclass(frozen=True)
class MessageContent:
    text: str = ""
    attachments: list[str] = field(default_factory=list)
    # False when the stored file cannot be parsed (or was refused unread).
    readable: bool = False
    truncated: bool = False


def message_content(message: InboundMessage) -> MessageContent:
    """The message's body as safe text (HTML made text) and the names of its
    attachments, parsed from the stored file. A refused message is not parsed
    again: it was refused for being too large or unreadable."""
    if message.status == Status.REFUSED or not message.raw:
        return MessageContent()
    try:
        with message.raw.open("rb") as handle:
            raw = handle.read(settings.MAIL_MAX_BYTES)
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        if not isinstance(parsed, EmailMessage):
            return MessageContent()
        text = body_text(parsed)
        names = [str(part.get_filename() or part.get_content_type()) for part in parsed.iter_attachments()]
    except (OSError, ValueError, TypeError, LookupError, UnicodeError, MessageError):
        return MessageContent()
    return MessageContent(text=text[:TEXT_SHOWN], attachments=names, readable=True, truncated=len(text) > TEXT_SHOWN)
