"""Reads that a page composes from several models: the sheet's totals, the
committee's overview and the quarter's joint inspections. Each takes what it
needs (a user, compounds, a day) and returns plain data; the views render it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from committee_site.models import Compound, User
from inspections.models import (
    Inspection,
    InspectionItem,
    InspectionKind,
    Participant,
    RectificationNotice,
    SigningParty,
    quarter_bounds,
)

# How many completed inspections the overview compares section by section.
TREND_INSPECTIONS = 8
OVERVIEW_ROWS = 10


@dataclass(frozen=True)
class SheetTotals:
    score: int
    answered: int
    items: int

    @property
    def unanswered(self) -> int:
        return self.items - self.answered


def sheet_totals(inspection: Inspection) -> SheetTotals:
    """The one place the score is computed: the sheet's points less what its
    items deducted (findings off the sheet deduct nothing). One query."""
    totals = InspectionItem.objects.filter(inspection=inspection, extra=False).aggregate(
        deducted=Coalesce(Sum("deduction"), 0), answered=Count("id", filter=Q(answered=True)), items=Count("id")
    )
    return SheetTotals(
        score=max(0, inspection.total_points - totals["deducted"]), answered=totals["answered"], items=totals["items"]
    )


@dataclass(frozen=True)
class Sheet:
    """An inspection's page: its items grouped by section in sheet order, the
    people who took part, the signing parties and the live totals."""

    sections: list[dict[str, Any]]
    participants: list[Participant]
    parties: list[SigningParty]
    totals: SheetTotals


def inspection_sheet(inspection: Inspection) -> Sheet:
    """Five queries whatever the number of items and notices."""
    sections: list[dict[str, Any]] = []
    for item in inspection.items.select_related("service_area").prefetch_related("notices"):
        if not sections or sections[-1]["name"] != item.display_section:
            sections.append(
                {"name": item.display_section, "points": item.section_points, "extra": item.extra, "items": []}
            )
        sections[-1]["items"].append(item)
    return Sheet(
        sections=sections,
        participants=list(inspection.participants.select_related("user").order_by("party", "id")),
        parties=list(inspection.parties.select_related("signed_by", "organisation")),
        totals=sheet_totals(inspection),
    )


@dataclass(frozen=True)
class QuarterRow:
    compound: Compound
    inspections: list[Inspection]

    @property
    def planned(self) -> bool:
        return bool(self.inspections)

    @property
    def done(self) -> bool:
        finished = (Inspection.Status.SIGNING, Inspection.Status.COMPLETED, Inspection.Status.ARCHIVED)
        return any(inspection.status in finished for inspection in self.inspections)

    @property
    def signed(self) -> bool:
        return any(i.status in (Inspection.Status.COMPLETED, Inspection.Status.ARCHIVED) for i in self.inspections)


@dataclass(frozen=True)
class Quarter:
    start: date
    last_day: date
    rows: list[QuarterRow]


def joint_quarter(compounds: list[Compound], day: date) -> Quarter:
    """Per compound, the joint inspections of the quarter of `day`, with how
    many of their parties have signed. One query."""
    start, end = quarter_bounds(day)
    joints = (
        Inspection.objects.filter(
            compound__in=compounds, kind=InspectionKind.JOINT, planned_on__gte=start, planned_on__lt=end
        )
        .annotate(
            signed_count=Count("parties", filter=~Q(parties__status=SigningParty.Status.PENDING)),
            party_count=Count("parties"),
        )
        .order_by("planned_on", "id")
    )
    by_compound: dict[int, list[Inspection]] = defaultdict(list)
    for inspection in joints:
        by_compound[inspection.compound_id].append(inspection)
    rows = [QuarterRow(compound=compound, inspections=by_compound.get(compound.pk, [])) for compound in compounds]
    return Quarter(start=start, last_day=end - timedelta(days=1), rows=rows)


@dataclass(frozen=True)
class Overview:
    upcoming: list[Inspection]
    in_progress: list[Inspection]
    recent: list[Inspection]
    trend: list[dict[str, Any]]
    overdue_notices: list[RectificationNotice]
    open_notice_counts: list[tuple[Any, int]]
    quarter: Quarter


def committee_overview(user: User, compounds: list[Compound], now: datetime, today: date) -> Overview:
    """The committee's inspections page: what is coming, what is under way,
    how the sections scored in the last inspections, and the notices that are
    overdue. A fixed number of queries whatever the number of inspections."""
    inspections = Inspection.objects.visible_to(user).select_related("compound")
    upcoming = list(inspections.filter(status=Inspection.Status.PLANNED).order_by("planned_on", "id")[:OVERVIEW_ROWS])
    in_progress = list(
        inspections.filter(status__in=[Inspection.Status.IN_PROGRESS, Inspection.Status.SIGNING]).order_by(
            "planned_on", "id"
        )[:OVERVIEW_ROWS]
    )
    recent = list(
        inspections.filter(status__in=[Inspection.Status.COMPLETED, Inspection.Status.ARCHIVED]).order_by(
            "-planned_on", "-id"
        )[:TREND_INSPECTIONS]
    )
    recent.reverse()
    notices = RectificationNotice.objects.visible_to(user)
    counts = dict(
        notices.unresolved()
        .values_list("status")
        .annotate(count=Count("id"))
        .order_by("status")
        .values_list("status", "count")
    )
    return Overview(
        upcoming=upcoming,
        in_progress=in_progress,
        recent=recent,
        trend=_section_trend(recent),
        overdue_notices=list(
            notices.overdue(now).select_related("compound").order_by("deadline", "id")[:OVERVIEW_ROWS]
        ),
        open_notice_counts=[
            (label, counts.get(value, 0))
            for value, label in RectificationNotice.Status.choices
            if value != RectificationNotice.Status.VERIFIED
        ],
        quarter=joint_quarter(compounds, today),
    )


def _section_trend(recent: list[Inspection]) -> list[dict[str, Any]]:
    """Per section of the sheet, its score in each of the recent inspections."""
    english = (get_language() or "").startswith("en")
    section_rows: dict[tuple[int, str], dict[str, Any]] = {}
    for row in (
        InspectionItem.objects.filter(inspection__in=recent, extra=False)
        .values("inspection_id", "section_order", "section_name", "section_name_en", "section_points")
        .annotate(deducted=Sum("deduction"))
        .order_by("section_order", "section_name")
    ):
        key = (row["section_order"], row["section_name"])
        entry = section_rows.setdefault(
            key,
            {"name": (english and row["section_name_en"]) or row["section_name"], "scores": {}},
        )
        entry["scores"][row["inspection_id"]] = row["section_points"] - (row["deducted"] or 0)
    return [
        {"name": entry["name"], "scores": [entry["scores"].get(inspection.pk) for inspection in recent]}
        for _key, entry in sorted(section_rows.items())
    ]
