"""One inspection: its page, conducting it, attendance and signatures."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from committee_site.access import AuthedRequest, require_committee, user_access
from committee_site.actions import action_view, form_errors_text
from committee_site.models import Compound, User
from committee_site.services import ServiceError
from committee_site.throttle import rate_limited
from committee_site.uploads import photo_response
from inspections import queries, services
from inspections.access import (
    get_inspection_for,
    get_item_for,
    get_item_for_reading,
    get_participant_for,
    get_party_for,
)
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
from inspections.models import ChecklistTemplate, Inspection, InspectionItem, InspectionKind, SigningParty
from inspections.views._common import _is_htmx


def _detail_context(request: AuthedRequest, inspection: Inspection) -> dict[str, Any]:
    access = user_access(request.user)
    committee = access.is_committee(inspection.compound_id)
    sheet = queries.inspection_sheet(inspection)
    my_parties = {
        "committee": committee,
        "property_company": access.is_property_staff(inspection.compound_id),
        "community_office": access.is_officer(inspection.compound_id),
    }
    return {
        "inspection": inspection,
        "sections": [
            {**section, "items": [{"item": item, "form": _item_form(item)} for item in section["items"]]}
            for section in sheet.sections
        ],
        "participants": sheet.participants,
        "parties": [(party, my_parties.get(party.party, False)) for party in sheet.parties],
        "can_conduct": committee and inspection.editable,
        "committee": committee,
        "live_score": sheet.totals.score,
        "answered": sheet.totals.answered,
        "on_sheet": sheet.totals.items,
        "finding_form": FindingForm(),
        "complete_form": CompleteForm(initial={"version": inspection.version}),
        "start_form": VersionForm(initial={"version": inspection.version}),
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
@rate_limited("setup")
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


def _inspection_page(inspection: Inspection) -> str:
    return reverse("inspections:inspection_detail", args=[inspection.pk])


def _signatures(party: SigningParty) -> str:
    return reverse("inspections:inspection_detail", args=[party.inspection_id]) + "#signatures"


def _to_conduct(user: User, pk: int) -> Inspection:
    return get_inspection_for(user, pk, write=True)


def _to_sign(user: User, pk: int) -> SigningParty:
    return get_party_for(user, pk, signing=True)


def _to_mark_absent(user: User, pk: int) -> SigningParty:
    # The committee, leading the inspection, records who did not come.
    return get_party_for(user, pk, signing=False)


@require_POST
@rate_limited("step")
@action_view(
    load=_to_conduct,
    form=VersionForm,
    done=gettext_lazy("Inspection started. Every item saves itself as you go."),
    back=_inspection_page,
)
def inspection_start_view(request: AuthedRequest, inspection: Inspection, data: dict[str, Any]) -> None:
    services.inspection_start(inspection=inspection, by=request.user, seen_version=data["version"])


@require_POST
@rate_limited("step")
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
        error = form_errors_text(form)
    if _is_htmx(request):
        # Only the row's state and photos are swapped: what the inspector is typing stays.
        if error:
            item.refresh_from_db()
        totals = queries.sheet_totals(item.inspection)
        context = {
            "item": item,
            "saved": not error,
            "error": error,
            "live_score": totals.score,
            "answered": totals.answered,
            "on_sheet": totals.items,
        }
        return render(request, "inspections/includes/item_saved.html", context)
    if error:
        messages.error(request, _("Item not saved: %(error)s") % {"error": error})
    else:
        messages.success(request, _("Saved: %(item)s") % {"item": item.display_text})
    return redirect(reverse("inspections:inspection_detail", args=[item.inspection_id]) + f"#item-{item.pk}")


@require_GET
def item_photo_view(request: AuthedRequest, pk: int, index: int) -> HttpResponseBase:
    item = get_item_for_reading(request.user, pk)
    if index >= len(item.photos):
        raise Http404
    return photo_response(
        item.photos[index], download_name=f"inspection-{item.inspection_id}-{item.pk}-{index + 1}.jpg"
    )


@require_POST
@rate_limited("step")
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
        messages.error(request, _("Finding not added: %(error)s") % {"error": form_errors_text(form)})
    return redirect(reverse("inspections:inspection_detail", args=[pk]) + "#findings")


@require_POST
@rate_limited("step")
@action_view(load=_to_conduct, form=CompleteForm, done=gettext_lazy("Inspection completed."), back=_inspection_page)
def inspection_complete_view(request: AuthedRequest, inspection: Inspection, data: dict[str, Any]) -> str | None:
    inspection = services.inspection_complete(
        inspection=inspection, by=request.user, seen_version=data["version"], summary=data["summary"]
    )
    if inspection.status == Inspection.Status.SIGNING:
        return _("The sheet is complete. Every party now signs the record.")
    return None


@require_POST
@rate_limited("step")
def attendance_view(request: AuthedRequest, pk: int) -> HttpResponse:
    participant = get_participant_for(request.user, pk)
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
@rate_limited("step")
@action_view(load=_to_sign, form=SignForm, done="", back=_signatures)
def party_sign_view(request: AuthedRequest, party: SigningParty, data: dict[str, Any]) -> str:
    services.signing_party_sign(party=party, by=request.user, seen_version=data["version"], dissent=data["dissent"])
    return _("Signed for %(party)s.") % {"party": party.get_party_display()}


@require_POST
@rate_limited("step")
@action_view(load=_to_mark_absent, form=AbsentForm, done="", back=_signatures)
def party_absent_view(request: AuthedRequest, party: SigningParty, data: dict[str, Any]) -> str:
    services.signing_party_mark_absent(
        party=party, by=request.user, seen_version=data["version"], reason=data["reason"]
    )
    return _("%(party)s marked absent.") % {"party": party.get_party_display()}
