"""The overview, the list of inspections and the quarter's joint inspections."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from committee_site.access import AuthedRequest, user_access
from committee_site.models import Compound
from committee_site.pagination import page_or_first
from inspections import queries
from inspections.access import require_inspections_reader
from inspections.forms import InspectionFilterForm
from inspections.models import Inspection, InspectionKind, SigningParty
from inspections.views._common import PER_PAGE


@require_GET
def overview_view(request: AuthedRequest) -> HttpResponse:
    """The committee's overview; others are sent to what they act on."""
    access = user_access(request.user)
    if not access.committee_compound_ids:
        if access.property_compound_ids:
            return redirect("inspections:notice_list")
        require_inspections_reader(request.user)
        return redirect("inspections:quarter")
    compounds = list(Compound.objects.filter(pk__in=access.committee_compound_ids).order_by("name"))
    overview = queries.committee_overview(request.user, compounds, timezone.now(), timezone.localdate())
    return render(
        request,
        "inspections/overview.html",
        {
            "upcoming": overview.upcoming,
            "in_progress": overview.in_progress,
            "recent": overview.recent,
            "trend": overview.trend,
            "overdue": overview.overdue_notices,
            "open_counts": overview.open_notice_counts,
            "quarter": overview.quarter.rows,
            "quarter_start": overview.quarter.start,
            "quarter_end": overview.quarter.last_day,
        },
    )


@require_GET
def inspection_list_view(request: AuthedRequest) -> HttpResponse:
    require_inspections_reader(request.user)
    queryset = Inspection.objects.visible_to(request.user).select_related("compound", "lead")
    filters = InspectionFilterForm(request.GET)
    kind = filters.cleaned_data["kind"] if filters.is_valid() else ""
    if filters.errors:
        messages.warning(request, _("Unknown filter; showing every inspection."))
    if kind:
        queryset = queryset.filter(kind=kind)
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
    quarter = queries.joint_quarter(compounds, timezone.localdate())
    joints = (
        Inspection.objects.visible_to(request.user)
        .filter(kind=InspectionKind.JOINT)
        .select_related("compound")
        .order_by("-planned_on", "-id")[:20]
    )
    to_sign = list(
        SigningParty.objects.awaiting_signature_by(request.user)
        .select_related("inspection__compound")
        .order_by("inspection__planned_on", "id")[:50]
    )
    return render(
        request,
        "inspections/quarter.html",
        {
            "to_sign": to_sign,
            "rows": quarter.rows,
            "quarter_start": quarter.start,
            "quarter_end": quarter.last_day,
            "joints": list(joints),
        },
    )
