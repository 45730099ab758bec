"""Measure the quarterly report at scale: over the compounds of this
database (fill a scratch PostgreSQL database with `seed_scale` first), time
the figures of the compound with the most complaints, then compose every
compound's report for the quarter before, with the peak memory (ru_maxrss).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/committee_scale \\
        python manage.py seed_scale --compounds 1000 --complaints 1000000
    python manage.py bench_quarterly_report

Composing writes the drafts: run it where reports may be written, never in production."""

from __future__ import annotations

import resource
import statistics
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.utils import timezone

from committee_site import clock
from committee_site.models import Compound
from complaints.models import Complaint
from records.analysis import Quarter
from reports import services
from reports.figures import compose_figures


def _max_rss_mb() -> float:
    # Linux gives kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Time the quarterly report's figures for the largest compound, and the composition of every compound's."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repeat", type=int, default=5, help="how often the figures are computed")

    def handle(self, *args: Any, **options: Any) -> None:
        largest = (
            Complaint.objects.values("compound").annotate(n=Count("id")).order_by("-n").values_list("compound", "n")
        ).first()
        if largest is None:
            raise CommandError("No complaints to measure: fill the database with seed_scale first.")
        now = clock.now()
        quarter = Quarter.last_complete(timezone.localtime(now).date())
        timings = []
        for _ in range(options["repeat"]):
            started = time.perf_counter()
            figures = compose_figures(compound_id=largest[0], quarter=quarter, now=now)
            timings.append(time.perf_counter() - started)
        self.stdout.write(
            f"figures of the largest compound ({largest[1]} complaints, {figures['complaints']['received']} "
            f"in {quarter.year}Q{quarter.number}; {Complaint.objects.count()} in the district): "
            f"best {min(timings):.3f} s, median {statistics.median(timings):.3f} s"
        )
        started = time.perf_counter()
        outcomes: dict[str, int] = {}
        compounds = list(Compound.objects.order_by("pk"))
        for compound in compounds:
            outcome = services.report_compose(compound=compound, quarter=quarter, now=now).outcome
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        self.stdout.write(
            f"composed {len(compounds)} reports ({outcomes}) in {time.perf_counter() - started:.1f} s; "
            f"peak memory {_max_rss_mb():.0f} MB"
        )
