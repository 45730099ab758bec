"""Demo inspections for the demo compound: two plans, a year of monthly
inspections with scores and findings, rectification notices in every status,
and this quarter's joint inspection half-signed. Safe to run again: it does
nothing once the compound has its plans."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import F
from django.utils import timezone

from committee_site.models import Compound, User
from inspections import services
from inspections.models import (
    ChecklistTemplate,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionPlan,
    RectificationEvent,
    RectificationNotice,
    quarter_bounds,
)

# Deductions of each month's inspection (item text → points), chosen so the
# year has good and weak months and each section loses points sometime.
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
    {"投诉回访记录完整": (3, "10月投诉无回访记录"), "监控设施运行正常": (2, "东门摄像头离线")},
    {"二次供水水箱定期清洗，水质检测报告齐全": (3, "水质检测报告过期")},
    {"公共区域每日清扫": (1, "1号楼门厅未拖地")},
    {"每季度公示共有部分经营收益": (2, "三季度收益未公示")},
    {
        "外立面、楼道、门窗完好整洁": (2, "3号楼楼道窗户玻璃破损"),
        "安全出口、消防通道畅通": (4, "3号楼消防通道停放电动车"),
    },
]

# (title, severity, final status, overdue?)
NOTICES: list[tuple[str, str, str, bool]] = [
    ("清理3号楼消防通道电动车", "critical", RectificationNotice.Status.OPEN, True),
    ("更换3号楼楼道破损玻璃", "general", RectificationNotice.Status.IN_PROGRESS, False),
    ("公示三季度共有部分经营收益", "general", RectificationNotice.Status.AWAITING_REVIEW, False),
    ("补做10月投诉回访", "general", RectificationNotice.Status.FAILED, False),
    ("修复东门监控摄像头", "general", RectificationNotice.Status.VERIFIED, False),
]


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _month_start(day: date, back: int) -> date:
    month = day.month - 1 - back
    return date(day.year + month // 12, month % 12 + 1, 1)


def seed(*, compound: Compound, committee: User, staff: User, officer: User) -> int:
    """Returns how many objects it created (0 on a second run)."""
    if InspectionPlan.objects.filter(compound=compound).exists():
        return 0
    template = ChecklistTemplate.objects.filter(compound__isnull=True).order_by("id").first()
    if template is None:
        return 0
    created = 0
    today = timezone.localdate()
    monthly = services.inspection_plan_create(
        compound=compound,
        template=template,
        kind="scheduled",
        recurrence="monthly",
        day_of_period=10,
        lead=committee,
        by=committee,
    )
    services.inspection_plan_create(
        compound=compound,
        template=template,
        kind="joint",
        recurrence="quarterly",
        day_of_period=20,
        lead=committee,
        by=committee,
    )
    created += 2

    # A year of monthly inspections, oldest first.
    history: list[Inspection] = []
    for back, findings in zip(range(11, -1, -1), MONTHLY_FINDINGS, strict=True):
        start = _month_start(today, back)
        day = monthly.planned_day(start)
        inspection = services._create_inspection(
            compound=compound,
            kind=InspectionKind.SCHEDULED,
            template=template,
            planned_on=day,
            lead=committee,
            by=committee,
            plan=monthly,
            period_start=start,
        )
        inspection = services.inspection_start(inspection=inspection, by=committee, seen_version=inspection.version)
        for item in inspection.items.all():
            deduction, note = findings.get(item.text, (0, ""))
            services.inspection_item_record(item=item, by=committee, deduction=deduction, note=note)
        inspection = services.inspection_complete(
            inspection=inspection, by=committee, seen_version=inspection.version, summary=""
        )
        Inspection.objects.filter(pk=inspection.pk).update(
            created_at=_at(day - timedelta(days=20)), started_at=_at(day), completed_at=_at(day, 11)
        )
        InspectionItem.objects.filter(inspection=inspection).update(updated_at=_at(day, 10))
        history.append(inspection)
        created += 1 + inspection.items.count()
    # The oldest is archived, as a committee does at the end of a year.
    services.inspection_archive(inspection=history[0], by=committee, seen_version=history[0].version)

    # Notices from the latest findings, one in every status.
    latest = list(
        InspectionItem.objects.filter(inspection__in=history[-5:], deduction__gt=0).order_by(
            "-inspection__planned_on", "id"
        )
    )
    for (title, severity, final, overdue), item in zip(NOTICES, latest, strict=False):
        notice = services.rectification_issue(
            compound=compound, by=committee, title=title, description=item.note or title, severity=severity, item=item
        )
        created += 1
        if final != RectificationNotice.Status.OPEN:
            notice = services.rectification_acknowledge(
                notice=notice, seen_version=notice.version, by=staff, note="已安排人员处理"
            )
        if final in (
            RectificationNotice.Status.AWAITING_REVIEW,
            RectificationNotice.Status.FAILED,
            RectificationNotice.Status.VERIFIED,
        ):
            notice = services.rectification_submit(
                notice=notice, seen_version=notice.version, by=staff, note="已处理完毕，请复查", photos=[]
            )
        if final == RectificationNotice.Status.FAILED:
            services.rectification_fail(
                notice=notice, seen_version=notice.version, by=committee, note="复查时仍未整改到位"
            )
        if final == RectificationNotice.Status.VERIFIED:
            services.rectification_verify(notice=notice, seen_version=notice.version, by=committee, note="复查合格")
        if overdue:
            # Issued long enough ago that its deadline has passed.
            shift = timedelta(days=4)
            RectificationNotice.objects.filter(pk=notice.pk).update(
                created_at=F("created_at") - shift, deadline=F("deadline") - shift
            )
            RectificationEvent.objects.filter(notice=notice).update(at=F("at") - shift, deadline=F("deadline") - shift)

    # This quarter's joint inspection, filled in and signed by the committee; the property
    # company and the community office have yet to sign.
    quarter_start, _end = quarter_bounds(today)
    joint = services._create_inspection(
        compound=compound,
        kind=InspectionKind.JOINT,
        template=template,
        planned_on=max(quarter_start, today - timedelta(days=2)),
        lead=committee,
        by=committee,
        title="第四季度联合检查" if quarter_start.month == 10 else "",
    )
    joint = services.inspection_start(inspection=joint, by=committee, seen_version=joint.version)
    for item in joint.items.all():
        deduction, note = {"垃圾分类落实": (1, "个别楼栋混投"), "交通标识清晰": (1, "地库限速标识褪色")}.get(
            item.text, (0, "")
        )
        services.inspection_item_record(item=item, by=committee, deduction=deduction, note=note)
    for participant in joint.participants.all():
        services.participant_attendance_set(participant=participant, attended=True, by=committee)
    joint = services.inspection_complete(
        inspection=joint, by=committee, seen_version=joint.version, summary="整体情况良好，垃圾分类需加强。"
    )
    committee_party = joint.parties.get(party="committee")
    services.signing_party_sign(party=committee_party, by=committee, seen_version=committee_party.version)
    created += 1 + joint.items.count()

    # And next month's scheduled inspection, planned.
    created += len(services.inspection_plan_materialise(plan_id=monthly.pk, today=today))
    return created
