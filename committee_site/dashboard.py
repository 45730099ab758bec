"""The home page: what each person should look at first. It sits at the top
of the project (DESIGN.md §2), so it may read from every app."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from committee_site.access import AuthedRequest, user_access
from committee_site.models import Compound, Notification, OwnerApplication
from complaints import queries as complaint_queries
from feedback import queries as feedback_queries
from inspections.models import SigningParty


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
    to_sign = []
    if access.committee_compound_ids or access.property_compound_ids or access.officer_compound_ids:
        to_sign = list(
            SigningParty.objects.awaiting_signature_by(request.user)
            .select_related("inspection__compound")
            .order_by("inspection__planned_on", "id")[:5]
        )
    recent = list(Notification.objects.for_user(request.user).order_by("-created_at", "-id")[:5])
    queues = complaint_queries.home_queues(request.user)
    callbacks_to_make, coverage = [], None
    if access.committee_compound_ids:
        callbacks_to_make = feedback_queries.callbacks_to_make(request.user)
        coverage = feedback_queries.callback_coverage(access.committee_compound_ids, timezone.now())
    return render(
        request,
        "committee_site/home.html",
        {
            "compounds": compounds,
            "pending_applications": pending,
            "recent_notifications": recent,
            "my_open_complaints": queues.mine,
            "complaints_to_accept": queues.to_accept,
            "assigned_complaints": queues.assigned,
            "to_sign": to_sign,
            "callbacks_to_make": callbacks_to_make,
            "callback_coverage": coverage,
        },
    )
