"""The complaint mailbox over IMAP. A poll logs in to one Mailbox, takes its
unseen messages one at a time, hands each to `message_ingest` and marks it
seen only after that returned: a crash in between leaves the message unseen,
the next poll takes it again, and the Message-ID claim of `message_ingest`
files nothing twice. A message over MAIL_MAX_BYTES is not downloaded: its
headers alone are recorded as refused, with its size, so nothing is lost.

The poll itself is not one transaction: it talks to a server for up to
minutes, and each message commits on its own (`message_ingest`)."""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import re
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from committee_site import clock
from committee_site.models import User
from committee_site.services import audit_record
from mailintake.models import LOOPBACK_HOSTS, PASSWORD_ENV_PREFIX, Mailbox, Status
from mailintake.services import Ingested, message_ingest

log = logging.getLogger(__name__)

# One poll never runs for ever: at most this many messages, the rest the next time.
MAX_MESSAGES = 200
# Each connect, read and write of the IMAP conversation.
TIMEOUT_SECONDS = 30
# Of a message too large to download, this much of its header block is kept.
MAX_HEADER_BYTES = 64 * 1024

# What a server, the network or imaplib raise: IMAP4.abort and IMAP4.readonly
# are IMAP4.error; socket errors, timeouts and TLS errors are OSError.
_IMAP_ERRORS = (imaplib.IMAP4.error, OSError, EOFError, UnicodeError)
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass
class PollResult:
    mailbox: Mailbox
    filed: int = 0
    noted: int = 0
    waiting: int = 0
    refused: int = 0
    ignored: int = 0
    duplicates: int = 0
    # Messages message_ingest failed on: left unseen, taken again next time.
    failed: int = 0
    # Unseen messages left for the next poll (the cap or the time ran out).
    left: int = 0
    error: str = ""

    COUNTS = ("filed", "noted", "waiting", "refused", "ignored", "duplicates", "failed", "left")

    def add(self, ingested: Ingested) -> None:
        if ingested.duplicate:
            self.duplicates += 1
            return
        kind = {
            Status.COMPLAINT_CREATED: "filed",
            Status.NOTE_ADDED: "noted",
            Status.WAITING: "waiting",
            Status.REFUSED: "refused",
            Status.IGNORED: "ignored",
        }.get(Status(ingested.message.status))
        if kind is not None:
            setattr(self, kind, getattr(self, kind) + 1)

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.COUNTS}

    @property
    def processed(self) -> int:
        return self.filed + self.noted + self.waiting + self.refused + self.ignored + self.duplicates

    def describe(self) -> str:
        counts = self.counts()
        shown = [f"{counts[name]} {name}" for name in self.COUNTS[:6]]
        shown += [f"{counts[name]} {name}" for name in ("failed", "left") if counts[name]]
        text = f"{self.mailbox.address}: " + ", ".join(shown)
        if self.error:
            text += f" – error: {self.error}"
        return text


class _Stop(Exception):
    """Why the poll stopped, in words for the mailbox's last error."""


def _text(exc: BaseException) -> str:
    """An exception's message: imaplib gives the server's answer as bytes."""
    first = exc.args[0] if exc.args else ""
    text = first.decode("utf-8", "replace") if isinstance(first, bytes) else str(exc)
    return " ".join((text or type(exc).__name__).split())[:300]


def _answer(data: list[Any]) -> str:
    """The server's text of a refusal."""
    return b" ".join(item for item in data if isinstance(item, bytes)).decode("utf-8", "replace")


def _password(mailbox: Mailbox) -> str:
    # The admin's validator says the same; a row written another way is checked here.
    if not mailbox.password_env.startswith(PASSWORD_ENV_PREFIX):
        raise _Stop(_("The password variable must start with %(prefix)s.") % {"prefix": PASSWORD_ENV_PREFIX})
    password = os.environ.get(mailbox.password_env, "")
    if not password:
        raise _Stop(_("The environment variable %(name)s is not set.") % {"name": mailbox.password_env})
    return password


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    if not mailbox.use_tls and mailbox.host.strip().lower() not in LOOPBACK_HOSTS:
        raise _Stop(_("Plain IMAP sends the password in clear: use TLS for a server on another machine."))
    try:
        if mailbox.use_tls:
            return imaplib.IMAP4_SSL(
                mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT_SECONDS
            )
        return imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT_SECONDS)
    except _IMAP_ERRORS as exc:
        raise _Stop(
            _("Could not connect to %(server)s: %(error)s")
            % {"server": f"{mailbox.host}:{mailbox.port}", "error": _text(exc)}
        ) from exc


def _command(conn: imaplib.IMAP4, *args: str) -> list[Any]:
    """One UID command; its data, or _Stop when the server or the link failed."""
    try:
        status, data = conn.uid(*args)
    except _IMAP_ERRORS as exc:
        raise _Stop(
            _("The IMAP server failed during %(command)s: %(error)s") % {"command": args[0], "error": _text(exc)}
        ) from exc
    if status != "OK":
        raise _Stop(
            _("The IMAP server refused %(command)s: %(error)s") % {"command": args[0], "error": _answer(data)[:300]}
        )
    return list(data)


def _literal(data: list[Any]) -> bytes | None:
    # Fetching one UID, the only literal is the part asked for; an unsolicited
    # FETCH (another client changing flags) carries none.
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and b"BODY[" in item[0]:
            return bytes(item[1])
    return None


def _download(conn: imaplib.IMAP4, uid: int) -> tuple[bytes, int] | None:
    """The message (at most one byte past the limit, whatever the server says)
    and its size; only the headers of one over the limit. None when it was
    expunged meanwhile."""
    size = None
    for item in _command(conn, "FETCH", str(uid), "(RFC822.SIZE)"):
        found = _SIZE.search(item[0] if isinstance(item, tuple) else item or b"")
        if found:
            size = int(found.group(1))
            break
    if size is None:
        return None
    if size > settings.MAIL_MAX_BYTES:
        part = f"BODY.PEEK[HEADER]<0.{MAX_HEADER_BYTES}>"
    else:
        part = f"BODY.PEEK[]<0.{settings.MAIL_MAX_BYTES + 1}>"
    raw = _literal(_command(conn, "FETCH", str(uid), f"({part})"))
    return None if raw is None else (raw, size)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _open(conn: imaplib.IMAP4, mailbox: Mailbox, password: str) -> list[int]:
    """Log in, open the folder; the unseen messages' UIDs, oldest first."""
    try:
        conn.login(mailbox.username, password)
    except _IMAP_ERRORS as exc:
        raise _Stop(_("Login as %(user)s failed: %(error)s") % {"user": mailbox.username, "error": _text(exc)}) from exc
    try:
        status, data = conn.select(_quoted(mailbox.folder))
    except _IMAP_ERRORS as exc:
        status, data = "NO", [_text(exc).encode()]
    if status != "OK":
        raise _Stop(
            _("The folder %(folder)s could not be opened: %(error)s")
            % {"folder": mailbox.folder, "error": _answer(data)}
        )
    found = _command(conn, "SEARCH", "UNSEEN")
    return sorted(int(uid) for uid in (found[0] or b"").split()) if found else []


def _take(conn: imaplib.IMAP4, mailbox: Mailbox, uids: list[int], result: PollResult, deadline: float | None) -> None:
    for position, uid in enumerate(uids):
        if position >= MAX_MESSAGES or (deadline is not None and time.monotonic() > deadline):
            result.left = len(uids) - position
            return
        downloaded = _download(conn, uid)
        if downloaded is None:
            continue
        raw, size = downloaded
        del downloaded
        try:
            ingested = message_ingest(raw=raw, compound=mailbox.compound, size=size)
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:
            # One message the site cannot take must not stop the others behind
            # it: it stays unseen, is taken again next time, and the admin sees why.
            log.exception("Mailbox %s: message UID %s could not be processed", mailbox.address, uid)
            result.failed += 1
            result.error = ngettext(
                "%(n)s message could not be processed: %(error)s",
                "%(n)s messages could not be processed; the last: %(error)s",
                result.failed,
            ) % {"n": result.failed, "error": f"{type(exc).__name__}: {_text(exc)}"}
            continue
        finally:
            # One message in memory at a time.
            del raw
        result.add(ingested)
        _command(conn, "STORE", str(uid), "+FLAGS.SILENT", r"(\Seen)")


def mailbox_poll(*, mailbox: Mailbox, deadline: float | None = None) -> PollResult:
    """Take what is new in `mailbox`, up to MAX_MESSAGES and until `deadline`
    (time.monotonic()), and record when and how it went. A server, network or
    password problem is recorded as the mailbox's last error and logged, not
    raised: the next poll tries again."""
    result = PollResult(mailbox=mailbox)
    conn = None
    try:
        password = _password(mailbox)
        conn = _connect(mailbox)
        _take(conn, mailbox, _open(conn, mailbox, password), result, deadline)
    except _Stop as stop:
        result.error = str(stop)
        log.warning("Mailbox %s: %s", mailbox.address, result.error)
    finally:
        if conn is not None:
            with contextlib.suppress(*_IMAP_ERRORS):
                conn.logout()
    _mailbox_polled(mailbox=mailbox, result=result)
    return result


@transaction.atomic
def _mailbox_polled(*, mailbox: Mailbox, result: PollResult) -> None:
    """When it was polled and its last error (cleared by a poll without one).
    A poll that took messages or changed the error leaves an audit row; the
    quiet ones every five minutes do not."""
    locked = Mailbox.objects.select_for_update().filter(pk=mailbox.pk).first()
    if locked is None:
        return
    before = locked.last_error
    locked.last_polled_at = clock.now()
    locked.last_error = result.error[:2000]
    locked.save(update_fields=["last_polled_at", "last_error"])
    mailbox.last_polled_at, mailbox.last_error = locked.last_polled_at, locked.last_error
    if result.processed or result.failed or locked.last_error != before:
        audit_record(
            actor=None,
            action="mailbox.poll",
            obj=locked,
            compound=locked.compound,
            data={**result.counts(), "error": locked.last_error},
        )


# --- the site admin's changes -------------------------------------------------------

MAILBOX_FIELDS = ("compound", "address", "host", "port", "use_tls", "username", "password_env", "folder", "active")


def _audited(value: Any) -> Any:
    return getattr(value, "pk", value)


@transaction.atomic
def mailbox_create(*, by: User, values: Mapping[str, Any]) -> Mailbox:
    """A new mailbox to poll. Only the name of its password variable is kept."""
    mailbox = Mailbox(**{name: values[name] for name in MAILBOX_FIELDS if name in values})
    mailbox.full_clean()
    mailbox.save()
    audit_record(
        actor=by,
        action="mailbox.create",
        obj=mailbox,
        compound=mailbox.compound,
        data={name: _audited(getattr(mailbox, name)) for name in MAILBOX_FIELDS},
    )
    return mailbox


@transaction.atomic
def mailbox_update(*, by: User, mailbox: Mailbox, values: Mapping[str, Any]) -> Mailbox:
    """Change a mailbox; the audit row keeps each changed value as [before, after]."""
    locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    changes = {
        name: [_audited(getattr(locked, name)), _audited(value)]
        for name, value in values.items()
        if name in MAILBOX_FIELDS and _audited(getattr(locked, name)) != _audited(value)
    }
    if not changes:
        return locked
    for name in changes:
        setattr(locked, name, values[name])
    locked.full_clean()
    locked.save(update_fields=list(changes))
    audit_record(actor=by, action="mailbox.update", obj=locked, compound=locked.compound, data=changes)
    return locked
