"""Rectification notices: issuing one from a finding, the list and each action."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_POST

from committee_site.access import AuthedRequest, user_access
from committee_site.actions import action_view, form_errors_text
from committee_site.models import User
from committee_site.pagination import page_or_first
from committee_site.services import ServiceError
from committee_site.throttle import rate_limited
from committee_site.uploads import photo_response
from inspections import services
from inspections.access import get_inspection_for, get_item_for_reading, get_notice_event_for, get_notice_for
from inspections.forms import EvidenceForm, FailForm, NoteForm, NoticeFilterForm, NoticeIssueForm
from inspections.models import RectificationNotice
from inspections.views._common import PER_PAGE


@require_POST
@rate_limited("step")
def notice_issue_view(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_item_for_reading(request.user, pk)
    get_inspection_for(request.user, item.inspection_id, write=True)
    form = NoticeIssueForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            notice = services.rectification_issue(
                compound=item.inspection.compound,
                by=request.user,
                title=data["title"],
                description=data["description"],
                severity=data["severity"],
                item=item,
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Rectification notice %(reference)s sent.") % {"reference": notice.reference})
            return redirect("inspections:notice_detail", pk=notice.pk)
    else:
        messages.error(request, _("Notice not sent: %(error)s") % {"error": form_errors_text(form)})
    return redirect(reverse("inspections:inspection_detail", args=[item.inspection_id]) + f"#item-{item.pk}")


@require_GET
def notice_list_view(request: AuthedRequest) -> HttpResponse:
    access = user_access(request.user)
    if not (access.committee_compound_ids or access.property_compound_ids):
        raise PermissionDenied
    form = NoticeFilterForm(request.GET)
    show = form.show_or_default()
    if form.errors:
        messages.warning(request, _("Unknown filter; showing the open notices."))
    queryset = RectificationNotice.objects.visible_to(request.user).select_related("compound", "organisation")
    if show == "open":
        queryset = queryset.unresolved()
    elif show == "overdue":
        queryset = queryset.overdue()
    elif show in ("awaiting_review", "verified"):
        queryset = queryset.filter(status=show)
    ordering = ("deadline", "id") if show != "verified" else ("-deadline", "-id")
    page = page_or_first(request, queryset, ordering=ordering, per_page=PER_PAGE)
    filters = [
        ("open", _("To act on")),
        ("overdue", _("Overdue")),
        ("awaiting_review", _("Awaiting re-inspection")),
        ("verified", pgettext("rectification status", "Verified")),
        ("all", _("All")),
    ]
    return render(
        request,
        "inspections/notice_list.html",
        {"page": page, "show": show, "filters": filters, "pager_query": f"show={show}", "now": timezone.now()},
    )


@require_GET
def notice_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = get_notice_for(request.user, pk)
    access = user_access(request.user)
    events = list(notice.events.select_related("actor"))
    version = {"version": notice.version}
    return render(
        request,
        "inspections/notice_detail.html",
        {
            "notice": notice,
            "events": events,
            "committee": access.is_committee(notice.compound_id),
            "addressee": access.is_property_staff(notice.compound_id)
            and notice.organisation_id in access.organisation_ids,
            "note_form": NoteForm(initial=version),
            "evidence_form": EvidenceForm(initial=version),
            "fail_form": FailForm(initial=version),
        },
    )


def _notice_page(notice: RectificationNotice) -> str:
    return reverse("inspections:notice_detail", args=[notice.pk])


def _as_addressee(user: User, pk: int) -> RectificationNotice:
    return get_notice_for(user, pk, write=True)


def _as_committee(user: User, pk: int) -> RectificationNotice:
    return get_notice_for(user, pk, write=True, as_committee=True)


@require_POST
@rate_limited("step")
@action_view(
    load=_as_addressee,
    form=NoteForm,
    done=gettext_lazy("Acknowledged. The committee has been told."),
    back=_notice_page,
)
def notice_acknowledge_view(request: AuthedRequest, notice: RectificationNotice, data: dict[str, Any]) -> None:
    services.rectification_acknowledge(notice=notice, by=request.user, seen_version=data["version"], note=data["note"])


@require_POST
@rate_limited("step")
@action_view(load=_as_addressee, form=NoteForm, done=gettext_lazy("Work recorded."), back=_notice_page)
def notice_progress_view(request: AuthedRequest, notice: RectificationNotice, data: dict[str, Any]) -> None:
    services.rectification_progress(notice=notice, by=request.user, seen_version=data["version"], note=data["note"])


@require_POST
@rate_limited("step")
@action_view(
    load=_as_addressee,
    form=EvidenceForm,
    done=gettext_lazy("Evidence submitted. The committee will re-inspect."),
    back=_notice_page,
)
def notice_submit_view(request: AuthedRequest, notice: RectificationNotice, data: dict[str, Any]) -> None:
    services.rectification_submit(
        notice=notice, by=request.user, seen_version=data["version"], note=data["note"], photos=data["photos"]
    )


@require_POST
@rate_limited("step")
@action_view(
    load=_as_committee,
    form=NoteForm,
    done=gettext_lazy("Verified: the rectification is accepted."),
    back=_notice_page,
)
def notice_verify_view(request: AuthedRequest, notice: RectificationNotice, data: dict[str, Any]) -> None:
    services.rectification_verify(notice=notice, by=request.user, seen_version=data["version"], note=data["note"])


@require_POST
@rate_limited("step")
@action_view(
    load=_as_committee,
    form=FailForm,
    done=gettext_lazy("Re-inspection failed; the property company has a new deadline."),
    back=_notice_page,
)
def notice_fail_view(request: AuthedRequest, notice: RectificationNotice, data: dict[str, Any]) -> None:
    services.rectification_fail(
        notice=notice, by=request.user, seen_version=data["version"], note=data["note"], deadline=data["deadline"]
    )


@require_GET
def event_photo_view(request: AuthedRequest, pk: int, index: int) -> HttpResponseBase:
    event = get_notice_event_for(request.user, pk)
    if index >= len(event.photos):
        raise Http404
    return photo_response(event.photos[index], download_name=f"rectification-{event.notice_id}-{index + 1}.jpg")
