"""Demo data: one compound with its people. Safe to run again: everything is
found by its natural key first, so a second run adds nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from api import demo as api_demo
from committee_site import clock, notifications, services
from committee_site.models import (
    Building,
    Compound,
    Language,
    Membership,
    Organisation,
    OwnerApplication,
    OwnerProfile,
    Role,
    ServiceArea,
    ServiceContract,
    ServiceStandard,
    Unit,
    User,
)
from committee_site.reminders import reminders_sweep
from complaints import demo as complaints_demo
from feedback import demo as feedback_demo
from inspections import demo as inspections_demo
from mailintake import demo as mailintake_demo
from records import demo as records_demo
from reports import demo as reports_demo

DEMO_PASSWORD = "committee-demo"  # noqa: S105 (documented demo password)

BUILDINGS = 6
FLOORS = 18
UNITS_PER_FLOOR = 2

# (username, full name, e-mail, language, what they are)
ACCOUNTS = [
    ("owner", "李明", "owner@example.org", Language.ZH_HANS, "owner"),
    ("owner2", "Wang Fang", "owner2@example.org", Language.EN, "owner"),
    ("committee", "张伟", "committee@example.org", Language.ZH_HANS, Role.COMMITTEE_CHAIR),
    ("staff", "刘洋", "staff@example.org", Language.ZH_HANS, Role.PROPERTY_STAFF),
    ("officer", "陈静", "officer@example.org", Language.ZH_HANS, Role.COMMUNITY_OFFICER),
    ("admin", "Site Admin", "admin@example.org", Language.EN, "admin"),
]

OWNER_UNITS = {"owner": ("3", "1502"), "owner2": ("5", "801")}

# The committee's other members, who share the callbacks (回访) with the
# chair; no demo password: (username, name).
COMMITTEE_MEMBERS = [("qian_wei", "钱伟"), ("feng_li", "冯丽")]

# Their neighbours, who file and follow complaints too but have no demo
# password: (username, name, building, unit, language).
NEIGHBOURS = [
    ("wang_jun", "王军", "1", "601", Language.ZH_HANS),
    ("zhou_min", "周敏", "1", "1102", Language.ZH_HANS),
    ("sun_li", "孙丽", "2", "302", Language.ZH_HANS),
    ("wu_qiang", "吴强", "2", "1501", Language.ZH_HANS),
    ("zheng_hua", "郑华", "3", "401", Language.ZH_HANS),
    ("he_yan", "何燕", "3", "902", Language.ZH_HANS),
    ("david_chen", "David Chen", "4", "1202", Language.EN),
    ("huang_tao", "黄涛", "4", "701", Language.ZH_HANS),
    ("lin_na", "林娜", "5", "1601", Language.ZH_HANS),
    ("gao_feng", "高峰", "6", "202", Language.ZH_HANS),
    ("xu_jing", "徐静", "6", "1801", Language.ZH_HANS),
    ("ma_lin", "马琳", "6", "1002", Language.ZH_HANS),
]

STANDARDS = [
    ("move_in", "3.1", "入住手续一日内办结，提供装修须知和业主手册"),
    ("maintenance", "4.2", "共用设施报修30分钟内到场，一般维修24小时内完成"),
    ("maintenance", "4.5", "电梯每15日维护保养一次，年检合格证在轿厢内公示"),
    ("complaints", "5.1", "投诉24小时内受理，2日内答复业主，处理结果回访"),
    ("security", "6.1", "出入口24小时值守，每2小时巡逻一次并记录"),
    ("parking", "7.1", "车辆有序停放，消防通道不得停车，电动车集中充电"),
    ("fire_safety", "8.1", "灭火器、消火栓每月检查，每年组织一次消防演练"),
    ("cleaning", "9.1", "楼道每日清扫，垃圾日产日清，每季度消杀一次"),
    ("landscaping", "10.1", "绿地每月修剪，无黄土裸露，无侵占绿地"),
    ("disclosure", "11.1", "每季度公示共有部分经营收益，每年公示物业费收支"),
]


class Command(BaseCommand):
    help = "Load the demo compound 阳光花园 / Sunny Garden and one account per role (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's history runs through the real services at back-dated
        # moments; they tell people in the app as they would have, but nobody
        # is mailed about events that never happened.
        with transaction.atomic(), notifications.in_app_only():
            created = self._seed()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new objects)."))
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, name, _email, _language, what in ACCOUNTS:
            self.stdout.write(f"  {username:<10} {what:<18} {name}")

    def _seed(self) -> int:
        created = 0

        def count(result: tuple[Any, bool]) -> Any:
            nonlocal created
            created += int(result[1])
            return result[0]

        committee = count(
            Organisation.objects.get_or_create(
                name="阳光花园业主委员会",
                kind=Organisation.Kind.COMMITTEE,
                defaults={"name_en": "Sunny Garden Homeowners' Committee", "phone": "021-5555 0101"},
            )
        )
        company = count(
            Organisation.objects.get_or_create(
                name="安居物业服务有限公司",
                kind=Organisation.Kind.PROPERTY_COMPANY,
                defaults={
                    "name_en": "Anju Property Services Co., Ltd.",
                    "phone": "021-5555 0102",
                    "email": "service@anju.example.org",
                },
            )
        )
        office = count(
            Organisation.objects.get_or_create(
                name="阳光社区居民委员会",
                kind=Organisation.Kind.COMMUNITY_OFFICE,
                defaults={"name_en": "Sunshine Community Residents' Committee", "phone": "021-5555 0103"},
            )
        )
        compound = count(
            Compound.objects.get_or_create(
                name="阳光花园",
                defaults={
                    "name_en": "Sunny Garden",
                    "address": "上海市浦东新区阳光路 88 号",
                    "committee": committee,
                    "property_company": company,
                    "community_office": office,
                },
            )
        )
        for number in range(1, BUILDINGS + 1):
            building = count(
                Building.objects.get_or_create(compound=compound, number=str(number), defaults={"sort_key": number})
            )
            existing = set(Unit.objects.filter(building=building).values_list("number", flat=True))
            wanted = [f"{floor}{door:02d}" for floor in range(1, FLOORS + 1) for door in range(1, UNITS_PER_FLOOR + 1)]
            missing = [Unit(building=building, number=number) for number in wanted if number not in existing]
            Unit.objects.bulk_create(missing)
            created += len(missing)

        password = make_password(DEMO_PASSWORD)
        users: dict[str, User] = {}
        for username, name, email, language, what in ACCOUNTS:
            user, made = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": name,
                    "email": email,
                    "language": language,
                    "password": password,
                    "is_staff": what == "admin",
                    "is_superuser": what == "admin",
                },
            )
            created += int(made)
            users[username] = user
            organisations: dict[str, Organisation] = {
                Role.COMMITTEE_CHAIR: committee,
                Role.PROPERTY_STAFF: company,
                Role.COMMUNITY_OFFICER: office,
            }
            organisation = organisations.get(what)
            if organisation is not None:
                count(Membership.objects.get_or_create(user=user, organisation=organisation, defaults={"role": what}))
        for username, name in COMMITTEE_MEMBERS:
            member, made = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": name,
                    "email": f"{username}@example.org",
                    "language": Language.ZH_HANS,
                    "password": make_password(None),
                },
            )
            created += int(made)
            count(
                Membership.objects.get_or_create(
                    user=member, organisation=committee, defaults={"role": Role.COMMITTEE_MEMBER}
                )
            )
        for username, (building_number, unit_number) in OWNER_UNITS.items():
            unit = Unit.objects.get(building__compound=compound, building__number=building_number, number=unit_number)
            profile = count(
                OwnerProfile.objects.get_or_create(
                    user=users[username],
                    defaults={
                        "phone": "13800138000" if username == "owner" else "13900139000",
                        "verified_by": users["committee"],
                        "verified_at": timezone.now(),
                    },
                )
            )
            profile.units.add(unit)
        neighbours = []
        for number, (username, name, building_number, unit_number, language) in enumerate(NEIGHBOURS):
            neighbour, made = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": name,
                    "email": f"{username}@example.org",
                    "language": language,
                    "password": make_password(None),
                },
            )
            created += int(made)
            unit = Unit.objects.get(building__compound=compound, building__number=building_number, number=unit_number)
            profile = count(
                OwnerProfile.objects.get_or_create(
                    user=neighbour,
                    defaults={
                        "phone": f"1350013{number:04d}",
                        "verified_by": users["committee"],
                        "verified_at": timezone.now(),
                    },
                )
            )
            profile.units.add(unit)
            neighbours.append(neighbour)

        contract = count(
            ServiceContract.objects.get_or_create(
                compound=compound,
                property_company=company,
                starts_on=date(2025, 1, 1),
                defaults={
                    "ends_on": date(2027, 12, 31),
                    "fee_basis": "2.30 元/平方米·月（包干制）",
                    "staffing_promised": (
                        "项目经理 1 名；客服 3 名；保安 12 名（三班）；保洁 8 名；维修工 3 名；绿化工 2 名"
                    ),
                },
            )
        )
        areas = {area.code: area for area in ServiceArea.objects.all()}
        for order, (code, clause, text) in enumerate(STANDARDS, start=1):
            if code in areas:
                count(
                    ServiceStandard.objects.get_or_create(
                        contract=contract,
                        service_area=areas[code],
                        clause=clause,
                        defaults={"text": text, "order": order},
                    )
                )

        # One application waiting, so the committee's queue is not empty.
        if not OwnerApplication.objects.filter(username="zhao_lei").exists():
            OwnerApplication.objects.create(
                full_name="赵磊",
                email="zhao.lei@example.org",
                phone="13700137000",
                unit=Unit.objects.get(building__compound=compound, building__number="2", number="1201"),
                username="zhao_lei",
                password_hash=make_password(DEMO_PASSWORD),
                language=Language.ZH_HANS,
                note="房产证编号 沪(2019)浦字第 012345 号，可到物业核对。",
            )
            created += 1
        now = timezone.now()
        # The WeChat account first: the demo owner's later complaints come through it.
        created += api_demo.seed(compound=compound, admin=users["admin"], owner=users["owner"], now=now)
        history = complaints_demo.seed(
            compound=compound,
            committee=users["committee"],
            staff=users["staff"],
            owners=[users["owner"], users["owner2"], *neighbours],
            followups=feedback_demo.FOLLOWUPS,
            front=api_demo.front(owner=users["owner"], now=now),
            now=now,
        )
        history += inspections_demo.seed(
            compound=compound, committee=users["committee"], staff=users["staff"], officer=users["officer"]
        )
        history += records_demo.seed(compound=compound, committee=users["committee"], now=now)
        owners = [users["owner"], users["owner2"], *neighbours]
        history += feedback_demo.seed_entries(compound=compound, committee=users["committee"], owners=owners, now=now)
        history += feedback_demo.seed_surveys(compound=compound, committee=users["committee"], owners=owners, now=now)
        created += mailintake_demo.mailbox_seed(compound=compound, admin=users["admin"])
        # The complaint mailbox's intake list: mail from people the site does not know.
        created += mailintake_demo.intake_seed(compound=compound, now=now)
        history += mailintake_demo.owner_mail_seed(compound=compound, now=now)
        # Last: the reports count what the other demos made.
        history += reports_demo.seed(compound=compound, committee=users["committee"], now=now)
        if history:
            history += self._reminders(now)
            # Everyone last looked at their notifications four days ago: what came since is unread.
            with clock.frozen_at(now - timedelta(days=4)):
                for user in [*users.values(), *neighbours]:
                    services.notifications_mark_all_read(user=user)
        return created + history

    def _reminders(self, now: datetime) -> int:
        """The reminders the beat sent over the last three days, swept every
        four hours of them (the shortest lead, a complaint's four hours before
        its deadline, then always holds a sweep: none comes too late), and those
        it will send next (swept now): the committee's reminders page shows
        both, the recipients have the notifications. Only what is still open
        is reminded, as in the real sweep."""
        created = 0
        for hours in range(72, -1, -4):
            moment = now - timedelta(hours=hours)
            with clock.frozen_at(moment):
                created += sum(reminders_sweep(now=moment).created.values())
        return created
