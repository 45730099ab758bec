"""The committee's analysis of one compound's complaints over a period, as
charts (Chart.js, fed by json_script) and the same numbers as tables."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from committee_site.access import AuthedRequest
from committee_site.models import Compound
from complaints.filters import AnalysisForm
from complaints.queries import Analysis, analyse, overseen_compound_ids


def default_period(today: date) -> tuple[date, date]:
    """The last twelve months: from the first day of the month eleven months ago."""
    month = today.month - 11
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, 1), today


def _duration(hours: float | None) -> str:
    if hours is None:
        return ""
    if hours < 48:
        return _("%(hours)s hours") % {"hours": f"{hours:.1f}"}
    return _("%(days)s days") % {"days": f"{hours / 24:.1f}"}


def _charts(result: Analysis) -> dict[str, Any]:
    """What charts.js draws; labels are data, never markup (json_script escapes them)."""
    return {
        "month": {
            "type": "line",
            "labels": [month.label for month in result.by_month],
            "series": [
                {"label": _("Received"), "data": [month.received for month in result.by_month]},
                {"label": _("Replied"), "data": [month.replied for month in result.by_month]},
            ],
        },
        "category": {
            "type": "bar",
            "labels": [bar.label for bar in result.by_category],
            "series": [{"label": _("Complaints"), "data": [bar.count for bar in result.by_category]}],
        },
        "service_area": {
            "type": "bar",
            "labels": [bar.label for bar in result.by_service_area],
            "series": [{"label": _("Complaints"), "data": [bar.count for bar in result.by_service_area]}],
        },
        "building": {
            "type": "bar",
            "labels": [bar.label for bar in result.by_building],
            "series": [{"label": _("Complaints"), "data": [bar.count for bar in result.by_building]}],
        },
        "channel": {
            "type": "bar",
            "labels": [row.label for row in result.by_channel],
            "series": [{"label": _("Complaints"), "data": [row.count for row in result.by_channel]}],
        },
        "rates": {
            "type": "bar",
            "percent": True,
            "labels": [rate.label for rate in result.rates],
            "series": [{"label": _("Missed the deadline (%)"), "data": [rate.percent or 0 for rate in result.rates]}],
        },
    }


@require_GET
def analysis_view(request: AuthedRequest) -> HttpResponse:
    compound_ids = overseen_compound_ids(request.user)
    today = timezone.localdate()
    start, end = default_period(today)
    form = AnalysisForm(request.GET or None, compound_ids=compound_ids)
    compound: Compound | None = None
    if form.is_bound:
        if not form.is_valid():
            messages.warning(request, _("Some of the choices were not valid and were left out."))
        data = {key: value for key, value in form.cleaned_data.items() if key not in form.errors}
        compound = data.get("compound")
        if data.get("start") and data.get("end"):
            start, end = data["start"], data["end"]
        elif data.get("start"):
            start = data["start"]
        elif data.get("end"):
            end = data["end"]
            start = min(start, end - timedelta(days=365))
    if start > end:
        start, end = default_period(today)
    if compound is None:
        compound = Compound.objects.filter(pk__in=list(compound_ids)).order_by("pk").first()
    assert compound is not None
    result = analyse(compound_id=compound.pk, start=start, end=end, now=timezone.now(), none_label=_("Not given"))
    if not form.is_bound:
        form = AnalysisForm(initial={"compound": compound, "start": start, "end": end}, compound_ids=compound_ids)
    return render(
        request,
        "complaints/analysis.html",
        {
            "form": form,
            "compound": compound,
            "result": result,
            "charts": _charts(result),
            "several_compounds": len(compound_ids) > 1,
            "bar_sections": [
                ("category", _("By category"), result.by_category),
                ("service_area", _("By service area"), result.by_service_area),
                ("building", _("By building"), result.by_building),
            ],
            "channels": [(row, _duration(row.average_hours)) for row in result.by_channel],
            "median": _duration(result.median_hours),
            "average": _duration(result.average_hours),
        },
    )
