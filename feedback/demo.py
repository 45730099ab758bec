"""Demo feedback: the callbacks of the demo's replied complaints (the
complaints' demo calls these steps at their moments), owners' own feedback
in every status, and two satisfaction surveys: last quarter's, closed, with
answers from most units, and this quarter's, open."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from committee_site import clock
from committee_site.models import Compound, ServiceArea, Unit, User
from complaints import demo as complaint_demo
from complaints import services as complaint_services
from complaints.models import Category, Complaint, Priority
from feedback.models import Callback, FeedbackEntry, Survey
from feedback.services import callbacks, entries, surveys

# What owners say when called back, in Chinese and English.
SOLVED = (
    ["已经修好了，谢谢", "处理得很及时", "问题解决了，但希望下次快一点", "可以，没有问题了"],
    ["It is fixed, thank you", "Handled quickly", "Solved, but it could have been faster", "Fine now"],
)
UNSOLVED = (
    ["只是临时处理，第二天又坏了", "师傅来看过，问题还在", "垃圾还是没人清"],
    ["Only patched; it broke again the next day", "Someone looked, but the problem is still there"],
)
ATTEMPTS = ["电话无人接听", "电话关机", "上门无人"]


def _pending(complaint: Complaint) -> Callback:
    return Callback.objects.select_related("complaint__compound", "compound").get(
        complaint=complaint, status=Callback.Status.PENDING
    )


def _caller(callback: Callback, by: Any) -> Any:
    return callback.assigned_to or by


def callback_solved(*, complaint: Complaint, by: Any, rng: random.Random, english: bool) -> None:
    callback = _pending(complaint)
    callbacks.callback_record(
        callback=callback,
        by=_caller(callback, by),
        seen_version=callback.version,
        solved=True,
        satisfaction=rng.choice([5, 5, 5, 4, 4, 4, 3, 2]),
        comment=rng.choice(SOLVED[1 if english else 0]),
        channel=rng.choice([Callback.Channel.PHONE, Callback.Channel.PHONE, Callback.Channel.VISIT]),
    )


def callback_unsolved(*, complaint: Complaint, by: Any, rng: random.Random, english: bool) -> None:
    callback = _pending(complaint)
    callbacks.callback_record(
        callback=callback,
        by=_caller(callback, by),
        seen_version=callback.version,
        solved=False,
        satisfaction=rng.choice([1, 2, 2]),
        comment=rng.choice(UNSOLVED[1 if english else 0]),
        channel=Callback.Channel.PHONE,
    )


def callback_attempt(*, complaint: Complaint, by: Any, rng: random.Random, english: bool) -> None:
    callback = _pending(complaint)
    callbacks.callback_attempt(
        callback=callback,
        by=_caller(callback, by),
        seen_version=callback.version,
        channel=Callback.Channel.PHONE,
        note=rng.choice(ATTEMPTS),
    )


# The steps the complaints' demo runs, by the names its plans use.
FOLLOWUPS = {
    "callback_solved": callback_solved,
    "callback_unsolved": callback_unsolved,
    "callback_attempt": callback_attempt,
}


# --- owners' own feedback (自助反馈) ------------------------------------------------------

# (days ago, owner index, kind, service area, title, text, rating, name shown,
#  what the committee did: "", "ack", "answer", "convert"; the answer, if any)
ENTRIES: list[tuple[float, int, str, str, str, str, int | None, bool, str, str]] = [
    (150, 2, "suggestion", "parking", "建议增设电动车充电桩", "2号楼附近没有充电桩，很多人拉线充电，建议增设。",
     None, True, "answer", "已与物业商定，下月在2号楼东侧增设10个充电桩。"),
    (132, 3, "praise", "cleaning", "保洁阿姨很负责", "3号楼的保洁阿姨每天把楼道擦得很干净，点个赞。",
     None, True, "answer", "谢谢您的肯定，已转告物业并在月度例会上表扬。"),
    (120, 1, "suggestion", "landscaping", "Shade for the playground",
     "The playground gets no shade in summer; a few trees or a canopy would help.",
     None, False, "answer", "Thank you. The committee has asked the company for a quote for a canopy; "
     "we will post it on the notice board."),
    (101, 4, "rating", "security", "门岗巡逻", "夜间巡逻比以前勤了，但南门还是经常没人。",
     3, False, "answer", "已要求物业夜间南门固定一人值守，我们会在下次检查中核实。"),
    (95, 5, "inquiry", "disclosure", "公共收益怎么查", "电梯广告的收入在哪里可以看到？",
     None, False, "answer", "每季度的公共收益公示贴在各楼大堂，也在业委会公告栏。本季度的将在10日前张贴。"),
    (80, 6, "rating", "maintenance", "电梯维修速度", "报修后两小时就有人来了，很及时。",
     5, True, "answer", "谢谢您的评价。"),
    (66, 7, "suggestion", "complaints", "希望投诉能有短信提醒", "投诉处理到哪一步，希望有短信提醒。",
     None, False, "answer", "网站已有站内通知和邮件提醒；短信提醒我们会和物业商量。"),
    (54, 0, "rating", "cleaning", "垃圾分类", "分类垃圾桶摆放整齐，但厨余垃圾桶经常满溢。",
     3, False, "answer", "已请物业把厨余垃圾清运改为每天两次。"),
    (47, 8, "praise", "maintenance", "水管抢修", "周六晚上水管爆了，维修师傅半小时就到了。",
     None, True, "answer", "谢谢，已转告物业维修班组。"),
    (40, 9, "inquiry", "fire_safety", "消防演练什么时候", "今年的消防演练什么时候举行？想带孩子参加。",
     None, False, "answer", "定在11月9日上午9点，中心广场，欢迎参加。"),
    (33, 10, "rating", "parking", "停车管理", "外来车辆占业主车位的情况没有改善。",
     2, False, "answer", "已要求物业对外来车辆登记限时，并列入下次联合检查。"),
    (26, 11, "suggestion", "security", "快递员进出登记", "快递员可以直接骑车进小区，建议在门口设快递点。",
     None, False, "answer", "物业已在东门设临时快递点，试行一个月。"),
    (19, 1, "inquiry", "maintenance", "Who fixes the intercom?",
     "The door intercom of building 5 has not worked for two weeks. Is that the company's job or ours?",
     None, False, "convert", ""),
    (15, 12, "inquiry", "maintenance", "维修资金怎么申请", "外墙渗水，需要动用维修资金吗？流程是什么？",
     None, False, "answer", "需要三分之二业主表决同意，业委会会先请物业出具方案和报价，再组织表决。"),
    (12, 13, "praise", "move_in", "入住办理顺利", "刚搬来，客服一次性讲清楚了装修须知，效率很高。",
     None, True, "answer", "欢迎入住！"),
    (9, 2, "rating", "landscaping", "绿化修剪", "草坪修剪及时，但修剪后的枝叶堆了两天没运走。",
     3, False, "ack", ""),
    (7, 0, "suggestion", "disclosure", "建议公示物业费收支明细", "希望每季度公示物业费的收支明细，而不仅是总数。",
     None, False, "ack", ""),
    (5, 3, "inquiry", "parking", "月租车位还有吗", "地下车库还有月租车位吗？怎么申请？",
     None, False, "ack", ""),
    (3, 5, "rating", "security", "门禁卡", "新门禁系统好用，开门快。", 4, True, "", ""),
    (2, 1, "suggestion", "cleaning", "Recycling bins for batteries",
     "Please put a bin for used batteries next to the sorting station.", None, False, "", ""),
    (1.2, 9, "praise", "fire_safety", "消防演练很有用", "演练讲解很清楚，孩子学会了用灭火器。", None, True, "", ""),
    (0.3, 11, "inquiry", "complaints", "投诉多久有答复", "昨天提交的投诉，一般多久会有答复？", None, False, "", ""),
]  # fmt: skip


def _office_hours(moment: datetime, now: datetime) -> datetime:
    """The moment, or the next morning when it falls at night: the committee
    answers in the day. Never later than now."""
    return min(complaint_demo.in_office_hours(moment), now - timedelta(minutes=20))


def seed_entries(*, compound: Compound, committee: User, owners: Sequence[User], now: datetime) -> int:
    """The entries above, each left and handled through the services at its moment."""
    if FeedbackEntry.objects.filter(compound=compound).exists():
        return 0
    areas = {area.code: area for area in ServiceArea.objects.all()}
    intercom = Category.objects.get(code="facility_repair")
    for index, (days, who, kind, area, title, body, rating, shown, handled, answer) in enumerate(ENTRIES):
        owner = owners[who % len(owners)]
        # Left in the day, between 8:00 and 22:00 of that day, never in the future.
        day = timezone.localdate(now - timedelta(days=days))
        hour = timedelta(hours=8 + (index * 5) % 14, minutes=(index * 17) % 60)
        left = min(clock.local_midnight(day) + hour, now - timedelta(minutes=40))
        with clock.frozen_at(left):
            entry = entries.feedback_submit(
                by=owner, compound=compound, unit=None, kind=kind, service_area=areas[area], title=title,
                body=body, rating=rating, name_shown_to_company=shown,
            )  # fmt: skip
        if not handled:
            continue
        # Acknowledged within the day, answered a few days later; never after now.
        seen = _office_hours(left + timedelta(hours=min(20, days * 24 * 0.3)), now)
        with clock.frozen_at(seen):
            entries.feedback_acknowledge(entry=entry, by=committee, seen_version=entry.version)
        if handled == "ack":
            continue
        done = _office_hours(seen + timedelta(hours=min(72, days * 24 * 0.3)), now)
        with clock.frozen_at(done):
            entry.refresh_from_db()
            if handled == "convert":
                complaint = entries.feedback_convert(
                    entry=entry, by=committee, seen_version=entry.version, category=intercom,
                    location_text="5号楼单元门", note="对讲门禁属共用设施，由物业负责维修。",
                )  # fmt: skip
            else:
                entries.feedback_answer(entry=entry, by=committee, seen_version=entry.version, answer=answer)
        if handled == "convert":
            with clock.frozen_at(done + timedelta(hours=2)):
                complaint_services.complaint_accept(
                    complaint=complaint, by=committee, seen_version=complaint.version, category=intercom,
                    service_area=None, priority=Priority.NORMAL,
                )  # fmt: skip
    return len(ENTRIES)


# --- satisfaction surveys (满意度测评) -----------------------------------------------------

# How owners rate each service area, as weights of the levels 5..1: security
# and parking are the weak points (under the 80 % line), cleaning the best.
LEVELS = (5, 4, 3, 2, 1)
AREA_WEIGHTS: dict[str, tuple[int, ...]] = {
    "move_in": (40, 35, 15, 7, 3),
    "maintenance": (30, 35, 18, 12, 5),
    "complaints": (28, 34, 20, 12, 6),
    "security": (18, 28, 24, 20, 10),
    "parking": (15, 25, 28, 20, 12),
    "fire_safety": (30, 36, 20, 10, 4),
    "cleaning": (45, 35, 12, 6, 2),
    "landscaping": (35, 35, 18, 9, 3),
    "disclosure": (22, 30, 27, 14, 7),
}
COMMENTS = [
    "南门晚上经常没人值守。", "车位太紧张，外来车辆多。", "保洁很好，楼道干净。", "报修响应比以前快了。",
    "希望公共收益公示更详细。", "绿化不错。", "电梯维保要按时。", "快递堆在门口，希望有快递柜。",
]  # fmt: skip


def _survey(
    *,
    compound: Compound,
    committee: User,
    owners: Sequence[User],
    title: str,
    period: tuple[date, date],
    days: tuple[date, date],
    answered_share: float,
    better: int,
    answer_until: datetime,
    rng: random.Random,
    skip: Sequence[User] = (),
) -> None:
    """Open a survey on its first day and take its answers through its days:
    the owners with accounts online, the other units from the committee's
    door-to-door paper forms (纸质问卷), a share of the compound in all."""
    opens_on, closes_on = days
    with clock.frozen_at(clock.local_midnight(opens_on) + timedelta(hours=9)):
        survey = surveys.survey_open(
            by=committee, compound=compound, title=title, period_start=period[0], period_end=period[1],
            opens_on=opens_on, closes_on=closes_on, service_areas=ServiceArea.objects.all(),
        )  # fmt: skip
    areas = list(survey.service_areas.all())
    online = {unit.pk: owner for owner in owners if owner not in skip for unit in owner.owner_profile.units.all()}
    units = list(Unit.objects.filter(building__compound=compound).select_related("building").order_by("pk"))
    rng.shuffle(units)
    # Owners with an account are told the survey opened and answer first, online.
    units.sort(key=lambda unit: unit.pk not in online)
    taken = units[: int(len(units) * answered_share)]
    # Answers come in, and paper forms are entered, between 9:00 and 21:00.
    last = min(answer_until, survey.closes_at)
    span_days = max(1, (last - survey.opens_at).days)
    moments = sorted(
        min(
            last - timedelta(minutes=5),
            survey.opens_at + timedelta(days=rng.randrange(span_days), hours=rng.uniform(9, 21)),
        )
        for _ in taken
    )
    skipped = {unit.pk for owner in skip for unit in owner.owner_profile.units.all()}
    for unit, moment in zip(taken, moments, strict=True):
        if unit.pk in skipped:
            continue
        scores = {}
        for area in areas:
            weights = list(AREA_WEIGHTS.get(area.code, (30, 35, 20, 10, 5)))
            # A better quarter moves some weight from the bottom levels up.
            weights[0] += better
            weights[4] = max(1, weights[4] - better // 2)
            scores[area.pk] = rng.choices(LEVELS, weights=weights)[0]
        comment = rng.choice(COMMENTS) if rng.random() < 0.15 else ""
        owner = online.get(unit.pk)
        with clock.frozen_at(moment):
            if owner is not None:
                surveys.survey_answer(survey=survey, unit=unit, by=owner, scores=scores, comment=comment)
            else:
                surveys.survey_answer(
                    survey=survey, unit=unit, by=committee, scores=scores, comment=comment, on_paper=True
                )


def seed_surveys(*, compound: Compound, committee: User, owners: Sequence[User], now: datetime) -> int:
    """Two closed quarters (Q2 and Q3 of this year, the second better) and this
    quarter's survey, open since Monday with its first answers; the demo's
    two owners with a password have not answered it yet."""
    if Survey.objects.filter(compound=compound).exists():
        return 0
    rng = random.Random(2027)  # noqa: S311 (the same demo every time)
    today = timezone.localdate(now)
    year = today.year
    quarter = (today.month - 1) // 3 + 1
    done = 0
    for back, share, better in ((2, 0.72, 0), (1, 0.81, 6)):
        number = quarter - back
        y = year if number > 0 else year - 1
        number = number if number > 0 else number + 4
        start = date(y, 3 * number - 2, 1)
        end = (date(y + (number == 4), (3 * number) % 12 + 1, 1)) - timedelta(days=1)
        _survey(
            compound=compound, committee=committee, owners=owners,
            title=f"{y}年第{number}季度物业服务满意度测评", period=(start, end),
            days=(end + timedelta(days=8), end + timedelta(days=28)), answered_share=share, better=better,
            answer_until=now, rng=rng,
        )  # fmt: skip
        done += 1
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - timedelta(days=1)
    monday = today - timedelta(days=today.weekday() or 7)
    _survey(
        compound=compound, committee=committee, owners=owners,
        title=f"{year}年第{quarter}季度物业服务满意度测评", period=(start, end),
        days=(monday, monday + timedelta(days=20)), answered_share=0.12, better=6,
        answer_until=now - timedelta(hours=1), rng=rng, skip=owners[:2],
    )  # fmt: skip
    return done + 1
