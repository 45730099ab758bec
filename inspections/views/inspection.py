"""One inspection: its page, conducting it, attendance and signatures."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from committee_site.access import AuthedRequest, require_committee, user_access
from committee_site.models import Compound
from committee_site.services import ServiceError
from committee_site.uploads import photo_response
from inspections import services
from inspections.access import get_inspection_for, get_item_for, get_item_for_reading, get_party_for
from inspections.forms import (
    AbsentForm,
    AttendanceForm,
    CompleteForm,
    FindingForm,
    InspectionCreateForm,
    ItemRecordForm,
    NoticeIssueForm,
    SignForm,
    VersionForm,
)
from inspections.models import ChecklistTemplate, Inspection, InspectionItem, InspectionKind, Participant, SigningParty
from inspections.views._common import _error_text, _is_htmx


def _detail_context(request: AuthedRequest, inspection: Inspection) -> dict[str, Any]:
    access = user_access(request.user)
    committee = access.is_committee(inspection.compound_id)
    items = list(inspection.items.select_related("service_area").prefetch_related("notices"))
    sections: list[dict[str, Any]] = []
    for item in items:
        if not sections or sections[-1]["name"] != item.display_section:
            sections.append(
                {"name": item.display_section, "points": item.section_points, "extra": item.extra, "items": []}
            )
        sections[-1]["items"].append({"item": item, "form": _item_form(item)})
    participants = list(inspection.participants.select_related("user").order_by("party", "id"))
    parties = list(inspection.parties.select_related("signed_by", "organisation"))
    my_parties = {
        "committee": committee,
        "property_company": access.is_property_staff(inspection.compound_id),
        "community_office": access.is_officer(inspection.compound_id),
    }
    deducted = sum(item.deduction for item in items if not item.extra)
    answered = sum(1 for item in items if item.answered and not item.extra)
    on_sheet = sum(1 for item in items if not item.extra)
    return {
        "inspection": inspection,
        "sections": sections,
        "participants": participants,
        "parties": [(party, my_parties.get(party.party, False)) for party in parties],
        "can_conduct": committee and inspection.editable,
        "committee": committee,
        "live_score": max(0, (inspection.total_points or 0) - deducted),
        "answered": answered,
        "on_sheet": on_sheet,
        "finding_form": FindingForm(),
        "complete_form": CompleteForm(initial={"version": inspection.version}),
        "start_form": VersionForm(initial={"version": inspection.version}),
        "sign_form": SignForm(),
        "absent_form": AbsentForm(),
        "notice_form": NoticeIssueForm(),
    }


def _item_form(item: InspectionItem) -> ItemRecordForm:
    return ItemRecordForm(points=item.points, initial={"deduction": item.deduction, "note": item.note})


@require_GET
def inspection_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    inspection = get_inspection_for(request.user, pk)
    return render(request, "inspections/inspection_detail.html", _detail_context(request, inspection))


@require_GET
def inspection_print_view(request: AuthedRequest, pk: int) -> HttpResponse:
    inspection = get_inspection_for(request.user, pk)
    return render(request, "inspections/inspection_print.html", _detail_context(request, inspection))


@require_http_methods(["GET", "POST"])
def inspection_create_view(request: AuthedRequest) -> HttpResponse:
    compound_ids = require_committee(request.user)
    compounds = Compound.objects.filter(pk__in=compound_ids).order_by("name")
    templates = ChecklistTemplate.objects.visible_to(request.user).filter(active=True)
    form = InspectionCreateForm(request.POST or None, compounds=compounds, templates=templates)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = services.inspection_create(
                compound=data["compound"],
                kind=data["kind"],
                template=data["template"],
                planned_on=data["planned_on"],
                by=request.user,
                title=data["title"],
                emergency=data["kind"] == InspectionKind.JOINT,
            )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Inspection created."))
            return redirect("inspections:inspection_detail", pk=inspection.pk)
    return render(request, "inspections/inspection_create.html", {"form": form}, status=400 if form.errors else 200)


def _stale(request: AuthedRequest, form: VersionForm, current: int) -> bool:
    if not form.is_valid():
        messages.error(request, _("This form is incomplete; reload the page and try again."))
        return True
    if form.cleaned_data["version"] != current:
        messages.error(request, _("This changed meanwhile; look at it again. Nothing was saved."))
        return True
    return False


@require_POST
def inspection_start_view(request: AuthedRequest, pk: int) -> HttpResponse:
    inspection = get_inspection_for(request.user, pk, write=True)
    form = VersionForm(request.POST)
    if not _stale(request, form, inspection.version):
        try:
            services.inspection_start(inspection=inspection, by=request.user)
            messages.success(request, _("Inspection started. Every item saves itself as you go."))
        except ServiceError as error:
            messages.error(request, error.message)
    return redirect("inspections:inspection_detail", pk=pk)


@require_POST
def item_record_view(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_item_for(request.user, pk)
    form = ItemRecordForm(request.POST, request.FILES, points=item.points)
    error = ""
    if form.is_valid():
        try:
            item = services.inspection_item_record(
                item=item,
                by=request.user,
                deduction=form.cleaned_data["deduction"],
                note=form.cleaned_data["note"],
                photos=form.cleaned_data["photos"],
            )
        except ServiceError as failure:
            error = str(failure.message)
    else:
        error = _error_text(form)
    if _is_htmx(request):
        # Only the row's state and photos are swapped: what the inspector is typing stays.
        if error:
            item.refresh_from_db()
        inspection = item.inspection
        totals = inspection.items.filter(extra=False).aggregate(
            deducted=Sum("deduction"), answered=Count("id", filter=Q(answered=True)), on_sheet=Count("id")
        )
        context = {
            "item": item,
            "saved": not error,
            "error": error,
            "live_score": max(0, inspection.total_points - (totals["deducted"] or 0)),
            "answered": totals["answered"],
            "on_sheet": totals["on_sheet"],
        }
        return render(request, "inspections/includes/item_saved.html", context)
    if error:
        messages.error(request, _("Item not saved: %(error)s") % {"error": error})
    else:
        messages.success(request, _("Saved: %(item)s") % {"item": item.display_text})
    return redirect(reverse("inspections:inspection_detail", args=[item.inspection_id]) + f"#item-{item.pk}")


@require_GET
def item_photo_view(request: AuthedRequest, pk: int, index: int) -> FileResponse:
    item = get_item_for_reading(request.user, pk)
    if index >= len(item.photos):
        raise Http404
    return photo_response(
        item.photos[index], download_name=f"inspection-{item.inspection_id}-{item.pk}-{index + 1}.jpg"
    )


@require_POST
def finding_add_view(request: AuthedRequest, pk: int) -> HttpResponse:
    inspection = get_inspection_for(request.user, pk, write=True)
    form = FindingForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            item = services.inspection_finding_add(
                inspection=inspection,
                by=request.user,
                text=data["text"],
                service_area=data["service_area"],
                note=data["note"],
                critical=data["critical"],
                photos=data["photos"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Finding added."))
            return redirect(reverse("inspections:inspection_detail", args=[pk]) + f"#item-{item.pk}")
    else:
        messages.error(request, _("Finding not added: %(error)s") % {"error": _error_text(form)})
    return redirect(reverse("inspections:inspection_detail", args=[pk]) + "#findings")


@require_POST
def inspection_complete_view(request: AuthedRequest, pk: int) -> HttpResponse:
    inspection = get_inspection_for(request.user, pk, write=True)
    form = CompleteForm(request.POST)
    if not _stale(request, form, inspection.version):
        try:
            inspection = services.inspection_complete(
                inspection=inspection, by=request.user, summary=form.cleaned_data["summary"]
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            if inspection.status == Inspection.Status.SIGNING:
                messages.success(request, _("The sheet is complete. Every party now signs the record."))
            else:
                messages.success(request, _("Inspection completed."))
    return redirect("inspections:inspection_detail", pk=pk)


@require_POST
def attendance_view(request: AuthedRequest, pk: int) -> HttpResponse:
    participant = Participant.objects.filter(pk=pk).select_related("inspection__compound").first()
    if participant is None:
        raise Http404
    get_inspection_for(request.user, participant.inspection_id, write=True)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        services.participant_attendance_set(
            participant=participant, attended=form.cleaned_data["attended"], by=request.user
        )
        messages.success(request, _("Attendance recorded."))
    else:
        messages.error(request, _("Choose present or absent."))
    return redirect(reverse("inspections:inspection_detail", args=[participant.inspection_id]) + "#participants")


@require_POST
def party_sign_view(request: AuthedRequest, pk: int) -> HttpResponse:
    party = get_party_for(request.user, pk)
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            services.signing_party_sign(party=party, by=request.user, dissent=form.cleaned_data["dissent"])
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Signed for %(party)s.") % {"party": party.get_party_display()})
    else:
        messages.error(request, _error_text(form))
    return redirect(reverse("inspections:inspection_detail", args=[party.inspection_id]) + "#signatures")


@require_POST
def party_absent_view(request: AuthedRequest, pk: int) -> HttpResponse:
    party = SigningParty.objects.filter(pk=pk).select_related("inspection__compound").first()
    if party is None:
        raise Http404
    # The committee, leading the inspection, records who did not come.
    get_inspection_for(request.user, party.inspection_id, write=True)
    form = AbsentForm(request.POST)
    if form.is_valid():
        try:
            services.signing_party_mark_absent(party=party, by=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(party)s marked absent.") % {"party": party.get_party_display()})
    else:
        messages.error(request, _("Give the reason why this party was absent."))
    return redirect(reverse("inspections:inspection_detail", args=[party.inspection_id]) + "#signatures")
