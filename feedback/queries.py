"""Reads the feedback pages compose from several models: functions, data in,
querysets and dataclasses out, a fixed number of queries each whatever the
number of rows, aggregates in SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from committee_site import search
from committee_site.access import user_access
from committee_site.models import Building, ServiceArea, TimeLimits, Unit, User
from complaints.models import Complaint, Satisfaction
from feedback.callback_forms import DONE, TO_CALL
from feedback.models import (
    SATISFACTION_LINE,
    SATISFIED_LEVELS,
    SMALLEST_GROUP,
    Callback,
    CallbackEvent,
    CallbackQuerySet,
    FeedbackEntry,
    FeedbackEntryQuerySet,
    FeedbackEvent,
    FeedbackPhoto,
    Survey,
    SurveyAnswer,
    SurveyScore,
    satisfaction_rate,
)

# --- callbacks (回访) -------------------------------------------------------------------


# --- callbacks (回访) ------------------------------------------------------------------

# The callback list's orders, each served by the (compound, due_at, id) and
# (assigned_to, status, due_at) indexes: what is still to do by its due
# date, the earliest (the overdue ones) first; what was done, latest first.
TO_CALL_ORDER = ("due_at", "id")
DONE_ORDER = ("-due_at", "-id")
# Callbacks with an outcome are listed by when it was recorded, latest
# first (the (compound, done_at, id) index); cancelled and lapsed ones have
# no such moment and keep the due-date order.
RECORDED_ORDER = ("-done_at", "-id")
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
    if status == TO_CALL:
        ordering = TO_CALL_ORDER
    elif set(statuses) <= set(Callback.DONE_STATUSES):
        ordering = RECORDED_ORDER
    else:
        ordering = DONE_ORDER
    return queryset.select_related(*LIST_RELATED), ordering


def callbacks_recently_done(user: User, compound_ids: Iterable[int], data: dict[str, Any]) -> list[Callback]:
    """The latest callbacks made, shown under the ones still to make."""
    queryset = _scoped(user, compound_ids, data).filter(status__in=Callback.DONE_STATUSES)
    return list(queryset.select_related(*LIST_RELATED).order_by(*RECORDED_ORDER)[:RECENT_DONE])


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


# --- self-service feedback (自助反馈) ---------------------------------------------------

FEEDBACK_LIST_RELATED = ("compound", "service_area", "author", "unit__building", "complaint")
# Newest first, ending in the primary key as keyset paging needs; served by
# feedback_compound_created and, with a status, feedback_compound_status.
FEEDBACK_ORDERING = ("-created_at", "-id")


def feedback_reader_compound_ids(user: User) -> frozenset[int]:
    """The compounds whose feedback the user reads in the list: the
    committee's, the community office's and the property company's (which
    sees anonymous entries without identity). Everyone else gets 403."""
    access = user_access(user)
    compound_ids = access.committee_compound_ids | access.officer_compound_ids | access.property_compound_ids
    if not compound_ids:
        raise PermissionDenied
    return compound_ids


def feedback_list(user: User, compound_ids: frozenset[int], data: dict[str, Any]) -> FeedbackEntryQuerySet:
    """The visible entries of the user's compounds as the list's filters
    chose them (validated by FeedbackFilterForm), to page in FEEDBACK_ORDERING."""
    queryset = FeedbackEntry.objects.visible_to(user).filter(compound_id__in=list(compound_ids))
    if data.get("compound"):
        queryset = queryset.filter(compound=data["compound"])
    for key in ("kind", "status", "service_area"):
        if data.get(key):
            queryset = queryset.filter(**{key: data[key]})
    if data.get("q"):
        queryset = cast(FeedbackEntryQuerySet, search.search(queryset, data["q"]))
    return queryset.select_related(*FEEDBACK_LIST_RELATED)


def my_feedback(user: User) -> FeedbackEntryQuerySet:
    """The owner's own entries with their answers, to page in FEEDBACK_ORDERING
    (served by feedback_author)."""
    return (
        FeedbackEntry.objects.visible_to(user)
        .filter(author=user)
        .select_related("compound", "service_area", "complaint", "answered_by")
    )


@dataclass(frozen=True)
class FeedbackTimeline:
    events: list[FeedbackEvent]
    photos: list[FeedbackPhoto]


def feedback_timeline(entry: FeedbackEntry, *, with_photos: bool) -> FeedbackTimeline:
    """One entry's history and its photos (none for a reader who may not see
    them): two queries, or one."""
    return FeedbackTimeline(
        events=list(FeedbackEvent.objects.filter(entry=entry).select_related("actor")),
        photos=list(FeedbackPhoto.objects.filter(entry=entry)) if with_photos else [],
    )


# --- satisfaction surveys ----------------------------------------------------------------

# Open and planned surveys are few; a list shows at most this many of each.
SURVEYS_AT_ONCE = 20
# Why a building's figures are not shown to the property company and owners.
FEWER_THAN_FIVE = "small"
SHIELDING = "shield"


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def unit_label(unit: Unit) -> str:
    """A unit as the rest of the site names it (3号楼1502室, Building 3, unit 1502)."""
    return str(unit)


def survey_last_day(survey: Survey) -> date:
    """The last local day on which the survey takes answers (it closes at the midnight after)."""
    return timezone.localdate(survey.closes_at - timedelta(microseconds=1))


def survey_state(survey: Survey, now: datetime) -> str:
    """ "planned", "open" or "closed": what the dates say at `now`."""
    if survey.opens_at > now:
        return "planned"
    return "open" if survey.closes_at > now else "closed"


@dataclass(frozen=True)
class AnsweredUnit:
    unit: Unit
    answered_at: datetime
    # Typed in by the committee from a paper form (shown on the survey's page).
    on_paper: bool = False

    @property
    def label(self) -> str:
        return unit_label(self.unit)


@dataclass
class SurveyRow:
    """One survey on the list, with what this user may see of it."""

    survey: Survey
    state: str
    answers: int
    # None when the user may not see it (a running survey, fewer than five answers).
    response_rate: float | None = None
    overall_rate: float | None = None
    answered: list[AnsweredUnit] = field(default_factory=list)
    to_answer: list[Unit] = field(default_factory=list)
    details: bool = False

    @property
    def last_day(self) -> date:
        return survey_last_day(self.survey)


@dataclass
class SurveyLists:
    open: list[SurveyRow]
    planned: list[SurveyRow]
    past: list[SurveyRow]


def survey_past_list(user: User, now: datetime) -> QuerySet[Survey]:
    """The closed surveys the user may read, to page by ("-opens_at", "-id")."""
    return Survey.objects.visible_to(user).filter(closes_at__lte=now).select_related("compound")


SURVEY_PAST_ORDER = ("-opens_at", "-id")


def survey_lists(user: User, now: datetime, past: list[Survey]) -> SurveyLists:
    """The survey list page: the open surveys (with each of the owner's units
    answered or still to answer), the planned ones (the committee's), and
    the rows of the page of past ones. Five queries, whatever the rows."""
    access = user_access(user)
    visible = Survey.objects.visible_to(user).select_related("compound")
    open_surveys = list(visible.open_at(now).order_by("closes_at", "id")[:SURVEYS_AT_ONCE])
    planned: list[Survey] = []
    if access.committee_compound_ids:
        planned = list(
            visible.filter(compound_id__in=access.committee_compound_ids, opens_at__gt=now).order_by("opens_at", "id")[
                :SURVEYS_AT_ONCE
            ]
        )
    shown = [*open_surveys, *planned, *past]
    ids = [survey.pk for survey in shown]
    answers = dict(
        SurveyAnswer.objects.filter(survey_id__in=ids).values_list("survey_id").annotate(n=Count("id")).order_by()
    )
    pooled = {
        survey_id: (n, satisfied)
        for survey_id, n, satisfied in SurveyScore.objects.filter(survey_id__in=[s.pk for s in past])
        .values_list("survey_id")
        .annotate(n=Count("id"), satisfied=Count("id", filter=Q(score__in=SATISFIED_LEVELS)))
        .order_by()
    }
    units: list[Unit] = []
    mine: dict[tuple[int, int], datetime] = {}
    if access.owner_compound_ids and open_surveys:
        units = list(
            Unit.objects.filter(owners__user=user, owners__verified_at__isnull=False)
            .select_related("building")
            .order_by("building__sort_key", "building__number", "number")
        )
        mine = {
            (survey_id, unit_id): at
            for survey_id, unit_id, at in SurveyAnswer.objects.filter(
                survey_id__in=[s.pk for s in open_surveys], unit_id__in=[u.pk for u in units]
            ).values_list("survey_id", "unit_id", "answered_at")
        }

    def row(survey: Survey) -> SurveyRow:
        state = survey_state(survey, now)
        details = access.is_committee(survey.compound_id)
        count = answers.get(survey.pk, 0)
        result = SurveyRow(survey=survey, state=state, answers=count, details=details)
        if details or state == "closed":
            result.response_rate = _percent(count, survey.units_total)
        n, satisfied = pooled.get(survey.pk, (0, 0))
        if state == "closed" and (details or count >= SMALLEST_GROUP):
            result.overall_rate = _percent(satisfied, n)
        if state == "open" and access.is_owner(survey.compound_id):
            for unit in units:
                if unit.building.compound_id != survey.compound_id:
                    continue
                at = mine.get((survey.pk, unit.pk))
                if at is None:
                    result.to_answer.append(unit)
                else:
                    result.answered.append(AnsweredUnit(unit, at))
        return result

    return SurveyLists(
        open=[row(s) for s in open_surveys], planned=[row(s) for s in planned], past=[row(s) for s in past]
    )


@dataclass(frozen=True)
class AnswerSplit:
    """How a survey's answers came: online from owners, or typed in from paper forms."""

    total: int
    on_paper: int

    @property
    def online(self) -> int:
        return self.total - self.on_paper


def survey_answer_split(survey: Survey) -> AnswerSplit:
    """One aggregate over the survey's answers, whatever their number."""
    counts = SurveyAnswer.objects.filter(survey=survey).aggregate(
        total=Count("id"), on_paper=Count("id", filter=Q(on_paper=True))
    )
    return AnswerSplit(total=counts["total"], on_paper=counts["on_paper"])


PAPER_RECENT = 5


def survey_paper_recent(survey: Survey, limit: int = PAPER_RECENT) -> list[SurveyAnswer]:
    """The paper forms entered last, for the committee typing a stack of them."""
    return list(
        SurveyAnswer.objects.filter(survey=survey, on_paper=True)
        .select_related("unit__building", "answered_by")
        .order_by("-answered_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class SurveyPage:
    """One survey's page: the areas asked about, the owner's units in the
    compound (answered or not), and for the committee the answers so far,
    online and on paper."""

    areas: list[ServiceArea]
    answered: list[AnsweredUnit]
    to_answer: list[Unit]
    answers: int | None
    split: AnswerSplit | None = None

    @property
    def to_answer_choices(self) -> list[tuple[int, str]]:
        return [(unit.pk, unit_label(unit)) for unit in self.to_answer]


def survey_page(user: User, survey: Survey) -> SurveyPage:
    """At most four queries."""
    access = user_access(user)
    areas = list(survey.service_areas.order_by("order", "code"))
    answered: list[AnsweredUnit] = []
    to_answer: list[Unit] = []
    if access.is_owner(survey.compound_id):
        units = list(
            Unit.objects.filter(
                owners__user=user, owners__verified_at__isnull=False, building__compound_id=survey.compound_id
            )
            .select_related("building")
            .order_by("building__sort_key", "building__number", "number")
        )
        times = {
            unit_id: (at, on_paper)
            for unit_id, at, on_paper in SurveyAnswer.objects.filter(
                survey=survey, unit_id__in=[u.pk for u in units]
            ).values_list("unit_id", "answered_at", "on_paper")
        }
        for unit in units:
            if unit.pk in times:
                answered.append(AnsweredUnit(unit, *times[unit.pk]))
            else:
                to_answer.append(unit)
    split = survey_answer_split(survey) if access.is_committee(survey.compound_id) else None
    return SurveyPage(
        areas=areas, answered=answered, to_answer=to_answer, answers=split.total if split else None, split=split
    )


@dataclass(frozen=True)
class LevelShare:
    level: int
    label: str
    count: int
    percent: float | None


@dataclass
class AreaResult:
    area: ServiceArea
    answers: int
    distribution: dict[int, int]
    # None when there is nothing to show: no answers, or fewer than five for a reader who sees aggregates only.
    rate: float | None
    previous_rate: float | None
    suppressed: bool

    @property
    def change(self) -> float | None:
        """The difference with the previous survey, in percentage points."""
        if self.rate is None or self.previous_rate is None:
            return None
        return self.rate - self.previous_rate

    @property
    def below_line(self) -> bool:
        return self.rate is not None and self.rate < SATISFACTION_LINE

    @property
    def shares(self) -> list[LevelShare]:
        """The five levels, most satisfied first."""
        return [
            LevelShare(
                level,
                str(label),
                self.distribution.get(level, 0),
                _percent(self.distribution.get(level, 0), self.answers),
            )
            for level, label in Satisfaction.choices
        ]


@dataclass(frozen=True)
class BuildingResult:
    building: Building
    # None when not shown to this reader.
    answers: int | None
    rates: list[float | None]
    # Why it is not shown to the property company and owners: FEWER_THAN_FIVE, SHIELDING or "".
    hidden_reason: str
    # The committee sees it all the same.
    shown: bool


@dataclass
class SurveyResults:
    survey: Survey
    details: bool
    answers: int
    response_rate: float | None
    overall_rate: float | None
    areas: list[AreaResult]
    buildings: list[BuildingResult]
    previous: Survey | None
    # Fewer than five answers in all: a reader of aggregates sees no figure of the answers.
    suppressed: bool
    # For the committee: how many answers came online and how many on paper.
    split: AnswerSplit | None = None


def _hidden_buildings(counts: dict[int, int], order: dict[int, int]) -> dict[int, str]:
    """The buildings whose figures the property company and owners do not
    see: those with fewer than five answers, and as many of the next smallest
    as it takes that the hidden ones cannot be worked out by subtracting the
    shown ones from the total: at least two buildings hidden, with at least
    five answers between them (all hidden, if it comes to that)."""
    hidden = {pk: FEWER_THAN_FIVE for pk, n in counts.items() if n < SMALLEST_GROUP}
    if not hidden:
        return hidden
    others = sorted((pk for pk in counts if pk not in hidden), key=lambda pk: (counts[pk], order[pk]))
    while others and (len(hidden) < 2 or sum(counts[pk] for pk in hidden) < SMALLEST_GROUP):
        hidden[others.pop(0)] = SHIELDING
    return hidden


def survey_results(survey: Survey, *, details: bool) -> SurveyResults:
    """The figures of one survey. Per service area: the satisfaction rate
    (very satisfied + satisfied + fairly satisfied ÷ answers), the answers
    over the five levels, and the difference in points with the previous
    survey of the compound; the response rate against the units counted when
    it opened; the rates per building. With `details` (the committee) every
    figure; without (the property company, the community office, owners)
    none resting on fewer than five answers, and none of the small ones
    derivable by subtraction; for the committee also how many answers came on
    paper. Six queries (seven with `details`), whatever the number of answers."""
    areas = list(survey.service_areas.order_by("order", "code"))
    area_ids = [area.pk for area in areas]
    distribution: dict[int, dict[int, int]] = {pk: {} for pk in area_ids}
    for area_id, score, n in (
        SurveyScore.objects.filter(survey=survey)
        .values_list("service_area_id", "score")
        .annotate(n=Count("id"))
        .order_by()
    ):
        distribution.setdefault(area_id, {})[score] = n
    cells: dict[tuple[int, int], tuple[int, int]] = {}
    per_building: dict[int, int] = {}
    for building_id, area_id, n, satisfied in (
        SurveyScore.objects.filter(survey=survey)
        .values_list("building_id", "service_area_id")
        .annotate(n=Count("id"), satisfied=Count("id", filter=Q(score__in=SATISFIED_LEVELS)))
        .order_by()
    ):
        cells[(building_id, area_id)] = (n, satisfied)
        # Every answer has a level for every area asked about.
        per_building[building_id] = max(per_building.get(building_id, 0), n)
    answers = sum(per_building.values())
    suppressed = not details and answers < SMALLEST_GROUP

    previous = (
        Survey.objects.filter(compound_id=survey.compound_id, opens_at__lt=survey.opens_at)
        .order_by("-opens_at", "-id")
        .first()
    )
    previous_rates: dict[int, float | None] = {}
    if previous is not None and (details or previous.is_closed()):
        rows = list(
            SurveyScore.objects.filter(survey=previous)
            .values_list("service_area_id")
            .annotate(n=Count("id"), satisfied=Count("id", filter=Q(score__in=SATISFIED_LEVELS)))
            .order_by()
        )
        for area_id, n, satisfied in rows:
            if details or n >= SMALLEST_GROUP:
                previous_rates[area_id] = _percent(satisfied, n)

    area_results = []
    total_n = total_satisfied = 0
    for area in areas:
        levels = distribution.get(area.pk, {})
        n = sum(levels.values())
        total_n += n
        total_satisfied += sum(levels.get(int(level), 0) for level in SATISFIED_LEVELS)
        hide = not details and n < SMALLEST_GROUP
        area_results.append(
            AreaResult(
                area=area,
                answers=n,
                distribution={} if hide else levels,
                rate=None if hide else satisfaction_rate(levels),
                previous_rate=previous_rates.get(area.pk),
                suppressed=hide and n > 0,
            )
        )

    buildings = list(Building.objects.filter(pk__in=list(per_building)))
    order = {building.pk: position for position, building in enumerate(buildings)}
    hidden = _hidden_buildings(per_building, order)
    building_results = []
    for building in buildings:
        reason = hidden.get(building.pk, "")
        shown = details or not reason
        rates = [
            _percent(cells[(building.pk, pk)][1], cells[(building.pk, pk)][0])
            if shown and (building.pk, pk) in cells
            else None
            for pk in area_ids
        ]
        building_results.append(
            BuildingResult(
                building=building,
                answers=per_building[building.pk] if shown else None,
                rates=rates,
                hidden_reason=reason,
                shown=shown,
            )
        )
    if suppressed:
        building_results = []
    return SurveyResults(
        survey=survey,
        details=details,
        answers=answers,
        response_rate=_percent(answers, survey.units_total),
        overall_rate=None if suppressed else _percent(total_satisfied, total_n),
        areas=area_results,
        buildings=building_results,
        previous=previous,
        suppressed=suppressed,
        split=survey_answer_split(survey) if details else None,
    )


def survey_comments(survey: Survey) -> QuerySet[SurveyAnswer]:
    """The answers with a comment, for the committee only; page by ("-answered_at", "-id")."""
    return SurveyAnswer.objects.filter(survey=survey).exclude(comment="").select_related("unit__building")


SURVEY_COMMENTS_ORDER = ("-answered_at", "-id")
