"""Poll the complaint mailboxes now, as the beat does every five minutes:
`python manage.py mail_poll [--mailbox ID]`. One line per mailbox; the exit
status is non-zero when any of them failed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mailintake.models import Mailbox
from mailintake.polling import mailbox_poll


class Command(BaseCommand):
    help = "Poll the active complaint mailboxes over IMAP (or the one given, even if it is switched off)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--mailbox",
            type=int,
            help="poll this mailbox only (its id), active or not: to try one before switching it on",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        mailboxes = Mailbox.objects.select_related("compound")
        if options["mailbox"] is not None:
            chosen = list(mailboxes.filter(pk=options["mailbox"]))
            if not chosen:
                raise CommandError(f"no mailbox {options['mailbox']}")
        else:
            chosen = list(mailboxes.due())
            if not chosen:
                self.stdout.write("No active mailbox.")
        failed = 0
        for mailbox in chosen:
            result = mailbox_poll(mailbox=mailbox)
            self.stdout.write(result.describe())
            failed += bool(result.error)
        if failed:
            raise CommandError(f"{failed} of {len(chosen)} mailbox(es) failed")
