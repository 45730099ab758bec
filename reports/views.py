"""The quarterly report's pages: the list, one report with its figures and
charts, its PDF, and the committee's steps (foreword, approve, publish)."""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from committee_site.access import AuthedRequest, user_access
from committee_site.actions import action_view
from committee_site.forms import VersionForm
from committee_site.models import User
from committee_site.pagination import page_or_first
from committee_site.throttle import rate_limited
from reports import presentation, services
from reports.access import get_report_for, may_decide
from reports.forms import ForewordForm
from reports.models import QuarterlyReport

PER_PAGE = 20
ORDERING = ("-year", "-number", "-id")


@require_GET
def report_list_view(request: AuthedRequest) -> HttpResponse:
    """The reports the user may read, newest quarter first: the committee's
    drafts too."""
    access = user_access(request.user)
    if not (
        access.committee_compound_ids
        | access.owner_compound_ids
        | access.officer_compound_ids
        | access.property_compound_ids
    ):
        raise PermissionDenied
    queryset = QuarterlyReport.objects.visible_to(request.user).select_related("compound")
    page = page_or_first(request, queryset, ordering=ORDERING, per_page=PER_PAGE)
    return render(
        request,
        "reports/report_list.html",
        {"page": page, "committee": bool(access.committee_compound_ids)},
    )


@require_GET
def report_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    report = get_report_for(request.user, pk)
    decides = may_decide(request.user, report)
    context: dict[str, Any] = {
        "report": report,
        "title": services.report_title(report),
        "sections": presentation.sections(report.figures),
        "charts": presentation.chart_specs(report.figures),
        "chart_list": presentation.charts(report.figures),
        "decides": decides,
        "approved_text": services.approved_text(report),
        "head": (report.head_count, report.head_hash),
    }
    if decides and report.status == QuarterlyReport.Status.DRAFT:
        context["foreword_form"] = ForewordForm(initial={"foreword": report.foreword, "version": report.version})
    if decides:
        context["version_form"] = VersionForm(initial={"version": report.version})
    return render(request, "reports/report_detail.html", context)


@require_GET
def report_pdf_view(request: AuthedRequest, pk: int) -> FileResponse:
    report = get_report_for(request.user, pk)
    output = io.BytesIO(services.render_pdf(report))
    name = f"quarterly-report-{report.compound_id}-{report.year}Q{report.number}.pdf"
    response = FileResponse(output, as_attachment=True, filename=name, content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _to_decide(user: User, pk: int) -> QuarterlyReport:
    return get_report_for(user, pk, write=True)


def _back(report: QuarterlyReport) -> str:
    return reverse("reports:report_detail", args=[report.pk])


@require_POST
@rate_limited("step")
@action_view(load=_to_decide, form=ForewordForm, done=gettext_lazy("The foreword is saved."), back=_back)
def report_foreword_view(request: AuthedRequest, report: QuarterlyReport, data: dict[str, Any]) -> None:
    services.report_foreword_update(
        report=report, by=request.user, foreword=data["foreword"], seen_version=data["version"]
    )


@require_POST
@rate_limited("step")
@action_view(load=_to_decide, form=VersionForm, done=gettext_lazy("The report is approved."), back=_back)
def report_approve_view(request: AuthedRequest, report: QuarterlyReport, data: dict[str, Any]) -> None:
    services.report_approve(report=report, by=request.user, seen_version=data["version"])


@require_POST
@rate_limited("step")
@action_view(
    load=_to_decide,
    form=VersionForm,
    done=gettext_lazy("The report is published: the owners can read it on the board and were told."),
    back=_back,
)
def report_publish_view(request: AuthedRequest, report: QuarterlyReport, data: dict[str, Any]) -> None:
    services.report_publish(report=report, by=request.user, seen_version=data["version"])
