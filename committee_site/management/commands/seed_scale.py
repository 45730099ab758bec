"""Fill a scratch PostgreSQL database with a district's worth of data, for
measuring what a page or a report costs at scale: compounds with their
committee, company and office, buildings and units, complaints over three
years with their events and callbacks, inspections with items, rectification
notices, quarterly surveys with their answers. Rows are written by
INSERT … SELECT in the database, from a seeded random sequence, so the same
arguments give the same data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/committee_scale \\
        python manage.py migrate && python manage.py seed_scale --compounds 1000 --complaints 1000000

Never against a database that holds real data: it only adds rows, but
millions of them."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from committee_site import search
from committee_site.models import Building, Compound, Membership, Organisation, Role, ServiceArea, User
from complaints.models import Category

TITLES = [
    ("电梯门关不上", "3号楼电梯门夹人，关不上"),
    ("楼道灯不亮", "单元楼道灯坏了一周没人修"),
    ("地下车库漏水", "车库B区顶上漏水，车被泡"),
    ("垃圾桶满了没人清", "垃圾桶两天没清运，味道很大"),
    ("夜间装修噪声", "晚上十点后还在装修"),
    ("Water leak in the garage", "Water drips from the garage ceiling onto cars"),
]
BUILDINGS_PER_COMPOUND = 10
UNITS_PER_BUILDING = 20
YEARS = 3
# What set_unusable_password stores, without hashing a thousand times.
UNUSABLE = "!"

COMPLAINTS = """
INSERT INTO complaints_complaint (
    reference, compound_id, building_id, location_text, complainant_name, complainant_phone, channel,
    category_id, service_area_id, title, description, priority, is_complex, status, responsible_party,
    responsibility_reason, handling_plan, result, decision_reason, referred_to, owner_rating,
    submitted_at, accepted_at, resolved_at, closed_at, accept_due_at, reply_due_at, resolve_due_at,
    next_due_at, updated_at, version, search_tokens
)
SELECT
    'SC-' || %(seed)s || '-' || s.g, c.id, c.first_building + (s.g %% %(buildings)s), '', '业主', '',
    (ARRAY['web','web','web','phone','letter','visit'])[1 + s.g %% 6],
    cat.id, cat.service_area_id, t.title, t.body, 'normal', false, s.status,
    CASE WHEN s.accepted THEN 'property_company' ELSE '' END, '', '', '', '', '',
    CASE WHEN s.status = 'closed' THEN 2 + (s.g %% 4) END,
    s.submitted, s.accepted_at, s.resolved_at, s.closed_at,
    s.submitted + interval '1 day', s.submitted + interval '2 days', s.accepted_at + interval '15 days',
    CASE s.status WHEN 'submitted' THEN s.submitted + interval '1 day'
                  WHEN 'in_progress' THEN s.accepted_at + interval '15 days'
                  WHEN 'resolved' THEN s.resolved_at + interval '7 days' END,
    coalesce(s.closed_at, s.resolved_at, s.accepted_at, s.submitted), 1, t.tokens
FROM (
    SELECT f.*,
        f.status NOT IN ('submitted', 'rejected', 'withdrawn') AS accepted,
        CASE WHEN f.status IN ('in_progress', 'resolved', 'closed') THEN f.acc END AS accepted_at,
        CASE WHEN f.status IN ('resolved', 'closed') THEN f.res END AS resolved_at,
        CASE WHEN f.status = 'closed' THEN f.res + interval '7 days'
             WHEN f.status IN ('rejected', 'withdrawn') THEN f.submitted + interval '1 day' END AS closed_at
    FROM (
        -- What was picked, as far as it can have happened by now.
        SELECT r.*,
            CASE
                WHEN r.pick_status IN ('rejected', 'withdrawn') THEN
                    CASE WHEN r.submitted + interval '1 day' <= %(now)s THEN r.pick_status ELSE 'submitted' END
                WHEN r.pick_status = 'submitted' OR r.acc > %(now)s THEN 'submitted'
                WHEN r.pick_status = 'in_progress' OR r.res > %(now)s THEN 'in_progress'
                WHEN r.pick_status = 'resolved' OR r.res + interval '7 days' > %(now)s THEN 'resolved'
                ELSE 'closed'
            END AS status
        FROM (
            SELECT q.*, q.submitted + q.accept_after AS acc, q.submitted + q.accept_after + q.resolve_after AS res,
                CASE
                    WHEN q.age > interval '30 days' THEN
                        CASE WHEN q.p < 0.86 THEN 'closed' WHEN q.p < 0.92 THEN 'rejected'
                             WHEN q.p < 0.96 THEN 'withdrawn' ELSE 'in_progress' END
                    ELSE
                        CASE WHEN q.p < 0.15 THEN 'submitted' WHEN q.p < 0.55 THEN 'in_progress'
                             WHEN q.p < 0.75 THEN 'resolved' WHEN q.p < 0.9 THEN 'closed' ELSE 'rejected' END
                END AS pick_status
            FROM (
                SELECT g, %(now)s::timestamptz - age AS submitted, age, p, accept_after, resolve_after, pick
                FROM (
                    SELECT g, random() * interval '%(years)s years' AS age, random() AS p,
                        random() * interval '40 hours' AS accept_after,
                        (random() * random()) * interval '30 days' + interval '2 hours' AS resolve_after,
                        CASE WHEN %(one)s THEN 0 ELSE floor(power(random(), 2) * %(compounds)s)::int END AS pick
                    FROM generate_series(1, %(rows)s) AS g
                ) raw
            ) q
        ) r
    ) f
) s
JOIN scale_compounds c ON c.n = s.pick
JOIN scale_categories cat ON cat.n = s.g %% %(n_categories)s
JOIN scale_titles t ON t.n = s.g %% %(n_titles)s
"""

EVENTS = """
INSERT INTO complaints_complaintevent (complaint_id, at, actor_id, action, from_status, to_status, note,
                                       visible_to_owner, version, data)
SELECT id, submitted_at, NULL::bigint, 'submit', '', 'submitted', '', true, 1, '{}'::jsonb
    FROM complaints_complaint WHERE reference LIKE %(prefix)s
UNION ALL
SELECT id, accepted_at, NULL::bigint, 'accept', 'submitted', 'accepted', '', true, 2, '{}'::jsonb
    FROM complaints_complaint WHERE reference LIKE %(prefix)s AND accepted_at IS NOT NULL
UNION ALL
SELECT id, resolved_at, NULL::bigint, 'reply', 'in_progress', 'resolved', '已处理完毕', true, 3, '{}'::jsonb
    FROM complaints_complaint WHERE reference LIKE %(prefix)s AND resolved_at IS NOT NULL
UNION ALL
SELECT id, closed_at, NULL::bigint, CASE status WHEN 'closed' THEN 'confirm' WHEN 'rejected' THEN 'reject'
                               ELSE 'withdraw' END,
       CASE status WHEN 'closed' THEN 'resolved' ELSE 'submitted' END, status, '', true, 4, '{}'::jsonb
    FROM complaints_complaint WHERE reference LIKE %(prefix)s AND closed_at IS NOT NULL
"""

CALLBACKS = """
INSERT INTO feedback_callback (complaint_id, compound_id, assigned_to_id, status, created_at, due_at, attempts,
                               reached, solved, satisfaction, comment, channel, done_by_id, done_at, version)
SELECT c.id, c.compound_id, sc.chair_id,
    CASE WHEN c.status = 'resolved' THEN 'pending' WHEN c.id %% 10 = 0 THEN 'unreached' ELSE 'solved' END,
    c.resolved_at, c.resolved_at + interval '3 days',
    CASE WHEN c.status = 'resolved' THEN 0 WHEN c.id %% 10 = 0 THEN 3 ELSE 1 END,
    CASE WHEN c.status = 'resolved' THEN NULL ELSE c.id %% 10 <> 0 END,
    CASE WHEN c.status = 'resolved' OR c.id %% 10 = 0 THEN NULL ELSE true END,
    CASE WHEN c.status = 'resolved' OR c.id %% 10 = 0 THEN NULL ELSE 2 + (c.id %% 4) END,
    '', CASE WHEN c.status = 'resolved' THEN '' ELSE 'phone' END,
    CASE WHEN c.status = 'resolved' THEN NULL ELSE sc.chair_id END,
    CASE WHEN c.status = 'resolved' THEN NULL ELSE c.resolved_at + interval '1 day' END, 1
FROM complaints_complaint c JOIN scale_compounds sc ON sc.id = c.compound_id
WHERE c.reference LIKE %(prefix)s AND c.resolved_at IS NOT NULL
"""

# Every month a scheduled inspection, every third month a joint one, now and
# then a random check; the older ones done and scored.
INSPECTIONS = """
INSERT INTO inspections_inspection (compound_id, kind, status, title, planned_on, lead_id, emergency, started_at,
                                    completed_at, total_points, score, summary, version, created_at)
SELECT sc.id, k.kind, CASE WHEN m.done THEN 'completed' ELSE 'planned' END,
    k.title || ' ' || to_char(m.month_start, 'YYYY-MM'), (m.month_start + interval '9 days')::date, sc.chair_id,
    false, CASE WHEN m.done THEN m.month_start + interval '9 days 9 hours' END,
    CASE WHEN m.done THEN m.month_start + interval '9 days 11 hours' END,
    100, CASE WHEN m.done THEN 70 + ((sc.id * 7 + extract(month from m.month_start)::int * 13) %% 30) END,
    '', 1, m.month_start
FROM scale_compounds sc
CROSS JOIN (
    SELECT month_start, month_start < %(now)s::timestamptz - interval '1 month' AS done
    FROM generate_series(date_trunc('month', %(now)s::timestamptz) - interval '%(years)s years',
                         date_trunc('month', %(now)s::timestamptz), interval '1 month') AS month_start
) m
JOIN (VALUES ('scheduled', '月度巡查', 0), ('joint', '季度联合检查', 1), ('ad_hoc', '随机抽查', 2)) AS k(kind, title, n)
    ON k.n = 0 OR (k.n = 1 AND extract(month from m.month_start)::int %% 3 = 2)
       OR (k.n = 2 AND (sc.id + extract(month from m.month_start)::int) %% 4 = 0)
"""

ITEMS = """
INSERT INTO inspections_inspectionitem (inspection_id, section_name, section_name_en, section_points, section_order,
                                        "order", text, text_en, service_area_id, points, critical, guidance, clause,
                                        extra, answered, deduction, note, photos)
SELECT i.id, '公共区域', 'Common areas', 100, 1, k.n, '检查项 ' || k.n, 'Check ' || k.n, a.id, 10, k.n = 1, '', '',
    false, i.score IS NOT NULL,
    CASE WHEN i.score IS NULL THEN 0 WHEN (i.id + k.n) %% 3 = 0 THEN least(10, (100 - i.score) / 3) ELSE 0 END,
    '', '[]'::jsonb
FROM inspections_inspection i
JOIN scale_compounds sc ON sc.id = i.compound_id
CROSS JOIN generate_series(1, 10) AS k(n)
JOIN scale_areas a ON a.n = k.n %% %(n_areas)s
"""

NOTICES = """
INSERT INTO inspections_rectificationnotice (reference, compound_id, organisation_id, inspection_id, item_id,
                                             source_type, source_id, source_reference, title, description,
                                             service_area_id, severity, status, deadline, version, created_at,
                                             verified_at)
SELECT 'SZ-' || %(seed)s || '-' || it.id, i.compound_id, sc.company_id, i.id, it.id, 'inspection', i.id::text, '',
    '整改：' || it.text, '检查发现的问题', it.service_area_id,
    CASE WHEN it.critical THEN 'critical' ELSE 'general' END,
    CASE WHEN i.completed_at < %(now)s::timestamptz - interval '30 days' AND it.id %% 7 <> 0 THEN 'verified'
         WHEN it.id %% 2 = 0 THEN 'in_progress' ELSE 'open' END,
    i.completed_at + interval '7 days', 1, i.completed_at,
    CASE WHEN i.completed_at < %(now)s::timestamptz - interval '30 days' AND it.id %% 7 <> 0
         THEN i.completed_at + interval '6 days' END
FROM inspections_inspectionitem it
JOIN inspections_inspection i ON i.id = it.inspection_id
JOIN scale_compounds sc ON sc.id = i.compound_id
WHERE it.deduction > 0
"""

SURVEYS = """
INSERT INTO feedback_survey (compound_id, title, period_start, period_end, opens_at, closes_at, units_total,
                             created_by_id, created_at, version)
SELECT sc.id, to_char(q, 'YYYY') || '年第' || extract(quarter from q) || '季度满意度测评',
    q::date, (q + interval '3 months' - interval '1 day')::date,
    q + interval '3 months' - interval '20 days', q + interval '3 months' - interval '5 days',
    %(units)s, sc.chair_id, q + interval '3 months' - interval '21 days', 1
FROM scale_compounds sc
CROSS JOIN generate_series(date_trunc('quarter', %(now)s::timestamptz) - interval '%(years)s years',
                           date_trunc('quarter', %(now)s::timestamptz) - interval '3 months',
                           interval '3 months') AS q
"""

# A third of the units answer each survey, on paper, entered by the chair.
ANSWERS = """
INSERT INTO feedback_surveyanswer (survey_id, unit_id, building_id, answered_by_id, answered_at, comment, on_paper)
SELECT s.id, u.id, u.building_id, sc.chair_id, s.opens_at + interval '3 days', '', true
FROM feedback_survey s
JOIN scale_compounds sc ON sc.id = s.compound_id
JOIN committee_site_building b ON b.compound_id = s.compound_id
JOIN committee_site_unit u ON u.building_id = b.id
WHERE (u.id + s.id) %% 3 = 0
"""

SCORES = """
INSERT INTO feedback_surveyscore (answer_id, survey_id, building_id, service_area_id, score)
SELECT a.id, a.survey_id, a.building_id, sa.id,
    (ARRAY[2, 3, 4, 4, 4, 4, 5, 5, 5, 5])[1 + (a.id * 7 + sa.n * 3) %% 10]
FROM feedback_surveyanswer a
JOIN feedback_survey s ON s.id = a.survey_id
JOIN scale_compounds sc ON sc.id = s.compound_id
CROSS JOIN scale_areas sa
"""


class Command(BaseCommand):
    help = "Fill PostgreSQL with a district's compounds, complaints, inspections and surveys (scratch databases only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--compounds", type=int, default=1000)
        parser.add_argument("--complaints", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same rows")
        parser.add_argument(
            "--one-compound", action="store_true", help="every complaint in the first compound: its worst case"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale writes with PostgreSQL's generate_series: set DATABASE_URL to PostgreSQL.")
        seed = options["seed"]
        prefix = f"SC-{seed}-%"
        if Compound.objects.filter(name__startswith=f"规模{seed}-").exists():
            raise CommandError(f"This database already holds the rows of seed {seed}: use another --seed.")
        started = time.perf_counter()
        now = timezone.now().replace(microsecond=0) - timedelta(hours=1)
        compounds = self._compounds(seed, options["compounds"])
        self._step("compounds, buildings, units, committees", started)
        params = {
            "seed": seed,
            "prefix": prefix,
            "now": now,
            "years": YEARS,
            "rows": options["complaints"],
            "one": options["one_compound"],
            "compounds": len(compounds),
            "buildings": BUILDINGS_PER_COMPOUND,
            "units": BUILDINGS_PER_COMPOUND * UNITS_PER_BUILDING,
            "n_categories": Category.objects.count(),
            "n_titles": len(TITLES),
            "n_areas": ServiceArea.objects.count(),
        }
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT setseed({(seed % 1000) / 1000})")
            self._lookup_tables(cursor, compounds)
            for name, sql in [
                ("complaints", COMPLAINTS),
                ("complaint events", EVENTS),
                ("callbacks", CALLBACKS),
                ("inspections", INSPECTIONS),
                ("inspection items", ITEMS),
                ("rectification notices", NOTICES),
                ("surveys", SURVEYS),
                ("survey answers", ANSWERS),
                ("survey scores", SCORES),
            ]:
                step = time.perf_counter()
                cursor.execute(sql, params)
                self._step(f"{cursor.rowcount} {name}", step)
            cursor.execute("DROP TABLE scale_compounds, scale_categories, scale_titles, scale_areas")
        self._status_counts([c.pk for c in compounds])
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(f"done in {time.perf_counter() - started:.0f} s")

    def _step(self, what: str, since: float) -> None:
        self.stdout.write(f"{what} ({time.perf_counter() - since:.1f} s)")

    @transaction.atomic
    def _compounds(self, seed: int, n: int) -> list[Compound]:
        kinds = Organisation.Kind
        orgs = Organisation.objects.bulk_create(
            Organisation(name=f"规模{seed}-{i} {label}", kind=kind)
            for i in range(n)
            for kind, label in [
                (kinds.COMMITTEE, "业委会"),
                (kinds.PROPERTY_COMPANY, "物业"),
                (kinds.COMMUNITY_OFFICE, "社区"),
            ]
        )
        compounds = Compound.objects.bulk_create(
            Compound(
                name=f"规模{seed}-{i} 小区",
                name_en=f"Scale {seed}-{i}",
                committee=orgs[3 * i],
                property_company=orgs[3 * i + 1],
                community_office=orgs[3 * i + 2],
            )
            for i in range(n)
        )
        chairs = User.objects.bulk_create(
            User(username=f"scale{seed}_chair{i}", password=UNUSABLE, language="zh-hans") for i in range(n)
        )
        Membership.objects.bulk_create(
            Membership(user=chair, organisation=compound.committee, role=Role.COMMITTEE_CHAIR)
            for chair, compound in zip(chairs, compounds, strict=True)
        )
        Building.objects.bulk_create(
            Building(compound=compound, number=str(b), sort_key=b)
            for compound in compounds
            for b in range(1, BUILDINGS_PER_COMPOUND + 1)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO committee_site_unit (building_id, number) "
                "SELECT b.id, (100 + u)::text FROM committee_site_building b CROSS JOIN generate_series(1, %s) AS u "
                "WHERE b.compound_id = ANY(%s)",
                [UNITS_PER_BUILDING, [c.pk for c in compounds]],
            )
        for compound, chair in zip(compounds, chairs, strict=True):
            compound.chair_id = chair.pk  # type: ignore[attr-defined]
        return compounds

    def _lookup_tables(self, cursor: Any, compounds: list[Compound]) -> None:
        """Small temporary tables the INSERT … SELECTs join to pick a compound, category or title by number."""
        cursor.execute("DROP TABLE IF EXISTS scale_compounds, scale_categories, scale_titles, scale_areas")
        cursor.execute(
            "CREATE TEMP TABLE scale_compounds (n int PRIMARY KEY, id bigint, chair_id bigint, company_id bigint, "
            "first_building bigint)"
        )
        # A compound's buildings were inserted together: their ids run on from the first.
        first_building = dict(
            Building.objects.filter(compound__in=compounds)
            .values("compound_id")
            .annotate(first=Min("id"))
            .values_list("compound_id", "first")
        )
        cursor.executemany(
            "INSERT INTO scale_compounds VALUES (%s, %s, %s, %s, %s)",
            [
                [n, c.pk, c.chair_id, c.property_company_id, first_building[c.pk]]  # type: ignore[attr-defined]
                for n, c in enumerate(compounds)
            ],
        )
        cursor.execute("CREATE TEMP TABLE scale_categories (n int PRIMARY KEY, id bigint, service_area_id bigint)")
        for n, (pk, area) in enumerate(Category.objects.order_by("pk").values_list("pk", "service_area_id")):
            cursor.execute("INSERT INTO scale_categories VALUES (%s, %s, %s)", [n, pk, area])
        cursor.execute("CREATE TEMP TABLE scale_titles (n int PRIMARY KEY, title text, body text, tokens text)")
        for n, (title, body) in enumerate(TITLES):
            cursor.execute(
                "INSERT INTO scale_titles VALUES (%s, %s, %s, %s)", [n, title, body, search.index_text(title, body)]
            )
        cursor.execute("CREATE TEMP TABLE scale_areas (n int PRIMARY KEY, id bigint)")
        for n, pk in enumerate(ServiceArea.objects.order_by("pk").values_list("pk", flat=True)):
            cursor.execute("INSERT INTO scale_areas VALUES (%s, %s)", [n, pk])

    def _status_counts(self, compound_ids: list[int]) -> None:
        # The dashboard reads kept counts; fill them as the services would have.
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO complaints_statuscount (compound_id, status, count) "
                "SELECT compound_id, status, count(*) FROM complaints_complaint WHERE compound_id = ANY(%s) "
                "GROUP BY compound_id, status",
                [compound_ids],
            )
