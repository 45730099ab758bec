"""Measure the dashboard list at scale: insert N complaint rows in one SQL
statement (PostgreSQL's generate_series), then time the first and the last
page of the list through the real view, and show that the deep page is
found by its key (EXPLAIN: an index scan, no OFFSET).

Run it against a scratch database, never production:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/committee_bench \\
        python manage.py migrate && python manage.py bench_complaint_list --rows 1000000
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from committee_site import search
from committee_site.models import Compound, Membership, Organisation, Role, User
from committee_site.pagination import _encode
from complaints.filters import SORTS
from complaints.models import Category, Complaint, StatusCount

BENCH_COMPOUND = "压测小区 (benchmark)"
TITLES = ["电梯门关不上", "楼道灯不亮", "Water leak in the garage", "垃圾桶满了没人清", "夜间装修噪声"]
STATUSES = ["closed"] * 45 + ["rejected", "withdrawn", "submitted", "in_progress"]

INSERT = """
INSERT INTO complaints_complaint (
    reference, compound_id, location_text, complainant_name, complainant_phone, channel, category_id, title,
    description, priority, is_complex, status, responsible_party, responsibility_reason, handling_plan, result,
    decision_reason, referred_to, submitted_at, accept_due_at, reply_due_at, next_due_at, updated_at, version,
    search_tokens
)
SELECT
    'BM-' || g, %(compound)s, '', '', '', 'web', (%(categories)s::int[])[1 + g %% %(n_categories)s],
    (%(titles)s::text[])[1 + g %% %(n_titles)s], '压测数据', 'normal', false,
    (%(statuses)s::text[])[1 + g %% %(n_statuses)s], '', '', '', '', '', '',
    now() - g * interval '30 seconds', now() - g * interval '30 seconds' + interval '1 day',
    now() - g * interval '30 seconds' + interval '2 days',
    CASE WHEN (%(statuses)s::text[])[1 + g %% %(n_statuses)s] IN ('submitted', 'in_progress')
         THEN now() - g * interval '30 seconds' + interval '1 day' END,
    now() - g * interval '30 seconds', 1,
    (%(tokens)s::text[])[1 + g %% %(n_titles)s]
FROM generate_series(1, %(rows)s) AS g
"""


class Command(BaseCommand):
    help = "Insert N complaints (PostgreSQL only) and time the first and last page of the dashboard list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=1_000_000)
        parser.add_argument("--repeat", type=int, default=5, help="requests per page; the best and median are shown")
        parser.add_argument("--reuse", action="store_true", help="keep the rows of an earlier run instead of inserting")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("This benchmark needs PostgreSQL (generate_series, EXPLAIN); SQLite is not measured.")
        compound, chair = self._bench_compound()
        existing = Complaint.objects.filter(compound=compound).count() if options["reuse"] else 0
        if not existing:
            self._insert(compound, options["rows"])
        total = Complaint.objects.filter(compound=compound).count()
        self.stdout.write(f"{total} complaints in the benchmark compound")
        # A host every configuration allows in debug mode.
        client = Client(HTTP_HOST="localhost")
        client.force_login(chair)
        url = reverse("complaints:dashboard")
        for sort in SORTS:
            ordering = SORTS[sort]
            first = self._time(client, url, {"sort": sort}, options["repeat"])
            cursor = self._last_page_cursor(compound, ordering)
            last, sql = self._time(client, url, {"sort": sort, "cursor": cursor}, options["repeat"], capture=True)
            self.stdout.write(f"sort={sort}: first page {first[0]}; last page {last}")
            self._explain(sql)
        searched = self._time(client, url, {"q": "电梯"}, options["repeat"])
        self.stdout.write(f"search 电梯, first page: {searched[0]}")

    def _bench_compound(self) -> tuple[Compound, User]:
        with transaction.atomic():
            committee, _ = Organisation.objects.get_or_create(name="压测业委会", kind=Organisation.Kind.COMMITTEE)
            compound, _ = Compound.objects.get_or_create(name=BENCH_COMPOUND, defaults={"committee": committee})
            chair, created = User.objects.get_or_create(username="bench_chair", defaults={"language": "zh-hans"})
            if created:
                chair.set_unusable_password()
                chair.save()
                Membership.objects.create(user=chair, organisation=committee, role=Role.COMMITTEE_CHAIR)
        return compound, chair

    def _insert(self, compound: Compound, rows: int) -> None:
        categories = list(Category.objects.values_list("pk", flat=True))
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                INSERT,
                {
                    "compound": compound.pk,
                    "categories": categories,
                    "n_categories": len(categories),
                    "titles": TITLES,
                    "tokens": [search.index_text(title, "压测数据") for title in TITLES],
                    "n_titles": len(TITLES),
                    "statuses": STATUSES,
                    "n_statuses": len(STATUSES),
                    "rows": rows,
                },
            )
            # The dashboard reads the kept counts; fill them the way the services would have.
            for status, count in (
                Complaint.objects.filter(compound=compound).values_list("status").annotate(n=Count("id"))
            ):
                StatusCount.objects.update_or_create(compound=compound, status=status, defaults={"count": count})
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE complaints_complaint")
        self.stdout.write(f"inserted {rows} rows in {time.perf_counter() - started:.1f} s")

    def _last_page_cursor(self, compound: Compound, ordering: tuple[str, ...]) -> str:
        """The key a "next" link would carry to the last page: the row just before it."""
        flipped = [term[1:] if term.startswith("-") else f"-{term}" for term in ordering]
        row = (
            Complaint.objects.filter(compound=compound)
            .order_by(*flipped)
            .values_list(*[term.lstrip("-") for term in ordering])[25]
        )
        return _encode(list(row), "n")

    def _time(self, client: Client, url: str, params: dict[str, str], repeat: int, capture: bool = False) -> Any:
        timings = []
        sql = ""
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url, params)
                timings.append(time.perf_counter() - started)
            rows = response.content.decode().count('data-testid="complaint-row"')
            if response.status_code != 200 or rows != 25:
                raise CommandError(f"{url} {params} answered {response.status_code} with {rows} rows")
            sql = next(q["sql"] for q in queries.captured_queries if "LIMIT 26" in q["sql"])
        timings.sort()
        summary = f"best {timings[0] * 1000:.0f} ms, median {timings[len(timings) // 2] * 1000:.0f} ms"
        return (summary, sql) if capture else (summary,)

    def _explain(self, sql: str) -> None:
        if "OFFSET" in sql.upper():
            raise CommandError(f"the page query uses OFFSET: {sql}")
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = [line for (line,) in cursor.fetchall()]
        self.stdout.write("  page query (no OFFSET): " + sql[sql.find("WHERE") :][:300])
        for line in plan:
            self.stdout.write("    " + line)
