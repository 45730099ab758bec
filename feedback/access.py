"""Who may see and do what in the feedback app: one helper per object a URL
names, returning the object or raising 404 (not theirs to know of) or 403
(theirs to read, not to do); lists start from a queryset scoped with
`visible_to(user)`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from committee_site.access import user_access
from committee_site.models import User
from feedback.models import Callback, FeedbackEntry, FeedbackPhoto, Survey

# --- callbacks (回访) -------------------------------------------------------------------


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


# --- self-service feedback (自助反馈) ---------------------------------------------------

# What the committee of the entry's compound may do to it; everyone else only reads.
FEEDBACK_COMMITTEE_STEPS = frozenset(
    {FeedbackEntry.Action.ACKNOWLEDGE, FeedbackEntry.Action.ANSWER, FeedbackEntry.Action.CONVERT}
)


def feedback_identity_hidden(user: User, entry: FeedbackEntry) -> bool:
    """The property company reads the entry without the owner's name, unit
    or photos unless the owner allowed it; the author, the committee and the
    community office always see who wrote it."""
    if entry.name_shown_to_company or entry.author_id == user.pk:
        return False
    access = user_access(user)
    return not (access.is_committee(entry.compound_id) or access.is_officer(entry.compound_id))


def feedback_may(user: User, entry: FeedbackEntry, action: str) -> bool:
    return action in FEEDBACK_COMMITTEE_STEPS and user_access(user).is_committee(entry.compound_id)


def get_feedback_for(user: User, pk: int, *, action: str | None = None) -> FeedbackEntry:
    """The entry if the user may see it (404 otherwise: the owner their own,
    the committee, the community office and the property company their
    compounds'), and with an action, may take that step (403 otherwise)."""
    entry = (
        FeedbackEntry.objects.visible_to(user)
        .select_related("compound", "service_area", "unit__building", "author", "answered_by", "complaint")
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise Http404
    if action is not None and not feedback_may(user, entry, action):
        raise PermissionDenied
    return entry


def get_feedback_photo_for(user: User, pk: int, photo_pk: int) -> FeedbackPhoto:
    """A photo of an entry the user may see, and may see with its author:
    for the property company the photos of an anonymous entry do not exist."""
    entry = get_feedback_for(user, pk)
    if feedback_identity_hidden(user, entry):
        raise Http404
    photo = FeedbackPhoto.objects.filter(pk=photo_pk, entry=entry).first()
    if photo is None:
        raise Http404
    photo.entry = entry
    return photo


# --- satisfaction surveys ----------------------------------------------------------------


def require_survey_reader(user: User) -> None:
    """Everyone who belongs to a compound reads its surveys; anyone else gets 403."""
    if not user_access(user).compound_ids:
        raise PermissionDenied


def get_survey_for(user: User, pk: int, *, write: bool = False, answer: bool = False) -> Survey:
    """A survey of one of the user's compounds (404 otherwise). `write`: only
    its committee (close it early); `answer`: only a verified owner of the
    compound (403 otherwise)."""
    survey = Survey.objects.visible_to(user).select_related("compound").filter(pk=pk).first()
    if survey is None:
        raise Http404
    access = user_access(user)
    if write and not access.is_committee(survey.compound_id):
        raise PermissionDenied
    if answer and not access.is_owner(survey.compound_id):
        raise PermissionDenied
    return survey


def sees_survey_details(user: User, survey: Survey) -> bool:
    """The committee sees every figure, the small groups and the comments,
    and follows a survey while it runs. Everyone else sees the aggregates
    once it has closed, never one resting on fewer than five answers."""
    return user_access(user).is_committee(survey.compound_id)


def sees_survey_results(user: User, survey: Survey) -> bool:
    return sees_survey_details(user, survey) or survey.is_closed()


def get_survey_for_paper(user: User, pk: int) -> Survey:
    """A survey whose paper forms the user may type in: one of the user's
    compounds (404 otherwise) whose committee the user sits on (403
    otherwise: owners answer online, the property company and the community
    office enter nobody's answer). Whether it is open is the page's to say."""
    return get_survey_for(user, pk, write=True)
