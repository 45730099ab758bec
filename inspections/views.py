"""Small views: access helper, form, service, redirect."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from committee_site.access import AuthedRequest, require_committee, user_access
from committee_site.models import Compound
from committee_site.pagination import BadCursor, Page, keyset_page
from committee_site.services import ServiceError
from committee_site.uploads import photo_response
from inspections import services
from inspections.access import (
    get_inspection_for,
    get_item_for,
    get_item_for_reading,
    get_notice_for,
    get_party_for,
    get_plan_for,
    get_template_for,
    require_inspections_reader,
)
from inspections.forms import (
    AbsentForm,
    AttendanceForm,
    CompleteForm,
    CopyTemplateForm,
    EvidenceForm,
    FailForm,
    FindingForm,
    InspectionCreateForm,
    ItemRecordForm,
    NoteForm,
    NoticeIssueForm,
    PlanForm,
    SignForm,
    TemplateItemForm,
    VersionForm,
)
from inspections.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionPlan,
    Participant,
    RectificationEvent,
    RectificationNotice,
    SigningParty,
    quarter_bounds,
)

PER_PAGE = 25
# How many completed inspections the overview compares section by section.
TREND_INSPECTIONS = 8


def _page_or_first(request: AuthedRequest, queryset: QuerySet[Any], ordering: tuple[str, ...]) -> Page[Any]:
    try:
        return keyset_page(queryset, ordering=ordering, cursor=request.GET.get("cursor"), per_page=PER_PAGE)
    except BadCursor:
        messages.warning(request, _("That page link is not valid (any more); here is the first page."))
        return keyset_page(queryset, ordering=ordering, cursor=None, per_page=PER_PAGE)


def _is_htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _error_text(form: Any) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


# --- overview and lists ---------------------------------------------------------


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
    page = _page_or_first(request, queryset, ("-planned_on", "-id"))
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


# --- one inspection -------------------------------------------------------------


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


# --- rectification --------------------------------------------------------------


@require_POST
def notice_issue_view(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_item_for_reading(request.user, pk)
    get_inspection_for(request.user, item.inspection_id, write=True)
    form = NoticeIssueForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            notice = services.rectification_issue(
                compound=item.inspection.compound,
                by=request.user,
                title=data["title"],
                description=data["description"],
                severity=data["severity"],
                item=item,
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Rectification notice %(reference)s sent.") % {"reference": notice.reference})
            return redirect("inspections:notice_detail", pk=notice.pk)
    else:
        messages.error(request, _("Notice not sent: %(error)s") % {"error": _error_text(form)})
    return redirect(reverse("inspections:inspection_detail", args=[item.inspection_id]) + f"#item-{item.pk}")


NOTICE_FILTERS = ("open", "overdue", "awaiting_review", "verified", "all")


@require_GET
def notice_list_view(request: AuthedRequest) -> HttpResponse:
    access = user_access(request.user)
    if not (access.committee_compound_ids or access.property_compound_ids):
        raise PermissionDenied
    show = request.GET.get("show", "open")
    if show not in NOTICE_FILTERS:
        messages.warning(request, _("Unknown filter; showing the open notices."))
        show = "open"
    queryset = RectificationNotice.objects.visible_to(request.user).select_related("compound", "organisation")
    if show == "open":
        queryset = queryset.unresolved()
    elif show == "overdue":
        queryset = queryset.overdue()
    elif show in ("awaiting_review", "verified"):
        queryset = queryset.filter(status=show)
    page = _page_or_first(request, queryset, ("deadline", "id") if show != "verified" else ("-deadline", "-id"))
    filters = [
        ("open", _("To act on")),
        ("overdue", _("Overdue")),
        ("awaiting_review", _("Awaiting re-inspection")),
        ("verified", pgettext("rectification status", "Verified")),
        ("all", _("All")),
    ]
    return render(
        request,
        "inspections/notice_list.html",
        {"page": page, "show": show, "filters": filters, "pager_query": f"show={show}", "now": timezone.now()},
    )


@require_GET
def notice_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = get_notice_for(request.user, pk)
    access = user_access(request.user)
    events = list(notice.events.select_related("actor"))
    version = {"version": notice.version}
    return render(
        request,
        "inspections/notice_detail.html",
        {
            "notice": notice,
            "events": events,
            "committee": access.is_committee(notice.compound_id),
            "addressee": access.is_property_staff(notice.compound_id)
            and notice.organisation_id in access.organisation_ids,
            "note_form": NoteForm(initial=version),
            "evidence_form": EvidenceForm(initial=version),
            "fail_form": FailForm(initial=version),
        },
    )


def _notice_action(
    request: AuthedRequest, pk: int, *, as_committee: bool, form_class: type[VersionForm], act: Any
) -> HttpResponse:
    notice = get_notice_for(request.user, pk, write=True, as_committee=as_committee)
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: %(error)s") % {"error": _error_text(form)})
    elif form.cleaned_data["version"] != notice.version:
        messages.error(request, _("Someone acted on this notice meanwhile; look at it again. Nothing was saved."))
    else:
        try:
            message = act(notice, form.cleaned_data)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, message)
    return redirect("inspections:notice_detail", pk=pk)


@require_POST
def notice_acknowledge_view(request: AuthedRequest, pk: int) -> HttpResponse:
    def act(notice: RectificationNotice, data: dict[str, Any]) -> str:
        services.rectification_acknowledge(notice=notice, by=request.user, note=data["note"])
        return _("Acknowledged. The committee has been told.")

    return _notice_action(request, pk, as_committee=False, form_class=NoteForm, act=act)


@require_POST
def notice_progress_view(request: AuthedRequest, pk: int) -> HttpResponse:
    def act(notice: RectificationNotice, data: dict[str, Any]) -> str:
        services.rectification_progress(notice=notice, by=request.user, note=data["note"], version=data["version"])
        return _("Work recorded.")

    return _notice_action(request, pk, as_committee=False, form_class=NoteForm, act=act)


@require_POST
def notice_submit_view(request: AuthedRequest, pk: int) -> HttpResponse:
    def act(notice: RectificationNotice, data: dict[str, Any]) -> str:
        services.rectification_submit(notice=notice, by=request.user, note=data["note"], photos=data["photos"])
        return _("Evidence submitted. The committee will re-inspect.")

    return _notice_action(request, pk, as_committee=False, form_class=EvidenceForm, act=act)


@require_POST
def notice_verify_view(request: AuthedRequest, pk: int) -> HttpResponse:
    def act(notice: RectificationNotice, data: dict[str, Any]) -> str:
        services.rectification_verify(notice=notice, by=request.user, note=data["note"])
        return _("Verified: the rectification is accepted.")

    return _notice_action(request, pk, as_committee=True, form_class=NoteForm, act=act)


@require_POST
def notice_fail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    def act(notice: RectificationNotice, data: dict[str, Any]) -> str:
        services.rectification_fail(notice=notice, by=request.user, note=data["note"], deadline=data["deadline"])
        return _("Re-inspection failed; the property company has a new deadline.")

    return _notice_action(request, pk, as_committee=True, form_class=FailForm, act=act)


@require_GET
def event_photo_view(request: AuthedRequest, pk: int, index: int) -> FileResponse:
    event = RectificationEvent.objects.filter(pk=pk).first()
    if event is None:
        raise Http404
    get_notice_for(request.user, event.notice_id)
    if index >= len(event.photos):
        raise Http404
    return photo_response(event.photos[index], download_name=f"rectification-{event.notice_id}-{index + 1}.jpg")


# --- templates and plans --------------------------------------------------------


@require_GET
def template_list_view(request: AuthedRequest) -> HttpResponse:
    compound_ids = require_committee(request.user)
    templates = list(
        ChecklistTemplate.objects.visible_to(request.user)
        .select_related("compound")
        .annotate(item_count=Count("sections__items"))
        .order_by("compound_id", "name", "id")
    )
    copy_form = CopyTemplateForm(compounds=Compound.objects.filter(pk__in=compound_ids).order_by("name"))
    return render(request, "inspections/template_list.html", {"templates": templates, "copy_form": copy_form})


@require_GET
def template_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    template = get_template_for(request.user, pk)
    sections = list(
        template.sections.prefetch_related(
            Prefetch("items", queryset=ChecklistItem.objects.select_related("service_area"))
        )
    )
    compound_ids = user_access(request.user).committee_compound_ids
    return render(
        request,
        "inspections/template_detail.html",
        {
            "template": template,
            "sections": sections,
            "editable": template.compound_id is not None,
            "copy_form": CopyTemplateForm(compounds=Compound.objects.filter(pk__in=compound_ids).order_by("name")),
        },
    )


@require_POST
def template_copy_view(request: AuthedRequest, pk: int) -> HttpResponse:
    template = get_template_for(request.user, pk)
    compound_ids = user_access(request.user).committee_compound_ids
    form = CopyTemplateForm(request.POST, compounds=Compound.objects.filter(pk__in=compound_ids))
    if not form.is_valid():
        messages.error(request, _("Choose one of your compounds."))
        return redirect("inspections:template_detail", pk=pk)
    copy = services.checklist_template_copy(template=template, compound=form.cleaned_data["compound"], by=request.user)
    messages.success(request, _("Copied. Edit the copy for your compound here."))
    return redirect("inspections:template_detail", pk=copy.pk)


@require_http_methods(["GET", "POST"])
def template_item_view(request: AuthedRequest, section_pk: int, pk: int | None = None) -> HttpResponse:
    section = ChecklistSection.objects.filter(pk=section_pk).select_related("template").first()
    if section is None:
        raise Http404
    get_template_for(request.user, section.template_id, write=True)
    item = None
    if pk is not None:
        item = ChecklistItem.objects.filter(pk=pk, section=section).first()
        if item is None:
            raise Http404
    initial = (
        {
            "text": item.text,
            "text_en": item.text_en,
            "points": item.points,
            "critical": item.critical,
            "service_area": item.service_area_id,
            "guidance": item.guidance,
            "clause": item.clause,
        }
        if item
        else {}
    )
    form = TemplateItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.checklist_item_save(section=section, by=request.user, item=item, **form.cleaned_data)
        except ServiceError as error:
            form.add_error("points", error.message)
        else:
            messages.success(request, _("Item saved. Inspections already started keep their own copy."))
            return redirect("inspections:template_detail", pk=section.template_id)
    return render(
        request,
        "inspections/template_item.html",
        {"form": form, "section": section, "item": item},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def plan_list_view(request: AuthedRequest) -> HttpResponse:
    compound_ids = require_committee(request.user)
    compounds = Compound.objects.filter(pk__in=compound_ids).order_by("name")
    templates = ChecklistTemplate.objects.visible_to(request.user).filter(active=True)
    form = PlanForm(request.POST or None, compounds=compounds, templates=templates)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.inspection_plan_create(
                compound=data["compound"],
                template=data["template"],
                kind=data["kind"],
                recurrence=data["recurrence"],
                day_of_period=data["day_of_period"],
                lead=request.user,
                by=request.user,
            )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            created = services.inspection_plan_materialise(plan_id=plan.pk)
            messages.success(
                request, _("Plan saved; %(count)s upcoming inspections were created.") % {"count": len(created)}
            )
            return redirect("inspections:plan_list")
    plans = list(
        InspectionPlan.objects.visible_to(request.user)
        .select_related("compound", "template", "lead")
        .order_by("-active", "compound__name", "id")
    )
    return render(
        request, "inspections/plan_list.html", {"plans": plans, "form": form}, status=400 if form.errors else 200
    )


@require_POST
def plan_deactivate_view(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = get_plan_for(request.user, pk)
    services.inspection_plan_deactivate(plan=plan, by=request.user)
    messages.success(request, _("Plan stopped; inspections already created stay."))
    return redirect("inspections:plan_list")
