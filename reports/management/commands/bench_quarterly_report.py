"""Measure the quarterly report at scale: bulk-insert a district of N
compounds with M complaints spread over the past year, then time the
figures of one compound and the composition of every compound's report
for the quarter before, with the peak memory (ru_maxrss).

Run it against a scratch database, never production:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/committee_bench \\
        python manage.py migrate && python manage.py bench_quarterly_report --complaints 1000000

--reuse composes over a district an earlier run inserted, without inserting.
"""

from __future__ import annotations

import random
import resource
import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from committee_site import clock
from committee_site.models import Building, Compound, Organisation
from complaints.models import Category, Complaint, Status
from records.analysis import Quarter
from reports import services
from reports.figures import compose_figures

BATCH = 5000
BUILDINGS = 10
PREFIX = "BENCH"


def _max_rss_mb() -> float:
    # Linux gives kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Insert a district of complaints, then time the quarterly report's figures and composition."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--compounds", type=int, default=100)
        parser.add_argument("--complaints", type=int, default=1_000_000, help="in the whole district")
        parser.add_argument("--reuse", action="store_true", help="compose over an earlier run's district")

    def handle(self, *args: Any, **options: Any) -> None:
        compounds = list(Compound.objects.filter(name__startswith=PREFIX).order_by("pk"))
        if not options["reuse"]:
            if compounds:
                raise CommandError("A benchmark district exists already: pass --reuse, or use a fresh database.")
            compounds = self._insert(options["compounds"], options["complaints"])
        if not compounds:
            raise CommandError("No benchmark district: run without --reuse first.")
        now = clock.now()
        quarter = Quarter.last_complete(timezone.localtime(now).date())
        started = time.monotonic()
        figures = compose_figures(compound_id=compounds[-1].pk, quarter=quarter, now=now)
        self.stdout.write(
            f"figures of one compound ({figures['complaints']['received']} complaints in {quarter.label}, "
            f"{Complaint.objects.count()} in the district): {time.monotonic() - started:.3f} s"
        )
        started = time.monotonic()
        outcomes: dict[str, int] = {}
        for compound in compounds:
            outcome = services.report_compose(compound=compound, quarter=quarter, now=now).outcome
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        self.stdout.write(
            f"composed {len(compounds)} reports ({outcomes}) in {time.monotonic() - started:.1f} s; "
            f"peak memory {_max_rss_mb():.0f} MB"
        )

    def _insert(self, count: int, complaints: int) -> list[Compound]:
        # Made-up benchmark data, the same every run: no secret depends on it.
        draw = random.Random(11)  # noqa: S311
        categories = list(Category.objects.all())
        started = time.monotonic()
        compounds = []
        with transaction.atomic():
            for index in range(count):
                organisations = {
                    kind: Organisation.objects.create(name=f"{PREFIX}-{kind}-{index}", kind=kind)
                    for kind in (
                        Organisation.Kind.COMMITTEE,
                        Organisation.Kind.PROPERTY_COMPANY,
                        Organisation.Kind.COMMUNITY_OFFICE,
                    )
                }
                compounds.append(
                    Compound.objects.create(
                        name=f"{PREFIX}-{index}",
                        address="-",
                        committee=organisations[Organisation.Kind.COMMITTEE],
                        property_company=organisations[Organisation.Kind.PROPERTY_COMPANY],
                        community_office=organisations[Organisation.Kind.COMMUNITY_OFFICE],
                    )
                )
        buildings = {
            compound.pk: [Building.objects.create(compound=compound, number=str(n)) for n in range(1, BUILDINGS + 1)]
            for compound in compounds
        }
        year_ago = clock.now() - timedelta(days=365)
        rows: list[Complaint] = []
        for number in range(complaints):
            compound = compounds[number % count]
            category = draw.choice(categories)
            submitted = year_ago + timedelta(minutes=draw.randrange(365 * 24 * 60))
            accepted = submitted + timedelta(hours=draw.uniform(1, 40))
            replied = submitted + timedelta(hours=draw.uniform(20, 400)) if draw.random() < 0.8 else None
            rows.append(
                Complaint(
                    reference=f"B-{number}",
                    compound=compound,
                    building=draw.choice(buildings[compound.pk]),
                    category=category,
                    service_area_id=category.service_area_id,
                    title="-",
                    description="-",
                    status=Status.RESOLVED if replied else Status.IN_PROGRESS,
                    submitted_at=submitted,
                    updated_at=submitted,
                    accepted_at=accepted,
                    planned_at=accepted + timedelta(hours=5),
                    resolved_at=replied,
                    accept_due_at=submitted + timedelta(hours=24),
                    reply_due_at=submitted + timedelta(days=2),
                    resolve_due_at=accepted + timedelta(days=7),
                )
            )
            if len(rows) == BATCH:
                Complaint.objects.bulk_create(rows)
                rows = []
        Complaint.objects.bulk_create(rows)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE complaints_complaint")
        self.stdout.write(f"inserted {count} compounds, {complaints} complaints in {time.monotonic() - started:.0f} s")
        return compounds
