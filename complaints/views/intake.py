from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from committee_site.access import AuthedRequest, require_committee, user_access
from committee_site.services import ServiceError
from committee_site.throttle import rate_limited
from complaints import services
from complaints.forms import ComplaintForm, RecordForm


@require_http_methods(["GET", "POST"])
@rate_limited("complaint")
def complaint_new_view(request: AuthedRequest) -> HttpResponse:
    if not user_access(request.user).owner_compound_ids:
        raise PermissionDenied
    form = ComplaintForm(request.POST or None, request.FILES or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = services.complaint_submit(
                by=request.user,
                compound=data["compound"],
                category=data["category"],
                title=data["title"],
                description=data["description"],
                unit=data["unit"],
                building=data["building"],
                location_text=data["location_text"],
                photos=data["photos"],
            )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Your complaint is filed as %(reference)s. We will tell you each step by notification and e-mail.")
                % {"reference": complaint.reference},
            )
            return redirect("complaints:detail", pk=complaint.pk)
    if request.method == "POST" and request.FILES:
        messages.warning(request, _("Nothing was saved. Please choose the photos again after correcting the form."))
    return render(request, "complaints/complaint_form.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@rate_limited("record")
def complaint_record_view(request: AuthedRequest) -> HttpResponse:
    compound_ids = require_committee(request.user)
    form = RecordForm(request.POST or None, request.FILES or None, compound_ids=compound_ids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = services.complaint_submit(
                by=request.user,
                compound=data["compound"],
                category=data["category"],
                title=data["title"],
                description=data["description"],
                unit=data["unit"],
                building=data["building"],
                location_text=data["location_text"],
                photos=data["photos"],
                channel=data["channel"],
                complainant=data["complainant"],
                complainant_name=data["complainant_name"],
                complainant_phone=data["complainant_phone"],
            )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Recorded as %(reference)s.") % {"reference": complaint.reference})
            return redirect("complaints:detail", pk=complaint.pk)
    if request.method == "POST" and request.FILES:
        messages.warning(request, _("Nothing was saved. Please choose the photos again after correcting the form."))
    return render(request, "complaints/record_form.html", {"form": form}, status=400 if form.errors else 200)
