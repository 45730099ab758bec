"""The committee's intake list of the complaint mailbox (待处理邮件): what
waits for a decision, what was refused, what came in lately; one message's
page; and the two decisions on a waiting one, each with its own URL: record
it as a named owner's complaint (mailintake:intake_record) or discard it
(mailintake:intake_discard)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from committee_site.access import AuthedRequest
from committee_site.list_filters import query_without_cursor, valid_filters
from committee_site.models import Compound
from committee_site.pagination import page_or_first
from committee_site.services import ServiceError
from committee_site.throttle import rate_limited
from mailintake import queries
from mailintake.access import get_inbound_for, require_intake
from mailintake.forms import KNOWN_KEYS, DiscardForm, IntakeFilterForm, RecordForm
from mailintake.models import InboundMessage, Status
from mailintake.services import inbound_discard, inbound_record

PER_PAGE = 25
RECORD, DISCARD = "record", "discard"


@require_GET
def intake_list_view(request: AuthedRequest) -> HttpResponse:
    compound_ids = require_intake(request.user)
    compounds = list(Compound.objects.filter(pk__in=list(compound_ids)).order_by("name"))
    form = IntakeFilterForm(request.GET or None, compounds=compounds)
    data = valid_filters(request, form, known_keys=KNOWN_KEYS)
    queryset, ordering = queries.intake_list(request.user, data)
    page = page_or_first(request, queryset, ordering=ordering, per_page=PER_PAGE)
    show = data.get("show") or queries.WAITING
    return render(
        request,
        "mailintake/intake_list.html",
        {
            "form": form,
            "page": page,
            "show": show,
            "pager_query": query_without_cursor(request, KNOWN_KEYS),
            "filtered": bool(data.get("show") or data.get("compound")),
            "several_compounds": len(compounds) > 1,
            "recent_days": queries.RECENT_DAYS,
        },
    )


def _forms(
    request: AuthedRequest, message: InboundMessage, bound: dict[str, forms.Form] | None = None
) -> dict[str, forms.Form]:
    if message.status != Status.WAITING:
        return {}
    initial = {"version": message.version}
    return {
        RECORD: (bound or {}).get(RECORD)
        or RecordForm(prefix=RECORD, initial=initial, message=message, compound_ids=require_intake(request.user)),
        DISCARD: (bound or {}).get(DISCARD) or DiscardForm(prefix=DISCARD, initial=initial),
    }


def _page(
    request: AuthedRequest,
    message: InboundMessage,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    decisions = _forms(request, message, bound)
    return render(
        request,
        "mailintake/intake_detail.html",
        {
            "message": message,
            "content": queries.message_content(message),
            "record_form": decisions.get(RECORD),
            "discard_form": decisions.get(DISCARD),
        },
        status=status,
    )


@require_GET
def intake_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    return _page(request, get_inbound_for(request.user, pk))


@require_POST
@rate_limited("record")
def intake_record_view(request: AuthedRequest, pk: int) -> HttpResponse:
    message = get_inbound_for(request.user, pk)
    form = RecordForm(request.POST, prefix=RECORD, message=message, compound_ids=require_intake(request.user))
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return _page(request, message, bound={RECORD: form}, status=400)
    data = form.cleaned_data
    try:
        complaint = inbound_record(
            message=message,
            by=request.user,
            seen_version=data["version"],
            compound=data["compound"],
            owner=data["owner_user"],
            category=data["category"],
            unit=data["unit"],
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("mailintake:intake_detail", pk=pk)
    messages.success(
        request,
        _("The message is recorded as complaint %(reference)s of %(owner)s.")
        % {"reference": complaint.reference, "owner": data["owner_user"]},
    )
    return redirect("complaints:detail", pk=complaint.pk)


@require_POST
@rate_limited("step")
def intake_discard_view(request: AuthedRequest, pk: int) -> HttpResponse:
    message = get_inbound_for(request.user, pk)
    form = DiscardForm(request.POST, prefix=DISCARD)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return _page(request, message, bound={DISCARD: form}, status=400)
    try:
        inbound_discard(
            message=message,
            by=request.user,
            seen_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("mailintake:intake_detail", pk=pk)
    messages.success(request, _("The message “%(subject)s” is discarded.") % {"subject": message.subject or "—"})
    return redirect("mailintake:intake_list")
