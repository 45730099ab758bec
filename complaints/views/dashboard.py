"""The committee's dashboard: counts, the filtered list and its CSV and XLSX exports.
Community officers see the same, read-only (the detail page decides what
they may do)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import Field
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from committee_site import clock
from committee_site.access import AuthedRequest
from committee_site.list_filters import query_without_cursor, valid_filters
from committee_site.pagination import page_or_first
from committee_site.spreadsheets import csv_response, xlsx_response
from complaints.filters import KNOWN_KEYS, SORT_LABELS, ComplaintFilterForm
from complaints.models import Complaint
from complaints.queries import dashboard_counts, dashboard_list, new_since, overseen_compound_ids

PER_PAGE = 25


def _filters(
    request: AuthedRequest, compound_ids: frozenset[int], *, tell: bool = True
) -> tuple[ComplaintFilterForm, dict[str, Any]]:
    form = ComplaintFilterForm(request.GET or None, compound_ids=compound_ids)
    return form, valid_filters(request, form, known_keys=KNOWN_KEYS, tell=tell)


@require_GET
def dashboard_view(request: AuthedRequest) -> HttpResponse:
    compound_ids = overseen_compound_ids(request.user)
    form, data = _filters(request, compound_ids)
    now = timezone.now()
    queryset, ordering = dashboard_list(request.user, compound_ids, data, now)
    page = page_or_first(request, queryset, ordering=ordering, per_page=PER_PAGE)
    counted = [data["compound"].pk] if data.get("compound") else compound_ids
    return render(
        request,
        "complaints/dashboard.html",
        {
            "counts": dashboard_counts(counted, now),
            # The compounds the counts are of, for the figures other apps add (callback coverage).
            "counted_compound_ids": sorted(counted),
            "new_since": new_since(now),
            "form": form,
            "page": page,
            "pager_query": query_without_cursor(request, KNOWN_KEYS),
            "several_compounds": len(compound_ids) > 1,
            "sort": data.get("sort") or "newest",
            "sort_label": SORT_LABELS[data.get("sort") or "newest"],
            "filtered": any(value for key, value in data.items() if key != "sort"),
        },
    )


# --- CSV and XLSX -------------------------------------------------------------------

# Rows fetched from the database at a time: what an export holds in memory.
EXPORT_CHUNK = 1000
# Wide enough for a reference, a date and time, a compound's name; the title gets the most.
XLSX_WIDTHS = (16, 17, 10, 8, 16, 14, 16, 18, 10, 8, 14, 18, 17, 17, 17, 17, 17, 17, 40)


def _export_header() -> list[str]:
    return [
        _("Reference"),
        _("Submitted"),
        _("Status"),
        _("Overdue"),
        _("Compound"),
        _("Category"),
        _("Service area"),
        _("Location"),
        _("Channel"),
        _("Priority"),
        _("Responsible"),
        _("Assigned to"),
        _("Next deadline"),
        _("Accept by"),
        _("Reply to the owner by"),
        _("Resolve by"),
        _("Replied at"),
        _("Closed at"),
        _("Title"),
    ]


def _choice_labels(name: str) -> dict[str, str]:
    field = Complaint._meta.get_field(name)
    assert isinstance(field, Field)
    return {value: str(text) for value, text in field.flatchoices}


def _export_rows(queryset: Any, now: datetime) -> Iterator[list[str]]:
    """One row per complaint, every cell spreadsheet-safe text; the same for
    both formats, so a CSV and an XLSX of the same list agree cell by cell.
    Iterated in chunks, so a long list is never held in memory."""
    yes, no = _("yes"), _("no")
    # Each label translated once, not once a row: get_FOO_display() costs more than the rest of a row.
    label = {name: _choice_labels(name) for name in ("status", "channel", "priority", "responsible_party")}
    for complaint in queryset.iterator(chunk_size=EXPORT_CHUNK):
        row = [
            complaint.reference,
            clock.minute_text(complaint.submitted_at),
            label["status"].get(complaint.status, complaint.status),
            yes if complaint.is_overdue(now) else no,
            complaint.compound,
            complaint.category,
            complaint.service_area or "",
            complaint.location_display,
            label["channel"].get(complaint.channel, complaint.channel),
            label["priority"].get(complaint.priority, complaint.priority),
            label["responsible_party"].get(complaint.responsible_party or "", ""),
            complaint.assignee or "",
            clock.minute_text(complaint.next_due_at),
            clock.minute_text(complaint.accept_due_at),
            clock.minute_text(complaint.reply_due_at),
            clock.minute_text(complaint.resolve_due_at),
            clock.minute_text(complaint.resolved_at),
            clock.minute_text(complaint.closed_at),
            complaint.title,
        ]
        yield row


def _export_list(request: AuthedRequest) -> tuple[Any, datetime]:
    """The dashboard's list as its filters chose it, in its order: what both
    downloads contain, for whoever may see the dashboard."""
    compound_ids = overseen_compound_ids(request.user)
    # A download shows no page: the list it was started from showed the messages.
    _form, data = _filters(request, compound_ids, tell=False)
    now = clock.now()
    queryset, ordering = dashboard_list(request.user, compound_ids, data, now)
    return queryset.order_by(*ordering), now


def _export_name(now: datetime, extension: str) -> str:
    return f"complaints-{timezone.localtime(now):%Y%m%d-%H%M}.{extension}"


@require_GET
def dashboard_export_view(request: AuthedRequest) -> StreamingHttpResponse:
    """The filtered list as CSV, in the list's order, streamed row by row."""
    queryset, now = _export_list(request)
    return csv_response(
        filename=_export_name(now, "csv"), header=_export_header, rows=lambda: _export_rows(queryset, now)
    )


@require_GET
def dashboard_export_xlsx_view(request: AuthedRequest) -> FileResponse:
    """The same rows as the CSV, as an Excel workbook."""
    queryset, now = _export_list(request)
    return xlsx_response(
        filename=_export_name(now, "xlsx"),
        sheet_title=_("Complaints"),
        header=_export_header(),
        rows=_export_rows(queryset, now),
        widths=XLSX_WIDTHS,
    )
