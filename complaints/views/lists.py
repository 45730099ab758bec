from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from committee_site.access import AuthedRequest, user_access
from committee_site.pagination import page_or_first
from complaints.models import Complaint

PER_PAGE = 25


@require_GET
def my_complaints_view(request: AuthedRequest) -> HttpResponse:
    """The owner's own complaints, newest first."""
    queryset = (
        Complaint.objects.visible_to(request.user)
        .filter(complainant=request.user)
        .select_related("category", "compound")
    )
    ordering = ("-submitted_at", "-id")
    page = page_or_first(request, queryset, ordering=ordering, per_page=PER_PAGE)
    can_file = bool(user_access(request.user).owner_compound_ids)
    return render(request, "complaints/my_complaints.html", {"page": page, "can_file": can_file})
