"""The home page: what each person should look at first. It sits at the top
of the project (DESIGN.md §2), so it may read from every app."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from committee_site.access import AuthedRequest, user_access
from committee_site.models import Compound, Notification, OwnerApplication
from complaints.models import OPEN_STATUSES, Complaint, Status

SHORT_LIST = 5


@require_GET
def home_view(request: AuthedRequest) -> HttpResponse:
    access = user_access(request.user)
    compounds = list(
        Compound.objects.visible_to(request.user).select_related("committee", "property_company", "community_office")
    )
    for compound in compounds:
        compound.my_roles = sorted(access.roles_in(compound.pk))  # type: ignore[attr-defined]
    pending = []
    if access.committee_compound_ids:
        pending = list(
            OwnerApplication.objects.visible_to(request.user)
            .pending()
            .select_related("unit__building__compound")
            .order_by("created_at", "id")[:5]
        )
    recent = list(Notification.objects.for_user(request.user).order_by("-created_at", "-id")[:5])
    complaints = Complaint.objects.select_related("category")
    # Each person's own queue: the owner's open complaints, the committee's
    # complaints waiting for acceptance, the staff's assigned work by urgency.
    my_open = (
        list(
            complaints.filter(complainant=request.user, status__in=OPEN_STATUSES | {Status.RESOLVED}).order_by(
                "-submitted_at", "-id"
            )[:SHORT_LIST]
        )
        if access.owner_compound_ids
        else []
    )
    to_accept = (
        list(
            complaints.filter(compound_id__in=access.committee_compound_ids, status=Status.SUBMITTED).order_by(
                "next_due_at", "id"
            )[:SHORT_LIST]
        )
        if access.committee_compound_ids
        else []
    )
    assigned = (
        list(
            complaints.filter(
                compound_id__in=access.property_compound_ids,
                assignee_id__in=access.organisation_ids,
                status__in=OPEN_STATUSES,
            ).order_by("next_due_at", "id")[:SHORT_LIST]
        )
        if access.property_compound_ids
        else []
    )
    return render(
        request,
        "committee_site/home.html",
        {
            "compounds": compounds,
            "pending_applications": pending,
            "recent_notifications": recent,
            "my_open_complaints": my_open,
            "complaints_to_accept": to_accept,
            "assigned_complaints": assigned,
        },
    )
