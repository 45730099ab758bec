"""Retention (DESIGN.md §6): the records past their retention date, and their
disposal (销毁), proposed by one committee member and approved by another."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from committee_site import clock
from committee_site.access import AuthedRequest, user_access
from committee_site.actions import action_view, form_errors_text
from committee_site.models import User
from committee_site.pagination import page_or_first
from committee_site.services import ServiceError
from committee_site.throttle import rate_limited
from records import services
from records.access import get_disposal_for, get_record_for
from records.forms import CompoundForm, DisposalDecisionForm, DisposalProposeForm
from records.models import ArchiveRecord, Disposal

PER_PAGE = 25
ORDERING = ("retention_until", "id")


def _list_of(compound_id: int) -> str:
    return reverse("records:retention_list") + f"?compound={compound_id}"


@require_GET
def retention_list_view(request: AuthedRequest) -> HttpResponse:
    compound_ids = user_access(request.user).committee_compound_ids
    if not compound_ids:
        raise PermissionDenied
    form = CompoundForm(request.GET or None, compound_ids=compound_ids)
    compound = form.chosen()
    if form.is_bound and "compound" in form.errors:
        messages.warning(request, _("That compound is not one you may choose; here is the first of yours."))
    today = timezone.localdate(clock.now())
    queryset = (
        ArchiveRecord.objects.past_retention(today)
        .filter(compound=compound)
        .only("pk", "number", "title", "kind", "happened_at", "retention_until", "compound_id")
        .prefetch_related(
            Prefetch(
                "disposals",
                queryset=Disposal.objects.filter(status=Disposal.Status.PROPOSED).select_related("proposed_by"),
                to_attr="pending",
            )
        )
    )
    page = page_or_first(request, queryset, ordering=ORDERING, per_page=PER_PAGE)
    if not form.is_bound or form.errors:
        form = CompoundForm(initial={"compound": compound}, compound_ids=compound_ids)
    return render(
        request,
        "records/retention_list.html",
        {
            "form": form,
            "compound": compound,
            "several_compounds": len(compound_ids) > 1,
            "page": page,
            "pager_query": f"compound={compound.pk}",
            "today": today,
        },
    )


@require_POST
@rate_limited("step")
def disposal_propose_view(request: AuthedRequest, pk: int) -> HttpResponse:
    record = get_record_for(request.user, pk, write=True)
    form = DisposalProposeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: %(error)s") % {"error": form_errors_text(form)})
    else:
        try:
            services.disposal_propose(record=record, by=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Disposal of %(number)s proposed; another committee member must approve it.")
                % {"number": record.number},
            )
    return redirect(_list_of(record.compound_id))


def _disposal(user: User, pk: int) -> Disposal:
    return get_disposal_for(user, pk)


def _back(disposal: Disposal) -> str:
    return _list_of(disposal.record.compound_id)


@require_POST
@rate_limited("step")
@action_view(load=_disposal, form=DisposalDecisionForm, done="", back=_back)
def disposal_approve_view(request: AuthedRequest, disposal: Disposal, data: dict[str, Any]) -> str:
    disposal_record = services.disposal_approve(disposal=disposal, by=request.user, seen_version=data["version"])
    return _(
        "%(number)s was disposed of: its files' content is deleted, their hashes stay; recorded as %(record)s."
    ) % {
        "number": disposal.record.number,
        "record": disposal_record.number,
    }


@require_POST
@rate_limited("step")
@action_view(load=_disposal, form=DisposalDecisionForm, done="", back=_back)
def disposal_cancel_view(request: AuthedRequest, disposal: Disposal, data: dict[str, Any]) -> str:
    services.disposal_cancel(disposal=disposal, by=request.user, seen_version=data["version"])
    return _("The disposal of %(number)s was cancelled; the record is kept.") % {"number": disposal.record.number}
