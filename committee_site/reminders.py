"""Reminders: what is due, to whom, exactly once.

Apps register a `ReminderSource` in their AppConfig.ready (the base imports
no app). `reminders_sweep(now)` asks each source what comes due soon or is
overdue, creates one `Reminder` row per deadline, recipient and round (the
unique key makes a second sweep, a second beat or a retried task create
nothing new), then sends the due rows: each is re-checked against its object
(a moved deadline or a closed case cancels it), claimed with a conditional
update and notified in one transaction, so a worker killed in the middle
rolls back only the one in hand and the next sweep sends it."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from committee_site import clock
from committee_site.access import COMMITTEE_ROLES, organisation_members
from committee_site.models import Compound, OwnerApplication, Reminder, ReminderEmail, TimeLimits, time_limits_scope
from committee_site.notifications import notify

log = logging.getLogger(__name__)

# Rows are created this far ahead of their send time, so the committee sees
# what is coming; a row's send time decides when it goes out.
UPCOMING = timedelta(days=1)
# How many due rows one pass reads; the sweep passes until none is left.
BATCH = 200


@dataclass(frozen=True)
class Due:
    """One object that waits for a deadline, and who is reminded of it."""

    pk: int
    compound_id: int
    deadline: datetime
    recipient_ids: frozenset[int]
    url: str
    title: str
    # What the message templates see (besides deadline, round and overdue).
    context: dict[str, Any] = field(default_factory=dict, compare=False)


class People:
    """Members of organisations, read once per sweep however many objects ask."""

    def __init__(self) -> None:
        self._members: dict[tuple[int, tuple[str, ...] | None], frozenset[int]] = {}
        self._compounds: dict[int, Compound] = {}

    def members(self, organisation_id: int | None, roles: Iterable[str] | None = None) -> frozenset[int]:
        if organisation_id is None:
            return frozenset()
        key = (organisation_id, tuple(sorted(roles)) if roles is not None else None)
        if key not in self._members:
            self._members[key] = frozenset(user.pk for user in organisation_members(organisation_id, roles))
        return self._members[key]

    def compound(self, compound_id: int) -> Compound:
        if compound_id not in self._compounds:
            self._compounds[compound_id] = Compound.objects.get(pk=compound_id)
        return self._compounds[compound_id]

    def committee(self, compound_id: int) -> frozenset[int]:
        return self.members(self.compound(compound_id).committee_id, COMMITTEE_ROLES)


class ReminderSource:
    """What one kind of reminder is about. Subclasses set the timing and
    answer two questions with indexed queries: which objects have a deadline
    in a window, and, at send time, where the given objects stand now."""

    kind: str = ""
    label: str | Promise = ""
    # Round 0 goes this long before the deadline; None: no reminder before it.
    remind_before: timedelta | None = None
    # After the deadline: round 1 at it, then one every `repeat_every`, at most `repeats` in all.
    repeat_every: timedelta = timedelta(days=1)
    repeats: int = 0

    def due(self, *, since: datetime, until: datetime, people: People) -> Iterable[Due]:
        """Open objects whose deadline lies in [since, until]."""
        raise NotImplementedError

    def current(self, pks: Sequence[int], *, people: People) -> dict[int, Due]:
        """The objects among `pks` that still wait for a deadline, as they are now."""
        raise NotImplementedError

    def round_at(self, deadline: datetime, now: datetime) -> tuple[int, datetime] | None:
        """The round to have a row for at `now`, and when it is sent."""
        if self.remind_before is not None and now < deadline:
            return 0, deadline - self.remind_before
        if not self.repeats:
            return None
        if now < deadline:
            return 1, deadline
        passed = int((now - deadline) / self.repeat_every)
        number = min(passed + 1, self.repeats)
        return number, deadline + (number - 1) * self.repeat_every

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        since = now - self.repeat_every * self.repeats if self.repeats else now
        return since, now + (self.remind_before or timedelta(0)) + UPCOMING

    def too_late(self, reminder: Reminder, now: datetime) -> bool:
        """A row the worker did not reach in time: the next round (or nothing) replaces it."""
        if reminder.round == 0:
            return now >= reminder.deadline
        return reminder.round < self.repeats and now >= reminder.send_at + self.repeat_every


_sources: dict[str, ReminderSource] = {}


def register(source: ReminderSource) -> None:
    _sources[source.kind] = source


def sources() -> dict[str, ReminderSource]:
    return dict(_sources)


def kind_label(kind: str) -> str | Promise:
    source = _sources.get(kind)
    return source.label if source else kind


@dataclass
class SweepResult:
    created: Counter[str] = field(default_factory=Counter)
    sent: Counter[str] = field(default_factory=Counter)
    cancelled: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {"created": dict(self.created), "sent": dict(self.sent), "cancelled": dict(self.cancelled)}


def reminders_create(*, now: datetime, people: People | None = None) -> Counter[str]:
    """Create the rows for every deadline the sources report; existing keys are left alone."""
    people = people or People()
    created: Counter[str] = Counter()
    for source in _sources.values():
        since, until = source.window(now)
        rows: list[Reminder] = []
        for item in source.due(since=since, until=until, people=people):
            timing = source.round_at(item.deadline, now)
            if timing is None:
                continue
            number, send_at = timing
            subject = f"{source.kind}:{item.pk}"
            for recipient_id in sorted(item.recipient_ids):
                key = Reminder.make_key(
                    kind=source.kind, subject=subject, deadline=item.deadline, recipient_id=recipient_id, round=number
                )
                rows.append(
                    Reminder(
                        key=key,
                        kind=source.kind,
                        compound_id=item.compound_id,
                        recipient_id=recipient_id,
                        subject=subject,
                        title=item.title[:200],
                        deadline=item.deadline,
                        round=number,
                        send_at=send_at,
                        url=item.url,
                        created_at=now,
                    )
                )
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            existing = set(Reminder.objects.filter(key__in=[r.key for r in chunk]).values_list("key", flat=True))
            fresh = [r for r in chunk if r.key not in existing]
            # Another sweep may insert the same keys meanwhile: the unique key settles it.
            if fresh:
                Reminder.objects.bulk_create(fresh, ignore_conflicts=True)
                # Rows this sweep inserted carry its moment; a twin's are left out of the count.
                inserted = Reminder.objects.filter(key__in=[r.key for r in fresh], created_at=now).count()
                if inserted:
                    created[source.kind] += inserted
    return created


def _cancel(reminder: Reminder, reason: str) -> bool:
    return bool(
        Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.PENDING).update(
            status=Reminder.Status.CANCELLED, cancel_reason=reason, sent_at=None
        )
    )


def _send(reminder: Reminder, item: Due, now: datetime) -> bool:
    with transaction.atomic():
        # The claim: of two workers holding the same row, one updates it, the
        # other waits for that commit and then finds it no longer pending.
        claimed = Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.PENDING).update(
            status=Reminder.Status.SENT, sent_at=now
        )
        if not claimed:
            return False
        recipient = reminder.recipient
        context = {
            **item.context,
            "deadline": reminder.deadline,
            "round": reminder.round,
            "overdue": reminder.round > 0,
        }
        notification = notify(
            recipient=recipient,
            kind=reminder.kind,
            context=context,
            url=reminder.url,
            email=recipient.reminder_email == ReminderEmail.IMMEDIATE,
        )
        if notification is not None:
            Reminder.objects.filter(pk=reminder.pk).update(notification=notification)
    return True


def reminders_send(*, now: datetime, people: People | None = None) -> tuple[Counter[str], Counter[str]]:
    """Send every row due at `now`, batch by batch. Returns (sent, cancelled) by kind."""
    people = people or People()
    sent: Counter[str] = Counter()
    cancelled: Counter[str] = Counter()
    seen: set[int] = set()
    while True:
        batch = list(
            Reminder.objects.due(now).exclude(pk__in=seen).select_related("recipient").order_by("send_at", "id")[:BATCH]
        )
        if not batch:
            break
        seen.update(r.pk for r in batch)
        by_kind: dict[str, list[Reminder]] = defaultdict(list)
        for reminder in batch:
            by_kind[reminder.kind].append(reminder)
        for kind, reminders in by_kind.items():
            source = _sources.get(kind)
            if source is None:
                log.warning("No reminder source %r is registered; %d reminders wait.", kind, len(reminders))
                continue
            pks = sorted({int(r.subject.rsplit(":", 1)[1]) for r in reminders})
            current = source.current(pks, people=people)
            for reminder in reminders:
                item = current.get(int(reminder.subject.rsplit(":", 1)[1]))
                reason = None
                if item is None:
                    reason = Reminder.CancelReason.NO_LONGER_DUE
                elif item.deadline != reminder.deadline:
                    reason = Reminder.CancelReason.DEADLINE_MOVED
                elif reminder.recipient_id not in item.recipient_ids or not reminder.recipient.is_active:
                    reason = Reminder.CancelReason.NOT_CONCERNED
                elif source.too_late(reminder, now):
                    reason = Reminder.CancelReason.TOO_LATE
                if reason is not None:
                    if _cancel(reminder, reason):
                        cancelled[kind] += 1
                    continue
                assert item is not None
                if _send(reminder, item, now):
                    sent[kind] += 1
    return sent, cancelled


def reminders_sweep(*, now: datetime | None = None) -> SweepResult:
    """Create what is due, then send it: what a beat runs every few minutes."""
    now = now or clock.now()
    people = People()
    result = SweepResult()
    with time_limits_scope():
        result.created = reminders_create(now=now, people=people)
        result.sent, result.cancelled = reminders_send(now=now, people=people)
    return result


# --- the base's own source ------------------------------------------------------


class OwnerApplicationWaiting(ReminderSource):
    """An owner waits for the committee to verify the application: reminded
    once it has waited the acceptance limit, then every two days, three times."""

    kind = "reminder_owner_application"
    label = _("Owner application waiting for verification")
    repeat_every = timedelta(days=2)
    repeats = 3

    def _items(self, applications: Iterable[OwnerApplication], people: People) -> Iterable[Due]:
        wait = TimeLimits.current().accept
        for application in applications:
            compound_id = application.unit.building.compound_id
            yield Due(
                pk=application.pk,
                compound_id=compound_id,
                deadline=application.created_at + wait,
                recipient_ids=people.committee(compound_id),
                url=reverse("owner_application_detail", args=[application.pk]),
                title=f"{application.full_name} ({application.unit})",
                context={"application": application, "unit": application.unit},
            )

    def _queryset(self) -> Any:
        return OwnerApplication.objects.pending().select_related("unit__building")

    def due(self, *, since: datetime, until: datetime, people: People) -> Iterable[Due]:
        wait = TimeLimits.current().accept
        # The (status, created_at) index: only applications from the window.
        rows = self._queryset().filter(created_at__gte=since - wait, created_at__lte=until - wait)
        return self._items(rows, people)

    def current(self, pks: Sequence[int], *, people: People) -> dict[int, Due]:
        return {item.pk: item for item in self._items(self._queryset().filter(pk__in=pks), people)}
