"""The analysis of the archive (记录的分析): per quarter, where the service is
weak. Counts the complaints, inspections and rectifications archived for one
compound by service area, category and location, the repeat problems and the
overdue rates, next to the quarter before. Every figure is a GROUP BY in the
database: four queries whatever the number of records, no row loaded to be
counted. Names only what the records' own columns hold, never an owner."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from committee_site import clock
from records.models import ArchiveRecord, RecordKind

# The kinds whose records say something about the service; minutes, letters
# and reports are the committee's own papers.
ANALYSED_KINDS: tuple[str, ...] = (RecordKind.COMPLAINT, RecordKind.INSPECTION, RecordKind.RECTIFICATION)
# Records named under one repeat problem; the count says how many there are in all.
REPEAT_RECORDS_SHOWN = 10


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1 … 4

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def last_complete(cls, today: date) -> Quarter:
        return cls.containing(today).previous()

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.next().first_day.toordinal() - 1)

    @property
    def label(self) -> str:
        return _("%(year)s Q%(number)s") % {"year": self.year, "number": self.number}

    def starts_at(self) -> datetime:
        """Local midnight of its first day: the quarter as the compound lives it."""
        return clock.local_midnight(self.first_day)

    def ends_at(self) -> datetime:
        return self.next().starts_at()


@dataclass(frozen=True)
class Figures:
    """One quarter's records of one row: per analysed kind, and how many of
    those with a deadline missed it."""

    by_kind: tuple[int, ...] = (0,) * len(ANALYSED_KINDS)
    overdue: int = 0
    # Records whose kind has a deadline (overdue is True or False, not None).
    with_deadline: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_kind)

    @property
    def overdue_percent(self) -> float | None:
        if not self.with_deadline:
            return None
        return round(100 * self.overdue / self.with_deadline, 1)

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            tuple(a + b for a, b in zip(self.by_kind, other.by_kind, strict=True)),
            self.overdue + other.overdue,
            self.with_deadline + other.with_deadline,
        )


@dataclass(frozen=True)
class Row:
    label: str
    current: Figures
    previous: Figures

    @property
    def change(self) -> int:
        return self.current.total - self.previous.total

    @property
    def overdue_change(self) -> float | None:
        """In percentage points; None when either quarter had nothing with a deadline."""
        now, before = self.current.overdue_percent, self.previous.overdue_percent
        if now is None or before is None:
            return None
        return round(now - before, 1)


@dataclass(frozen=True)
class RecordRef:
    pk: int
    number: str
    kind: str
    happened_at: datetime


@dataclass(frozen=True)
class Repeat:
    """The same category at the same building at least `threshold` times in the quarter."""

    building: str
    category: str
    count: int
    records: list[RecordRef]

    @property
    def more(self) -> int:
        return self.count - len(self.records)


@dataclass
class RecordAnalysis:
    compound_id: int
    quarter: Quarter
    repeat_threshold: int
    total: Row = field(default_factory=lambda: Row("", Figures(), Figures()))
    by_kind: list[Row] = field(default_factory=list)
    by_service_area: list[Row] = field(default_factory=list)
    by_category: list[Row] = field(default_factory=list)
    by_building: list[Row] = field(default_factory=list)
    repeats: list[Repeat] = field(default_factory=list)

    @property
    def previous(self) -> Quarter:
        return self.quarter.previous()


def _period(compound_id: int, start: datetime, end: datetime) -> QuerySet[ArchiveRecord]:
    return ArchiveRecord.objects.filter(
        compound_id=compound_id, kind__in=ANALYSED_KINDS, happened_at__gte=start, happened_at__lt=end
    )


def _figures_by(queryset: QuerySet[ArchiveRecord], columns: Iterable[str], current_from: datetime) -> list[Any]:
    """One GROUP BY over both quarters: per group and kind, this quarter's and
    the previous quarter's counts side by side (conditional counts)."""
    now = Q(happened_at__gte=current_from)
    before = Q(happened_at__lt=current_from)
    late = Q(overdue=True)
    timed = Q(overdue__isnull=False)
    return list(
        queryset.values(*columns, "kind")
        .annotate(
            n=Count("id", filter=now),
            late=Count("id", filter=now & late),
            timed=Count("id", filter=now & timed),
            prev_n=Count("id", filter=before),
            prev_late=Count("id", filter=before & late),
            prev_timed=Count("id", filter=before & timed),
        )
        .order_by()
    )


def _one_kind(kind: str, n: int, late: int, timed: int) -> Figures:
    counts = tuple(n if analysed == kind else 0 for analysed in ANALYSED_KINDS)
    return Figures(counts, late, timed)


def _fold(groups: list[Any], key: Any) -> dict[Any, tuple[dict[str, Any], Figures, Figures]]:
    """Folds the (group, kind) rows into one entry per group: a sample row
    (for its names), this quarter's and the previous quarter's figures."""
    folded: dict[Any, tuple[dict[str, Any], Figures, Figures]] = {}
    for group in groups:
        sample, current, previous = folded.get(key(group), (group, Figures(), Figures()))
        folded[key(group)] = (
            sample,
            current + _one_kind(group["kind"], group["n"], group["late"], group["timed"]),
            previous + _one_kind(group["kind"], group["prev_n"], group["prev_late"], group["prev_timed"]),
        )
    return folded


def _rows(groups: list[Any], key: Any, label: Any, order: Any) -> list[Row]:
    """One Row per group, the weakest first: most records this quarter, then
    most the quarter before, then the group's own order."""
    folded = _fold(groups, key)
    ranked = [
        ((-current.total, -previous.total, order(sample)), Row(label(sample), current, previous))
        for sample, current, previous in folded.values()
    ]
    return [row for _rank, row in sorted(ranked, key=lambda item: item[0])]


def _area_name(group: dict[str, Any]) -> str:
    if group["service_area_id"] is None:
        return _("No service area")
    english = group["service_area__name_en"]
    return english if (get_language() or "").startswith("en") and english else group["service_area__name"]


def _building_name(number: str | None) -> str:
    if number is None:
        return _("Compound-wide")
    return _("Building %(number)s") % {"number": number}


def record_analysis(*, compound_id: int, quarter: Quarter, repeat_threshold: int) -> RecordAnalysis:
    """The compound's figures for the quarter and the one before. Four
    queries: by service area, by category, by building, the repeat problems."""
    result = RecordAnalysis(compound_id=compound_id, quarter=quarter, repeat_threshold=repeat_threshold)
    current_from = quarter.starts_at()
    both = _period(compound_id, quarter.previous().starts_at(), quarter.ends_at())

    by_area = _figures_by(both, ("service_area_id", "service_area__name", "service_area__name_en"), current_from)
    result.by_service_area = _rows(
        by_area,
        key=lambda g: g["service_area_id"],
        label=_area_name,
        # Among equals, the records without a service area go last.
        order=lambda g: (g["service_area_id"] is None, _area_name(g)),
    )
    # Every record has one service area or none: the same groups give the kinds and the whole.
    kinds = _fold(by_area, key=lambda g: g["kind"])
    empty: tuple[dict[str, Any], Figures, Figures] = ({}, Figures(), Figures())
    result.by_kind = [
        Row(str(RecordKind(kind).label), kinds.get(kind, empty)[1], kinds.get(kind, empty)[2])
        for kind in ANALYSED_KINDS
    ]
    result.total = Row(
        _("All records"),
        sum((row.current for row in result.by_kind), Figures()),
        sum((row.previous for row in result.by_kind), Figures()),
    )
    result.by_category = _rows(
        _figures_by(both, ("category",), current_from),
        key=lambda g: g["category"],
        label=lambda g: g["category"] or _("No category"),
        order=lambda g: (g["category"] == "", g["category"]),
    )
    result.by_building = _rows(
        _figures_by(both, ("building_id", "building__number", "building__sort_key"), current_from),
        key=lambda g: g["building_id"],
        label=lambda g: _building_name(g["building__number"]),
        order=lambda g: (g["building_id"] is None, g["building__sort_key"] or 0, g["building__number"] or ""),
    )
    result.repeats = _repeats(_period(compound_id, current_from, quarter.ends_at()), repeat_threshold)
    return result


def _repeats(period: QuerySet[ArchiveRecord], threshold: int) -> list[Repeat]:
    """The same category at the same building `threshold` times or more. A
    record without a building (compound-wide, such as a routine inspection
    round) or without a category names no place or problem that could repeat.
    One query: window functions count each pair and number its records, so
    only the first few records of each repeat leave the database."""
    pair = [F("building_id"), F("category")]
    rows = (
        period.filter(building__isnull=False)
        .exclude(category="")
        .annotate(
            times=Window(Count("id"), partition_by=pair),
            position=Window(RowNumber(), partition_by=pair, order_by=[F("happened_at").asc(), F("id").asc()]),
        )
        .filter(times__gte=threshold, position__lte=REPEAT_RECORDS_SHOWN)
        .values_list(
            "building_id",
            "building__number",
            "building__sort_key",
            "category",
            "times",
            "pk",
            "number",
            "kind",
            "happened_at",
        )
        .order_by("building_id", "category", "happened_at", "id")
    )
    found: dict[tuple[int, str], tuple[Repeat, tuple[int, str]]] = {}
    for building_id, number, sort_key, category, times, pk, archive_number, kind, happened_at in rows:
        key = (building_id, category)
        if key not in found:
            found[key] = (Repeat(_building_name(number), category, times, []), (sort_key, number))
        found[key][0].records.append(RecordRef(pk, archive_number, kind, happened_at))
    ordered = sorted(found.values(), key=lambda item: (-item[0].count, item[1], item[0].category))
    return [repeat for repeat, _order in ordered]
