"""The time the services go by: the real time, except inside `frozen_at()`,
with which the demo data runs the real workflow at moments in the past.
A context variable, so it never leaks into another request or thread.
Also the site's local day and minute, which records and downloads show."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

_frozen: ContextVar[datetime | None] = ContextVar("committee_site_clock_frozen", default=None)


def now() -> datetime:
    return _frozen.get() or timezone.now()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    token = _frozen.set(moment)
    try:
        yield
    finally:
        _frozen.reset(token)


def local_midnight(day: date, at: time = time.min) -> datetime:
    """The start of a day as the compound lives it (the site's time zone), or the given time of it."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(settings.TIME_ZONE))


def minute_text(moment: datetime | None, *, empty: str = "") -> str:
    """A moment as YYYY-MM-DD HH:MM in the site's time zone, for records and downloads."""
    if moment is None:
        return empty
    return timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%d %H:%M")
