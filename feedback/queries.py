"""Reads the feedback pages compose: functions, data in, dataclasses or
querysets out, a fixed number of queries whatever the number of rows, every
filter and order served by an index of the model."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q

from committee_site.access import user_access
from committee_site.models import TimeLimits, User
from complaints.models import Complaint
from feedback.callback_forms import DONE, TO_CALL
from feedback.models import Callback, CallbackEvent, CallbackQuerySet

# --- callbacks (回访) ------------------------------------------------------------------

# The callback list's two orders, each served by the (compound, due_at, id)
# and (assigned_to, status, due_at) indexes: what is still to do by its due
# date, the earliest (the overdue ones) first; what was done, latest first.
TO_CALL_ORDER = ("due_at", "id")
DONE_ORDER = ("-due_at", "-id")
# How many of the latest done callbacks the list shows under the ones to make.
RECENT_DONE = 10
# Callback coverage looks back this many days.
COVERAGE_DAYS = 90
HOME_CALLBACKS = 5

LIST_RELATED = ("compound", "assigned_to", "complaint__complainant")


def _scoped(user: User, compound_ids: Iterable[int], data: dict[str, Any]) -> CallbackQuerySet:
    queryset = Callback.objects.visible_to(user).filter(compound_id__in=list(compound_ids))
    if data.get("compound"):
        queryset = queryset.filter(compound=data["compound"])
    if data.get("mine"):
        queryset = queryset.filter(assigned_to=user)
    return queryset


def callback_list(
    user: User, compound_ids: Iterable[int], data: dict[str, Any]
) -> tuple[CallbackQuerySet, tuple[str, ...]]:
    """The list the filters chose and the order to page it in: the callbacks
    to make (by default), every done one, or those in one status."""
    queryset = _scoped(user, compound_ids, data)
    status = data.get("status") or TO_CALL
    statuses = Callback.DONE_STATUSES if status == DONE else (status,)
    queryset = queryset.filter(status__in=statuses)
    ordering = TO_CALL_ORDER if status == TO_CALL else DONE_ORDER
    return queryset.select_related(*LIST_RELATED), ordering


def callbacks_recently_done(user: User, compound_ids: Iterable[int], data: dict[str, Any]) -> list[Callback]:
    """The latest callbacks made, shown under the ones still to make."""
    queryset = _scoped(user, compound_ids, data).filter(status__in=Callback.DONE_STATUSES)
    return list(queryset.select_related(*LIST_RELATED).order_by(*DONE_ORDER)[:RECENT_DONE])


def callbacks_to_make(user: User) -> list[Callback]:
    """The home page's queue: the member's own callbacks still to make, the
    most urgent first (the assignee index)."""
    return list(
        Callback.objects.filter(assigned_to=user, status=Callback.Status.PENDING)
        .filter(compound_id__in=list(user_access(user).committee_compound_ids))
        .select_related("complaint")
        .order_by(*TO_CALL_ORDER)[:HOME_CALLBACKS]
    )


def callback_history(callback: Callback) -> list[CallbackEvent]:
    """The callback's events, oldest first, with who took each step."""
    return list(CallbackEvent.objects.filter(callback=callback).select_related("actor").order_by("at", "id"))


def complaint_callback(complaint: Complaint) -> Callback | None:
    """The complaint's latest callback (a complaint replied to again after an
    unsolved callback has a new one), by the (complaint, -created_at) index."""
    latest = Callback.objects.filter(complaint=complaint).select_related("assigned_to")
    return latest.order_by("-created_at", "-id").first()


@dataclass(frozen=True)
class Coverage:
    """Callback coverage (回访率): of the replied complaints whose callback
    fell due in the last `days` days or was already made, how many were
    called back within the limit."""

    on_time: int
    counted: int
    days: int
    limit_days: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.on_time / self.counted) if self.counted else None


def callback_coverage(compound_ids: Iterable[int], now: datetime) -> Coverage:
    """One aggregate over the (compound, due_at) index. Counted: the
    callbacks due since `COVERAGE_DAYS` ago, up to now or made already (a
    callback not yet due and not made is still open, so not counted); a
    cancelled one (the owner disputed first) is not the committee's to make.
    On time: solved, not solved or owner not reached, recorded by its due
    time. Overdue pending and lapsed ones count against it."""
    made = Q(status__in=Callback.DONE_STATUSES)
    figures = Callback.objects.filter(
        compound_id__in=list(compound_ids), due_at__gte=now - timedelta(days=COVERAGE_DAYS)
    ).aggregate(
        counted=Count("id", filter=~Q(status=Callback.Status.CANCELLED) & (Q(due_at__lt=now) | made)),
        on_time=Count("id", filter=made & Q(done_at__lte=F("due_at"))),
    )
    return Coverage(
        on_time=figures["on_time"],
        counted=figures["counted"],
        days=COVERAGE_DAYS,
        limit_days=TimeLimits.current().callback_days,
    )
