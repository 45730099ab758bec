"""The property staff's queue: what is assigned to their company, most urgent
first, with the step forms of the complaint page one tap away."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from committee_site.access import AuthedRequest
from committee_site.pagination import page_or_first
from complaints.models import Status
from complaints.queries import assigned_queue

PER_PAGE = 25

# The steps staff take in each status, as anchors of the complaint page's forms.
STEPS_BY_STATUS = {
    Status.ASSIGNED: ["plan"],
    Status.IN_PROGRESS: ["progress", "reply"],
}


@require_GET
def assigned_view(request: AuthedRequest) -> HttpResponse:
    queryset, ordering = assigned_queue(request.user)
    page = page_or_first(request, queryset, ordering=ordering, per_page=PER_PAGE)
    rows = [(complaint, STEPS_BY_STATUS.get(Status(complaint.status), [])) for complaint in page.items]
    return render(request, "complaints/assigned.html", {"page": page, "rows": rows, "pager_query": ""})
