"""The archive's list: search, filters, keyset pages, and the same list as
CSV and XLSX."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from committee_site import clock
from committee_site.access import AuthedRequest, user_access
from committee_site.list_filters import query_without_cursor, valid_filters
from committee_site.pagination import page_or_first
from committee_site.spreadsheets import csv_response, xlsx_response
from records.forms import FILTER_KEYS, RecordFilterForm
from records.models import ArchiveRecord, ArchiveRecordQuerySet, RecordKind

PER_PAGE = 25
# Served by the indexes (compound, -happened_at, -id) and (compound, kind, …).
ORDERING = ("-happened_at", "-id")
EXPORT_CHUNK = 1000
XLSX_WIDTHS = (20, 12, 16, 17, 40, 16, 16, 12, 8, 17, 12)


def _readable_compounds(request: AuthedRequest) -> frozenset[int]:
    compound_ids = user_access(request.user).compound_ids
    if not compound_ids:
        raise PermissionDenied
    return compound_ids


def _filters(request: AuthedRequest, *, tell: bool = True) -> tuple[RecordFilterForm, dict[str, Any]]:
    form = RecordFilterForm(request.GET or None, compound_ids=_readable_compounds(request))
    return form, valid_filters(request, form, known_keys=FILTER_KEYS, tell=tell)


def _records(request: AuthedRequest, data: dict[str, Any]) -> ArchiveRecordQuerySet:
    return (
        ArchiveRecord.objects.visible_to(request.user)
        .filtered(data)
        .select_related("compound", "service_area", "building", "amends")
    )


@require_GET
def record_list_view(request: AuthedRequest) -> HttpResponse:
    form, data = _filters(request)
    page = page_or_first(request, _records(request, data), ordering=ORDERING, per_page=PER_PAGE)
    access = user_access(request.user)
    return render(
        request,
        "records/record_list.html",
        {
            "form": form,
            "page": page,
            "pager_query": query_without_cursor(request, FILTER_KEYS),
            "filtered": bool(data),
            "several_compounds": len(access.compound_ids) > 1,
            "is_committee": bool(access.committee_compound_ids),
            "verifies": bool(access.committee_compound_ids | access.officer_compound_ids),
            "reads_archive": bool(
                access.committee_compound_ids | access.officer_compound_ids | access.property_compound_ids
            ),
            "kinds": RecordKind,
        },
    )


# --- CSV and XLSX -------------------------------------------------------------------


def _export_header() -> list[str]:
    return [
        _("Archive number"),
        _("Kind"),
        _("Compound"),
        _("When it happened"),
        _("Title"),
        _("Service area"),
        _("Category"),
        _("Building"),
        _("Overdue"),
        _("Archived at"),
        _("Kept until"),
    ]


def _export_rows(queryset: ArchiveRecordQuerySet) -> Iterator[list[Any]]:
    kinds = {value: str(label) for value, label in RecordKind.choices}
    yes, no = _("yes"), _("no")
    for record in queryset.iterator(chunk_size=EXPORT_CHUNK):
        yield [
            record.number,
            kinds.get(record.kind, record.kind),
            record.compound,
            clock.minute_text(record.happened_at),
            record.title,
            record.service_area or "",
            record.category,
            record.building or "",
            "" if record.overdue is None else (yes if record.overdue else no),
            clock.minute_text(record.created_at),
            record.retention_until.isoformat() if record.retention_until else _("permanently"),
        ]


def _export_list(request: AuthedRequest) -> ArchiveRecordQuerySet:
    _form, data = _filters(request, tell=False)
    return _records(request, data).order_by(*ORDERING)


def _export_name(extension: str) -> str:
    return f"archive-{timezone.localtime(clock.now()):%Y%m%d-%H%M}.{extension}"


@require_GET
def record_export_csv_view(request: AuthedRequest) -> StreamingHttpResponse:
    queryset = _export_list(request)
    return csv_response(filename=_export_name("csv"), header=_export_header, rows=lambda: _export_rows(queryset))


@require_GET
def record_export_xlsx_view(request: AuthedRequest) -> FileResponse:
    queryset = _export_list(request)
    return xlsx_response(
        filename=_export_name("xlsx"),
        sheet_title=_("Archive"),
        header=_export_header(),
        rows=_export_rows(queryset),
        widths=XLSX_WIDTHS,
    )
