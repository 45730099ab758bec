"""The figures of one compound's quarterly report (DESIGN.md §3), from
aggregate queries only: nothing is loaded to be counted, so one compound's
report costs the same dozen queries at a hundred complaints or a million.

Everything is counted as of the end of the quarter (or now, for a quarter
not yet over) from the recorded timestamps, so composing the report again
later gives the same figures unless a record was corrected. The result is
plain JSON (stored on the report): names kept in both languages, shown in
the reader's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import translation

from committee_site.models import ServiceArea, TimeLimits
from complaints.models import Category, Channel, Complaint
from complaints.queries import duration_hours
from feedback.analysis import feedback_analysis
from feedback.models import Survey, SurveyAnswer
from inspections.models import Inspection, InspectionItem, InspectionKind, RectificationNotice
from records.analysis import Quarter

# Bumped when the shape of the figures changes; the page reads older shapes too.
FIGURES_VERSION = 2  # 2: complaints by channel
# Hot spots listed at most (the most complaints first).
HOT_SPOTS_SHOWN = 10
# Inspections that count as held: their record is complete.
HELD = (Inspection.Status.COMPLETED, Inspection.Status.ARCHIVED)


class Median(Aggregate):
    """PostgreSQL's exact median of an interval or a number."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


def as_of(quarter: Quarter, now: datetime) -> datetime:
    return min(now, quarter.ends_at())


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _overdue(at: datetime) -> Q:
    """Past its resolve deadline by `at` without the result: replied late, or
    neither replied nor otherwise ended (withdrawn, rejected, referred) by
    the deadline."""
    return Q(resolve_due_at__lt=at) & (
        Q(resolved_at__gt=F("resolve_due_at"))
        | Q(resolved_at__isnull=True) & (Q(closed_at__isnull=True) | Q(closed_at__gt=F("resolve_due_at")))
    )


def _complaint_counts(period: QuerySet[Complaint], at: datetime) -> dict[str, Any]:
    """Each deadline counts a complaint once it passed or the step was taken
    (as complaints/queries.py's analysis does), as of `at`; a complaint
    rejected or withdrawn before a deadline owed nothing by it."""
    first_answer = Coalesce("planned_at", "resolved_at")
    ended = Q(resolved_at__lt=at) | Q(closed_at__lt=at)
    return period.annotate(first_answer=first_answer).aggregate(
        received=Count("id"),
        accept_counted=Count(
            "id",
            filter=Q(accepted_at__lt=at)
            | Q(accept_due_at__lt=at, accepted_at__isnull=True) & ~Q(closed_at__lte=F("accept_due_at")),
        ),
        accepted_within=Count("id", filter=Q(accepted_at__lt=at, accepted_at__lte=F("accept_due_at"))),
        reply_counted=Count(
            "id",
            filter=Q(first_answer__lt=at)
            | Q(reply_due_at__lt=at) & ~Q(first_answer__isnull=True, closed_at__lte=F("reply_due_at")),
        ),
        replied_within=Count("id", filter=Q(first_answer__lt=at, first_answer__lte=F("reply_due_at"))),
        resolved=Count("id", filter=Q(resolved_at__lt=at)),
        resolve_counted=Count(
            "id", filter=Q(resolve_due_at__isnull=False) & (Q(resolved_at__lt=at) | Q(resolve_due_at__lt=at))
        ),
        resolved_within=Count("id", filter=Q(resolved_at__lt=at, resolved_at__lte=F("resolve_due_at"))),
        overdue=Count("id", filter=_overdue(at)),
        open_at_end=Count("id", filter=~ended),
    )


def _median_hours(period: QuerySet[Complaint], at: datetime, resolved: int) -> float | None:
    """Median time from submission to reply, of the complaints replied by `at`.
    On PostgreSQL percentile_cont; elsewhere the middle row(s) of one
    ordered query (no rows loaded but those one or two)."""
    replied = period.filter(resolved_at__lt=at).annotate(
        took=ExpressionWrapper(F("resolved_at") - F("submitted_at"), output_field=DurationField())
    )
    if connection.vendor == "postgresql":
        return duration_hours(replied.aggregate(median=Median("took", output_field=DurationField()))["median"])
    middle = list(replied.order_by("took", "id").values_list("took", flat=True)[max(resolved - 1, 0) // 2 :][:2])
    if not middle:
        return None
    if resolved % 2 == 1 or len(middle) == 1:
        return duration_hours(middle[0])
    low, high = middle
    return duration_hours((low + high) / 2)


def _grouped(
    period: QuerySet[Complaint], column: str, at: datetime, names: dict[int, tuple[str, str]]
) -> list[dict[str, Any]]:
    rows = (
        period.values(column)
        .annotate(
            received=Count("id"),
            resolved=Count("id", filter=Q(resolved_at__lt=at)),
            resolved_within=Count("id", filter=Q(resolved_at__lt=at, resolved_at__lte=F("resolve_due_at"))),
            overdue=Count("id", filter=_overdue(at)),
        )
        .order_by()
    )
    result = []
    for row in rows:
        name, name_en = names.get(row[column], ("", ""))
        result.append(
            {
                "id": row[column],
                "name": name,
                "name_en": name_en,
                "received": row["received"],
                "resolved": row["resolved"],
                "resolved_within": row["resolved_within"],
                "overdue": row["overdue"],
            }
        )
    return sorted(result, key=lambda item: (-item["received"], item["name"], item["id"] or 0))


def _by_channel(period: QuerySet[Complaint], at: datetime) -> list[dict[str, Any]]:
    """Where the quarter's complaints came from (web, phone, the mailbox,
    WeChat…): one GROUP BY; the channel kept as its code, named when shown."""
    rows = (
        period.values("channel")
        .annotate(
            received=Count("id"),
            resolved=Count("id", filter=Q(resolved_at__lt=at)),
            overdue=Count("id", filter=_overdue(at)),
        )
        .order_by()
    )
    order = {value: index for index, value in enumerate(Channel.values)}
    return sorted(
        ({"channel": row["channel"], "received": row["received"], "resolved": row["resolved"],
          "overdue": row["overdue"]} for row in rows),
        key=lambda item: (-item["received"], order.get(item["channel"], len(order))),
    )  # fmt: skip


def _average(points: int | None, scored: int) -> float | None:
    return round((points or 0) / scored, 1) if scored else None


def _inspections(compound_id: int, start: datetime, at: datetime) -> dict[str, Any]:
    held = Inspection.objects.filter(compound_id=compound_id, completed_at__gte=start, completed_at__lt=at)
    rows: dict[str, dict[str, Any]] = {
        row["kind"]: row
        for row in held.filter(status__in=HELD)
        .values("kind")
        .annotate(n=Count("id"), scored=Count("score"), points=Sum("score"))
        .order_by()
    }
    critical = InspectionItem.objects.filter(
        inspection__compound_id=compound_id,
        inspection__completed_at__gte=start,
        inspection__completed_at__lt=at,
        inspection__status__in=HELD,
        critical=True,
        deduction__gt=0,
    ).count()
    empty = {"n": 0, "scored": 0, "points": 0}
    by_kind = {
        kind: {
            "count": rows.get(kind, empty)["n"],
            "average": _average(rows.get(kind, empty)["points"], rows.get(kind, empty)["scored"]),
        }
        for kind in InspectionKind.values
    }
    count = sum(row["n"] for row in rows.values())
    # The average of the inspections, not of the kinds' averages.
    average = _average(sum(row["points"] or 0 for row in rows.values()), sum(row["scored"] for row in rows.values()))
    return {"by_kind": by_kind, "count": count, "average_score": average, "critical_findings": critical}


def _rectification(compound_id: int, start: datetime, end: datetime, at: datetime) -> dict[str, Any]:
    """The notices issued in the quarter: how many were verified by its end,
    and of those whose deadline passed, how many were not verified in time."""
    figures = RectificationNotice.objects.filter(
        compound_id=compound_id, created_at__gte=start, created_at__lt=end
    ).aggregate(
        issued=Count("id"),
        closed=Count("id", filter=Q(verified_at__lt=at)),
        due=Count("id", filter=Q(deadline__lt=at)),
        overdue=Count(
            "id",
            filter=Q(deadline__lt=at) & (Q(verified_at__isnull=True) | Q(verified_at__gt=F("deadline"))),
        ),
        critical=Count("id", filter=Q(severity=RectificationNotice.Severity.CRITICAL)),
    )
    figures["closure_rate"] = _percent(figures["closed"], figures["issued"])
    figures["overdue_rate"] = _percent(figures["overdue"], figures["due"])
    return figures


def _feedback(compound_id: int, quarter: Quarter, at: datetime, areas: dict[int, tuple[str, str]]) -> dict[str, Any]:
    # The analysis names service areas in the active language: Chinese here,
    # and the English looked up from the table of service areas.
    with translation.override("zh-hans"):
        analysis = feedback_analysis(compound_id=compound_id, first=quarter, last=quarter, now=at)
    english = dict(areas.values())
    callbacks = analysis.callbacks_all
    survey_all = analysis.satisfaction_all.period if analysis.satisfaction_all else None
    # The analysis counts ratings (one per service area of each answer): the
    # owners' answer sheets and the units asked are counted here, of the same
    # surveys (those about the quarter, which may still be collecting answers).
    surveys = Survey.objects.filter(
        compound_id=compound_id, period_end__gte=quarter.first_day, period_end__lte=quarter.last_day
    )
    sheets = {
        "units": surveys.aggregate(units=Coalesce(Sum("units_total"), 0))["units"],
        "answers": SurveyAnswer.objects.filter(survey__in=surveys).count(),
    }
    return {
        "callbacks": {
            "due": callbacks.due,
            "within": callbacks.within,
            "late": callbacks.late,
            "solved": callbacks.solved,
            "unsolved": callbacks.unsolved,
            "unreached": callbacks.unreached,
            "lapsed": callbacks.lapsed,
            "overdue": callbacks.overdue,
            "cancelled": callbacks.cancelled,
            "rated": callbacks.rated,
            "coverage": callbacks.coverage,
            "average_satisfaction": callbacks.average_satisfaction,
        },
        "surveys": {
            "answers": sheets["answers"],
            "units": sheets["units"],
            "response_rate": round(100 * sheets["answers"] / sheets["units"], 1) if sheets["units"] else None,
            "ratings": survey_all.answers if survey_all else 0,
            "satisfied": survey_all.satisfied if survey_all else 0,
            "rate": survey_all.rate if survey_all else None,
            "below_line": bool(survey_all and survey_all.below_line),
            "open": bool(analysis.open_quarters),
            "areas": [
                {
                    "name": area.label,
                    "name_en": english.get(area.label, ""),
                    "answers": area.period.answers,
                    "rate": area.period.rate,
                    "below_line": area.period.below_line,
                }
                for area in analysis.satisfaction
            ],
        },
    }


def _hot_spots(period: QuerySet[Complaint], count: int, categories: dict[int, tuple[str, str]]) -> list[dict[str, Any]]:
    """Places with the same kind of complaint at least `count` times in the
    quarter: a building, or where no building was given the location typed
    in. Two GROUP BY … HAVING queries, the most first."""
    by_building = (
        period.filter(building__isnull=False)
        .values("building__number", "category_id")
        .annotate(n=Count("id"))
        .filter(n__gte=count)
        .order_by("-n", "building__sort_key", "building__number", "category_id")[:HOT_SPOTS_SHOWN]
    )
    by_location = (
        period.filter(building__isnull=True)
        .exclude(location_text="")
        .values("location_text", "category_id")
        .annotate(n=Count("id"))
        .filter(n__gte=count)
        .order_by("-n", "location_text", "category_id")[:HOT_SPOTS_SHOWN]
    )
    spots = []
    for row in [*by_building, *by_location]:
        name, name_en = categories.get(row["category_id"], ("", ""))
        spots.append(
            {
                "building": row.get("building__number") or "",
                "location": row.get("location_text") or "",
                "category": name,
                "category_en": name_en,
                "count": row["n"],
            }
        )
    spots.sort(key=lambda spot: -spot["count"])
    return spots[:HOT_SPOTS_SHOWN]


def compose_figures(*, compound_id: int, quarter: Quarter, now: datetime) -> dict[str, Any]:
    """The report's figures for one compound and quarter. A fixed number of
    queries whatever the number of rows (tests/reports/test_figures.py)."""
    at = as_of(quarter, now)
    start, end = quarter.starts_at(), quarter.ends_at()
    period = Complaint.objects.filter(compound_id=compound_id, submitted_at__gte=start, submitted_at__lt=end)
    # The reference tables are small and bounded; names in both languages.
    areas = {
        pk: (name, name_en or name) for pk, name, name_en in ServiceArea.objects.values_list("pk", "name", "name_en")
    }
    categories = {
        pk: (name, name_en or name) for pk, name, name_en in Category.objects.values_list("pk", "name", "name_en")
    }
    limits = TimeLimits.current()
    complaints = _complaint_counts(period, at)
    complaints["median_hours"] = _median_hours(period, at, complaints["resolved"])
    complaints["accepted_within_rate"] = _percent(complaints["accepted_within"], complaints["accept_counted"])
    complaints["replied_within_rate"] = _percent(complaints["replied_within"], complaints["reply_counted"])
    complaints["resolved_within_rate"] = _percent(complaints["resolved_within"], complaints["resolve_counted"])
    complaints["resolved_rate"] = _percent(complaints["resolved"], complaints["received"])
    return {
        "version": FIGURES_VERSION,
        "as_of": at.isoformat(),
        "complete": at >= end,
        "complaints": complaints,
        "by_service_area": _grouped(period, "service_area_id", at, areas),
        "by_category": _grouped(period, "category_id", at, categories),
        "by_channel": _by_channel(period, at),
        "inspections": _inspections(compound_id, start, at),
        "rectification": _rectification(compound_id, start, end, at),
        **_feedback(compound_id, quarter, at, areas),
        "hot_spots": _hot_spots(period, limits.hot_spot_count, categories),
        "hot_spot_count": limits.hot_spot_count,
    }
