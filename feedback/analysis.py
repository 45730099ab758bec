"""The committee's analysis of the feedback (issue 10, point 4): satisfaction
by service area and quarter from the surveys, callback coverage and outcomes
by quarter, and the owners' own feedback per month by kind and service area.

Every figure is a GROUP BY in the database, four queries whatever the number
of rows (the scores, the callbacks, the feedback entries, the service areas'
names), each served by an index (tests/feedback/test_analysis.py reads the
plans PostgreSQL makes for 100,000 rows of each):
  - scores: the compound's few surveys by their compound, then each one's
    scores by their survey (an index on survey_id: the foreign key's, or
    `surveyscore_survey_area` (survey, service_area, score));
  - callbacks: `callback_compound_due` (compound, due_at, id), a range;
  - feedback: `feedback_compound_created` (compound, -created_at, -id), a range.
No new index was needed. Nothing here names an owner."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncQuarter
from django.utils import timezone

from committee_site.models import ServiceArea
from complaints.models import Satisfaction
from feedback.models import (
    SATISFACTION_LINE,
    Callback,
    FeedbackEntry,
    SurveyScore,
    satisfaction_rate,
)
from records.analysis import Quarter

# The scale from best to worst, as the tables and the CSV list it.
LEVELS: tuple[int, ...] = tuple(sorted(Satisfaction.values, reverse=True))
KINDS: tuple[str, ...] = tuple(FeedbackEntry.Kind.values)
# Quarters one analysis covers at most (five years).
MAX_QUARTERS = 20
# Quarters shown when the query asks for none: the current one and the three before.
DEFAULT_QUARTERS = 4
# Service areas the per-month chart draws a line for; the table lists all.
TOP_AREAS = 5


def quarter_shift(quarter: Quarter, count: int) -> Quarter:
    """The quarter `count` quarters later (earlier when negative)."""
    index = quarter.year * 4 + quarter.number - 1 + count
    return Quarter(index // 4, index % 4 + 1)


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    span = (last.year - first.year) * 4 + last.number - first.number
    return [quarter_shift(first, step) for step in range(span + 1)]


def default_quarters(today: date) -> tuple[Quarter, Quarter]:
    last = Quarter.containing(today)
    return quarter_shift(last, 1 - DEFAULT_QUARTERS), last


# --- the figures ------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelCounts:
    """Answers on the 5-level scale: `levels` counts them from very satisfied
    to very dissatisfied (LEVELS)."""

    levels: tuple[int, ...] = (0,) * len(LEVELS)

    @property
    def answers(self) -> int:
        return sum(self.levels)

    @property
    def satisfied(self) -> int:
        """Very satisfied, satisfied and fairly satisfied (DESIGN.md §3)."""
        return sum(self.levels[:3])

    @property
    def exact_rate(self) -> float | None:
        return satisfaction_rate(dict(zip(LEVELS, self.levels, strict=True)))

    @property
    def below_line(self) -> bool:
        """Under the 80 % line (中物协 grade 1), compared exactly."""
        return bool(self.answers) and 100 * self.satisfied < SATISFACTION_LINE * self.answers

    @property
    def rate(self) -> float | None:
        """In percent, one decimal; a rate under the line never shows as 80.0."""
        exact = self.exact_rate
        if exact is None:
            return None
        shown = round(exact, 1)
        return min(shown, SATISFACTION_LINE - 0.1) if self.below_line else shown

    def __add__(self, other: LevelCounts) -> LevelCounts:
        return LevelCounts(tuple(a + b for a, b in zip(self.levels, other.levels, strict=True)))


@dataclass(frozen=True)
class AreaSatisfaction:
    """One service area (or all of them) in each quarter and over the period."""

    label: str
    by_quarter: tuple[LevelCounts, ...]
    period: LevelCounts


@dataclass(frozen=True)
class CallbackFigures:
    """The callbacks due in one quarter (by their due date). Cancelled ones
    ("no longer needed") are counted apart and left out of everything else;
    pending ones whose due date is still ahead are not due yet."""

    solved: int = 0
    unsolved: int = 0
    unreached: int = 0
    lapsed: int = 0
    # Pending although the due date has passed.
    overdue: int = 0
    not_yet_due: int = 0
    cancelled: int = 0
    # Done (solved, not solved, not reached) by the due date.
    within: int = 0
    rated: int = 0
    satisfaction_sum: int = 0

    @property
    def due(self) -> int:
        return self.solved + self.unsolved + self.unreached + self.lapsed + self.overdue

    @property
    def late(self) -> int:
        return self.solved + self.unsolved + self.unreached - self.within

    @property
    def coverage(self) -> float | None:
        """Done within the limit ÷ due, in percent."""
        return round(100 * self.within / self.due, 1) if self.due else None

    @property
    def average_satisfaction(self) -> float | None:
        """On the 5-level scale (5 very satisfied … 1 very dissatisfied)."""
        return round(self.satisfaction_sum / self.rated, 1) if self.rated else None

    def __add__(self, other: CallbackFigures) -> CallbackFigures:
        return CallbackFigures(
            **{item.name: getattr(self, item.name) + getattr(other, item.name) for item in fields(self)}
        )


@dataclass(frozen=True)
class CallbackQuarter:
    label: str
    figures: CallbackFigures


@dataclass(frozen=True)
class Volume:
    """Feedback entries of one row (a month or a service area) per kind (KINDS)."""

    label: str
    by_kind: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.by_kind)


@dataclass(frozen=True)
class Theme:
    """A service area's feedback over the period: per kind, and per month
    (FeedbackAnalysis.months)."""

    label: str
    by_kind: tuple[int, ...]
    by_month: tuple[int, ...]
    # Share of all the period's entries, in percent.
    share: float

    @property
    def total(self) -> int:
        return sum(self.by_kind)


@dataclass
class FeedbackAnalysis:
    compound_id: int
    first: Quarter
    last: Quarter
    quarters: list[Quarter] = field(default_factory=list)
    # Quarters with a survey still open: their figures may change.
    open_quarters: list[Quarter] = field(default_factory=list)
    # Weakest first (lowest rate over the period), then the service areas' order.
    satisfaction: list[AreaSatisfaction] = field(default_factory=list)
    satisfaction_all: AreaSatisfaction | None = None
    callbacks: list[CallbackQuarter] = field(default_factory=list)
    callbacks_all: CallbackFigures = field(default_factory=CallbackFigures)
    months: list[Volume] = field(default_factory=list)
    months_all: Volume = field(default_factory=lambda: Volume("", (0,) * len(KINDS)))
    # Most entries first.
    themes: list[Theme] = field(default_factory=list)

    @property
    def below_line(self) -> list[AreaSatisfaction]:
        """The service areas under the line over the period."""
        return [area for area in self.satisfaction if area.period.below_line]

    @property
    def latest_quarter_below_line(self) -> tuple[Quarter | None, list[AreaSatisfaction]]:
        """The latest quarter with answers, and the service areas under the line in it."""
        for index in range(len(self.quarters) - 1, -1, -1):
            if any(area.by_quarter[index].answers for area in self.satisfaction):
                return self.quarters[index], [area for area in self.satisfaction if area.by_quarter[index].below_line]
        return None, []


# --- the queries ------------------------------------------------------------------------


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _local_day(key: datetime | date) -> date:
    # The truncations give an aware datetime on PostgreSQL and SQLite alike; be lenient.
    return timezone.localtime(key, _zone()).date() if isinstance(key, datetime) else key


def _area_names(area_ids: Iterable[int]) -> dict[int, ServiceArea]:
    """The service areas' names and order, one query."""
    return ServiceArea.objects.in_bulk(list(set(area_ids)))


def _area_label(areas: dict[int, ServiceArea], area_id: int) -> str:
    return str(areas[area_id]) if area_id in areas else str(area_id)


def _area_order(areas: dict[int, ServiceArea], area_id: int) -> tuple[int, str]:
    area = areas.get(area_id)
    return (area.order, area.code) if area else (0, "")


def feedback_analysis(*, compound_id: int, first: Quarter, last: Quarter, now: datetime) -> FeedbackAnalysis:
    """The compound's feedback from the first to the last quarter, both
    included. Four queries whatever the number of rows."""
    result = FeedbackAnalysis(compound_id=compound_id, first=first, last=last)
    result.quarters = quarters_between(first, last)
    scores = list(score_groups(compound_id, first, last))
    callbacks = list(callback_groups(compound_id, first, last, now))
    entries = list(entry_groups(compound_id, first, last))
    areas = _area_names([row["service_area_id"] for row in scores] + [row["service_area_id"] for row in entries])
    _satisfaction(result, scores, areas, now)
    _callbacks(result, callbacks)
    _feedback(result, entries, areas, timezone.localtime(now, _zone()).date())
    return result


def score_groups(compound_id: int, first: Quarter, last: Quarter) -> QuerySet[SurveyScore, dict[str, Any]]:
    """Per survey, service area and level: how many answers. A survey counts
    in the quarter its period ends in."""
    return (
        SurveyScore.objects.filter(
            survey__compound_id=compound_id,
            survey__period_end__gte=first.first_day,
            survey__period_end__lte=last.last_day,
        )
        .values("survey_id", "survey__period_end", "survey__closes_at", "service_area_id", "score")
        .annotate(n=Count("id"))
        .order_by()
    )


def _satisfaction(
    result: FeedbackAnalysis, rows: list[dict[str, Any]], areas: dict[int, ServiceArea], now: datetime
) -> None:
    index = {quarter: position for position, quarter in enumerate(result.quarters)}
    empty = LevelCounts()
    cells: dict[int, list[LevelCounts]] = {}
    open_quarters: set[Quarter] = set()
    for row in rows:
        position = index[Quarter.containing(row["survey__period_end"])]
        if row["survey__closes_at"] > now:
            open_quarters.add(result.quarters[position])
        level = LevelCounts(tuple(row["n"] if value == row["score"] else 0 for value in LEVELS))
        quarters = cells.setdefault(row["service_area_id"], [empty] * len(result.quarters))
        quarters[position] += level
    by_area = [
        (area_id, AreaSatisfaction(_area_label(areas, area_id), tuple(quarters), sum(quarters, empty)))
        for area_id, quarters in cells.items()
    ]

    def weakest_first(item: tuple[int, AreaSatisfaction]) -> tuple[Any, ...]:
        area_id, area = item
        exact = area.period.exact_rate
        return (exact if exact is not None else 101, _area_order(areas, area_id))

    result.satisfaction = [area for _area_id, area in sorted(by_area, key=weakest_first)]
    all_quarters = tuple(
        sum((area.by_quarter[position] for area in result.satisfaction), empty)
        for position in range(len(result.quarters))
    )
    result.satisfaction_all = AreaSatisfaction("", all_quarters, sum(all_quarters, empty))
    result.open_quarters = sorted(open_quarters)


def callback_groups(
    compound_id: int, first: Quarter, last: Quarter, now: datetime
) -> QuerySet[Callback, dict[str, Any]]:
    """Per quarter of the due date: the callbacks by outcome, those done
    within the limit, and the satisfaction the owners gave."""
    status = Callback.Status
    return (
        Callback.objects.filter(compound_id=compound_id, due_at__gte=first.starts_at(), due_at__lt=last.ends_at())
        .annotate(quarter=TruncQuarter("due_at", tzinfo=_zone()))
        .values("quarter")
        .annotate(
            solved=Count("id", filter=Q(status=status.SOLVED)),
            unsolved=Count("id", filter=Q(status=status.UNSOLVED)),
            unreached=Count("id", filter=Q(status=status.UNREACHED)),
            lapsed=Count("id", filter=Q(status=status.LAPSED)),
            overdue=Count("id", filter=Q(status=status.PENDING, due_at__lte=now)),
            not_yet_due=Count("id", filter=Q(status=status.PENDING, due_at__gt=now)),
            cancelled=Count("id", filter=Q(status=status.CANCELLED)),
            within=Count("id", filter=Q(status__in=Callback.DONE_STATUSES, done_at__lte=F("due_at"))),
            rated=Count("id", filter=Q(satisfaction__isnull=False) & ~Q(status=status.CANCELLED)),
            satisfaction_sum=Sum("satisfaction", filter=~Q(status=status.CANCELLED), default=0),
        )
        .order_by()
    )


def _callbacks(result: FeedbackAnalysis, rows: list[dict[str, Any]]) -> None:
    names = [item.name for item in fields(CallbackFigures)]
    by_quarter = {
        Quarter.containing(_local_day(row["quarter"])): CallbackFigures(**{name: row[name] for name in names})
        for row in rows
    }
    result.callbacks = [
        CallbackQuarter(quarter.label, by_quarter.get(quarter, CallbackFigures())) for quarter in result.quarters
    ]
    result.callbacks_all = sum((row.figures for row in result.callbacks), CallbackFigures())


def entry_groups(compound_id: int, first: Quarter, last: Quarter) -> QuerySet[FeedbackEntry, dict[str, Any]]:
    """Per month, service area and kind: how many entries the owners left."""
    return (
        FeedbackEntry.objects.filter(
            compound_id=compound_id, created_at__gte=first.starts_at(), created_at__lt=last.ends_at()
        )
        .annotate(month=TruncMonth("created_at", tzinfo=_zone()))
        .values("month", "service_area_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )


def _months(first: Quarter, last: Quarter, today: date) -> list[date]:
    """The first day of every month of the quarters, up to this month."""
    months = []
    for quarter in quarters_between(first, last):
        for offset in range(3):
            month = date(quarter.year, quarter.first_day.month + offset, 1)
            if month <= today:
                months.append(month)
    return months


def _feedback(result: FeedbackAnalysis, rows: list[dict[str, Any]], areas: dict[int, ServiceArea], today: date) -> None:
    months = _months(result.first, result.last, today)
    month_index = {month: position for position, month in enumerate(months)}
    kind_index = {kind: position for position, kind in enumerate(KINDS)}
    per_month = [[0] * len(KINDS) for _month in months]
    per_area: dict[int, tuple[list[int], list[int]]] = {}
    for row in rows:
        month = month_index.get(_local_day(row["month"]).replace(day=1))
        if month is None:
            continue  # not possible: nobody leaves feedback in a month still to come
        kind = kind_index[row["kind"]]
        per_month[month][kind] += row["n"]
        by_kind, by_month = per_area.setdefault(row["service_area_id"], ([0] * len(KINDS), [0] * len(months)))
        by_kind[kind] += row["n"]
        by_month[month] += row["n"]
    result.months = [
        Volume(month.strftime("%Y-%m"), tuple(counts)) for month, counts in zip(months, per_month, strict=True)
    ]
    result.months_all = Volume("", tuple(sum(month.by_kind[k] for month in result.months) for k in range(len(KINDS))))
    total = result.months_all.total
    themes = [
        (
            (-sum(by_kind), _area_order(areas, area_id)),
            Theme(_area_label(areas, area_id), tuple(by_kind), tuple(by_month), round(100 * sum(by_kind) / total, 1)),
        )
        for area_id, (by_kind, by_month) in per_area.items()
    ]
    result.themes = [theme for _rank, theme in sorted(themes, key=lambda item: item[0])]
