"""Demo inspections for the demo compound: the monthly and the quarterly joint
plan, a year of monthly inspections with scores and findings, random checks,
rectification notices in every status that come from those findings, the
joint inspections of the last quarters (the latest still waiting for the
property company's and the community office's signatures) and this month's
inspection, planned.

Like the demo complaints, everything goes through the real services with the
clock set to the moment it is meant to have happened, so the people taking
part are told (in the app) as they would have been. Safe to run again: it does
nothing once the compound has its plans."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from committee_site import clock
from committee_site.models import Compound, TimeLimits, User
from inspections import services
from inspections.models import (
    ChecklistTemplate,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionPlan,
    Party,
    RectificationNotice,
)

# Deductions of each monthly inspection, oldest first (item text → points,
# finding), chosen so the year has good and weak months and each section
# loses points sometime.
MONTHLY_FINDINGS: list[dict[str, tuple[int, str]]] = [
    {"公共区域每日清扫": (2, "2号楼楼道有烟头和广告纸"), "车辆停放有序": (1, "北门有车辆压线停放")},
    {"安全出口、消防通道畅通": (4, "4号楼消防通道堆放装修垃圾"), "垃圾分类落实": (2, "厨余垃圾桶混投")},
    {"电梯年检合格证公示，每15日维保一次": (3, "3号楼电梯维保记录缺两次")},
    {"绿地无杂草": (1, "中心花园杂草较多"), "公告栏公示投诉电话、服务标准和收费标准": (2, "收费标准未更新")},
    {
        "灭火器、消火栓完好有效": (3, "5号楼一楼灭火器压力不足"),
        "按规定巡逻并记录": (3, "夜间巡逻记录缺失"),
        "安全出口、消防通道畅通": (4, "2号楼安全出口上锁"),
        "公共区域每日清扫": (4, "多栋楼道未清扫"),
        "垃圾桶清洁，垃圾日产日清": (3, "垃圾桶满溢"),
        "监控设施运行正常": (3, "北门监控故障"),
        "人员配备符合合同约定，佩戴工牌": (3, "保安缺员2人"),
    },
    {"屋面排水通畅": (2, "6号楼屋面落水口堵塞")},
    {"定期消杀": (2, "地下车库发现鼠迹"), "电动车集中充电设施规范": (1, "充电桩一处损坏")},
    {"二次供水水箱定期清洗，水质检测报告齐全": (3, "水质检测报告过期")},
    {"公共区域每日清扫": (1, "1号楼门厅未拖地")},
    {"车辆停放有序": (1, "南门临时停车占用人行道")},
    {"监控设施运行正常": (2, "东门摄像头离线"), "绿地无杂草": (1, "3号楼前绿地杂草")},
    {
        "投诉回访记录完整": (3, "上月投诉没有回访记录"),
        "每季度公示共有部分经营收益": (2, "上季度共有部分经营收益未公示"),
    },
]

# Random checks: (days ago, title, findings). The committee walks the
# compound unannounced after owners' complaints about the same things.
RANDOM_CHECKS: list[tuple[int, str, dict[str, tuple[int, str]]]] = [
    (120, "夜间安保抽查", {"按规定巡逻并记录": (2, "凌晨巡逻记录与监控不符")}),
    (
        5,
        "楼道设施抽查",
        {"外立面、楼道、门窗完好整洁": (2, "3号楼楼道窗户玻璃破损"), "公共区域每日清扫": (1, "3号楼楼道堆放纸箱")},
    ),
    (4, "消防通道专项抽查", {"安全出口、消防通道畅通": (4, "3号楼消防通道停放电动车")}),
]

Status = RectificationNotice.Status

# Each notice comes from one finding: (where: "random:<title>" or "monthly:<n
# from the latest>", the item's text, the notice's title, severity, how far it
# got). Title, requirement (the item) and finding (its note) say the same thing.
NOTICES: list[tuple[str, str, str, str, str]] = [
    ("random:消防通道专项抽查", "安全出口、消防通道畅通", "清理3号楼消防通道电动车", "critical", Status.OPEN),
    ("random:楼道设施抽查", "外立面、楼道、门窗完好整洁", "更换3号楼楼道破损玻璃", "general", Status.IN_PROGRESS),
    ("random:楼道设施抽查", "公共区域每日清扫", "清理3号楼楼道堆放的纸箱", "general", Status.AWAITING_REVIEW),
    ("monthly:0", "投诉回访记录完整", "补做上月投诉回访", "general", Status.FAILED),
    ("monthly:0", "每季度公示共有部分经营收益", "公示上季度共有部分经营收益", "general", Status.VERIFIED),
    ("monthly:1", "监控设施运行正常", "修复东门监控摄像头", "general", Status.VERIFIED),
]

# The steps to each final status, in days after the notice was issued. The
# critical notice nobody acknowledged is overdue; so is the one whose work
# failed the re-inspection and was not redone by the new deadline.
NOTICE_STEPS: dict[str, list[tuple[str, int]]] = {
    Status.OPEN: [],
    Status.IN_PROGRESS: [("acknowledge", 1), ("progress", 2)],
    Status.AWAITING_REVIEW: [("acknowledge", 1), ("submit", 3)],
    Status.FAILED: [("acknowledge", 1), ("submit", 6), ("fail", 8)],
    Status.VERIFIED: [("acknowledge", 1), ("submit", 5), ("verify", 7)],
}
NOTES = {
    "acknowledge": "已安排人员处理",
    "progress": "材料已订购，到货后施工",
    "submit": "已处理完毕，请复查",
    "fail": "复查时仍未整改到位",
    "verify": "复查合格",
}

JOINT_QUARTERS = 4


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def seed(*, compound: Compound, committee: User, staff: User, officer: User) -> int:
    """Returns how many objects it created (0 on a second run)."""
    if InspectionPlan.objects.filter(compound=compound).exists():
        return 0
    template = ChecklistTemplate.objects.filter(compound__isnull=True).order_by("id").first()
    if template is None:
        return 0
    today = timezone.localdate()
    plans: dict[str, InspectionPlan] = {}
    with clock.frozen_at(_at(today - timedelta(days=400))):
        for kind, recurrence, day in (("scheduled", "monthly", 10), ("joint", "quarterly", 20)):
            plans[kind] = services.inspection_plan_create(
                compound=compound,
                template=template,
                kind=kind,
                recurrence=recurrence,
                day_of_period=day,
                lead=committee,
                by=committee,
            )
    people = {Party.COMMITTEE: committee, Party.PROPERTY_COMPANY: staff, Party.COMMUNITY_OFFICE: officer}

    # Past periods of each plan whose planned day has passed, oldest first.
    def past_periods(plan: InspectionPlan, count: int) -> list[date]:
        periods: list[date] = []
        period = plan.period_start(today)
        while len(periods) < count:
            if plan.planned_day(period) < today:
                periods.insert(0, period)
            months = InspectionPlan.MONTHS[plan.recurrence]
            back = period.month - 1 - months
            period = date(period.year + back // 12, back % 12 + 1, 1)
        return periods

    done: list[Inspection] = []
    monthly = plans["scheduled"]
    for period, findings in zip(past_periods(monthly, len(MONTHLY_FINDINGS)), MONTHLY_FINDINGS, strict=True):
        inspection = _planned(monthly, period)
        done.append(_conduct(inspection, committee, findings, summary=""))
    joint_plan = plans["joint"]
    quarters = past_periods(joint_plan, JOINT_QUARTERS)
    for period in quarters:
        inspection = _planned(joint_plan, period)
        findings = {"垃圾分类落实": (1, "个别楼栋混投"), "交通标识清晰": (1, "地库限速标识褪色")}
        joint = _conduct(inspection, committee, findings, summary="整体情况良好，垃圾分类需加强。")
        _sign(joint, people, list(people))
    random_checks = {}
    for days_ago, title, findings in RANDOM_CHECKS:
        checked_on = today - timedelta(days=days_ago)
        with clock.frozen_at(_at(checked_on, 8)):
            inspection = services.inspection_create(
                compound=compound,
                kind=InspectionKind.AD_HOC,
                template=template,
                planned_on=checked_on,
                by=committee,
                title=title,
            )
        random_checks[title] = _conduct(inspection, committee, findings, summary="")

    # The oldest monthly inspection is archived a month later, as a committee does.
    oldest = Inspection.objects.get(pk=done[0].pk)
    with clock.frozen_at(_at(oldest.planned_on + timedelta(days=30))):
        services.inspection_archive(inspection=oldest, by=committee, seen_version=oldest.version)

    latest_first = list(reversed(done))
    findings_to_notice = []
    for where, item_text, title, severity, final in NOTICES:
        kind, key = where.split(":")
        inspection = random_checks[key] if kind == "random" else latest_first[int(key)]
        item = inspection.items.select_related("inspection").get(text=item_text)
        if not item.deduction or not item.note:
            raise ValueError(f"The notice “{title}” needs a finding at “{item_text}” in {inspection}")
        findings_to_notice.append((item, title, severity, final))
    # The critical hazards the older monthly rounds found were each put right
    # at the time: a notice issued, the work reported and verified.
    for inspection in latest_first[2:]:
        for item in inspection.items.select_related("inspection").filter(critical=True, deduction__gt=0):
            findings_to_notice.append((item, f"整改：{item.note}", "critical", Status.VERIFIED))
    # Issued in the order they were found, so the references follow the dates.
    findings_to_notice.sort(key=lambda notice: (notice[0].inspection.planned_on, notice[0].pk))
    for item, title, severity, final in findings_to_notice:
        _notice(compound, committee, staff, item, title, severity, final)

    # The fire lane stayed blocked past the critical deadline: yesterday the
    # committee called the property company and the community office to a
    # joint inspection of it, which only the committee has signed so far.
    yesterday = today - timedelta(days=1)
    with clock.frozen_at(_at(yesterday - timedelta(days=1), 16)):
        emergency = services.inspection_create(
            compound=compound,
            kind=InspectionKind.JOINT,
            template=template,
            planned_on=yesterday,
            by=committee,
            title="消防通道联合检查",
            emergency=True,
        )
    findings = {"安全出口、消防通道畅通": (4, "3号楼消防通道仍停放电动车，整改通知单逾期未整改")}
    emergency = _conduct(emergency, committee, findings, summary="消防通道问题未整改，请物业公司限期清理。")
    _sign(emergency, people, [Party.COMMITTEE])

    # This month's inspection (and the next, if it falls within the lead time), planned.
    created = sum(len(services.inspection_plan_materialise(plan_id=plan.pk, today=today)) for plan in plans.values())
    return created + 2 + len(done) + len(quarters) + len(random_checks) + len(NOTICES) + 1


def _sign(joint: Inspection, people: dict[Party, User], parties: list[Party]) -> None:
    """The parties sign in the afternoon of the inspection, one hour apart; the last one seals it."""
    for offset, party_name in enumerate(parties, start=1):
        party = joint.parties.get(party=party_name)
        with clock.frozen_at(_at(joint.planned_on, 14 + offset)):
            services.signing_party_sign(party=party, by=people[party_name], seen_version=party.version)


def _planned(plan: InspectionPlan, period: date) -> Inspection:
    """The plan creates the inspection ahead of time and invites its people, as the beat does."""
    planned_on = plan.planned_day(period)
    created_on = planned_on - timedelta(days=TimeLimits.load().plan_remind_days)
    with clock.frozen_at(_at(created_on, 2)):
        services.inspection_plan_materialise(plan_id=plan.pk, today=created_on)
    return Inspection.objects.get(plan=plan, period_start=period)


def _conduct(inspection: Inspection, lead: User, findings: dict[str, tuple[int, str]], summary: str) -> Inspection:
    """Walk the checklist on the planned day: start at nine, answer every item, complete at eleven."""
    day = inspection.planned_on
    with clock.frozen_at(_at(day, 9)):
        inspection = services.inspection_start(inspection=inspection, by=lead, seen_version=inspection.version)
        for participant in inspection.participants.all():
            services.participant_attendance_set(participant=participant, attended=True, by=lead)
    items = {item.text: item for item in inspection.items.all()}
    unknown = set(findings) - set(items)
    if unknown:
        raise ValueError(f"No checklist item {sorted(unknown)} in {inspection.template}")
    with clock.frozen_at(_at(day, 10)):
        for text, item in items.items():
            deduction, note = findings.get(text, (0, ""))
            services.inspection_item_record(item=item, by=lead, deduction=deduction, note=note)
    with clock.frozen_at(_at(day, 11)):
        return services.inspection_complete(
            inspection=inspection, by=lead, seen_version=inspection.version, summary=summary
        )


def _notice(
    compound: Compound, committee: User, staff: User, item: InspectionItem, title: str, severity: str, final: str
) -> None:
    """Issue the notice an hour after the inspection and take it as far as `final`."""
    issued = _at(item.inspection.planned_on, 12)
    with clock.frozen_at(issued):
        notice = services.rectification_issue(
            compound=compound, by=committee, title=title, description=item.note, severity=severity, item=item
        )
    for step, days in NOTICE_STEPS[final]:
        person = committee if step in ("fail", "verify") else staff
        with clock.frozen_at(issued + timedelta(days=days)):
            notice = RectificationNotice.objects.get(pk=notice.pk)
            seen = notice.version
            if step == "submit":
                services.rectification_submit(notice=notice, seen_version=seen, by=person, note=NOTES[step], photos=[])
            else:
                move = getattr(services, f"rectification_{step}")
                move(notice=notice, seen_version=seen, by=person, note=NOTES[step])
