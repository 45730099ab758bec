"""Walk each compound's chain and say whether it is intact:

    python manage.py verify_archive [--compound ID] [--no-files]

Exits non-zero when any chain is broken, so a cron job or a monitor notices."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from committee_site.models import Compound
from records.chain import ChainReport, chain_verify, reason_words
from records.models import ChainHead


class Command(BaseCommand):
    help = "Verify the archive's hash chain of every compound (or one) and exit non-zero when one is broken."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--compound", type=int, help="the id of one compound")
        parser.add_argument(
            "--no-files", action="store_true", help="check the records' hashes only, not the stored files"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        compounds = Compound.objects.order_by("pk")
        if options["compound"] is not None:
            compounds = compounds.filter(pk=options["compound"])
            if not compounds.exists():
                raise CommandError(f"There is no compound {options['compound']}.")
        else:
            # Compounds that never archived anything have no chain to walk.
            compounds = compounds.filter(pk__in=ChainHead.objects.values("compound_id"))
        broken = []
        # An operator's tool whose lines scripts may read: always in English.
        with translation.override("en"):
            for compound in compounds.iterator():
                report = chain_verify(compound.pk, check_files=not options["no_files"])
                self.stdout.write(self._line(compound, report))
                if not report.intact:
                    broken.append(compound.pk)
        if broken:
            raise CommandError(f"{len(broken)} chain(s) broken: compound {', '.join(map(str, broken))}.")

    def _line(self, compound: Compound, report: ChainReport) -> str:
        name = f"{compound} (#{compound.pk})"
        if report.intact:
            return f"{name}: intact, {report.count} records, head hash {report.head_hash}"
        where = report.broken_number or "the end of the chain"
        return f"{name}: BROKEN at {where} (position {report.broken_sequence}): {reason_words(report)}"
