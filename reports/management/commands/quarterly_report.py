"""Build the quarterly report of one compound, or of every compound, for a
quarter that has ended: `quarterly_report --compound 1 --quarter 2026Q3`,
`quarterly_report --all` (the quarter before the current one by default)."""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from committee_site import clock
from committee_site.models import Compound
from committee_site.services import ServiceError
from records.analysis import Quarter
from reports import services

QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")


def parse_quarter(text: str) -> Quarter:
    match = QUARTER.match(text.strip())
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise CommandError(f"Not a quarter: {text!r}. Write it as 2026Q3 (a year from 2000 to 2100, quarter 1 to 4).")
    return Quarter(int(match.group(1)), int(match.group(2)))


class Command(BaseCommand):
    help = "Compose (or compose again) the quarterly report of one compound or of all, for a quarter that has ended."

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--compound", type=int, help="the compound's id")
        target.add_argument("--all", action="store_true", help="every compound")
        parser.add_argument("--quarter", help="e.g. 2026Q3; by default the quarter before the current one")

    def handle(self, *args: Any, **options: Any) -> None:
        now = clock.now()
        last = Quarter.last_complete(timezone.localtime(now).date())
        quarter = parse_quarter(options["quarter"]) if options["quarter"] else last
        if quarter > last:
            raise CommandError(
                f"{quarter.year}Q{quarter.number} has not ended yet: a report covers a quarter that is over "
                f"(the latest is {last.year}Q{last.number})."
            )
        if options["all"]:
            compounds = list(Compound.objects.order_by("pk"))
        else:
            compound = Compound.objects.filter(pk=options["compound"]).first()
            if compound is None:
                raise CommandError(f"No compound with id {options['compound']}.")
            compounds = [compound]
        counts: dict[str, int] = {}
        for compound in compounds:
            try:
                composed = services.report_compose(compound=compound, quarter=quarter, now=now)
            except ServiceError as error:
                raise CommandError(str(error.message)) from error
            counts[composed.outcome] = counts.get(composed.outcome, 0) + 1
            report = composed.report
            self.stdout.write(
                f"{composed.outcome}: report {report.pk}, compound {compound.pk} {compound.name}, "
                f"{quarter.year}Q{quarter.number} ({report.status})"
            )
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items())) or "no compound"
        self.stdout.write(f"{quarter.year}Q{quarter.number}: {summary}.")
