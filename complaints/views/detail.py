"""The complaint page and every step taken on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from committee_site.access import AuthedRequest
from committee_site.services import ChangedMeanwhile, ServiceError
from committee_site.uploads import photo_response
from complaints import services
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
from complaints.models import TRANSITIONS, Action, Complaint, ComplaintEvent, ComplaintPhoto, Publication
from complaints.redaction import suggested_summary


@dataclass(frozen=True)
class Step:
    """One step a user can take on the page: its form and the service it calls."""

    form: type[forms.Form]
    run: Callable[[Complaint, AuthedRequest, dict[str, Any]], Complaint]
    done: Any


def _version(data: dict[str, Any]) -> int:
    return int(data["version"])


STEPS: dict[str, Step] = {
    Action.ACCEPT: Step(
        AcceptForm,
        lambda c, r, d: services.complaint_accept(
            complaint=c,
            by=r.user,
            seen_version=_version(d),
            category=d["category"],
            service_area=d["service_area"],
            priority=d["priority"],
            is_complex=d["is_complex"],
        ),
        gettext_lazy("Accepted."),
    ),
    Action.REJECT: Step(
        ReasonForm,
        lambda c, r, d: services.complaint_reject(complaint=c, by=r.user, seen_version=_version(d), reason=d["reason"]),
        gettext_lazy("Not accepted; the owner has been told why."),
    ),
    Action.ASSIGN: Step(
        AssignForm,
        lambda c, r, d: services.complaint_assign(
            complaint=c,
            by=r.user,
            seen_version=_version(d),
            responsible_party=d["responsible_party"],
            reason=d["reason"],
            assignee=d["assignee"],
        ),
        gettext_lazy("Assigned; the deadline is set."),
    ),
    Action.PLAN: Step(
        PlanForm,
        lambda c, r, d: services.complaint_plan(
            complaint=c, by=r.user, seen_version=_version(d), plan=d["plan"], photos=d["photos"]
        ),
        gettext_lazy("Handling plan recorded; the owner has been told."),
    ),
    Action.PROGRESS: Step(
        ProgressForm,
        lambda c, r, d: services.complaint_progress(
            complaint=c,
            by=r.user,
            seen_version=_version(d),
            note=d["note"],
            visible_to_owner=d["visible_to_owner"],
            photos=d["photos"],
        ),
        gettext_lazy("Progress recorded."),
    ),
    Action.REPLY: Step(
        ReplyForm,
        lambda c, r, d: services.complaint_reply(
            complaint=c, by=r.user, seen_version=_version(d), result=d["result"], photos=d["photos"]
        ),
        gettext_lazy("Reply sent to the owner."),
    ),
    Action.CONFIRM: Step(
        ConfirmForm,
        lambda c, r, d: services.complaint_confirm(
            complaint=c, by=r.user, seen_version=_version(d), rating=d["rating"], comment=d["comment"]
        ),
        gettext_lazy("Thank you. The complaint is closed."),
    ),
    Action.DISPUTE: Step(
        ReasonForm,
        lambda c, r, d: services.complaint_dispute(
            complaint=c, by=r.user, seen_version=_version(d), reason=d["reason"]
        ),
        gettext_lazy("Your dispute is recorded; the complaint is open again."),
    ),
    Action.WITHDRAW: Step(
        WithdrawForm,
        lambda c, r, d: services.complaint_withdraw(
            complaint=c, by=r.user, seen_version=_version(d), reason=d["reason"]
        ),
        gettext_lazy("The complaint is withdrawn."),
    ),
    Action.REFER: Step(
        ReferForm,
        lambda c, r, d: services.complaint_refer(
            complaint=c, by=r.user, seen_version=_version(d), referred_to=d["referred_to"], note=d["note"]
        ),
        gettext_lazy("Referred."),
    ),
    Action.REOPEN: Step(
        ReasonForm,
        lambda c, r, d: services.complaint_reopen(complaint=c, by=r.user, seen_version=_version(d), reason=d["reason"]),
        gettext_lazy("Reopened."),
    ),
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
    form_class = STEPS[action].form
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
    return [action for action in STEPS if complaint.status in TRANSITIONS[action][0] and may(user, complaint, action)]


def _page(
    request: AuthedRequest,
    complaint: Complaint,
    *,
    bound: dict[str, forms.Form] | None = None,
    publish_form: PublishForm | None = None,
    status: int = 200,
) -> HttpResponse:
    internal = sees_internal(request.user, complaint)
    events = ComplaintEvent.objects.filter(complaint=complaint).select_related("actor")
    photos = ComplaintPhoto.objects.filter(complaint=complaint)
    if not internal:
        events = events.filter(visible_to_owner=True)
        photos = photos.filter(visible_to_owner=True)
    events = events.prefetch_related(Prefetch("photos", queryset=photos, to_attr="shown_photos"))
    steps = _available_steps(request.user, complaint)
    step_forms = [
        {
            "action": action,
            "title": STEP_TITLES[action],
            "form": (bound or {}).get(action) or _form_for(action, complaint),
            "secondary": action in SECONDARY_STEPS,
        }
        for action in sorted(steps, key=lambda action: action in SECONDARY_STEPS)
    ]
    publication = Publication.objects.filter(complaint=complaint).select_related("building").first()
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
            "events": list(events),
            "intake_photos": [p for p in photos if p.event_id is None],
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


@require_POST
def complaint_step_view(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    if action not in STEPS:
        return render(request, "404.html", status=404)
    complaint = get_complaint_for(request.user, pk, action=action)
    form = _form_for(action, complaint, request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return _page(request, complaint, bound={action: form}, status=400)
    step = STEPS[action]
    try:
        step.run(complaint, request, form.cleaned_data)
    except ChangedMeanwhile as error:
        messages.error(request, error.message)
        # Show the page as it is now, with what the user typed still in the form.
        fresh = get_complaint_for(request.user, pk)
        data = request.POST.copy()
        data[f"{action}-version"] = str(fresh.version)
        still_possible = action in _available_steps(request.user, fresh)
        bound = {action: _form_for(action, fresh, data)} if still_possible else {}
        return _page(request, fresh, bound=bound, status=409)
    except ServiceError as error:
        messages.error(request, error.message)
        return _page(request, get_complaint_for(request.user, pk), bound={action: form}, status=400)
    messages.success(request, str(step.done))
    return redirect("complaints:detail", pk=pk)


@require_POST
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
def complaint_photo_view(request: AuthedRequest, pk: int, photo_pk: int) -> FileResponse:
    photo = get_complaint_photo_for(request.user, pk, photo_pk)
    return photo_response(photo.file, download_name=f"{photo.complaint.reference}-{photo.pk}.jpg")
