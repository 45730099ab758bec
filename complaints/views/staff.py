"""The property staff's queue: what is assigned to their company, most urgent
first, with the step forms of the complaint page one tap away."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from committee_site.access import AuthedRequest
from committee_site.pagination import BadCursor, Page, keyset_page
from complaints.models import Complaint, Status
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
    page: Page[Complaint]
    try:
        page = keyset_page(queryset, ordering=ordering, cursor=request.GET.get("cursor"), per_page=PER_PAGE)
    except BadCursor:
        messages.warning(request, _("That page link is not valid (any more); here is the first page."))
        page = keyset_page(queryset, ordering=ordering, cursor=None, per_page=PER_PAGE)
    rows = [(complaint, STEPS_BY_STATUS.get(Status(complaint.status), [])) for complaint in page.items]
    return render(request, "complaints/assigned.html", {"page": page, "rows": rows, "pager_query": ""})
