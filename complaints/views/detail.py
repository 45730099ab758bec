"""The complaint page and one small view per step taken on it: access
helper, form, service, redirect. Each step has its own named URL
(complaints:accept, complaints:assign, …)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from committee_site.access import AuthedRequest
from committee_site.services import ChangedMeanwhile, NotAllowed, ServiceError
from committee_site.throttle import rate_limited
from committee_site.uploads import photo_response
from complaints import queries, services
from complaints.access import get_complaint_for, get_complaint_photo_for, is_committee, may, sees_internal
from complaints.forms import (
    AcceptForm,
    AssignForm,
    ConfirmForm,
    PlanForm,
    ProgressForm,
    PublishForm,
    ReasonForm,
    ReferForm,
    ReplyForm,
    WithdrawForm,
)
from complaints.models import TRANSITIONS, Action, Complaint
from complaints.redaction import suggested_summary

# The form of each step; the step's URL name is its action (complaints:accept).
STEP_FORMS: dict[str, type[forms.Form]] = {
    Action.ACCEPT: AcceptForm,
    Action.REJECT: ReasonForm,
    Action.ASSIGN: AssignForm,
    Action.PLAN: PlanForm,
    Action.PROGRESS: ProgressForm,
    Action.REPLY: ReplyForm,
    Action.CONFIRM: ConfirmForm,
    Action.DISPUTE: ReasonForm,
    Action.WITHDRAW: WithdrawForm,
    Action.REFER: ReferForm,
    Action.REOPEN: ReasonForm,
}

STEP_TITLES: dict[str, Any] = {
    Action.ACCEPT: gettext_lazy("Accept and classify"),
    Action.REJECT: gettext_lazy("Do not accept"),
    Action.ASSIGN: gettext_lazy("Rule on responsibility and assign"),
    Action.PLAN: gettext_lazy("Record the handling plan"),
    Action.PROGRESS: gettext_lazy("Record progress"),
    Action.REPLY: gettext_lazy("Reply with the result"),
    Action.CONFIRM: gettext_lazy("Confirm the result"),
    Action.DISPUTE: gettext_lazy("Dispute the result"),
    Action.WITHDRAW: gettext_lazy("Withdraw my complaint"),
    Action.REFER: gettext_lazy("Refer to an outside body"),
    Action.REOPEN: gettext_lazy("Reopen"),
}
# Steps that close a door get a quieter, outlined button.
SECONDARY_STEPS = frozenset({Action.REJECT, Action.WITHDRAW, Action.REFER, Action.REOPEN, Action.DISPUTE})


def _form_for(action: str, complaint: Complaint, data: Any = None, files: Any = None) -> forms.Form:
    form_class = STEP_FORMS[action]
    kwargs: dict[str, Any] = {"data": data, "files": files, "prefix": action}
    if form_class is AssignForm:
        kwargs["compound"] = complaint.compound
        kwargs["initial"] = {
            "version": complaint.version,
            "responsible_party": complaint.category.default_responsible,
            "assignee": complaint.assignee_id or complaint.compound.property_company_id,
        }
    elif form_class is AcceptForm:
        kwargs["initial"] = {
            "version": complaint.version,
            "category": complaint.category_id,
            "service_area": complaint.service_area_id or complaint.category.service_area_id,
            "priority": complaint.priority,
        }
    else:
        kwargs["initial"] = {"version": complaint.version}
    return form_class(**kwargs)


def _available_steps(user: Any, complaint: Complaint) -> list[str]:
    return [
        action for action in STEP_FORMS if TRANSITIONS.allows(action, complaint.status) and may(user, complaint, action)
    ]


def _page(
    request: AuthedRequest,
    complaint: Complaint,
    *,
    bound: dict[str, forms.Form] | None = None,
    publish_form: PublishForm | None = None,
    status: int = 200,
) -> HttpResponse:
    internal = sees_internal(request.user, complaint)
    timeline = queries.complaint_timeline(complaint, internal=internal)
    steps = _available_steps(request.user, complaint)
    step_forms = [
        {
            "action": action,
            "url": reverse(f"complaints:{action}", args=[complaint.pk]),
            "title": STEP_TITLES[action],
            "form": (bound or {}).get(action) or _form_for(action, complaint),
            "secondary": action in SECONDARY_STEPS,
        }
        for action in sorted(steps, key=lambda action: action in SECONDARY_STEPS)
    ]
    publication = timeline.publication
    can_publish = may(request.user, complaint, Action.PUBLISH) and complaint.status in ("resolved", "closed")
    if can_publish and publish_form is None:
        publish_form = PublishForm(
            compound=complaint.compound,
            initial={
                "summary": publication.summary if publication else suggested_summary(complaint),
                "scope": publication.scope if publication else "compound",
                "building": (publication.building_id if publication else None) or complaint.building_id,
            },
        )
    return render(
        request,
        "complaints/complaint_detail.html",
        {
            "complaint": complaint,
            "events": timeline.events,
            "intake_photos": timeline.intake_photos,
            "step_forms": step_forms,
            "internal": internal,
            "is_committee": is_committee(request.user, complaint),
            "publication": publication,
            "publish_form": publish_form if can_publish else None,
        },
        status=status,
    )


@require_GET
def complaint_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    return _page(request, get_complaint_for(request.user, pk))


# --- the steps -------------------------------------------------------------------------

StepBody = Callable[[AuthedRequest, Complaint, dict[str, Any]], None]


def complaint_step(action: str, done: Any) -> Callable[[StepBody], Callable[[AuthedRequest, int], HttpResponse]]:
    """The frame of every step view, so that each view is only its service
    call: the access helper for this step, its form, then the body. A bad form
    or a refusal shows the page again with what the user typed; a step that
    changed meanwhile or is no longer possible answers 409."""

    def decorate(body: StepBody) -> Callable[[AuthedRequest, int], HttpResponse]:
        @functools.wraps(body)
        def view(request: AuthedRequest, pk: int) -> HttpResponse:
            complaint = get_complaint_for(request.user, pk, action=action)
            form = _form_for(action, complaint, request.POST, request.FILES)
            if not form.is_valid():
                messages.error(request, _("Please correct the errors below; nothing was saved."))
                return _page(request, complaint, bound={action: form}, status=400)
            try:
                body(request, complaint, form.cleaned_data)
            except ServiceError as error:
                return _refused(request, pk, action, error)
            messages.success(request, str(done))
            return redirect("complaints:detail", pk=pk)

        return view

    return decorate


def _refused(request: AuthedRequest, pk: int, action: str, error: ServiceError) -> HttpResponse:
    """Show the page as it is now, with what the user typed still in the
    form where the step is still possible."""
    messages.error(request, error.message)
    fresh = get_complaint_for(request.user, pk)
    data = request.POST.copy()
    data[f"{action}-version"] = str(fresh.version)
    still_possible = action in _available_steps(request.user, fresh)
    bound = {action: _form_for(action, fresh, data, request.FILES)} if still_possible else {}
    status = 409 if isinstance(error, ChangedMeanwhile | NotAllowed) else 400
    return _page(request, fresh, bound=bound, status=status)


@require_POST
@rate_limited("step")
@complaint_step(Action.ACCEPT, gettext_lazy("Accepted."))
def complaint_accept_view(request: AuthedRequest, complaint: Complaint, data: dict[str, Any]) -> None:
    services.complaint_accept(
        complaint=complaint,
        by=request.user,
        seen_version=data["version"],
        category=data["category"],
        service_area=data["service_area"],
        priority=data["priority"],
        is_complex=data["is_complex"],
    )


@require_POST
@rate_limited("step")
@complaint_step(Action.REJECT, gettext_lazy("Not accepted; the owner has been told why."))
def complaint_reject_view(request: AuthedRequest, complaint: Complaint, data: dict[str, Any]) -> None:
    services.complaint_reject(complaint=complaint, by=request.user, seen_version=data["version"], reason=data["reason"])


@require_POST
@rate_limited("step")
@complaint_step(Action.ASSIGN, gettext_lazy("Assigned; the deadline is set."))
def complaint_assign_view(request: AuthedRequest, complaint: Complaint, data: dict[str, Any]) -> None:
    services.complaint_assign(
        complaint=complaint,
        by=request.user,
        seen_version=data["version"],
        responsible_party=data["responsible_party"],
        reason=data["reason"],
        assignee=data["assignee"],
    )


@require_POST
@rate_limited("step")
@complaint_step(Action.PLAN, gettext_lazy("Handling plan recorded; the owner has been told."))
def complaint_plan_view(request: AuthedRequest, complaint: Complaint, data: dict[str, Any]) -> None:
    services.complaint_plan(
        complaint=complaint, by=request.user, seen_version=data["version"], plan=data["plan"], photos=data["photos"]
    )


@require_POST
@rate_limited("step")
@complaint_step(Action.PROGRESS, gettext_lazy("Progress recorded."))
def complaint_progress_view(request: AuthedRequest, complaint: Complaint, data: dict[str, Any]) -> None:
    services.complaint_progress(
        complaint=complaint,
        by=request.user,
        seen_version=data["version"],
        note=data["note"],
        visible_to_owner=data["visible_to_owner"],
        photos=data["photos"],
    )


@require_POST
@rate_limited("step")
@complaint_step(Action.REPLY, gettext_lazy("Reply sent to the owner."))
def complaint_reply_view(request: AuthedRequest, complaint: Complaint, data: dict[str, Any]) -> None:
    services.complaint_reply(
        complaint=complaint, by=request.user, seen_version=data["version"], result=data["result"], photos=data["photos"]
    )


@require_POST
@rate_limited("step")
@complaint_step(Action.CONFIRM, gettext_lazy("Thank you. The complaint is closed."))
def complaint_confirm_view(request: AuthedRequest, complaint: Complaint, data: dict[str, Any]) -> None:
    services.complaint_confirm(
        complaint=complaint,
        by=request.user,
        seen_version=data["version"],
        rating=data["rating"],
        comment=data["comment"],
    )


@require_POST
@rate_limited("step")
@complaint_step(Action.DISPUTE, gettext_lazy("Your dispute is recorded; the complaint is open again."))
def complaint_dispute_view(request: AuthedRequest, complaint: Complaint, data: dict[str, Any]) -> None:
    services.complaint_dispute(
        complaint=complaint, by=request.user, seen_version=data["version"], reason=data["reason"]
    )


@require_POST
@rate_limited("step")
@complaint_step(Action.WITHDRAW, gettext_lazy("The complaint is withdrawn."))
def complaint_withdraw_view(request: AuthedRequest, complaint: Complaint, data: dict[str, Any]) -> None:
    services.complaint_withdraw(
        complaint=complaint, by=request.user, seen_version=data["version"], reason=data["reason"]
    )


@require_POST
@rate_limited("step")
@complaint_step(Action.REFER, gettext_lazy("Referred."))
def complaint_refer_view(request: AuthedRequest, complaint: Complaint, data: dict[str, Any]) -> None:
    services.complaint_refer(
        complaint=complaint,
        by=request.user,
        seen_version=data["version"],
        referred_to=data["referred_to"],
        note=data["note"],
    )


@require_POST
@rate_limited("step")
@complaint_step(Action.REOPEN, gettext_lazy("Reopened."))
def complaint_reopen_view(request: AuthedRequest, complaint: Complaint, data: dict[str, Any]) -> None:
    services.complaint_reopen(complaint=complaint, by=request.user, seen_version=data["version"], reason=data["reason"])


@require_POST
@rate_limited("step")
def complaint_publish_view(request: AuthedRequest, pk: int) -> HttpResponse:
    complaint = get_complaint_for(request.user, pk, action=Action.PUBLISH)
    form = PublishForm(request.POST, compound=complaint.compound)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return _page(request, complaint, publish_form=form, status=400)
    try:
        services.complaint_publish(
            complaint=complaint,
            by=request.user,
            summary=form.cleaned_data["summary"],
            scope=form.cleaned_data["scope"],
            building=form.cleaned_data["building"],
        )
    except ServiceError as error:
        form.add_error("summary", error.message)
        return _page(request, complaint, publish_form=form, status=400)
    messages.success(request, _("Published."))
    return redirect("complaints:detail", pk=pk)


@require_GET
def complaint_photo_view(request: AuthedRequest, pk: int, photo_pk: int) -> HttpResponseBase:
    photo = get_complaint_photo_for(request.user, pk, photo_pk)
    return photo_response(photo.file, download_name=f"{photo.complaint.reference}-{photo.pk}.jpg")
