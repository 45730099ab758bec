"""Checklist templates and inspection plans."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from committee_site.access import AuthedRequest, require_committee, user_access
from committee_site.models import Compound
from committee_site.services import ServiceError
from committee_site.throttle import rate_limited
from inspections import services
from inspections.access import get_plan_for, get_section_for, get_template_for, get_template_item_for
from inspections.forms import CopyTemplateForm, PlanForm, TemplateItemForm
from inspections.models import ChecklistItem, ChecklistTemplate, InspectionPlan


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
@rate_limited("setup")
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
@rate_limited("setup")
def template_item_view(request: AuthedRequest, section_pk: int, pk: int | None = None) -> HttpResponse:
    item = get_template_item_for(request.user, section_pk, pk) if pk is not None else None
    section = item.section if item is not None else get_section_for(request.user, section_pk)
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
@rate_limited("setup")
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
@rate_limited("setup")
def plan_deactivate_view(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = get_plan_for(request.user, pk)
    services.inspection_plan_deactivate(plan=plan, by=request.user)
    messages.success(request, _("Plan stopped; inspections already created stay."))
    return redirect("inspections:plan_list")
