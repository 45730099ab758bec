"""Feedback's reminders: registered with the base's sweep in apps.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from committee_site.reminders import Due, People, ReminderSource
from feedback.models import Callback


class CallbackDue(ReminderSource):
    """A callback (回访) to make: the member it is assigned to (the whole
    committee while nobody is) is reminded a day before it is due, then
    daily while it is late, three times."""

    kind = "reminder_callback"
    label = _("Callback due")
    remind_before = timedelta(days=1)
    repeat_every = timedelta(days=1)
    repeats = 3

    def _items(self, callbacks: Iterable[Callback], people: People) -> Iterable[Due]:
        for callback in callbacks:
            complaint = callback.complaint
            recipients = (
                frozenset({callback.assigned_to_id})
                if callback.assigned_to_id is not None
                else people.committee(callback.compound_id)
            )
            yield Due(
                pk=callback.pk,
                compound_id=callback.compound_id,
                deadline=callback.due_at,
                recipient_ids=recipients,
                url=reverse("feedback:callback_detail", args=[callback.pk]),
                title=f"{complaint.reference} {complaint.title}",
                context={"callback": callback, "complaint": complaint, "compound": callback.compound},
            )

    def _rows(self) -> QuerySet[Callback]:
        return Callback.objects.filter(status=Callback.Status.PENDING).select_related("complaint", "compound")

    def due(self, *, since: datetime, until: datetime, people: People) -> Iterable[Due]:
        # The partial (due_at) index of pending callbacks.
        return self._items(self._rows().filter(due_at__gte=since, due_at__lte=until), people)

    def current(self, pks: Sequence[int], *, people: People) -> dict[int, Due]:
        return {item.pk: item for item in self._items(self._rows().filter(pk__in=list(pks)), people)}
