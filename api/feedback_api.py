"""What waits for the bound owner in the feedback app: callbacks to answer
online and surveys to answer, through the web pages' access helpers, forms
and services."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema

from api.complaints_api import form_errors, owner_of, served
from api.errors import ApiError
from api.schemas import Error
from committee_site import clock
from committee_site.models import Unit, User
from committee_site.pagination import BadCursor, keyset_page
from committee_site.services import ChangedMeanwhile, NotAllowed, ServiceError
from complaints.models import Satisfaction
from feedback import queries
from feedback.access import get_callback_for, get_survey_for
from feedback.callback_forms import NO, YES, AnswerForm
from feedback.models import Callback, Survey
from feedback.services import surveys as survey_services
from feedback.services.callbacks import callback_record
from feedback.survey_forms import SurveyAnswerForm

router = Router(tags=["feedback"])

CALLBACKS_PER_PAGE = 25

READ_RESPONSES = {401: Error, 403: Error, 422: Error, 429: Error}
STEP_RESPONSES = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 413: Error, 422: Error, 429: Error}


# --- callbacks (回访) ---------------------------------------------------------------------


class CallbackOut(Schema):
    id: int
    complaint: int
    complaint_reference: str
    complaint_title: str
    due_at: datetime
    version: int


class CallbackAnswerIn(Schema):
    version: int = Field(description="The callback's version the owner saw (its `version`).")
    solved: bool
    satisfaction: int = Field(description="1 (very dissatisfied) to 5 (very satisfied).")
    comment: str = Field("", description="Required when not solved: it goes on the complaint's timeline.")


class CallbackAnswered(Schema):
    id: int
    status: str
    status_label: str


def _callback_out(callback: Callback) -> dict[str, object]:
    return {
        "id": callback.pk,
        "complaint": callback.complaint_id,
        "complaint_reference": callback.complaint.reference,
        "complaint_title": callback.complaint.title,
        "due_at": callback.due_at,
        "version": callback.version,
    }


class CallbackPage(Schema):
    items: list[CallbackOut]
    next_cursor: str | None


@router.get("/callbacks", response={200: CallbackPage, 400: Error, **READ_RESPONSES}, operation_id="callback_list")
def callback_list(request: HttpRequest, cursor: str | None = None) -> dict[str, object]:
    """The callbacks waiting for the bound owner's own answer, first due first."""
    client, owner = owner_of(request)
    queryset = (
        Callback.objects.visible_to(owner)
        .pending()
        .filter(complaint__complainant=owner, compound_id__in=served(client))
        .select_related("complaint")
    )
    try:
        page = keyset_page(queryset, ordering=("due_at", "id"), cursor=cursor, per_page=CALLBACKS_PER_PAGE)
    except BadCursor as error:
        raise ApiError(400, "bad_cursor", _("The page link is not valid.")) from error
    return {"items": [_callback_out(callback) for callback in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/callbacks/{callback_id}/answer",
    response={200: CallbackAnswered, **STEP_RESPONSES},
    operation_id="callback_answer",
)
def callback_answer(request: HttpRequest, callback_id: int, payload: CallbackAnswerIn) -> dict[str, object]:
    """The owner answers their callback online: solved closes the complaint,
    not solved reopens it with the comment."""
    client, owner = owner_of(request, limit="step")
    try:
        callback = get_callback_for(owner, callback_id, write=True, as_owner=True)
    except (Http404, PermissionDenied):
        callback = None
    # The committee's own callbacks are no front's business: one answer for
    # all that is not the owner's, in a compound the front serves.
    if callback is None or callback.compound_id not in served(client):
        raise ApiError(404, "not_found", _("No such callback."))
    form = AnswerForm(
        data={
            "version": payload.version,
            "solved": YES if payload.solved else NO,
            "satisfaction": payload.satisfaction,
            "comment": payload.comment,
        }
    )
    if not form.is_valid():
        raise ApiError(400, "invalid", form_errors(form))
    data = form.cleaned_data
    try:
        answered = callback_record(
            callback=callback,
            by=owner,
            seen_version=data["version"],
            solved=data["solved"],
            satisfaction=data["satisfaction"],
            comment=data["comment"],
            channel=Callback.Channel.ONLINE,
        )
    except ChangedMeanwhile as error:
        raise ApiError(409, "changed_meanwhile", error.message) from error
    except NotAllowed as error:
        raise ApiError(409, "step_not_open", error.message) from error
    except ServiceError as error:
        raise ApiError(400, "refused", error.message) from error
    return {"id": answered.pk, "status": answered.status, "status_label": str(answered.get_status_display())}


# --- surveys ------------------------------------------------------------------------------


class UnitOut(Schema):
    id: int
    label: str


class SurveyOut(Schema):
    id: int
    title: str
    compound: int
    closes_at: datetime
    to_answer: list[UnitOut]


class AreaOut(Schema):
    id: int
    name: str


class SurveyDetailOut(SurveyOut):
    is_open: bool
    areas: list[AreaOut]
    answered: list[UnitOut]
    levels: list[AreaOut] = Field(description="The levels each area is scored with, 1 to 5.")


class SurveyAnswerIn(Schema):
    unit: int = Field(description="One of the survey's `to_answer` units.")
    scores: dict[str, int] = Field(description="A level (1 to 5) for every area, by the area's id.")
    comment: str = ""


class SurveyAnswered(Schema):
    survey: int
    unit: UnitOut
    answered_at: datetime


def _unit(unit: Unit) -> dict[str, object]:
    return {"id": unit.pk, "label": queries.unit_label(unit)}


@router.get("/surveys", response={200: list[SurveyOut], **READ_RESPONSES}, operation_id="survey_list")
def survey_list(request: HttpRequest) -> list[dict[str, object]]:
    """The open surveys of the owner's compounds the front serves, with the
    owner's units that have still to answer."""
    client, owner = owner_of(request)
    compounds = served(client)
    lists = queries.survey_lists(owner, clock.now(), [])
    return [
        {
            "id": row.survey.pk,
            "title": row.survey.title,
            "compound": row.survey.compound_id,
            "closes_at": row.survey.closes_at,
            "to_answer": [_unit(unit) for unit in row.to_answer],
        }
        for row in lists.open
        if row.survey.compound_id in compounds
    ]


def _survey(request: HttpRequest, survey_id: int, *, answer: bool) -> tuple[Survey, User]:
    client, owner = owner_of(request, limit="survey_answer" if answer else None)
    try:
        survey = get_survey_for(owner, survey_id, answer=answer)
    except Http404:
        survey = None
    except PermissionDenied as error:
        raise ApiError(403, "not_allowed", _("Only a verified owner of the compound answers its survey.")) from error
    if survey is None or survey.compound_id not in served(client):
        raise ApiError(404, "not_found", _("No such survey."))
    return survey, owner


@router.get(
    "/surveys/{survey_id}", response={200: SurveyDetailOut, 404: Error, **READ_RESPONSES}, operation_id="survey_read"
)
def survey_read(request: HttpRequest, survey_id: int) -> dict[str, object]:
    """A survey of the owner's compound: the areas it asks about and which of
    the owner's units have answered."""
    survey, owner = _survey(request, survey_id, answer=False)
    page = queries.survey_page(owner, survey)
    return {
        "id": survey.pk,
        "title": survey.title,
        "compound": survey.compound_id,
        "closes_at": survey.closes_at,
        "is_open": survey.is_open(),
        "areas": [{"id": area.pk, "name": area.display_name} for area in page.areas],
        "to_answer": [_unit(unit) for unit in page.to_answer],
        "answered": [_unit(answered.unit) for answered in page.answered],
        "levels": [{"id": value, "name": str(label)} for value, label in Satisfaction.choices],
    }


@router.post(
    "/surveys/{survey_id}/answer", response={201: SurveyAnswered, **STEP_RESPONSES}, operation_id="survey_answer"
)
def survey_answer(request: HttpRequest, survey_id: int, payload: SurveyAnswerIn) -> tuple[int, dict[str, object]]:
    """One unit's answer: a level for every area asked about, and a comment
    the committee alone reads."""
    survey, owner = _survey(request, survey_id, answer=True)
    page = queries.survey_page(owner, survey)
    units = [*page.to_answer, *(answered.unit for answered in page.answered)]
    data: dict[str, object] = {"unit": payload.unit, "comment": payload.comment}
    data.update({f"area_{key}": value for key, value in payload.scores.items()})
    form = SurveyAnswerForm(data, areas=page.areas, units=units)
    earlier = next((a for a in page.answered if a.unit == form.posted_unit()), None)
    if earlier is not None:
        raise ApiError(409, "already_answered", survey_services.answered_text(earlier.unit, earlier.answered_at))
    if not form.is_valid():
        raise ApiError(400, "invalid", form_errors(form))
    try:
        answer = survey_services.survey_answer(
            survey=survey,
            unit=form.chosen_unit(),
            by=owner,
            scores=form.scores(),
            comment=form.cleaned_data["comment"],
        )
    except survey_services.AlreadyAnswered as error:
        raise ApiError(409, "already_answered", error.message) from error
    except ServiceError as error:
        raise ApiError(400, "refused", error.message) from error
    return 201, {"survey": survey.pk, "unit": _unit(answer.unit), "answered_at": answer.answered_at}
