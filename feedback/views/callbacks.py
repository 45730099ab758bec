"""Callbacks: the committee's list of calls to make, one callback's page,
and the three answers to it, each with its own URL: a member records an
attempt that did not reach the owner (feedback:callback_attempt) or the
outcome of one that did (feedback:callback_record); the owner answers online
(feedback:callback_answer)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from committee_site.access import AuthedRequest, user_access
from committee_site.list_filters import query_without_cursor, valid_filters
from committee_site.pagination import page_or_first
from committee_site.services import ChangedMeanwhile, NotAllowed, ServiceError
from committee_site.throttle import rate_limited
from feedback import queries
from feedback.access import callback_overseen_compound_ids, get_callback_for, is_callback_caller, is_callback_owner
from feedback.callback_forms import DONE, KNOWN_KEYS, TO_CALL, AnswerForm, AttemptForm, CallbackFilterForm, OutcomeForm
from feedback.models import Callback
from feedback.services.callbacks import callback_attempt, callback_record

PER_PAGE = 25

# --- the list ---------------------------------------------------------------------------


@require_GET
def callback_list_view(request: AuthedRequest) -> HttpResponse:
    compound_ids = callback_overseen_compound_ids(request.user)
    form = CallbackFilterForm(request.GET or None, compound_ids=compound_ids)
    data = valid_filters(request, form, known_keys=KNOWN_KEYS)
    queryset, ordering = queries.callback_list(request.user, compound_ids, data)
    page = page_or_first(request, queryset, ordering=ordering, per_page=PER_PAGE)
    showing = data.get("status") or TO_CALL
    # Under the first page of the callbacks to make, the latest made ones.
    recent = []
    if not data.get("status") and not page.has_previous:
        recent = queries.callbacks_recently_done(request.user, compound_ids, data)
    return render(
        request,
        "feedback/callback_list.html",
        {
            "form": form,
            "page": page,
            "showing": showing,
            "to_call": showing == TO_CALL,
            "recent": recent,
            "pager_query": query_without_cursor(request, KNOWN_KEYS),
            "several_compounds": len(compound_ids) > 1,
            "coverage_compound_ids": [data["compound"].pk] if data.get("compound") else sorted(compound_ids),
            "is_committee": bool(user_access(request.user).committee_compound_ids),
            "done_query": urlencode(
                {"status": DONE, **({"compound": data["compound"].pk} if data.get("compound") else {})}
                | ({"mine": "on"} if data.get("mine") else {})
            ),
            "filtered": any(data.get(key) for key in ("compound", "status", "mine")),
            "now": timezone.now(),
        },
    )


# --- one callback -------------------------------------------------------------------------

ATTEMPT, RECORD, ANSWER = "attempt", "record", "answer"
FORMS: dict[str, type[forms.Form]] = {ATTEMPT: AttemptForm, RECORD: OutcomeForm, ANSWER: AnswerForm}


def _form(name: str, callback: Callback, data: Any = None) -> forms.Form:
    return FORMS[name](data=data, prefix=name, initial={"version": callback.version})


def _open_forms(user: Any, callback: Callback) -> list[str]:
    """The forms this user has on this callback now."""
    if not callback.is_pending:
        return []
    if is_callback_caller(user, callback):
        return [RECORD, ATTEMPT]
    if is_callback_owner(user, callback):
        return [ANSWER]
    return []


def _page(
    request: AuthedRequest, callback: Callback, *, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    access = user_access(user)
    committee_side = access.is_committee(callback.compound_id) or access.is_officer(callback.compound_id)
    step_forms = {name: (bound or {}).get(name) or _form(name, callback) for name in _open_forms(user, callback)}
    return render(
        request,
        "feedback/callback_detail.html",
        {
            "callback": callback,
            "complaint": callback.complaint,
            "events": queries.callback_history(callback),
            # The owner reads the steps, not the committee's internal notes of each attempt.
            "internal": committee_side,
            "owner_view": is_callback_owner(user, callback) and not committee_side,
            "attempt_form": step_forms.get(ATTEMPT),
            "record_form": step_forms.get(RECORD),
            "answer_form": step_forms.get(ANSWER),
            "read_only": committee_side and not step_forms and callback.is_pending,
            "attempts_left": max(Callback.MAX_ATTEMPTS - callback.attempts, 0),
            "max_attempts": Callback.MAX_ATTEMPTS,
            "now": timezone.now(),
        },
        status=status,
    )


@require_GET
def callback_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    return _page(request, get_callback_for(request.user, pk))


StepBody = Callable[[AuthedRequest, Callback, dict[str, Any]], str]


def callback_step(name: str) -> Callable[[StepBody], Callable[[AuthedRequest, int], HttpResponse]]:
    """The frame of the three answers, as the complaint's steps have it: the
    access helper for this answer, its form, then the body, which returns the
    message for the user. A bad form shows the page again with the errors
    (400); a refusal shows the page as it is now, with what the user typed
    still in the form where it is still possible (409 when the callback
    changed meanwhile or no longer waits for this)."""

    def decorate(body: StepBody) -> Callable[[AuthedRequest, int], HttpResponse]:
        @functools.wraps(body)
        def view(request: AuthedRequest, pk: int) -> HttpResponse:
            callback = get_callback_for(request.user, pk, write=True, as_owner=name == ANSWER)
            form = _form(name, callback, request.POST)
            if not form.is_valid():
                messages.error(request, _("Please correct the errors below; nothing was saved."))
                return _page(request, callback, bound={name: form}, status=400)
            try:
                done = body(request, callback, form.cleaned_data)
            except ServiceError as error:
                return _refused(request, pk, name, error)
            messages.success(request, done)
            return redirect("feedback:callback_detail", pk=pk)

        return view

    return decorate


def _refused(request: AuthedRequest, pk: int, name: str, error: ServiceError) -> HttpResponse:
    messages.error(request, error.message)
    fresh = get_callback_for(request.user, pk)
    bound = {}
    if name in _open_forms(request.user, fresh):
        data = request.POST.copy()
        data[f"{name}-version"] = str(fresh.version)
        bound[name] = _form(name, fresh, data)
    status = 409 if isinstance(error, ChangedMeanwhile | NotAllowed) else 400
    return _page(request, fresh, bound=bound, status=status)


@require_POST
@rate_limited("step")
@callback_step(ATTEMPT)
def callback_attempt_view(request: AuthedRequest, callback: Callback, data: dict[str, Any]) -> str:
    callback_attempt(
        callback=callback, by=request.user, seen_version=data["version"], channel=data["channel"], note=data["note"]
    )
    if callback.status == Callback.Status.UNREACHED:
        return _(
            "Recorded: the owner was not reached after %(count)s attempts. The complaint closes by itself "
            "when the owner's time to dispute the reply ends."
        ) % {"count": callback.attempts}
    left = Callback.MAX_ATTEMPTS - callback.attempts
    return ngettext(
        "Attempt recorded. %(count)s more attempt before the owner counts as not reached.",
        "Attempt recorded. %(count)s more attempts before the owner counts as not reached.",
        left,
    ) % {"count": left}


@require_POST
@rate_limited("step")
@callback_step(RECORD)
def callback_record_view(request: AuthedRequest, callback: Callback, data: dict[str, Any]) -> str:
    callback_record(
        callback=callback,
        by=request.user,
        seen_version=data["version"],
        solved=data["solved"],
        satisfaction=data["satisfaction"],
        comment=data["comment"],
        channel=data["channel"],
    )
    if data["solved"]:
        return _("Callback recorded: solved. The complaint is closed.")
    return _(
        "Callback recorded: not solved. The complaint is in progress again with a new deadline; "
        "the property company has been told."
    )


@require_POST
@rate_limited("step")
@callback_step(ANSWER)
def callback_answer_view(request: AuthedRequest, callback: Callback, data: dict[str, Any]) -> str:
    callback_record(
        callback=callback,
        by=request.user,
        seen_version=data["version"],
        solved=data["solved"],
        satisfaction=data["satisfaction"],
        comment=data["comment"],
        channel=Callback.Channel.ONLINE,
    )
    if data["solved"]:
        return _("Thank you for your answer. The complaint is closed.")
    return _(
        "Thank you for your answer. The complaint is reopened and will be handled again; you will be told of each step."
    )
