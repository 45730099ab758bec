"""The complaints' reminders: registered with the base's sweep in apps.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from committee_site.reminders import Due, People, ReminderSource
from complaints.models import OPEN_STATUSES, Complaint, Status


def _rows(
    pks: Sequence[int] | None = None,
    *,
    statuses: Iterable[str],
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Complaint]:
    rows = Complaint.objects.filter(status__in=list(statuses), next_due_at__isnull=False).select_related("compound")
    if pks is not None:
        return rows.filter(pk__in=list(pks))
    # The partial next_due_at index: only complaints near or past their deadline.
    return rows.filter(next_due_at__gte=since, next_due_at__lte=until)


class ComplaintWaiting(ReminderSource):
    """A complaint waits for acceptance, a reply or its resolution: the
    committee, and the organisation it is assigned to, are reminded four hours
    before the deadline, then daily while it is overdue, for a week."""

    kind = "reminder_complaint"
    label = _("Complaint waiting for acceptance, a reply or resolution")
    remind_before = timedelta(hours=4)
    repeat_every = timedelta(days=1)
    repeats = 7

    def _items(self, complaints: Iterable[Complaint], people: People) -> Iterable[Due]:
        for complaint in complaints:
            assert complaint.next_due_at is not None
            recipients = people.committee(complaint.compound_id)
            if complaint.status in (Status.ASSIGNED, Status.IN_PROGRESS):
                recipients |= people.members(complaint.assignee_id)
            yield Due(
                pk=complaint.pk,
                compound_id=complaint.compound_id,
                deadline=complaint.next_due_at,
                recipient_ids=recipients,
                url=reverse("complaints:detail", args=[complaint.pk]),
                title=f"{complaint.reference} {complaint.title}",
                context={"complaint": complaint, "compound": complaint.compound},
            )

    def due(self, *, since: datetime, until: datetime, people: People) -> Iterable[Due]:
        return self._items(_rows(statuses=OPEN_STATUSES, since=since, until=until), people)

    def current(self, pks: Sequence[int], *, people: People) -> dict[int, Due]:
        return {item.pk: item for item in self._items(_rows(pks, statuses=OPEN_STATUSES), people)}


class DisputeWindowClosing(ReminderSource):
    """The owner may still dispute a reply: reminded a day before the window closes."""

    kind = "reminder_dispute_closing"
    label = _("Dispute window of a replied complaint about to close")
    remind_before = timedelta(days=1)

    def _items(self, complaints: Iterable[Complaint]) -> Iterable[Due]:
        for complaint in complaints:
            if complaint.complainant_id is None or complaint.next_due_at is None:
                continue  # recorded for someone without an account: the committee calls them
            yield Due(
                pk=complaint.pk,
                compound_id=complaint.compound_id,
                deadline=complaint.next_due_at,
                recipient_ids=frozenset({complaint.complainant_id}),
                url=reverse("complaints:detail", args=[complaint.pk]),
                title=f"{complaint.reference} {complaint.title}",
                context={"complaint": complaint, "compound": complaint.compound},
            )

    def due(self, *, since: datetime, until: datetime, people: People) -> Iterable[Due]:
        return self._items(_rows(statuses=[Status.RESOLVED], since=since, until=until))

    def current(self, pks: Sequence[int], *, people: People) -> dict[int, Due]:
        return {item.pk: item for item in self._items(_rows(pks, statuses=[Status.RESOLVED]))}
