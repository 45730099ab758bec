"""The committee's dashboard: counts, the filtered list and its CSV export.
Community officers see the same, read-only (the detail page decides what
they may do)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from committee_site.access import AuthedRequest
from committee_site.pagination import page_or_first
from complaints import search
from complaints.filters import KNOWN_KEYS, SORT_LABELS, ComplaintFilterForm
from complaints.queries import dashboard_counts, dashboard_list, new_since, overseen_compound_ids

PER_PAGE = 25


def _filters(
    request: AuthedRequest, compound_ids: frozenset[int], *, tell: bool = True
) -> tuple[ComplaintFilterForm, dict[str, Any]]:
    """The valid filters of the query string. Whatever is unknown or invalid
    is named in a message and left out, so a mistyped link still shows a list."""
    unknown = sorted(key for key in request.GET if key not in KNOWN_KEYS)
    if unknown and tell:
        messages.warning(
            request,
            _("Unknown filter ignored: %(keys)s.") % {"keys": ", ".join(f"“{key[:40]}”" for key in unknown)},
        )
    form = ComplaintFilterForm(request.GET or None, compound_ids=compound_ids)
    if not form.is_bound:
        return form, {}
    form.is_valid()
    for name, errors in form.errors.items() if tell else ():
        label = form.fields[name].label if name in form.fields else name
        messages.warning(
            request,
            _("The filter “%(label)s” was ignored: %(error)s")
            % {"label": label, "error": " ".join(str(error) for error in errors)},
        )
    data = {key: value for key, value in form.cleaned_data.items() if key not in form.errors}
    if data.get("q") and not search.query_tokens(data["q"]):
        # Single Chinese characters are in almost every complaint: searching for them finds nothing useful.
        if tell:
            messages.warning(request, _("Search for a word of at least two characters, such as 电梯 or leak."))
        data.pop("q")
    return form, data


def _query_without_cursor(request: AuthedRequest) -> str:
    query = QueryDict(mutable=True)
    for key in KNOWN_KEYS - {"cursor"}:
        for value in request.GET.getlist(key):
            if value:
                query.appendlist(key, value)
    return query.urlencode()


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
            "new_since": new_since(now),
            "form": form,
            "page": page,
            "pager_query": _query_without_cursor(request),
            "several_compounds": len(compound_ids) > 1,
            "sort": data.get("sort") or "newest",
            "sort_label": SORT_LABELS[data.get("sort") or "newest"],
            "filtered": any(value for key, value in data.items() if key != "sort"),
        },
    )


# --- CSV -------------------------------------------------------------------------------

# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """csv.writer writes into this and gets the line back, for streaming."""

    def write(self, value: str) -> str:
        return value


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _csv_lines(queryset: Any, language: str, now: datetime) -> Iterator[str]:
    # The response is streamed after the view returned: keep the user's language.
    with translation.override(language):
        writer = csv.writer(_Echo())
        # The byte order mark makes Excel read the file as UTF-8 (Chinese intact).
        yield "\ufeff"
        yield writer.writerow(
            [
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
        )
        yes, no = _("yes"), _("no")
        for complaint in queryset.iterator(chunk_size=1000):
            row = [
                complaint.reference,
                _when(complaint.submitted_at),
                complaint.get_status_display(),
                yes if complaint.is_overdue(now) else no,
                complaint.compound,
                complaint.category,
                complaint.service_area or "",
                complaint.location_display,
                complaint.get_channel_display(),
                complaint.get_priority_display(),
                complaint.get_responsible_party_display() if complaint.responsible_party else "",
                complaint.assignee or "",
                _when(complaint.next_due_at),
                _when(complaint.accept_due_at),
                _when(complaint.reply_due_at),
                _when(complaint.resolve_due_at),
                _when(complaint.resolved_at),
                _when(complaint.closed_at),
                complaint.title,
            ]
            yield writer.writerow([spreadsheet_safe(cell) for cell in row])


@require_GET
def dashboard_export_view(request: AuthedRequest) -> StreamingHttpResponse:
    """The filtered list as CSV, in the list's order, streamed row by row."""
    compound_ids = overseen_compound_ids(request.user)
    # A download shows no page: the list it was started from showed the messages.
    _form, data = _filters(request, compound_ids, tell=False)
    now = timezone.now()
    queryset, ordering = dashboard_list(request.user, compound_ids, data, now)
    language = translation.get_language() or "zh-hans"
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in _csv_lines(queryset.order_by(*ordering), language, now)),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="complaints-{stamp}.csv"'
    return response
