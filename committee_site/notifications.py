"""notify(): the one way to tell a person something. It writes the in-app
notification in the recipient's language and queues the e-mail copy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from committee_site.models import Notification, User

_muted: ContextVar[bool] = ContextVar("committee_site_notifications_muted", default=False)
_in_app_only: ContextVar[bool] = ContextVar("committee_site_notifications_in_app_only", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Tell nobody inside this block: for demo data, whose made-up history
    runs through the real services."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


@contextmanager
def in_app_only() -> Iterator[None]:
    """Write the in-app notifications but queue no e-mail: the demo's
    back-dated history leaves people the notifications it would have, and
    mails nobody about events that never happened."""
    token = _in_app_only.set(True)
    try:
        yield
    finally:
        _in_app_only.reset(token)


def email_suppressed() -> bool:
    """Whether this block mails nobody (muted or in-app only): for senders of
    e-mail outside `notify`, such as the complaint mailbox's "please register"
    answer, which the demo's made-up messages must not send either."""
    return _muted.get() or _in_app_only.get()


def render_message(kind: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    """Subject and body of notifications/<kind>/{subject,body}.txt in a language."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"notifications/{kind}/subject.txt", context).split())[:200]
        body = render_to_string(f"notifications/{kind}/body.txt", context).strip()
    return subject, body


@transaction.atomic
def notify(
    *, recipient: User, kind: str, context: dict[str, Any], url: str = "", email: bool = True
) -> Notification | None:
    """Store the notification for the recipient and, when they have an
    address, queue the same text by e-mail once the transaction commits."""
    from committee_site.services import email_queue

    if _muted.get():
        return None
    title, body = render_message(kind, context, recipient.language)
    outgoing = None
    if email and recipient.email and recipient.is_active and not _in_app_only.get():
        with translation.override(recipient.language):
            link = f"\n\n{settings.SITE_URL}{url}" if url else ""
            outgoing = email_queue(to=recipient.email, subject=title, body=body + link)
    return Notification.objects.create(recipient=recipient, kind=kind, title=title, body=body, url=url, email=outgoing)
