"""Where one app's case leads into another's. It sits at the top of the
project (DESIGN.md §2), so it may import every app; the apps never import
each other for this."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from committee_site.access import AuthedRequest
from committee_site.models import User
from committee_site.services import ServiceError
from committee_site.throttle import rate_limited
from complaints import services as complaint_services
from complaints.access import get_complaint_for, is_committee
from complaints.models import Complaint
from inspections import services as inspection_services
from inspections.forms import NoticeIssueForm
from inspections.models import RectificationNotice


@transaction.atomic
def complaint_rectification_issue(
    *, complaint: Complaint, by: User, title: str, description: str, severity: str
) -> RectificationNotice:
    """Send the property company a rectification notice that a complaint
    showed to be needed, and note it on the complaint's internal timeline."""
    notice = inspection_services.rectification_issue(
        compound=complaint.compound,
        by=by,
        title=title,
        description=description,
        severity=severity,
        service_area=complaint.service_area,
        source=complaint,
        source_reference=complaint.reference,
    )
    complaint_services.complaint_note(
        complaint=complaint,
        by=by,
        note=_("Rectification notice %(reference)s issued: %(title)s")
        % {"reference": notice.reference, "title": title},
    )
    return notice


@require_http_methods(["GET", "POST"])
@rate_limited("step")
def complaint_rectification_view(request: AuthedRequest, pk: int) -> HttpResponse:
    complaint = get_complaint_for(request.user, pk)
    if not is_committee(request.user, complaint):
        raise PermissionDenied
    form = NoticeIssueForm(
        request.POST or None,
        initial={"title": complaint.title, "description": complaint.description, "severity": "general"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            notice = complaint_rectification_issue(
                complaint=complaint,
                by=request.user,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                severity=form.cleaned_data["severity"],
            )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Rectification notice %(reference)s sent.") % {"reference": notice.reference})
            return redirect("inspections:notice_detail", pk=notice.pk)
    return render(
        request,
        "committee_site/complaint_rectification.html",
        {"complaint": complaint, "form": form},
        status=400 if form.errors else 200,
    )
