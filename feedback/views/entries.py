"""Self-service feedback (自助反馈): the owner's form and list, the list the
committee, the community office and the property company read, one entry's
page with the committee's steps (acknowledge, answer, turn an inquiry into a
complaint), each its own URL, and the photos behind the access check."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from committee_site.access import AuthedRequest, user_access
from committee_site.list_filters import query_without_cursor, valid_filters
from committee_site.models import User
from committee_site.pagination import page_or_first
from committee_site.services import ChangedMeanwhile, NotAllowed, ServiceError
from committee_site.throttle import rate_limited
from committee_site.uploads import photo_response
from complaints.models import Category
from feedback.access import feedback_identity_hidden, feedback_may, get_feedback_for, get_feedback_photo_for
from feedback.entry_forms import (
    FEEDBACK_FILTER_KEYS,
    AcknowledgeForm,
    AnswerForm,
    ConvertForm,
    FeedbackEntryForm,
    FeedbackFilterForm,
)
from feedback.models import FeedbackEntry
from feedback.queries import (
    FEEDBACK_ORDERING,
    feedback_list,
    feedback_reader_compound_ids,
    feedback_timeline,
    my_feedback,
)
from feedback.services import entries as services

Action = FeedbackEntry.Action
PER_PAGE = 25


# --- the owner ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@rate_limited("feedback")
def feedback_new_view(request: AuthedRequest) -> HttpResponse:
    if not user_access(request.user).owner_compound_ids:
        raise PermissionDenied
    form = FeedbackEntryForm(request.POST or None, request.FILES or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.feedback_submit(
                by=request.user,
                compound=data["compound"],
                unit=data["unit"],
                kind=data["kind"],
                service_area=data["service_area"],
                title=data["title"],
                body=data["body"],
                rating=data["rating"],
                name_shown_to_company=data["name_shown_to_company"],
                photos=data["photos"],
            )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you. The committee has your feedback and will answer it here."))
            return redirect("feedback:entry_detail", pk=entry.pk)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        if request.FILES:
            messages.warning(request, _("Please choose the photos again after correcting the form."))
    return render(request, "feedback/entry_form.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def feedback_mine_view(request: AuthedRequest) -> HttpResponse:
    """The owner's own feedback, newest first, with the committee's answers."""
    page = page_or_first(request, my_feedback(request.user), ordering=FEEDBACK_ORDERING, per_page=PER_PAGE)
    can_leave = bool(user_access(request.user).owner_compound_ids)
    return render(request, "feedback/entry_mine.html", {"page": page, "can_leave": can_leave})


# --- the committee's list -------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    entry: FeedbackEntry
    # The property company reads this entry without name, unit or photos.
    anonymous: bool


@require_GET
def feedback_list_view(request: AuthedRequest) -> HttpResponse:
    compound_ids = feedback_reader_compound_ids(request.user)
    form = FeedbackFilterForm(request.GET or None, compound_ids=compound_ids)
    data = valid_filters(request, form, known_keys=FEEDBACK_FILTER_KEYS)
    queryset = feedback_list(request.user, compound_ids, data)
    page = page_or_first(request, queryset, ordering=FEEDBACK_ORDERING, per_page=PER_PAGE)
    rows = [Row(entry, feedback_identity_hidden(request.user, entry)) for entry in page.items]
    return render(
        request,
        "feedback/entry_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "pager_query": query_without_cursor(request, FEEDBACK_FILTER_KEYS),
            "several_compounds": len(compound_ids) > 1,
            "filtered": any(data.values()),
        },
    )


# --- one entry ------------------------------------------------------------------------

STEP_FORMS: dict[str, type[forms.Form]] = {
    Action.ACKNOWLEDGE: AcknowledgeForm,
    Action.ANSWER: AnswerForm,
    Action.CONVERT: ConvertForm,
}
STEP_TITLES: dict[str, Any] = {
    Action.ACKNOWLEDGE: gettext_lazy("Acknowledge"),
    Action.ANSWER: gettext_lazy("Answer the owner"),
    Action.CONVERT: gettext_lazy("Turn into a complaint"),
}
STEP_URLS: dict[str, str] = {
    Action.ACKNOWLEDGE: "feedback:entry_acknowledge",
    Action.ANSWER: "feedback:entry_answer",
    Action.CONVERT: "feedback:entry_convert",
}


def _form_for(action: str, entry: FeedbackEntry, data: Any = None) -> forms.Form:
    initial: dict[str, Any] = {"version": entry.version}
    if action == Action.CONVERT and data is None:
        # The category of the entry's service area, when there is one.
        initial["category"] = (
            Category.objects.filter(active=True, service_area_id=entry.service_area_id)
            .values_list("pk", flat=True)
            .first()
        )
    return STEP_FORMS[action](data=data, prefix=action, initial=initial)


def _available_steps(user: User, entry: FeedbackEntry) -> list[str]:
    return [
        action
        for action in STEP_FORMS
        if FeedbackEntry.TRANSITIONS.allows(action, entry.status)
        and feedback_may(user, entry, action)
        and (action != Action.CONVERT or entry.kind == FeedbackEntry.Kind.INQUIRY)
    ]


def _page(
    request: AuthedRequest, entry: FeedbackEntry, *, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    anonymous = feedback_identity_hidden(request.user, entry)
    timeline = feedback_timeline(entry, with_photos=not anonymous)
    steps = [
        {
            "action": action,
            "url": reverse(STEP_URLS[action], args=[entry.pk]),
            "title": STEP_TITLES[action],
            "form": (bound or {}).get(action) or _form_for(action, entry),
        }
        for action in _available_steps(request.user, entry)
    ]
    access = user_access(request.user)
    is_author = entry.author_id == request.user.pk
    return render(
        request,
        "feedback/entry_detail.html",
        {
            "entry": entry,
            "anonymous": anonymous,
            "events": timeline.events,
            "photos": timeline.photos,
            "steps": steps,
            "is_author": is_author,
            # The complaint's page is the owner's and the overseers'; the
            # property company reaches it from its own queue once assigned.
            "complaint_link": entry.complaint_id is not None
            and (is_author or access.is_committee(entry.compound_id) or access.is_officer(entry.compound_id)),
        },
        status=status,
    )


@require_GET
def feedback_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    return _page(request, get_feedback_for(request.user, pk))


# A step's body may return another message and page than the step's own.
StepBody = Callable[[AuthedRequest, FeedbackEntry, dict[str, Any]], "tuple[str, str] | None"]


def feedback_step(action: str, done: Any) -> Callable[[StepBody], Callable[[AuthedRequest, int], HttpResponse]]:
    """The frame of every step: the access helper for this step (403 for
    anyone but the committee of the compound), its form, then the body, which
    may return the page to go to. A bad form shows the page again with what
    was typed (400); a step that changed meanwhile or is no longer possible
    shows the page as it is now with the message (409)."""

    def decorate(body: StepBody) -> Callable[[AuthedRequest, int], HttpResponse]:
        @functools.wraps(body)
        def view(request: AuthedRequest, pk: int) -> HttpResponse:
            entry = get_feedback_for(request.user, pk, action=action)
            form = _form_for(action, entry, request.POST)
            if not form.is_valid():
                messages.error(request, _("Please correct the errors below; nothing was saved."))
                return _page(request, entry, bound={action: form}, status=400)
            try:
                outcome = body(request, entry, form.cleaned_data)
            except ServiceError as error:
                return _refused(request, pk, action, error)
            message, target = outcome or (str(done), reverse("feedback:entry_detail", args=[pk]))
            messages.success(request, message)
            return redirect(target)

        return view

    return decorate


def _refused(request: AuthedRequest, pk: int, action: str, error: ServiceError) -> HttpResponse:
    messages.error(request, error.message)
    fresh = get_feedback_for(request.user, pk)
    bound = {}
    if action in _available_steps(request.user, fresh):
        data = request.POST.copy()
        data[f"{action}-version"] = str(fresh.version)
        bound = {action: _form_for(action, fresh, data)}
    status = 409 if isinstance(error, ChangedMeanwhile | NotAllowed) else 400
    return _page(request, fresh, bound=bound, status=status)


@require_POST
@rate_limited("step")
@feedback_step(Action.ACKNOWLEDGE, gettext_lazy("Acknowledged. The owner sees it on the feedback's page."))
def feedback_acknowledge_view(request: AuthedRequest, entry: FeedbackEntry, data: dict[str, Any]) -> None:
    services.feedback_acknowledge(entry=entry, by=request.user, seen_version=data["version"])


@require_POST
@rate_limited("step")
@feedback_step(Action.ANSWER, gettext_lazy("Answer sent; the owner has been told."))
def feedback_answer_view(request: AuthedRequest, entry: FeedbackEntry, data: dict[str, Any]) -> None:
    services.feedback_answer(entry=entry, by=request.user, seen_version=data["version"], answer=data["answer"])


@require_POST
@rate_limited("step")
@feedback_step(Action.CONVERT, "")
def feedback_convert_view(request: AuthedRequest, entry: FeedbackEntry, data: dict[str, Any]) -> tuple[str, str]:
    complaint = services.feedback_convert(
        entry=entry,
        by=request.user,
        seen_version=data["version"],
        category=data["category"],
        location_text=data["location_text"],
        note=data["note"],
    )
    message = _("Recorded as complaint %(reference)s for the owner; the feedback is answered with the reference.") % {
        "reference": complaint.reference
    }
    return message, reverse("complaints:detail", args=[complaint.pk])


@require_GET
def feedback_photo_view(request: AuthedRequest, pk: int, photo_pk: int) -> HttpResponseBase:
    photo = get_feedback_photo_for(request.user, pk, photo_pk)
    return photo_response(photo.file, download_name=f"feedback-{photo.entry_id}-{photo.pk}.jpg")
