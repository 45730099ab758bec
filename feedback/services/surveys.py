"""Satisfaction surveys (满意度测评): the committee opens a survey of one
period over chosen service areas, open between two local dates; each unit
(户) answers once, one 5-level level per area and an optional comment; the
committee may close it early. A survey's state follows from its dates
(not yet open, open, closed): there is no status to move.

One answer per unit is the database's rule (`surveyanswer_one_per_unit`):
of two answers for one unit at the same moment, on two connections, the
second INSERT waits for the first to commit and then fails; that failure
is caught in a savepoint and turned into the refusal that says when the
unit answered."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from committee_site import clock
from committee_site.access import compound_owners, user_access
from committee_site.models import Compound, OwnerProfile, ServiceArea, Unit, User
from committee_site.notifications import notify
from committee_site.services import ServiceError, audit_record
from complaints.models import Satisfaction
from feedback.models import Survey, SurveyAnswer, SurveyScore
from feedback.queries import survey_last_day, unit_label

TITLE_MAX = 120
COMMENT_MAX = 2000


class AlreadyAnswered(ServiceError):
    """The unit answered this survey before; `answer` is that answer."""

    def __init__(self, answer: SurveyAnswer) -> None:
        super().__init__(answered_text(answer.unit, answer.answered_at))
        self.answer = answer


def answered_text(unit: Unit, at: datetime) -> str:
    """The refusal of a second answer: which unit answered, and when (local time)."""
    return _("%(unit)s answered this survey on %(at)s.") % {"unit": unit_label(unit), "at": clock.minute_text(at)}


def _require_committee(by: User, compound_id: int) -> None:
    if not user_access(by).is_committee(compound_id):
        raise ServiceError(_("Only the committee of the compound can do this."))


# --- open -------------------------------------------------------------------------------


@transaction.atomic
def survey_open(
    *,
    by: User,
    compound: Compound,
    title: str,
    period_start: date,
    period_end: date,
    opens_on: date,
    closes_on: date,
    service_areas: Iterable[ServiceArea],
) -> Survey:
    """Open a survey from local midnight of `opens_on` to the end of
    `closes_on` (its last day, Asia/Shanghai). The response rate is measured
    against the compound's units counted now. If it opens today, the
    compound's owners are told at once; a survey that opens on a later day
    is announced by nobody yet (that is a reminder's job)."""
    _require_committee(by, compound.pk)
    title = title.strip()
    if not title:
        raise ServiceError(_("Give the survey a title."))
    if len(title) > TITLE_MAX:
        raise ServiceError(_("The title is too long: at most %(count)s characters.") % {"count": TITLE_MAX})
    if period_end < period_start:
        raise ServiceError(_("The period ends before it starts."))
    now = clock.now()
    today = timezone.localdate(now)
    if opens_on < today:
        raise ServiceError(_("A survey cannot open on a day that has passed: choose today or a later day."))
    if closes_on < opens_on:
        raise ServiceError(_("The last day to answer comes before the first."))
    areas = list({area.pk: area for area in service_areas}.values())
    if not areas:
        raise ServiceError(_("Choose at least one service area to ask about."))
    units_total = Unit.objects.filter(building__compound=compound).count()
    if not units_total:
        raise ServiceError(_("The compound has no units yet: nobody could answer the survey."))
    survey = Survey.objects.create(
        compound=compound,
        title=title,
        period_start=period_start,
        period_end=period_end,
        opens_at=clock.local_midnight(opens_on),
        closes_at=clock.local_midnight(closes_on + timedelta(days=1)),
        units_total=units_total,
        created_by=by,
        created_at=now,
    )
    survey.service_areas.set(areas)
    audit_record(
        actor=by,
        action="survey.open",
        obj=survey,
        compound=compound,
        data={
            "title": title,
            "period": [period_start.isoformat(), period_end.isoformat()],
            "opens_at": survey.opens_at.isoformat(),
            "closes_at": survey.closes_at.isoformat(),
            "service_areas": sorted(area.pk for area in areas),
            "units_total": units_total,
        },
    )
    if survey.is_open(now):
        _tell_owners(survey)
    return survey


def _tell_owners(survey: Survey) -> None:
    owners = compound_owners(survey.compound_id)
    url = reverse("feedback:survey_detail", args=[survey.pk])
    for owner in owners:
        notify(
            recipient=owner,
            kind="survey_opened",
            context={"survey": survey, "last_day": survey_last_day(survey)},
            url=url,
        )


# --- close early ------------------------------------------------------------------------


@transaction.atomic
def survey_close(*, survey: Survey, by: User) -> Survey:
    """Close an open survey now instead of at the end of its last day. The
    UPDATE matches only the survey as it was loaded (its version) and still
    open, so of two members closing at once one closes it and the other is
    told when it closed."""
    _require_committee(by, survey.compound_id)
    now = clock.now()
    planned = survey.closes_at
    closed = Survey.objects.filter(pk=survey.pk, version=survey.version, opens_at__lte=now, closes_at__gt=now).update(
        closes_at=now, version=F("version") + 1
    )
    if not closed:
        survey.refresh_from_db(fields=["closes_at", "version"])
        if survey.opens_at > now:
            raise ServiceError(_("This survey has not opened yet: there is nothing to close."))
        raise ServiceError(_("This survey closed at %(at)s already.") % {"at": clock.minute_text(survey.closes_at)})
    survey.refresh_from_db(fields=["closes_at", "version"])
    audit_record(
        actor=by,
        action="survey.close",
        obj=survey,
        compound=survey.compound,
        data={"planned_close": planned.isoformat(), "closed_at": now.isoformat()},
    )
    return survey


# --- answer -----------------------------------------------------------------------------


def not_open_text(survey: Survey, now: datetime) -> str | None:
    """Why the survey takes no answer at `now`, or None while it is open."""
    if survey.opens_at > now:
        return _("This survey opens on %(day)s.") % {"day": timezone.localdate(survey.opens_at).isoformat()}
    if survey.closes_at <= now:
        return _("This survey closed at %(at)s: no more answers are taken.") % {
            "at": clock.minute_text(survey.closes_at)
        }
    return None


def earlier_answer(survey: Survey, unit: Unit) -> SurveyAnswer | None:
    return SurveyAnswer.objects.filter(survey=survey, unit=unit).select_related("unit__building").first()


@transaction.atomic
def survey_answer(
    *, survey: Survey, unit: Unit, by: User, scores: Mapping[int, int], comment: str = "", on_paper: bool = False
) -> SurveyAnswer:
    """The answer of one unit, by a verified owner of it, while the survey is
    open: one level (1–5) for every service area asked about. A second answer
    for the unit is refused with AlreadyAnswered, which says when the unit
    answered, even when both arrive at the same moment.

    `on_paper`: the unit answered on a paper form (many owners, the elderly
    especially, answer door to door rather than online) and a committee
    member of the compound types it in, for any unit of the compound; the
    answer is then `by` that member. Every other rule is the same: the
    dates, a level per area, one answer per unit, whichever way it came."""
    if unit.building.compound_id != survey.compound_id:
        raise ServiceError(_("This unit is not in the survey's compound."))
    if on_paper:
        if not user_access(by).is_committee(survey.compound_id):
            raise ServiceError(_("Only the committee of the compound can enter paper forms."))
    elif not OwnerProfile.objects.filter(user=by, verified_at__isnull=False, units=unit).exists():
        raise ServiceError(_("Only a verified owner of the unit can answer for it."))
    now = clock.now()
    refusal = not_open_text(survey, now)
    if refusal is not None:
        raise ServiceError(refusal)
    asked = {area.pk: area for area in survey.service_areas.order_by("order", "code")}
    levels = {int(key): value for key, value in scores.items()}
    if set(levels) - set(asked):
        raise ServiceError(_("The answer names a service area this survey does not ask about."))
    missing = [asked[pk] for pk in asked if levels.get(pk) not in Satisfaction.values]
    if missing:
        raise ServiceError(
            _("Choose a level for every service area: %(areas)s.")
            % {"areas": pgettext("list separator", ", ").join(str(area) for area in missing)}
        )
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise ServiceError(_("The comment is too long: at most %(count)s characters.") % {"count": COMMENT_MAX})
    earlier = earlier_answer(survey, unit)
    if earlier is not None:
        raise AlreadyAnswered(earlier)
    try:
        # A savepoint: the failed INSERT of the loser of a race leaves the
        # transaction usable for reading the winner's answer.
        with transaction.atomic():
            answer = SurveyAnswer.objects.create(
                survey=survey,
                unit=unit,
                building=unit.building,
                answered_by=by,
                answered_at=now,
                comment=comment,
                on_paper=on_paper,
            )
    except IntegrityError:
        winner = earlier_answer(survey, unit)
        if winner is None:
            raise
        raise AlreadyAnswered(winner) from None
    SurveyScore.objects.bulk_create(
        SurveyScore(answer=answer, survey=survey, building=unit.building, service_area_id=pk, score=levels[pk])
        for pk in asked
    )
    data: dict[str, int | bool] = {"survey": survey.pk, "unit": unit.pk}
    if on_paper:
        data["on_paper"] = True
    audit_record(actor=by, action="survey.answer", obj=answer, compound=survey.compound, data=data)
    return answer
