"""Feedback's reminders: registered with the base's sweep in apps.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from committee_site import clock
from committee_site.reminders import Due, People, ReminderSource
from feedback.models import Callback, Survey, SurveyAnswer
from feedback.queries import survey_last_day


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


def _unanswered_owners(surveys: Sequence[Survey]) -> dict[int, frozenset[int]]:
    """Per survey, the active verified owners of a unit of its compound that
    has not answered it (one answer per unit: the unit's other owners have
    answered too). One query for all the surveys, whatever the owners."""
    if not surveys:
        return {}
    answered = SurveyAnswer.objects.filter(survey_id=OuterRef("pk"), unit_id=OuterRef("compound__buildings__units"))
    rows = (
        Survey.objects.filter(
            ~Exists(answered),
            pk__in=[survey.pk for survey in surveys],
            compound__buildings__units__owners__verified_at__isnull=False,
            compound__buildings__units__owners__user__is_active=True,
        )
        .values_list("pk", "compound__buildings__units__owners__user_id")
        .distinct()
    )
    owners: dict[int, set[int]] = defaultdict(set)
    for survey_id, user_id in rows:
        owners[survey_id].add(user_id)
    return {survey_id: frozenset(ids) for survey_id, ids in owners.items()}


class SurveyClosing(ReminderSource):
    """A survey about to close: the owners whose unit has not answered are
    reminded two days before it closes, once. A survey closed early, or a
    unit that answered meanwhile, cancels what was still to be sent."""

    kind = "reminder_survey_closing"
    label = _("Survey about to close, not yet answered")
    remind_before = timedelta(days=2)

    def _items(self, surveys: QuerySet[Survey], now: datetime) -> Iterable[Due]:
        # Only surveys already open: one that opens later is reminded by a sweep after it opened.
        rows = list(surveys.filter(opens_at__lte=now).select_related("compound"))
        owners = _unanswered_owners(rows)
        for survey in rows:
            yield Due(
                pk=survey.pk,
                compound_id=survey.compound_id,
                deadline=survey.closes_at,
                recipient_ids=owners.get(survey.pk, frozenset()),
                url=reverse("feedback:survey_detail", args=[survey.pk]),
                title=survey.title,
                context={"survey": survey, "compound": survey.compound, "last_day": survey_last_day(survey)},
            )

    def due(self, *, since: datetime, until: datetime, people: People) -> Iterable[Due]:
        # The (closes_at) index: only surveys closing within the window, which
        # starts at the sweep's moment (no reminder after a survey closed).
        return self._items(Survey.objects.filter(closes_at__gte=since, closes_at__lte=until), since)

    def current(self, pks: Sequence[int], *, people: People) -> dict[int, Due]:
        now = clock.now()
        rows = Survey.objects.filter(pk__in=list(pks), closes_at__gt=now)
        return {item.pk: item for item in self._items(rows, now)}
