"""Satisfaction surveys (满意度测评): the list each role sees, the
committee's new survey, one survey's page with the owner's answer form, the
committee's early close, and the results (charts, table, CSV)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from committee_site import clock
from committee_site.access import AuthedRequest, require_committee, user_access
from committee_site.actions import action_view
from committee_site.models import User
from committee_site.pagination import page_or_first
from committee_site.services import ServiceError
from committee_site.spreadsheets import csv_response
from committee_site.throttle import rate_limited
from complaints.models import Satisfaction
from feedback import queries
from feedback.access import get_survey_for, require_survey_reader, sees_survey_details, sees_survey_results
from feedback.models import SMALLEST_GROUP, Survey
from feedback.services import surveys as services
from feedback.survey_forms import SurveyAnswerForm, SurveyCloseForm, SurveyOpenForm, previous_quarter

PER_PAGE = 20
COMMENTS_PER_PAGE = 30


@require_GET
def survey_list_view(request: AuthedRequest) -> HttpResponse:
    require_survey_reader(request.user)
    now = clock.now()
    page = page_or_first(
        request, queries.survey_past_list(request.user, now), ordering=queries.SURVEY_PAST_ORDER, per_page=PER_PAGE
    )
    lists = queries.survey_lists(request.user, now, page.items)
    access = user_access(request.user)
    return render(
        request,
        "feedback/survey_list.html",
        {
            "lists": lists,
            "page": page,
            "can_open": bool(access.committee_compound_ids),
            "several_compounds": len(access.compound_ids) > 1,
        },
    )


@require_http_methods(["GET", "POST"])
@rate_limited("survey_open")
def survey_new_view(request: AuthedRequest) -> HttpResponse:
    compound_ids = require_committee(request.user)
    form = SurveyOpenForm(request.POST or None, compound_ids=compound_ids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = services.survey_open(
                by=request.user,
                compound=data["compound"],
                title=data["title"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                service_areas=data["service_areas"],
            )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            if survey.is_open():
                messages.success(request, _("The survey is open; the compound's owners have been told."))
            else:
                messages.success(
                    request,
                    _(
                        "The survey opens on %(day)s. The owners are not told of it automatically: announce it "
                        "when it opens, on the notice board for example."
                    )
                    % {"day": timezone.localdate(survey.opens_at).isoformat()},
                )
            return redirect("feedback:survey_detail", pk=survey.pk)
    # The form suggests the quarter before; say so when a survey about it exists already.
    first, last, _year, _quarter = previous_quarter(timezone.localdate())
    covered = list(
        Survey.objects.filter(compound_id__in=list(compound_ids))
        .covering(first, last)
        .select_related("compound")
        .order_by("-period_end", "-id")[:5]
    )
    return render(
        request,
        "feedback/survey_form.html",
        {"form": form, "covered": covered, "several_compounds": len(compound_ids) > 1},
        status=400 if form.errors else 200,
    )


def _survey_page(
    request: AuthedRequest, survey: Survey, *, form: SurveyAnswerForm | None = None, status: int = 200
) -> HttpResponse:
    page = queries.survey_page(request.user, survey)
    now = clock.now()
    state = queries.survey_state(survey, now)
    if form is None and state == "open" and page.to_answer:
        form = SurveyAnswerForm(areas=page.areas, units=page.to_answer)
    return render(
        request,
        "feedback/survey_detail.html",
        {
            "survey": survey,
            "state": state,
            "page": page,
            "form": form if state == "open" and page.to_answer else None,
            "is_committee": sees_survey_details(request.user, survey),
            "results_shown": sees_survey_results(request.user, survey),
            "response_rate": (
                100 * page.answers / survey.units_total if page.answers is not None and survey.units_total else None
            ),
            "last_day": queries.survey_last_day(survey),
            "close_form": SurveyCloseForm(),
        },
        status=status,
    )


@require_GET
def survey_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    return _survey_page(request, get_survey_for(request.user, pk))


@require_POST
@rate_limited("survey_answer")
def survey_answer_view(request: AuthedRequest, pk: int) -> HttpResponse:
    survey = get_survey_for(request.user, pk, answer=True)
    page = queries.survey_page(request.user, survey)
    # The units answered already stay choosable here, so that a second answer
    # (another tab, a co-owner) gets the refusal that says when, not a form error.
    units = [*page.to_answer, *(answered.unit for answered in page.answered)]
    form = SurveyAnswerForm(request.POST, areas=page.areas, units=units)
    earlier = next((a for a in page.answered if a.unit == form.posted_unit()), None)
    if earlier is not None:
        messages.error(request, services.answered_text(earlier.unit, earlier.answered_at))
        return _survey_page(request, survey, status=409)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return _survey_page(request, survey, form=form, status=400)
    try:
        answer = services.survey_answer(
            survey=survey,
            unit=form.chosen_unit(),
            by=request.user,
            scores=form.scores(),
            comment=form.cleaned_data["comment"],
        )
    except services.AlreadyAnswered as error:
        messages.error(request, error.message)
        return _survey_page(request, survey, status=409)
    except ServiceError as error:
        messages.error(request, error.message)
        return _survey_page(request, survey, form=form, status=400)
    messages.success(
        request, _("Thank you: the answer of %(unit)s is recorded.") % {"unit": queries.unit_label(answer.unit)}
    )
    return redirect("feedback:survey_detail", pk=survey.pk)


def _to_close(user: User, pk: int) -> Survey:
    return get_survey_for(user, pk, write=True)


def _back(survey: Survey) -> str:
    return reverse("feedback:survey_detail", args=[survey.pk])


@require_POST
@rate_limited("step")
@action_view(load=_to_close, form=SurveyCloseForm, done=gettext_lazy("The survey is closed."), back=_back)
def survey_close_view(request: AuthedRequest, survey: Survey, data: dict[str, Any]) -> None:
    services.survey_close(survey=survey, by=request.user)


# --- results -----------------------------------------------------------------------------


def _level_labels() -> list[str]:
    return [str(label) for _value, label in Satisfaction.choices]


def _charts(results: queries.SurveyResults) -> tuple[dict[str, Any], dict[str, Any]]:
    """What charts.js draws (the rates) and what survey_charts.js draws (the
    five levels); labels are data, never markup (json_script escapes them)."""
    shown = [area for area in results.areas if area.rate is not None]
    series: list[dict[str, Any]] = [
        {"label": _("This survey"), "data": [round(area.rate or 0, 1) for area in shown]},
    ]
    if any(area.previous_rate is not None for area in shown):
        series.append(
            {
                "label": _("Previous survey"),
                "data": [None if area.previous_rate is None else round(area.previous_rate, 1) for area in shown],
            }
        )
    labels = [area.area.display_name for area in shown]
    rate = {"rate": {"type": "bar", "percent": True, "labels": labels, "series": series}}
    distribution = {
        "labels": labels,
        "levels": [
            {
                "level": share.level,
                "label": share.label,
                "data": [round(area.shares[index].percent or 0, 1) for area in shown],
                "counts": [area.shares[index].count for area in shown],
            }
            for index, share in enumerate(shown[0].shares if shown else [])
        ],
    }
    return rate, distribution


@require_GET
def survey_results_view(request: AuthedRequest, pk: int) -> HttpResponse:
    survey = get_survey_for(request.user, pk)
    if not sees_survey_results(request.user, survey):
        return render(request, "feedback/survey_results.html", {"survey": survey, "waiting": True})
    details = sees_survey_details(request.user, survey)
    results = queries.survey_results(survey, details=details)
    comments = None
    if details:
        comments = page_or_first(
            request,
            queries.survey_comments(survey),
            ordering=queries.SURVEY_COMMENTS_ORDER,
            per_page=COMMENTS_PER_PAGE,
        )
    charts, distribution = _charts(results)
    return render(
        request,
        "feedback/survey_results.html",
        {
            "survey": survey,
            "results": results,
            "charts": charts,
            "distribution": distribution,
            "comments": comments,
            "state": queries.survey_state(survey, clock.now()),
            "smallest": SMALLEST_GROUP,
        },
    )


def _percent_text(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _csv_rows(results: queries.SurveyResults) -> Iterator[list[Any]]:
    survey = results.survey
    hidden = ngettext("fewer than %(count)s answer", "fewer than %(count)s answers", SMALLEST_GROUP) % {
        "count": SMALLEST_GROUP
    }
    shielded = _("not shown, so that a smaller building cannot be worked out")
    yield [survey.title, str(survey.compound), f"{survey.period_start} – {survey.period_end}"]
    yield [
        _("Answers"),
        results.answers,
        _("Units"),
        survey.units_total,
        _("Response rate (%)"),
        _percent_text(results.response_rate),
    ]
    yield [_("Overall satisfaction rate (%)"), hidden if results.suppressed else _percent_text(results.overall_rate)]
    yield []
    yield [
        _("Service area"),
        _("Answers"),
        *_level_labels(),
        _("Satisfaction rate (%)"),
        _("Previous survey (%)"),
        _("Change (points)"),
    ]
    for area in results.areas:
        if area.suppressed:
            yield [area.area.display_name, hidden]
            continue
        yield [
            area.area.display_name,
            area.answers,
            *[share.count for share in area.shares],
            _percent_text(area.rate),
            _percent_text(area.previous_rate),
            "" if area.change is None else f"{area.change:+.1f}",
        ]
    if results.buildings:
        yield []
        yield [_("Building"), _("Answers"), *[area.area.display_name for area in results.areas]]
        for building in results.buildings:
            if not building.shown:
                reason = hidden if building.hidden_reason == queries.FEWER_THAN_FIVE else shielded
                yield [str(building.building), reason]
                continue
            yield [str(building.building), building.answers, *[_percent_text(rate) for rate in building.rates]]


@require_GET
def survey_results_csv_view(request: AuthedRequest, pk: int) -> StreamingHttpResponse:
    survey = get_survey_for(request.user, pk)
    if not sees_survey_results(request.user, survey):
        raise PermissionDenied
    results = queries.survey_results(survey, details=sees_survey_details(request.user, survey))
    rows = list(_csv_rows(results))
    return csv_response(filename=f"survey-{survey.pk}-results.csv", header=lambda: rows[0], rows=lambda: rows[1:])
