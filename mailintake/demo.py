"""The demo's complaint mailbox: a Mailbox row the admin shows, pointing at
no real server and switched off, so the beat never tries it."""

from __future__ import annotations

from committee_site.models import Compound, User
from mailintake.models import Mailbox
from mailintake.polling import mailbox_create

DEMO_MAILBOX_ADDRESS = "tousu@yangguang-huayuan.invalid"


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
