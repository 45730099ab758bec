"""Who may see and do what with a complaint. Every complaint view goes through
get_complaint_for; lists start from Complaint.objects.visible_to(user)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from committee_site.access import user_access
from committee_site.models import User
from complaints.models import Action, Complaint, ComplaintPhoto

# Which role may take each step. "handler": the committee, or staff of the
# organisation the complaint is assigned to.
COMMITTEE_STEPS = frozenset({Action.ACCEPT, Action.REJECT, Action.ASSIGN, Action.REFER, Action.REOPEN, Action.PUBLISH})
HANDLER_STEPS = frozenset({Action.PLAN, Action.PROGRESS, Action.REPLY})
OWNER_STEPS = frozenset({Action.CONFIRM, Action.DISPUTE, Action.WITHDRAW})


def is_committee(user: User, complaint: Complaint) -> bool:
    return user_access(user).is_committee(complaint.compound_id)


def is_handler(user: User, complaint: Complaint) -> bool:
    access = user_access(user)
    if access.is_committee(complaint.compound_id):
        return True
    return (
        access.is_property_staff(complaint.compound_id)
        and complaint.assignee_id is not None
        and complaint.assignee_id in access.organisation_ids
    )


def is_complainant(user: User, complaint: Complaint) -> bool:
    return complaint.complainant_id == user.pk and user_access(user).is_owner(complaint.compound_id)


def sees_internal(user: User, complaint: Complaint) -> bool:
    """Everyone but the complainant sees internal notes; the owner sees what is meant for them."""
    access = user_access(user)
    return (
        access.is_committee(complaint.compound_id)
        or access.is_officer(complaint.compound_id)
        or is_handler(user, complaint)
    )


def may(user: User, complaint: Complaint, action: str) -> bool:
    if action in COMMITTEE_STEPS:
        return is_committee(user, complaint)
    if action in HANDLER_STEPS:
        return is_handler(user, complaint)
    if action in OWNER_STEPS:
        return is_complainant(user, complaint)
    return False


def get_complaint_for(user: User, pk: int, *, action: str | None = None) -> Complaint:
    """The complaint if the user may see it (404 otherwise) and, with an
    action, may take that step (403 otherwise)."""
    complaint = (
        Complaint.objects.visible_to(user)
        .select_related(
            "compound__committee",
            "compound__property_company",
            "compound__community_office",
            "category",
            "service_area",
            "unit__building",
            "building",
            "complainant",
            "assignee",
        )
        .filter(pk=pk)
        .first()
    )
    if complaint is None:
        raise Http404
    if action is not None and not may(user, complaint, action):
        raise PermissionDenied
    return complaint


def get_complaint_photo_for(user: User, complaint_pk: int, photo_pk: int) -> ComplaintPhoto:
    complaint = get_complaint_for(user, complaint_pk)
    photo = ComplaintPhoto.objects.filter(pk=photo_pk, complaint=complaint).first()
    if photo is None or (not photo.visible_to_owner and not sees_internal(user, complaint)):
        raise Http404
    photo.complaint = complaint
    return photo
