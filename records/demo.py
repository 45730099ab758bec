"""Demo written records that the committee uploads itself: the minutes of
its last quarterly meetings (会议纪要, published to the owners) and its
letters to the property company (函件), each with its file, uploaded through
records.services at the moment it happened; and one correction of the
minutes, as a committee does when an owner points out a mistake. The
complaints', inspections' and notices' records come from their own demos,
which run the real services that archive them."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from committee_site import clock
from committee_site.models import Compound, User
from records.models import ArchiveRecord, RecordKind, RecordPublication
from records.services import archive_file_store, record_amend, record_publish, record_upload

QUARTER_NAMES = "一二三四"


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _quarters_before(today: date, count: int) -> list[tuple[int, int]]:
    """The (year, quarter) of the `count` quarters before today's, oldest first."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    found: list[tuple[int, int]] = []
    for _ in range(count):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        found.insert(0, (year, quarter))
    return found


def _meeting_day(year: int, quarter: int) -> date:
    # The regular meeting sits in the middle of the quarter's last month.
    return date(year, quarter * 3, 12)


def _minutes(year: int, quarter: int, company: str, day: date) -> tuple[str, str]:
    title = f"业委会{year}年第{QUARTER_NAMES[quarter - 1]}季度例会纪要"
    text = (
        f"会议时间：{day:%Y年%m月%d日} 19:00—21:00\n"
        "会议地点：小区会所二楼业委会办公室\n"
        "出席：业委会委员 5 人（应到 5 人）；列席：物业项目经理、社区居委会代表\n"
        "主持：张伟（业委会主任）　记录：业委会秘书\n\n"
        "一、通报本季度投诉处理情况：投诉均已受理，个别投诉答复超时，要求物业公司按时限答复业主。\n"
        f"二、听取{company}关于电梯维保的说明：3号楼电梯维保记录缺两次，要求补齐记录并每15日维保一次。\n"
        "三、讨论消防通道管理：消防通道严禁停放车辆和电动车，请物业公司加强巡查，"
        "业委会将在下季度联合检查中复查。\n"
        "四、共有部分经营收益：电梯广告和停车收益须按季度公示，下次例会前张贴上季度明细。\n"
        "五、议定事项：以上事项由物业公司在 15 日内书面回复业委会。\n"
    )
    return title, text


LETTERS: list[tuple[int, str, str]] = [
    # (days ago, title, text): the committee's letters to the property company.
    (
        150,
        "致物业公司关于电梯维保的函",
        "安居物业服务有限公司：\n"
        "近期业主多次反映3号楼电梯门关闭异常，检查中亦发现电梯维保记录缺失。根据物业服务合同第4.5条，"
        "电梯应每15日维护保养一次，年检合格证应在轿厢内公示。请贵公司于收函后7日内补齐维保记录，"
        "并书面说明原因及整改措施。\n"
        "此致\n阳光花园业主委员会",
    ),
    (
        60,
        "致物业公司关于消防通道管理的函",
        "安居物业服务有限公司：\n"
        "本季度检查和业主投诉均发现3号楼、5号楼旁消防通道被车辆及电动车占用。消防通道畅通是重大安全事项，"
        "请贵公司立即清理，设置禁停标识，并将每日巡查记录报业委会备查。\n"
        "此致\n阳光花园业主委员会",
    ),
    (
        20,
        "致物业公司关于公示共有部分经营收益的函",
        "安居物业服务有限公司：\n"
        "根据物业服务合同第11.1条，共有部分经营收益应每季度公示。上季度电梯广告和停车收益至今未公示，"
        "请于收函后10日内在各楼栋公告栏张贴收支明细，并抄送业委会。\n"
        "此致\n阳光花园业主委员会",
    ),
]


def seed(*, compound: Compound, committee: User, now: datetime | None = None) -> int:
    """Returns how many records it added (0 when the compound has its uploads already)."""
    uploaded = ArchiveRecord.objects.filter(compound=compound, kind__in=[RecordKind.MINUTES, RecordKind.LETTER])
    if uploaded.exists():
        return 0
    now = now or timezone.now()
    company = compound.property_company.name if compound.property_company else "物业公司"
    added = 0
    minutes = []
    for year, quarter in _quarters_before(timezone.localtime(now).date(), 3):
        day = _meeting_day(year, quarter)
        title, text = _minutes(year, quarter, company, day)
        # Written up and uploaded two days after the meeting.
        with clock.frozen_at(_at(day + timedelta(days=2), 10)):
            stored = archive_file_store(
                name=f"{title}.txt", content_type="text/plain", source=io.BytesIO(text.encode("utf-8"))
            )
            minutes.append(
                record_upload(
                    compound=compound,
                    kind=RecordKind.MINUTES,
                    title=title,
                    happened_at=_at(day, 19),
                    text=text,
                    files=[stored],
                    by=committee,
                    publish_to_owners=True,
                )
            )
        added += 1
    for days_ago, title, text in LETTERS:
        sent = timezone.localtime(now).date() - timedelta(days=days_ago)
        with clock.frozen_at(_at(sent, 15)):
            stored = archive_file_store(
                name=f"{title}.txt", content_type="text/plain", source=io.BytesIO(f"{title}\n\n{text}".encode())
            )
            record_upload(
                compound=compound,
                kind=RecordKind.LETTER,
                title=title,
                happened_at=_at(sent, 14),
                text=text,
                files=[stored],
                by=committee,
            )
        added += 1
    # Last week an owner noticed that the oldest minutes give the wrong
    # deadline for the written reply: the correction is the newest record,
    # the head the owners' board shows.
    wrong = minutes[0]
    with clock.frozen_at(_at(timezone.localtime(now).date() - timedelta(days=3), 10)):
        correction = record_amend(
            record=wrong,
            by=committee,
            title=f"{wrong.title}（更正）",
            text=wrong.body.replace("15 日内书面回复", "10 日内书面回复"),
            reason="原纪要将物业公司书面回复的期限误记为 15 日，会上议定为 10 日。",
        )
        # The owners read the minutes, so they read the correction too.
        record_publish(record=correction, scope=RecordPublication.Scope.COMPOUND, by=committee)
    return added + 1
