"""Reads for the committee's dashboard, the property staff's queue and the
analysis page. Every query here is bounded: counts per status come from
StatusCount, the workload counts only look at open complaints, lists are
keyset pages, and the analysis looks at one compound over one period."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from committee_site import clock, search
from committee_site.access import user_access
from committee_site.models import Building, ServiceArea, TimeLimits, User
from complaints.filters import DUE_SOON, OPEN, OVERDUE, SORTS
from complaints.models import (
    OPEN_STATUSES,
    Action,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    ComplaintPhoto,
    ComplaintQuerySet,
    Publication,
    Status,
    StatusCount,
    complaint_origin,
)

NEW_DAYS = 7

LIST_RELATED = ("compound", "category", "service_area", "unit__building", "building", "assignee")


def overseen_compound_ids(user: User) -> frozenset[int]:
    """The compounds whose complaints the user oversees: the committee's, and
    read-only the community office's. Everyone else gets 403."""
    access = user_access(user)
    compound_ids = access.committee_compound_ids | access.officer_compound_ids
    if not compound_ids:
        raise PermissionDenied
    return compound_ids


# --- one complaint ------------------------------------------------------------------


@dataclass(frozen=True)
class Timeline:
    events: list[ComplaintEvent]
    intake_photos: list[ComplaintPhoto]
    publication: Publication | None


def complaint_timeline(complaint: Complaint, *, internal: bool) -> Timeline:
    """The complaint page's history: every event with its photos, the photos
    filed with the complaint, and the published result. The complainant
    (internal=False) sees only what is meant for the owner. Four queries."""
    events = ComplaintEvent.objects.filter(complaint=complaint).select_related("actor")
    photos = ComplaintPhoto.objects.filter(complaint=complaint)
    if not internal:
        events = events.filter(visible_to_owner=True)
        photos = photos.filter(visible_to_owner=True)
    events = events.prefetch_related(Prefetch("photos", queryset=photos, to_attr="shown_photos"))
    shown: list[ComplaintEvent] = list(events)
    for event in shown:
        if event.action in (Action.SUBMIT, Action.RECORD):
            # Where it came from, in the reader's language, as the entry's note: the page and the
            # API's owner timeline show the note. Never saved: the stored event keeps its own.
            event.note = "\n".join(filter(None, [complaint_origin(complaint.channel, event.action), event.note]))
    return Timeline(
        events=shown,
        intake_photos=list(photos.filter(event__isnull=True)),
        publication=Publication.objects.filter(complaint=complaint).select_related("building").first(),
    )


# --- the home page --------------------------------------------------------------------

HOME_QUEUE = 5


@dataclass(frozen=True)
class HomeQueues:
    """Each person's own queue on the home page: the owner's open complaints,
    the complaints waiting for the committee's acceptance, the property
    staff's assigned work by urgency. At most HOME_QUEUE rows each."""

    mine: list[Complaint]
    to_accept: list[Complaint]
    assigned: list[Complaint]


def home_queues(user: User) -> HomeQueues:
    access = user_access(user)
    visible = Complaint.objects.visible_to(user).select_related("category")
    mine = visible.filter(complainant=user, status__in=OPEN_STATUSES | {Status.RESOLVED})
    to_accept = visible.filter(compound_id__in=access.committee_compound_ids, status=Status.SUBMITTED)
    assigned = visible.filter(
        compound_id__in=access.property_compound_ids, assignee_id__in=access.organisation_ids, status__in=OPEN_STATUSES
    )
    return HomeQueues(
        mine=list(mine.order_by("-submitted_at", "-id")[:HOME_QUEUE]) if access.owner_compound_ids else [],
        to_accept=list(to_accept.order_by("next_due_at", "id")[:HOME_QUEUE]) if access.committee_compound_ids else [],
        assigned=list(assigned.order_by("next_due_at", "id")[:HOME_QUEUE]) if access.property_compound_ids else [],
    )


# --- the dashboard ------------------------------------------------------------------


def new_since(now: datetime) -> date:
    """The first day that counts as new: today and the NEW_DAYS - 1 days before."""
    return timezone.localdate(now) - timedelta(days=NEW_DAYS - 1)


@dataclass(frozen=True)
class DashboardCounts:
    by_status: list[tuple[str, str, int]]
    new: int
    overdue: int
    due_soon: int
    due_soon_hours: int


def dashboard_counts(compound_ids: frozenset[int] | list[int], now: datetime) -> DashboardCounts:
    """Two queries whatever the size of the table: the kept per-status counts,
    and the open workload's three counts, each read from a partial index over
    the open complaints; and the time limits, once a request."""
    due_soon_hours = TimeLimits.current().due_soon_hours
    soon = now + timedelta(hours=due_soon_hours)
    kept = dict(
        StatusCount.objects.filter(compound_id__in=list(compound_ids))
        .values("status")
        .annotate(total=Sum("count"))
        .values_list("status", "total")
    )
    open_rows = Complaint.objects.filter(compound_id__in=list(compound_ids), status__in=OPEN_STATUSES)
    new, overdue, due_soon = _counts(
        open_rows.filter(submitted_at__gte=clock.local_midnight(new_since(now))),
        open_rows.filter(next_due_at__lt=now),
        open_rows.filter(next_due_at__gte=now, next_due_at__lt=soon),
    )
    return DashboardCounts(
        by_status=[(value, str(label), int(kept.get(value) or 0)) for value, label in Status.choices],
        new=new,
        overdue=overdue,
        due_soon=due_soon,
        due_soon_hours=due_soon_hours,
    )


def _counts(*querysets: QuerySet[Any]) -> list[int]:
    """The row counts of several querysets in one round trip. Each count is its
    own subquery, so PostgreSQL answers each from a partial index over the open
    complaints, reading index entries only (complaints 0012), where one pass
    with FILTER clauses would fetch every open row to test it."""
    parts: list[str] = []
    params: list[Any] = []
    for queryset in querysets:
        sql, part_params = queryset.order_by().values("pk").query.sql_with_params()
        # Django compiled the SQL and keeps the values apart as parameters.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")  # noqa: S608
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return [int(n) for n in row]


def dashboard_list(
    user: User, compound_ids: frozenset[int], data: dict[str, Any], now: datetime
) -> tuple[ComplaintQuerySet, tuple[str, ...]]:
    """The filtered, visible complaints and the ordering to page them in."""
    queryset = Complaint.objects.visible_to(user).filter(compound_id__in=list(compound_ids))
    queryset = apply_filters(queryset, data, now)
    sort = data.get("sort") or "newest"
    ordering = SORTS[sort]
    if sort == "deadline":
        # Keyset paging needs a value in every sort column; complaints in a
        # final status wait for no deadline, so this order lists those that do.
        queryset = queryset.filter(next_due_at__isnull=False)
    return queryset.select_related(*LIST_RELATED), ordering


def apply_filters(queryset: ComplaintQuerySet, data: dict[str, Any], now: datetime) -> ComplaintQuerySet:
    if data.get("compound"):
        queryset = queryset.filter(compound=data["compound"])
    status = data.get("status")
    if status == OPEN:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status:
        queryset = queryset.filter(status=status)
    for key, column in (
        ("category", "category"),
        ("service_area", "service_area"),
        ("responsible", "responsible_party"),
        ("channel", "channel"),
    ):
        if data.get(key):
            queryset = queryset.filter(**{column: data[key]})
    if data.get("due") == OVERDUE:
        queryset = queryset.overdue(now)
    elif data.get("due") == DUE_SOON:
        queryset = queryset.due_within(TimeLimits.current().due_soon_hours, now)
    if data.get("submitted_from"):
        queryset = queryset.filter(submitted_at__gte=clock.local_midnight(data["submitted_from"]))
    if data.get("submitted_to"):
        queryset = queryset.filter(submitted_at__lt=clock.local_midnight(data["submitted_to"] + timedelta(days=1)))
    if data.get("q"):
        queryset = cast(ComplaintQuerySet, search.search(queryset, data["q"]))
    return queryset


# --- the property staff's queue --------------------------------------------------------


def assigned_queue(user: User) -> tuple[ComplaintQuerySet, tuple[str, ...]]:
    """Open complaints assigned to the user's company in their compounds,
    most urgent first: the earliest deadline (overdue ones have passed it)."""
    access = user_access(user)
    if not access.property_compound_ids:
        raise PermissionDenied
    queryset = Complaint.objects.visible_to(user).filter(
        compound_id__in=list(access.property_compound_ids),
        assignee_id__in=list(access.organisation_ids),
        status__in=OPEN_STATUSES,
        next_due_at__isnull=False,
    )
    return queryset.select_related(*LIST_RELATED), ("next_due_at", "id")


# --- analysis ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    count: int


@dataclass(frozen=True)
class ChannelRow:
    """How complaints of one channel fared: how many came, closed, are overdue
    now, and how long they took to the result on average."""

    channel: str
    label: str
    count: int
    closed: int
    overdue: int
    average_hours: float | None


@dataclass(frozen=True)
class Month:
    label: str
    received: int
    replied: int


@dataclass(frozen=True)
class Rate:
    label: str
    missed: int
    counted: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.missed / self.counted, 1) if self.counted else None


@dataclass(frozen=True)
class HotSpot:
    building: str
    category: str
    count: int
    first: datetime
    last: datetime


@dataclass
class Analysis:
    start: date
    end: date
    total: int = 0
    by_category: list[Bar] = field(default_factory=list)
    by_service_area: list[Bar] = field(default_factory=list)
    by_building: list[Bar] = field(default_factory=list)
    by_channel: list[ChannelRow] = field(default_factory=list)
    by_month: list[Month] = field(default_factory=list)
    replied: int = 0
    median_hours: float | None = None
    average_hours: float | None = None
    rates: list[Rate] = field(default_factory=list)
    hot_spots: list[HotSpot] = field(default_factory=list)
    # The rule the hot spots were found by: at least this many within so many days.
    hot_spot_count: int = 0
    hot_spot_days: int = 0


def _months(start: date, end: date) -> list[date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def _month_day(key: datetime | date, zone: ZoneInfo) -> date:
    # TruncMonth gives an aware datetime on PostgreSQL and SQLite alike; be lenient.
    return timezone.localtime(key, zone).date() if isinstance(key, datetime) else key


def _bars(rows: list[tuple[int | None, int]], names: dict[int, Any], none_label: str) -> list[Bar]:
    bars = [Bar(str(names[key]) if key in names else none_label, count) for key, count in rows]
    return sorted(bars, key=lambda bar: (-bar.count, bar.label))


def analyse(*, compound_id: int, start: date, end: date, now: datetime, none_label: str) -> Analysis:
    """What the committee asks of a period: where complaints come from, how
    fast they are answered and resolved, how often deadlines slip, and which
    problems keep coming back. A fixed number of queries over one compound."""
    zone = ZoneInfo(settings.TIME_ZONE)
    period = Complaint.objects.filter(
        compound_id=compound_id,
        submitted_at__gte=clock.local_midnight(start),
        submitted_at__lt=clock.local_midnight(end + timedelta(days=1)),
    )
    result = Analysis(start=start, end=end)

    def grouped(column: str) -> list[tuple[int | None, int]]:
        return list(period.values_list(column).annotate(n=Count("id")).order_by())

    by_category = grouped("category_id")
    by_area = grouped("service_area_id")
    by_building = grouped("building_id")
    result.total = sum(count for _key, count in by_category)
    result.by_category = _bars(by_category, Category.objects.in_bulk([k for k, _ in by_category if k]), none_label)
    result.by_service_area = _bars(by_area, ServiceArea.objects.in_bulk([k for k, _ in by_area if k]), none_label)
    buildings = Building.objects.in_bulk([k for k, _ in by_building if k])
    result.by_building = _bars(by_building, buildings, none_label)

    result.by_channel = _by_channel(period, now)

    received = dict(
        period.annotate(month=TruncMonth("submitted_at", tzinfo=zone)).values_list("month").annotate(n=Count("id"))
    )
    replied_rows = dict(
        period.filter(resolved_at__isnull=False)
        .annotate(month=TruncMonth("resolved_at", tzinfo=zone))
        .values_list("month")
        .annotate(n=Count("id"))
    )
    received_by_day = {_month_day(key, zone): count for key, count in received.items()}
    replied_by_day = {_month_day(key, zone): count for key, count in replied_rows.items()}
    result.by_month = [
        Month(month.strftime("%Y-%m"), received_by_day.get(month, 0), replied_by_day.get(month, 0))
        for month in _months(start, end)
    ]

    durations = [
        (replied - submitted).total_seconds() / 3600
        for submitted, replied in period.filter(resolved_at__isnull=False).values_list("submitted_at", "resolved_at")
        if replied is not None
    ]
    result.replied = len(durations)
    if durations:
        result.median_hours = round(statistics.median(durations), 1)
        result.average_hours = round(statistics.fmean(durations), 1)

    result.rates = _deadline_rates(period, now)
    limits = TimeLimits.current()
    result.hot_spot_count, result.hot_spot_days = limits.hot_spot_count, limits.hot_spot_days
    result.hot_spots = _hot_spots(period, buildings, count=limits.hot_spot_count, days=limits.hot_spot_days)
    return result


def _by_channel(period: Any, now: datetime) -> list[ChannelRow]:
    """Where complaints came from (web, phone, the mailbox, WeChat…): one
    GROUP BY over the period, the most first."""
    rows = (
        period.values_list("channel")
        .annotate(
            n=Count("id"),
            closed=Count("id", filter=Q(status=Status.CLOSED)),
            overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, next_due_at__lt=now)),
            took=Avg(
                ExpressionWrapper(F("resolved_at") - F("submitted_at"), output_field=DurationField()),
                filter=Q(resolved_at__isnull=False),
            ),
        )
        .order_by()
    )
    labels = dict(Channel.choices)
    found = [
        ChannelRow(
            channel=channel,
            label=str(labels.get(channel, channel)),
            count=count,
            closed=closed,
            overdue=overdue,
            average_hours=duration_hours(took),
        )
        for channel, count, closed, overdue, took in rows
    ]
    # Ties in the order of the choices, the same in either language.
    order = {value: index for index, value in enumerate(Channel.values)}
    return sorted(found, key=lambda row: (-row.count, order.get(row.channel, len(order))))


def duration_hours(value: timedelta | float | None) -> float | None:
    """An aggregated duration in hours, to a tenth: it comes back as a
    timedelta, or on SQLite (an average, a median) as microseconds."""
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value) / 1_000_000
    return round(seconds / 3600, 1)


def _deadline_rates(period: Any, now: datetime) -> list[Rate]:
    """Share of complaints that missed each deadline, from the recorded times.
    A complaint counts once its deadline has passed or the step was taken."""
    waiting_for_reply = [Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED]
    accept_late_now = Q(status=Status.SUBMITTED, accept_due_at__lt=now)
    reply_late_now = Q(status__in=waiting_for_reply, reply_due_at__lt=now)
    resolve_late_now = Q(status__in=OPEN_STATUSES, resolve_due_at__lt=now)
    # The handling plan is the first answer the owner gets; a reply with the
    # result without a plan first cannot happen, but counts if it ever does.
    replied_late = Q(planned_at__gt=F("reply_due_at")) | Q(planned_at__isnull=True, resolved_at__gt=F("reply_due_at"))
    figures = period.aggregate(
        accept_counted=Count("id", filter=Q(accepted_at__isnull=False) | accept_late_now),
        accept_missed=Count("id", filter=Q(accepted_at__gt=F("accept_due_at")) | accept_late_now),
        reply_counted=Count("id", filter=Q(planned_at__isnull=False) | Q(resolved_at__isnull=False) | reply_late_now),
        reply_missed=Count("id", filter=replied_late | reply_late_now),
        resolve_counted=Count(
            "id", filter=Q(resolve_due_at__isnull=False) & (Q(resolved_at__isnull=False) | resolve_late_now)
        ),
        resolve_missed=Count("id", filter=Q(resolved_at__gt=F("resolve_due_at")) | resolve_late_now),
    )
    return [
        Rate(str(_("Accept")), figures["accept_missed"], figures["accept_counted"]),
        Rate(str(_("Reply to the owner")), figures["reply_missed"], figures["reply_counted"]),
        Rate(str(_("Resolve")), figures["resolve_missed"], figures["resolve_counted"]),
    ]


def _hot_spots(period: Any, buildings: dict[int, Building], *, count: int, days: int) -> list[HotSpot]:
    """The same kind of problem in the same building at least `count` times
    within any `days`: the widest such window per pair."""
    times: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    for building_id, category_id, submitted_at in (
        period.filter(building_id__isnull=False)
        .values_list("building_id", "category_id", "submitted_at")
        .order_by("building_id", "category_id", "submitted_at")
    ):
        times[(building_id, category_id)].append(submitted_at)
    window = timedelta(days=days)
    found: list[tuple[tuple[int, int], int, datetime, datetime]] = []
    for key, moments in times.items():
        best, first, last, left = 0, moments[0], moments[0], 0
        for right, moment in enumerate(moments):
            while moment - moments[left] > window:
                left += 1
            if right - left + 1 > best:
                best, first, last = right - left + 1, moments[left], moment
        if best >= count:
            found.append((key, best, first, last))
    categories = Category.objects.in_bulk([key[1] for key, *_rest in found])
    spots = [
        HotSpot(str(buildings[building_id]), str(categories[category_id]), count, first, last)
        for (building_id, category_id), count, first, last in found
    ]
    return sorted(spots, key=lambda spot: (-spot.count, spot.building, spot.category))
