"""Paper survey forms (纸质问卷录入): many owners, the elderly especially,
answer the satisfaction survey on paper, door to door; a committee member
of the compound types the forms in, one after another, while the survey is
open. Each form is one unit's answer, by the same rules as online."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from committee_site import clock
from committee_site.access import AuthedRequest
from committee_site.services import ServiceError
from committee_site.throttle import rate_limited
from feedback import queries
from feedback.access import get_survey_for_paper
from feedback.models import Survey
from feedback.paper_forms import PaperBuildingForm, SurveyPaperForm
from feedback.services import surveys as services


def _page(
    request: AuthedRequest, survey: Survey, form: SurveyPaperForm, page: queries.SurveyPage, *, status: int = 200
) -> HttpResponse:
    now = clock.now()
    state = queries.survey_state(survey, now)
    return render(
        request,
        "feedback/survey_paper.html",
        {
            "survey": survey,
            "state": state,
            "not_open": services.not_open_text(survey, now),
            "page": page,
            "form": form if state == "open" else None,
            "recent": queries.survey_paper_recent(survey),
            "last_day": queries.survey_last_day(survey),
            "response_rate": (
                100 * page.answers / survey.units_total if page.answers is not None and survey.units_total else None
            ),
        },
        status=status,
    )


def _next_form(survey: Survey, building_pk: int) -> str:
    url = reverse("feedback:survey_paper", args=[survey.pk])
    return f"{url}?{urlencode({'building': building_pk})}"


@require_http_methods(["GET", "POST"])
@rate_limited("survey_paper")
def survey_paper_view(request: AuthedRequest, pk: int) -> HttpResponse:
    survey = get_survey_for_paper(request.user, pk)
    page = queries.survey_page(request.user, survey)
    if request.method != "POST":
        building = PaperBuildingForm(request.GET, survey=survey).chosen()
        initial = {"building": building.pk} if building else {}
        return _page(request, survey, SurveyPaperForm(survey=survey, areas=page.areas, initial=initial), page)
    form = SurveyPaperForm(request.POST, survey=survey, areas=page.areas)
    if services.not_open_text(survey, clock.now()) is not None:
        # The page says why (not yet open, or closed at …); nothing is saved.
        return _page(request, survey, form, page, status=400)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return _page(request, survey, form, page, status=400)
    unit = form.entered_unit()
    try:
        services.survey_answer(
            survey=survey,
            unit=unit,
            by=request.user,
            scores=form.scores(),
            comment=form.cleaned_data["comment"],
            on_paper=True,
        )
    except services.AlreadyAnswered as error:
        # The form stays as typed: the number may be mistyped; a duplicate is put aside.
        messages.error(request, error.message)
        return _page(request, survey, form, page, status=409)
    except ServiceError as error:
        messages.error(request, error.message)
        return _page(request, survey, form, page, status=400)
    messages.success(
        request,
        _("The paper form of %(unit)s is recorded.") % {"unit": queries.unit_label(unit)},
    )
    return redirect(_next_form(survey, unit.building_id))
