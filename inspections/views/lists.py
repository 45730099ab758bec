"""The overview, the list of inspections and the quarter's joint inspections."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from committee_site.access import AuthedRequest, user_access
from committee_site.models import Compound
from committee_site.pagination import page_or_first
from inspections.access import require_inspections_reader
from inspections.models import (
    Inspection,
    InspectionItem,
    InspectionKind,
    RectificationNotice,
    SigningParty,
    quarter_bounds,
)
from inspections.views._common import PER_PAGE

# How many completed inspections the overview compares section by section.
TREND_INSPECTIONS = 8


def _quarter_rows(compounds: list[Compound]) -> tuple[Any, Any, list[dict[str, Any]]]:
    """Per compound: this quarter's joint inspections, planned, done and signed."""
    start, end = quarter_bounds(timezone.localdate())
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
    rows = []
    for compound in compounds:
        inspections = by_compound.get(compound.pk, [])
        rows.append(
            {
                "compound": compound,
                "inspections": inspections,
                "planned": bool(inspections),
                "done": any(
                    i.status in (Inspection.Status.SIGNING, Inspection.Status.COMPLETED, Inspection.Status.ARCHIVED)
                    for i in inspections
                ),
                "signed": any(
                    i.status in (Inspection.Status.COMPLETED, Inspection.Status.ARCHIVED) for i in inspections
                ),
            }
        )
    return start, end - timedelta(days=1), rows


@require_GET
def overview_view(request: AuthedRequest) -> HttpResponse:
    """The committee's overview; others are sent to what they act on."""
    access = user_access(request.user)
    if not access.committee_compound_ids:
        if access.property_compound_ids:
            return redirect("inspections:notice_list")
        require_inspections_reader(request.user)
        return redirect("inspections:quarter")
    inspections = Inspection.objects.visible_to(request.user).select_related("compound")
    upcoming = list(inspections.filter(status=Inspection.Status.PLANNED).order_by("planned_on", "id")[:10])
    in_progress = list(
        inspections.filter(status__in=[Inspection.Status.IN_PROGRESS, Inspection.Status.SIGNING]).order_by(
            "planned_on", "id"
        )[:10]
    )
    recent = list(
        inspections.filter(status__in=[Inspection.Status.COMPLETED, Inspection.Status.ARCHIVED]).order_by(
            "-planned_on", "-id"
        )[:TREND_INSPECTIONS]
    )
    recent.reverse()
    section_rows: dict[tuple[int, str], dict[str, Any]] = {}
    for row in (
        InspectionItem.objects.filter(inspection__in=recent, extra=False)
        .values("inspection_id", "section_order", "section_name", "section_name_en", "section_points")
        .annotate(deducted=Sum("deduction"))
        .order_by("section_order", "section_name")
    ):
        key = (row["section_order"], row["section_name"])
        entry = section_rows.setdefault(
            key, {"name": row["section_name"], "name_en": row["section_name_en"], "scores": {}}
        )
        entry["scores"][row["inspection_id"]] = row["section_points"] - (row["deducted"] or 0)
    trend = [
        {
            "name": entry["name_en"]
            if (request.LANGUAGE_CODE or "").startswith("en") and entry["name_en"]
            else entry["name"],
            "scores": [entry["scores"].get(inspection.pk) for inspection in recent],
        }
        for _key, entry in sorted(section_rows.items())
    ]
    notices = RectificationNotice.objects.visible_to(request.user)
    now = timezone.now()
    overdue = list(notices.overdue(now).select_related("compound").order_by("deadline", "id")[:10])
    open_counts = dict(
        notices.unresolved()
        .values_list("status")
        .annotate(count=Count("id"))
        .order_by("status")
        .values_list("status", "count")
    )
    compounds = list(Compound.objects.filter(pk__in=access.committee_compound_ids).order_by("name"))
    quarter_start, quarter_end, quarter = _quarter_rows(compounds)
    return render(
        request,
        "inspections/overview.html",
        {
            "upcoming": upcoming,
            "in_progress": in_progress,
            "recent": recent,
            "trend": trend,
            "overdue": overdue,
            "open_counts": [
                (label, open_counts.get(value, 0))
                for value, label in RectificationNotice.Status.choices
                if value != RectificationNotice.Status.VERIFIED
            ],
            "quarter": quarter,
            "quarter_start": quarter_start,
            "quarter_end": quarter_end,
        },
    )


@require_GET
def inspection_list_view(request: AuthedRequest) -> HttpResponse:
    require_inspections_reader(request.user)
    queryset = Inspection.objects.visible_to(request.user).select_related("compound", "lead")
    kind = request.GET.get("kind", "")
    if kind and kind in InspectionKind.values:
        queryset = queryset.filter(kind=kind)
    elif kind:
        messages.warning(request, _("Unknown filter; showing every inspection."))
        kind = ""
    page = page_or_first(request, queryset, ordering=("-planned_on", "-id"), per_page=PER_PAGE)
    return render(
        request,
        "inspections/inspection_list.html",
        {"page": page, "kind": kind, "kinds": InspectionKind.choices, "pager_query": f"kind={kind}" if kind else ""},
    )


@require_GET
def quarter_view(request: AuthedRequest) -> HttpResponse:
    """Per compound, whether this quarter's joint inspection is planned, done and signed."""
    require_inspections_reader(request.user)
    access = user_access(request.user)
    ids = access.committee_compound_ids | access.property_compound_ids | access.officer_compound_ids
    compounds = list(Compound.objects.filter(pk__in=ids).order_by("name"))
    quarter_start, quarter_end, rows = _quarter_rows(compounds)
    joints = (
        Inspection.objects.visible_to(request.user)
        .filter(kind=InspectionKind.JOINT)
        .select_related("compound")
        .order_by("-planned_on", "-id")[:20]
    )
    return render(
        request,
        "inspections/quarter.html",
        {"rows": rows, "quarter_start": quarter_start, "quarter_end": quarter_end, "joints": list(joints)},
    )
