"""Who may see and do what in the feedback app. Every view reaches its object
through a `get_<thing>_for(user, pk, ...)` helper here; lists start from a
queryset scoped with `visible_to(user)`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from committee_site.access import user_access
from committee_site.models import User
from feedback.models import Callback

# --- callbacks (回访) ------------------------------------------------------------------


def callback_overseen_compound_ids(user: User) -> frozenset[int]:
    """The compounds whose callbacks the user follows: the committee's, and
    read-only the community office's. Owners reach their own callback from
    its notification; property staff never see one (it checks their work)."""
    access = user_access(user)
    compound_ids = access.committee_compound_ids | access.officer_compound_ids
    if not compound_ids:
        raise PermissionDenied
    return compound_ids


def is_callback_owner(user: User, callback: Callback) -> bool:
    """The complainant, still a verified owner of the compound: answers online."""
    return callback.complaint.complainant_id == user.pk and user_access(user).is_owner(callback.compound_id)


def is_callback_caller(user: User, callback: Callback) -> bool:
    """Any committee member of the compound records the call (the assigned
    one is only who is asked to), except the complainant: nobody calls
    themselves back."""
    return user_access(user).is_committee(callback.compound_id) and callback.complaint.complainant_id != user.pk


def get_callback_for(user: User, pk: int, *, write: bool = False, as_owner: bool = False) -> Callback:
    """The callback if the user may see it, 404 otherwise: the committee and
    the community office of its compound, and the complainant. With `write`,
    403 unless the user may record it: a committee member calling, or with
    `as_owner` the complainant answering online. Whether it still waits for
    an answer is the service's to say (NotAllowed, ChangedMeanwhile)."""
    callback = (
        Callback.objects.filter(pk=pk)
        .select_related(
            "compound",
            "assigned_to",
            "done_by",
            "complaint__compound",
            "complaint__category",
            "complaint__service_area",
            "complaint__unit__building",
            "complaint__building",
            "complaint__complainant__owner_profile",
        )
        .first()
    )
    if callback is None:
        raise Http404
    access = user_access(user)
    compound_id = callback.compound_id
    reader = access.is_committee(compound_id) or access.is_officer(compound_id) or is_callback_owner(user, callback)
    if not reader:
        raise Http404
    if write and not (is_callback_owner(user, callback) if as_owner else is_callback_caller(user, callback)):
        raise PermissionDenied
    return callback
