"""Who may see and do what in the feedback app: one helper per object a URL
names, returning the object or raising 404 (not theirs to know of) or 403
(theirs to read, not to do)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from committee_site.access import user_access
from committee_site.models import User
from feedback.models import Survey

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
