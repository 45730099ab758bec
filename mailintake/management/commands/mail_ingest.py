"""Take one message on standard input, so an MTA can pipe mail in:
`python manage.py mail_ingest [--compound ID] < message.eml`."""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from committee_site.models import Compound
from mailintake.services import message_ingest


class Command(BaseCommand):
    help = "Process one e-mail message read from standard input (the complaint mailbox)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--compound", type=int, help="the compound whose mailbox received the message")

    def handle(self, *args: Any, **options: Any) -> None:
        compound = None
        if options["compound"] is not None:
            compound = Compound.objects.filter(pk=options["compound"]).first()
            if compound is None:
                raise CommandError(f"no compound {options['compound']}")
        stream = sys.stdin.buffer
        # Read one byte past the limit and drain the rest, so an oversized message
        # is recorded as refused without being held in memory whole.
        raw = stream.read(settings.MAIL_MAX_BYTES + 1)
        while stream.read(1024 * 1024):
            pass
        result = message_ingest(raw=raw, compound=compound)
        self.stdout.write(result.describe())
