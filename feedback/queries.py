"""Reads the feedback pages compose: functions, data in, querysets and
dataclasses out, a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import PermissionDenied

from committee_site import search
from committee_site.access import user_access
from committee_site.models import User
from feedback.models import FeedbackEntry, FeedbackEntryQuerySet, FeedbackEvent, FeedbackPhoto

# --- self-service feedback (自助反馈) ---------------------------------------------------

FEEDBACK_LIST_RELATED = ("compound", "service_area", "author", "unit__building", "complaint")
# Newest first, ending in the primary key as keyset paging needs; served by
# feedback_compound_created and, with a status, feedback_compound_status.
FEEDBACK_ORDERING = ("-created_at", "-id")


def feedback_reader_compound_ids(user: User) -> frozenset[int]:
    """The compounds whose feedback the user reads in the list: the
    committee's, the community office's and the property company's (which
    sees anonymous entries without identity). Everyone else gets 403."""
    access = user_access(user)
    compound_ids = access.committee_compound_ids | access.officer_compound_ids | access.property_compound_ids
    if not compound_ids:
        raise PermissionDenied
    return compound_ids


def feedback_list(user: User, compound_ids: frozenset[int], data: dict[str, Any]) -> FeedbackEntryQuerySet:
    """The visible entries of the user's compounds as the list's filters
    chose them (validated by FeedbackFilterForm), to page in FEEDBACK_ORDERING."""
    queryset = FeedbackEntry.objects.visible_to(user).filter(compound_id__in=list(compound_ids))
    if data.get("compound"):
        queryset = queryset.filter(compound=data["compound"])
    for key in ("kind", "status", "service_area"):
        if data.get(key):
            queryset = queryset.filter(**{key: data[key]})
    if data.get("q"):
        queryset = cast(FeedbackEntryQuerySet, search.search(queryset, data["q"]))
    return queryset.select_related(*FEEDBACK_LIST_RELATED)


def my_feedback(user: User) -> FeedbackEntryQuerySet:
    """The owner's own entries with their answers, to page in FEEDBACK_ORDERING
    (served by feedback_author)."""
    return (
        FeedbackEntry.objects.visible_to(user)
        .filter(author=user)
        .select_related("compound", "service_area", "complaint", "answered_by")
    )


@dataclass(frozen=True)
class FeedbackTimeline:
    events: list[FeedbackEvent]
    photos: list[FeedbackPhoto]


def feedback_timeline(entry: FeedbackEntry, *, with_photos: bool) -> FeedbackTimeline:
    """One entry's history and its photos (none for a reader who may not see
    them): two queries, or one."""
    return FeedbackTimeline(
        events=list(FeedbackEvent.objects.filter(entry=entry).select_related("actor")),
        photos=list(FeedbackPhoto.objects.filter(entry=entry)) if with_photos else [],
    )
