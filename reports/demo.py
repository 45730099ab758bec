"""The demo's quarterly reports: the report of the quarter two back,
composed by the beat on the first day after it, approved and published by
the committee in its first days (in office hours), and the last quarter's
draft, composed this quarter's first morning and waiting for approval.
Idempotent: a quarter that has its report is left alone."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from committee_site import clock
from committee_site.models import Compound, User
from records.analysis import Quarter
from reports import services
from reports.models import QuarterlyReport

# When the beat composes (committee_site/celery.py), after the quarter's end.
COMPOSED_AFTER = timedelta(hours=5, minutes=30)
FOREWORD = (
    "各位业主：\n"
    "本季度业委会共受理投诉、组织检查并跟踪整改，数据如下。超时未办的投诉和未按期完成的整改，"
    "业委会已约谈物业公司项目经理，下季度将重点跟进。欢迎大家继续通过本网站反映问题。"
)


def _day_of(quarter: Quarter, days: int, hour: int, minute: int = 0) -> datetime:
    return quarter.ends_at() + timedelta(days=days, hours=hour, minutes=minute)


def seed(*, compound: Compound, committee: User, now: datetime) -> int:
    current = Quarter.containing(timezone.localtime(now).date())
    last, before = current.previous(), current.previous().previous()
    existing = set(QuarterlyReport.objects.filter(compound=compound).values_list("year", "number"))
    created = 0
    if (before.year, before.number) not in existing:
        composed_at = before.ends_at() + COMPOSED_AFTER
        with clock.frozen_at(composed_at):
            report = services.report_compose(compound=compound, quarter=before, now=composed_at).report
        with clock.frozen_at(_day_of(before, 2, 10, 15)):
            services.report_foreword_update(report=report, by=committee, foreword=FOREWORD, seen_version=report.version)
        with clock.frozen_at(_day_of(before, 2, 10, 40)):
            services.report_approve(report=report, by=committee, seen_version=report.version)
        with clock.frozen_at(_day_of(before, 3, 9, 30)):
            services.report_publish(report=report, by=committee, seen_version=report.version)
        created += 1
    if (last.year, last.number) not in existing:
        composed_at = last.ends_at() + COMPOSED_AFTER
        with clock.frozen_at(composed_at):
            services.report_compose(compound=compound, quarter=last, now=composed_at)
        created += 1
    return created
