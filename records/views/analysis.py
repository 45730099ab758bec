"""The analysis of the records per quarter, as a page with charts and as
CSV. Committee members, community officers and property staff of the
compound see the same figures: counts by service area, category and
building, never an owner's identity."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from committee_site.access import AuthedRequest
from committee_site.forms import DATE_MIN
from committee_site.models import Compound, TimeLimits
from committee_site.spreadsheets import spreadsheet_safe
from records.access import require_archive_reader
from records.analysis import ANALYSED_KINDS, Quarter, RecordAnalysis, Row, record_analysis
from records.models import RecordKind

# Bars a chart shows at most; the table under it lists every row.
CHART_BARS = 15
# Ids past this are no id at all (a bigint), so no lookup is tried with them.
MAX_ID = 2**63 - 1


class AnalysisForm(forms.Form):
    """The compound and the quarter. Validation only: the view falls back to
    the last complete quarter for whatever is missing or refused."""

    compound = forms.ModelChoiceField(label=gettext_lazy("Compound"), queryset=Compound.objects.none(), required=False)
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, required=False)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("Quarter"),
        coerce=int,
        required=False,
        choices=[
            (1, gettext_lazy("Q1 (January – March)")),
            (2, gettext_lazy("Q2 (April – June)")),
            (3, gettext_lazy("Q3 (July – September)")),
            (4, gettext_lazy("Q4 (October – December)")),
        ],
    )

    def __init__(self, *args: Any, compound_ids: frozenset[int], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        compound_field = self.fields["compound"]
        assert isinstance(compound_field, forms.ModelChoiceField)
        compound_field.queryset = Compound.objects.filter(pk__in=list(compound_ids)).order_by("pk")
        compound_field.empty_label = None
        year_field = self.fields["year"]
        assert isinstance(year_field, forms.TypedChoiceField)
        year_field.choices = [(year, str(year)) for year in range(today.year, DATE_MIN.year - 1, -1)]
        for bound_field in self.fields.values():
            bound_field.widget.attrs["class"] = "form-select"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        default = Quarter.last_complete(self.today)
        year, number = data.get("year"), data.get("quarter")
        if "year" not in self.errors and "quarter" not in self.errors:
            chosen = Quarter(year or default.year, number or default.number)
            if chosen > Quarter.containing(self.today):
                self.add_error("quarter", _("This quarter has not begun yet."))
            else:
                data["period"] = chosen
        return data


@dataclass(frozen=True)
class Choice:
    form: AnalysisForm
    compound: Compound
    quarter: Quarter
    several_compounds: bool
    # Something in the query was refused; the rest, or the defaults, were used.
    refused: bool


def _foreign_compound(raw: str | None, compound_ids: frozenset[int]) -> bool:
    """Whether the query names a compound that exists but is not the user's:
    that is a page they may not see (404), not a typing mistake."""
    if not raw or len(raw) > len(str(MAX_ID)) or not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        return False
    return int(raw) not in compound_ids and Compound.objects.filter(pk=int(raw)).exists()


def _choose(request: AuthedRequest) -> Choice:
    """The compound and quarter the query asks for, as far as they are valid;
    the user's first compound and the last complete quarter otherwise."""
    compound_ids = require_archive_reader(request.user)
    today = timezone.localdate()
    form = AnalysisForm(request.GET or None, compound_ids=compound_ids, today=today)
    quarter = Quarter.last_complete(today)
    compound: Compound | None = None
    refused = False
    if form.is_bound:
        refused = not form.is_valid()
        if "compound" in form.errors and _foreign_compound(request.GET.get("compound"), compound_ids):
            raise Http404
        compound = form.cleaned_data.get("compound")
        quarter = form.cleaned_data.get("period", quarter)
    if compound is None:
        compound = Compound.objects.filter(pk__in=list(compound_ids)).order_by("pk").first()
    assert compound is not None
    if not form.is_bound:
        form = AnalysisForm(
            initial={"compound": compound, "year": quarter.year, "quarter": quarter.number},
            compound_ids=compound_ids,
            today=today,
        )
    return Choice(form, compound, quarter, len(compound_ids) > 1, refused)


def _analyse(choice: Choice) -> RecordAnalysis:
    return record_analysis(
        compound_id=choice.compound.pk,
        quarter=choice.quarter,
        repeat_threshold=TimeLimits.current().hot_spot_count,
    )


def _kind_labels() -> list[str]:
    return [str(RecordKind(kind).label) for kind in ANALYSED_KINDS]


def _rated(result: RecordAnalysis) -> list[Row]:
    """The service areas with a deadline to miss in either quarter."""
    return [row for row in result.by_service_area if row.current.with_deadline or row.previous.with_deadline]


def _charts(result: RecordAnalysis) -> dict[str, Any]:
    """What static/js/charts.js draws; labels are data, never markup (json_script escapes them)."""

    def per_kind(rows: list[Row]) -> dict[str, Any]:
        shown = [row for row in rows if row.current.total][:CHART_BARS]
        return {
            "type": "bar",
            "labels": [row.label for row in shown],
            "series": [
                {"label": label, "data": [row.current.by_kind[index] for row in shown]}
                for index, label in enumerate(_kind_labels())
            ],
        }

    rated = _rated(result)
    return {
        "service_area": per_kind(result.by_service_area),
        "category": per_kind(result.by_category),
        "building": per_kind(result.by_building),
        "overdue": {
            "type": "bar",
            "percent": True,
            "labels": [row.label for row in rated],
            "series": [
                {"label": result.quarter.label, "data": [row.current.overdue_percent or 0 for row in rated]},
                {"label": result.previous.label, "data": [row.previous.overdue_percent or 0 for row in rated]},
            ],
        },
    }


@require_GET
def analysis_view(request: AuthedRequest) -> HttpResponse:
    choice = _choose(request)
    if choice.refused:
        # The figures below are for what was valid: say so, never a 500.
        messages.warning(request, _("Some of the choices were not valid and were left out."))
    result = _analyse(choice)
    charts = _charts(result)
    return render(
        request,
        "records/analysis.html",
        {
            "form": choice.form,
            "compound": choice.compound,
            "several_compounds": choice.several_compounds,
            "result": result,
            "charts": charts,
            "kind_labels": _kind_labels(),
            "compare_rows": [*result.by_kind, result.total],
            "overdue_rows": [*_rated(result), result.total],
            "csv_query": f"compound={choice.compound.pk}&year={result.quarter.year}&quarter={result.quarter.number}",
            "sections": [
                ("service_area", _("By service area"), _("Service area"), result.by_service_area),
                ("category", _("By category"), _("Category"), result.by_category),
                ("building", _("By location"), _("Location"), result.by_building),
            ],
            "chart_limited": CHART_BARS,
        },
    )


def _csv_rows(result: RecordAnalysis, compound: Compound) -> list[list[Any]]:
    quarter, previous = result.quarter, result.previous
    rows: list[list[Any]] = [
        [_("Analysis of the records"), str(compound), quarter.label, f"{quarter.first_day} – {quarter.last_day}"],
        [_("Compared with"), previous.label, f"{previous.first_day} – {previous.last_day}"],
        [],
    ]
    figures_header = [
        *_kind_labels(),
        _("Records"),
        _("Previous quarter"),
        _("Change"),
        _("Overdue"),
        _("With a deadline"),
        _("Overdue rate (%)"),
        _("Previous overdue rate (%)"),
        _("Change (percentage points)"),
    ]

    def figures(row: Row) -> list[Any]:
        return [
            row.label,
            *row.current.by_kind,
            row.current.total,
            row.previous.total,
            row.change,
            row.current.overdue,
            row.current.with_deadline,
            row.current.overdue_percent,
            row.previous.overdue_percent,
            row.overdue_change,
        ]

    for title, column, section in [
        (_("By kind"), _("Kind"), [*result.by_kind, result.total]),
        (_("By service area"), _("Service area"), result.by_service_area),
        (_("By category"), _("Category"), result.by_category),
        (_("By location"), _("Location"), result.by_building),
    ]:
        rows += [[title], [column, *figures_header], *(figures(row) for row in section), []]
    rows += [[_("Repeat problems")], [_("Building"), _("Category"), _("Times"), _("Archive numbers")]]
    for repeat in result.repeats:
        numbers = " ".join(record.number for record in repeat.records)
        if repeat.more:
            numbers += " " + ngettext("and %(count)s more", "and %(count)s more", repeat.more) % {"count": repeat.more}
        rows.append([repeat.building, repeat.category, repeat.count, numbers])
    return rows


def _cell(value: Any) -> Any:
    """Numbers stay numbers (a negative change is no formula); text that a
    spreadsheet would run is neutralised."""
    if value is None:
        return ""
    return value if isinstance(value, int | float) else spreadsheet_safe(value)


@require_GET
def analysis_csv_view(request: AuthedRequest) -> HttpResponse:
    """The page's figures as CSV. A refused choice gets a 400 that names it,
    not a file of figures for some other quarter."""
    choice = _choose(request)
    if choice.refused:
        form = choice.form
        problems = "\n".join(
            f"{form.fields[name].label}: {' '.join(map(str, errors))}"
            if name in form.fields
            else " ".join(map(str, errors))
            for name, errors in form.errors.items()
        )
        return HttpResponse(problems, status=400, content_type="text/plain; charset=utf-8")
    result = _analyse(choice)
    buffer = io.StringIO()
    # The byte order mark makes Excel read the file as UTF-8 (Chinese intact).
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for row in _csv_rows(result, choice.compound):
        writer.writerow([_cell(cell) for cell in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"records-analysis-{choice.compound.pk}-{result.quarter.year}q{result.quarter.number}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
