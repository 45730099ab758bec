"""The inspections' reminders: rectification deadlines, re-inspections,
inspections coming up and the quarter's joint inspections. Registered with
the base's sweep in apps.py; each `due()` reads one indexed range."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committee_site import clock
from committee_site.access import COMMITTEE_ROLES, PROPERTY_ROLES
from committee_site.models import Compound, Membership, Role, TimeLimits
from committee_site.reminders import UPCOMING, Due, People, ReminderSource
from inspections.models import Inspection, InspectionKind, Party, RectificationNotice, quarter_bounds

# An inspection has a day, not an hour: its reminder speaks of the morning it is held.
INSPECTION_MORNING = time(8, 0)

PARTY_ROLES: dict[str, frozenset[str]] = {
    Party.COMMITTEE: COMMITTEE_ROLES,
    Party.PROPERTY_COMPANY: PROPERTY_ROLES,
    Party.COMMUNITY_OFFICE: frozenset({Role.COMMUNITY_OFFICER}),
}


# --- rectification notices -----------------------------------------------------------


def _notices(pks: Sequence[int] | None, statuses: Iterable[str]) -> QuerySet[RectificationNotice]:
    rows = RectificationNotice.objects.filter(status__in=list(statuses)).select_related("compound", "organisation")
    return rows if pks is None else rows.filter(pk__in=list(pks))


class RectificationDue(ReminderSource):
    """A notice's rectification deadline (整改期限): the responsible
    organisation's people and the committee are reminded a day before it, then
    daily while the work is overdue, for a week."""

    kind = "reminder_rectification"
    label = _("Rectification deadline near or past")
    remind_before = timedelta(days=1)
    repeat_every = timedelta(days=1)
    repeats = 7

    def _items(self, notices: Iterable[RectificationNotice], people: People) -> Iterable[Due]:
        for notice in notices:
            yield Due(
                pk=notice.pk,
                compound_id=notice.compound_id,
                deadline=notice.deadline,
                recipient_ids=people.committee(notice.compound_id) | people.members(notice.organisation_id),
                url=reverse("inspections:notice_detail", args=[notice.pk]),
                title=f"{notice.reference} {notice.title}",
                context={"notice": notice, "compound": notice.compound},
            )

    def due(self, *, since: datetime, until: datetime, people: People) -> Iterable[Due]:
        # The partial (deadline) index of notices that still owe work.
        rows = _notices(None, RectificationNotice.WORK_STATUSES).filter(deadline__gte=since, deadline__lte=until)
        return self._items(rows, people)

    def current(self, pks: Sequence[int], *, people: People) -> dict[int, Due]:
        return {item.pk: item for item in self._items(_notices(pks, RectificationNotice.WORK_STATUSES), people)}


class ReinspectionDue(ReminderSource):
    """The company reported the work done: the committee re-inspects within
    the site's reinspect_days of the report, reminded a day before that, then
    every two days, three times."""

    kind = "reminder_reinspection"
    label = _("Re-inspection of a rectification due")
    remind_before = timedelta(days=1)
    repeat_every = timedelta(days=2)
    repeats = 3

    def _wait(self) -> timedelta:
        return timedelta(days=TimeLimits.current().reinspect_days)

    def _items(self, notices: Iterable[RectificationNotice], people: People) -> Iterable[Due]:
        wait = self._wait()
        for notice in notices:
            if notice.submitted_at is None:
                continue  # reported before the report's time was kept: its rows carry none
            yield Due(
                pk=notice.pk,
                compound_id=notice.compound_id,
                deadline=notice.submitted_at + wait,
                recipient_ids=people.committee(notice.compound_id),
                url=reverse("inspections:notice_detail", args=[notice.pk]),
                title=f"{notice.reference} {notice.title}",
                context={"notice": notice, "compound": notice.compound, "submitted_at": notice.submitted_at},
            )

    def due(self, *, since: datetime, until: datetime, people: People) -> Iterable[Due]:
        wait = self._wait()
        # The partial (submitted_at) index of notices awaiting re-inspection.
        rows = _notices(None, [RectificationNotice.Status.AWAITING_REVIEW]).filter(
            submitted_at__gte=since - wait, submitted_at__lte=until - wait
        )
        return self._items(rows, people)

    def current(self, pks: Sequence[int], *, people: People) -> dict[int, Due]:
        rows = _notices(pks, [RectificationNotice.Status.AWAITING_REVIEW])
        return {item.pk: item for item in self._items(rows, people)}


# --- inspections coming up -----------------------------------------------------------


class InspectionComing(ReminderSource):
    """A planned inspection: its participants, and for a joint inspection
    every member of the three signing parties, are reminded the site's
    plan_remind_days ahead (0: on the morning itself)."""

    kind = "reminder_inspection"
    label = _("Inspection coming up")

    def _before(self) -> timedelta:
        return timedelta(days=TimeLimits.current().plan_remind_days)

    def round_at(self, deadline: datetime, now: datetime) -> tuple[int, datetime] | None:
        # The notice ahead is a site setting, so it is read here rather than set on the class.
        if now >= deadline:
            return None
        return 0, deadline - self._before()

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        return now, now + self._before() + UPCOMING

    def _items(self, inspections: Iterable[Inspection], people: People) -> Iterable[Due]:
        for inspection in inspections:
            recipients = frozenset(p.user_id for p in inspection.participants.all())
            if inspection.kind == InspectionKind.JOINT:
                for party in inspection.parties.all():
                    recipients |= people.members(party.organisation_id, PARTY_ROLES[party.party])
            yield Due(
                pk=inspection.pk,
                compound_id=inspection.compound_id,
                deadline=clock.local_midnight(inspection.planned_on, INSPECTION_MORNING),
                recipient_ids=recipients,
                url=reverse("inspections:inspection_detail", args=[inspection.pk]),
                title=f"{inspection.display_title} {inspection.planned_on:%Y-%m-%d}",
                context={"inspection": inspection, "compound": inspection.compound},
            )

    def _rows(self) -> QuerySet[Inspection]:
        return (
            Inspection.objects.filter(status=Inspection.Status.PLANNED)
            .select_related("compound")
            .prefetch_related("participants", "parties")
        )

    def due(self, *, since: datetime, until: datetime, people: People) -> Iterable[Due]:
        first = timezone.localdate(since - timedelta(hours=INSPECTION_MORNING.hour))
        last = timezone.localdate(until)
        # The partial (planned_on) index of planned inspections.
        return self._items(self._rows().filter(planned_on__gte=first, planned_on__lte=last), people)

    def current(self, pks: Sequence[int], *, people: People) -> dict[int, Due]:
        return {item.pk: item for item in self._items(self._rows().filter(pk__in=list(pks)), people)}


# --- the quarter's joint inspections ---------------------------------------------


class _JointQuarter(ReminderSource):
    """Per compound and quarter, one warning at a fixed moment of the quarter
    when it has fewer joint inspections than the site's
    joint_inspections_per_quarter. The object is the compound; the moment,
    part of the row's key, tells the quarters apart."""

    repeat_every = timedelta(days=7)
    repeats = 1
    # Which inspections count, and who is warned besides the committee.
    statuses: tuple[str, ...] = ()
    tell_office = False

    def checkpoint(self, start: date, end: date) -> datetime:
        raise NotImplementedError

    def _quarters(self, first: date, last: date) -> list[tuple[date, date]]:
        quarters = []
        start, end = quarter_bounds(first)
        while start <= last:
            quarters.append((start, end))
            start, end = quarter_bounds(end)
        return quarters

    def _items(self, compounds: QuerySet[Compound], start: date, end: date) -> Iterable[Due]:
        required = TimeLimits.current().joint_inspections_per_quarter
        if not required:
            return []
        counted = Q(inspections__kind=InspectionKind.JOINT, inspections__planned_on__gte=start)
        counted &= Q(inspections__planned_on__lt=end)
        if self.statuses:
            counted &= Q(inspections__status__in=list(self.statuses))
        short = list(
            compounds.filter(committee__isnull=False)
            .annotate(held=Count("inspections", filter=counted))
            .filter(held__lt=required)
            .order_by("pk")
        )
        organisations = {c.committee_id for c in short}
        if self.tell_office:
            organisations |= {c.community_office_id for c in short if c.community_office_id}
        # One query for every compound's people, however many compounds are short.
        members: dict[int, set[int]] = defaultdict(set)
        roles = COMMITTEE_ROLES | (PARTY_ROLES[Party.COMMUNITY_OFFICE] if self.tell_office else frozenset())
        for organisation_id, user_id in Membership.objects.filter(
            organisation_id__in=organisations, active=True, user__is_active=True, role__in=list(roles)
        ).values_list("organisation_id", "user_id"):
            members[organisation_id].add(user_id)
        deadline = self.checkpoint(start, end)
        last_day = end - timedelta(days=1)
        items = []
        for compound in short:
            recipients = set(members[compound.committee_id] if compound.committee_id else ())
            if self.tell_office and compound.community_office_id:
                recipients |= members[compound.community_office_id]
            items.append(
                Due(
                    pk=compound.pk,
                    compound_id=compound.pk,
                    deadline=deadline,
                    recipient_ids=frozenset(recipients),
                    url=reverse("inspections:quarter"),
                    title=f"{compound.name} {start.year}Q{(start.month - 1) // 3 + 1}",
                    context={
                        "compound": compound,
                        "quarter_start": start,
                        "quarter_end": last_day,
                        "held": compound.held,
                        "required": required,
                    },
                )
            )
        return items

    def due(self, *, since: datetime, until: datetime, people: People) -> Iterable[Due]:
        items: list[Due] = []
        for start, end in self._quarters(timezone.localdate(since), timezone.localdate(until)):
            if since <= self.checkpoint(start, end) <= until:
                items.extend(self._items(Compound.objects.all(), start, end))
        return items

    def current(self, pks: Sequence[int], *, people: People) -> dict[int, Due]:
        # The warning of the quarter under way, once its moment has come;
        # after the quarter it says nothing anyone can still act on.
        now = clock.now()
        start, end = quarter_bounds(timezone.localdate(now))
        if now < self.checkpoint(start, end):
            return {}
        return {item.pk: item for item in self._items(Compound.objects.filter(pk__in=list(pks)), start, end)}


class JointUnplanned(_JointQuarter):
    """By the end of the quarter's second month no joint inspection is planned: the committee is warned."""

    kind = "reminder_joint_unplanned"
    label = _("Quarter without a joint inspection planned")

    def checkpoint(self, start: date, end: date) -> datetime:
        month = start.month + 2
        return clock.local_midnight(start.replace(month=month))


class JointNotDone(_JointQuarter):
    """Two weeks before the quarter ends no joint inspection has been held:
    the committee and the community office are warned."""

    kind = "reminder_joint_not_done"
    label = _("Quarter without a joint inspection held")
    statuses = (Inspection.Status.SIGNING, Inspection.Status.COMPLETED, Inspection.Status.ARCHIVED)
    tell_office = True

    def checkpoint(self, start: date, end: date) -> datetime:
        return clock.local_midnight(end - timedelta(days=14))


SOURCES: tuple[type[ReminderSource], ...] = (
    RectificationDue,
    ReinspectionDue,
    InspectionComing,
    JointUnplanned,
    JointNotDone,
)
