"""The committee's analysis of the feedback, as a page with charts and as
CSV: satisfaction by service area and quarter (the 80 % line flagged),
callback coverage and outcomes, and the owners' own feedback over time.
Committee members and community officers of the compound see it; the
property company and owners get 403 (the callbacks check the company's
work), a compound of someone else 404."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from committee_site.access import AuthedRequest
from committee_site.models import Compound
from committee_site.spreadsheets import csv_response
from complaints.models import Satisfaction
from complaints.queries import overseen_compound_ids
from feedback.analysis import (
    KINDS,
    LEVELS,
    TOP_AREAS,
    AreaSatisfaction,
    CallbackFigures,
    FeedbackAnalysis,
    LevelCounts,
    Quarter,
    default_quarters,
    feedback_analysis,
)
from feedback.analysis_forms import FeedbackAnalysisForm, quarter_value
from feedback.models import SATISFACTION_LINE, Callback, FeedbackEntry

# Ids past this are no id at all (a bigint), so no lookup is tried with them.
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Choice:
    form: FeedbackAnalysisForm
    compound: Compound
    first: Quarter
    last: Quarter
    several_compounds: bool
    # Something in the query was refused; the rest, or the defaults, were used.
    refused: bool


def _foreign_compound(raw: str | None, compound_ids: frozenset[int]) -> bool:
    """Whether the query names a compound that exists but is not one the user
    oversees: a page they may not see (404), not a typing mistake."""
    if not raw or len(raw) > len(str(MAX_ID)) or not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        return False
    return int(raw) not in compound_ids and Compound.objects.filter(pk=int(raw)).exists()


def _choose(request: AuthedRequest) -> Choice:
    """The compound and quarters the query asks for, as far as they are
    valid; the user's first compound and the last four quarters otherwise."""
    compound_ids = overseen_compound_ids(request.user)
    today = timezone.localdate()
    form = FeedbackAnalysisForm(request.GET or None, compound_ids=compound_ids, today=today)
    first, last = default_quarters(today)
    compound: Compound | None = None
    refused = False
    if form.is_bound:
        refused = not form.is_valid()
        if "compound" in form.errors and _foreign_compound(request.GET.get("compound"), compound_ids):
            raise Http404
        compound = form.cleaned_data.get("compound")
        first, last = form.cleaned_data.get("first", first), form.cleaned_data.get("last", last)
    if compound is None:
        compound = Compound.objects.filter(pk__in=list(compound_ids)).order_by("pk").first()
    assert compound is not None
    if not form.is_bound:
        form = FeedbackAnalysisForm(
            initial={"compound": compound, "start": quarter_value(first), "end": quarter_value(last)},
            compound_ids=compound_ids,
            today=today,
        )
    return Choice(form, compound, first, last, len(compound_ids) > 1, refused)


def _analyse(choice: Choice) -> FeedbackAnalysis:
    return feedback_analysis(compound_id=choice.compound.pk, first=choice.first, last=choice.last, now=timezone.now())


def _kind_labels() -> list[str]:
    return [str(FeedbackEntry.Kind(kind).label) for kind in KINDS]


def _level_labels() -> list[str]:
    return [str(Satisfaction(level).label) for level in LEVELS]


def _outcomes(figures: CallbackFigures) -> list[int]:
    return [figures.solved, figures.unsolved, figures.unreached, figures.lapsed, figures.overdue]


def _outcome_labels() -> list[str]:
    status = Callback.Status
    labels = [str(choice.label) for choice in (status.SOLVED, status.UNSOLVED, status.UNREACHED, status.LAPSED)]
    return [*labels, _("To call back, overdue")]


def _charts(result: FeedbackAnalysis) -> dict[str, Any]:
    """What static/js/charts.js draws (static/js/feedback-analysis.js adds
    the 80 % line); labels are data, never markup (json_script escapes them)."""
    quarters = [quarter.label for quarter in result.quarters]
    months = [month.label for month in result.months]
    every_area = result.satisfaction_all
    assert every_area is not None
    outcomes = [_outcomes(row.figures) for row in result.callbacks]
    return {
        "satisfaction_area": {
            "type": "bar",
            "percent": True,
            "labels": [area.label for area in result.satisfaction],
            "series": [
                {"label": _("Satisfaction rate (%)"), "data": [area.period.rate for area in result.satisfaction]}
            ],
        },
        "satisfaction_quarter": {
            "type": "line",
            "percent": True,
            "labels": quarters,
            "series": [{"label": _("All service areas"), "data": [cell.rate for cell in every_area.by_quarter]}],
        },
        "callback_coverage": {
            "type": "line",
            "percent": True,
            "labels": quarters,
            "series": [{"label": _("Coverage (%)"), "data": [row.figures.coverage for row in result.callbacks]}],
        },
        "callback_outcomes": {
            "type": "bar",
            "labels": quarters,
            "series": [
                {"label": label, "data": [row[index] for row in outcomes]}
                for index, label in enumerate(_outcome_labels())
            ],
        },
        "feedback_month": {
            "type": "line",
            "labels": months,
            "series": [
                {"label": label, "data": [month.by_kind[index] for month in result.months]}
                for index, label in enumerate(_kind_labels())
            ],
        },
        "feedback_area": {
            "type": "bar",
            "labels": [theme.label for theme in result.themes],
            "series": [{"label": _("Entries"), "data": [theme.total for theme in result.themes]}],
        },
        "feedback_area_month": {
            "type": "line",
            "labels": months,
            "series": [{"label": theme.label, "data": list(theme.by_month)} for theme in result.themes[:TOP_AREAS]],
        },
    }


def _callback_tables(result: FeedbackAnalysis) -> list[tuple[str, list[tuple[str, str, list[Any]]]]]:
    """The callbacks' figures with the quarters as columns (and the whole period
    last), as the satisfaction table has them: coverage first, then outcomes."""
    every = [row.figures for row in result.callbacks] + [result.callbacks_all]

    def row(label: str, unit: str, value: Any) -> tuple[str, str, list[Any]]:
        return (label, unit, [value(figures) for figures in every])

    outcome_labels = _outcome_labels()
    outcomes = [
        lambda f: f.solved,
        lambda f: f.unsolved,
        lambda f: f.unreached,
        lambda f: f.lapsed,
        lambda f: f.overdue,
    ]
    return [
        (
            _("Calls due"),
            [
                row(_("Due"), "", lambda f: f.due),
                row(_("Done within the limit"), "", lambda f: f.within),
                row(_("Coverage"), "%", lambda f: f.coverage),
                row(_("Done late"), "", lambda f: f.late),
                row(_("Not yet due"), "", lambda f: f.not_yet_due),
                row(str(Callback.Status.CANCELLED.label), "", lambda f: f.cancelled),
            ],
        ),
        (
            _("Outcomes"),
            [
                *(row(label, "", value) for label, value in zip(outcome_labels, outcomes, strict=True)),
                row(_("Rated"), "", lambda f: f.rated),
                row(_("Average satisfaction"), "", lambda f: f.average_satisfaction),
            ],
        ),
    ]


def _area_months(result: FeedbackAnalysis) -> list[tuple[str, list[int], int]]:
    """Per month: the entries about each service area (in the themes' order), and all of them."""
    return [
        (month.label, [theme.by_month[index] for theme in result.themes], month.total)
        for index, month in enumerate(result.months)
    ]


def _csv_query(choice: Choice) -> str:
    return f"compound={choice.compound.pk}&start={quarter_value(choice.first)}&end={quarter_value(choice.last)}"


@require_GET
def analysis_view(request: AuthedRequest) -> HttpResponse:
    choice = _choose(request)
    if choice.refused:
        # The figures below are for what was valid: say so, never a 500.
        messages.warning(request, _("Some of the choices were not valid and were left out."))
    result = _analyse(choice)
    latest, latest_below = result.latest_quarter_below_line
    return render(
        request,
        "feedback/analysis.html",
        {
            "form": choice.form,
            "compound": choice.compound,
            "several_compounds": choice.several_compounds,
            "result": result,
            "charts": _charts(result),
            "line": SATISFACTION_LINE,
            "latest_quarter": latest,
            "latest_below": latest_below,
            "kind_labels": _kind_labels(),
            "level_labels": _level_labels(),
            "outcome_labels": _outcome_labels(),
            "callback_tables": _callback_tables(result),
            "top_areas": TOP_AREAS,
            "themes": [(theme, list(zip(_kind_labels(), theme.by_kind, strict=True))) for theme in result.themes],
            "area_months": _area_months(result),
            "csv_query": _csv_query(choice),
        },
    )


# --- CSV --------------------------------------------------------------------------------


def _rate(value: float | None) -> Any:
    return "" if value is None else value


def _satisfaction_rows(label: str, quarter: str, cell: LevelCounts) -> list[Any]:
    return [
        label,
        quarter,
        cell.answers,
        *cell.levels,
        _rate(cell.rate),
        _("Yes") if cell.below_line else "",
    ]


def _csv_rows(result: FeedbackAnalysis, compound: Compound) -> Iterator[list[Any]]:
    """The page's tables, one section each: its title, its column names, its rows."""
    period = _("Whole period")
    yield [_("Period"), f"{result.first.label} – {result.last.label}", result.first.first_day, result.last.last_day]
    yield [
        _("Satisfaction line (%)"),
        SATISFACTION_LINE,
        _("Service areas under the line are flagged (China Property Management Association, grade 1)."),
    ]
    yield []

    yield [_("Satisfaction by service area and quarter")]
    yield [
        _("Service area"),
        _("Quarter"),
        _("Answers"),
        *_level_labels(),
        _("Satisfaction rate (%)"),
        _("Under the line"),
    ]
    every_area = result.satisfaction_all
    assert every_area is not None
    areas: list[AreaSatisfaction] = [
        *result.satisfaction,
        AreaSatisfaction(_("All service areas"), every_area.by_quarter, every_area.period),
    ]
    for area in areas:
        for quarter, cell in zip(result.quarters, area.by_quarter, strict=True):
            yield _satisfaction_rows(area.label, quarter.label, cell)
        yield _satisfaction_rows(area.label, period, area.period)
    if result.open_quarters:
        yield [_("Surveys still open"), " ".join(quarter.label for quarter in result.open_quarters)]
    yield []

    rows = [(row.label, row.figures) for row in result.callbacks] + [(period, result.callbacks_all)]
    yield [_("Callback coverage by quarter")]
    yield [
        _("Quarter"),
        _("Due"),
        _("Done within the limit"),
        _("Done late"),
        _("Coverage (%)"),
        _("Not yet due"),
        str(Callback.Status.CANCELLED.label),
    ]
    for label, figures in rows:
        yield [
            label,
            figures.due,
            figures.within,
            figures.late,
            _rate(figures.coverage),
            figures.not_yet_due,
            figures.cancelled,
        ]
    yield []
    yield [_("Callback outcomes by quarter")]
    yield [_("Quarter"), *_outcome_labels(), _("Rated"), _("Average satisfaction (5 = very satisfied)")]
    for label, figures in rows:
        yield [label, *_outcomes(figures), figures.rated, _rate(figures.average_satisfaction)]
    yield []

    yield [_("Feedback per month by kind")]
    yield [_("Month"), *_kind_labels(), _("All kinds")]
    for month in [*result.months, result.months_all]:
        yield [month.label or period, *month.by_kind, month.total]
    yield []
    yield [_("Feedback by service area")]
    yield [_("Service area"), *_kind_labels(), _("All kinds"), _("Share (%)")]
    for theme in result.themes:
        yield [theme.label, *theme.by_kind, theme.total, theme.share]
    yield []
    yield [_("Feedback per month by service area")]
    yield [_("Month"), *(theme.label for theme in result.themes), _("All service areas")]
    for label, counts, total in _area_months(result):
        yield [label, *counts, total]


@require_GET
def analysis_csv_view(request: AuthedRequest) -> HttpResponse | StreamingHttpResponse:
    """The page's figures as CSV. A refused choice gets a 400 that names it,
    not a file of figures for some other period."""
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
    # The figures are read now, inside the request; the rows are only written while streaming.
    result = _analyse(choice)
    compound = choice.compound
    rows = list(_csv_rows(result, compound))
    name = f"feedback-analysis-{compound.pk}-{quarter_value(result.first)}-{quarter_value(result.last)}.csv".lower()
    return csv_response(
        filename=name,
        header=lambda: [_("Feedback analysis"), str(compound)],
        rows=lambda: rows,
    )
