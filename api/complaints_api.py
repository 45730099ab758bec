"""The owner's complaints through a front: the same form checks, services,
access helper and owner-visible timeline as the web pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django import forms
from django.core.files.uploadedfile import UploadedFile as DjangoUpload
from django.http import Http404, HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from api.auth import bound_owner
from api.errors import ApiError
from api.models import ApiClient
from api.schemas import Error
from committee_site.access import user_access
from committee_site.models import User
from committee_site.pagination import BadCursor, keyset_page
from committee_site.services import ChangedMeanwhile, NotAllowed, ServiceError
from complaints import services
from complaints.access import get_complaint_for, may
from complaints.forms import ComplaintForm, ConfirmForm, ReasonForm
from complaints.models import Action, Channel, Complaint, Publication
from complaints.queries import complaint_timeline

router = Router(tags=["complaints"])

PER_PAGE = 25
ORDERING = ("-submitted_at", "-id")


class ComplaintIn(Schema):
    where: str = Field(description='The place, as on the web form: "unit:<id>", "building:<id>" or "compound:<id>".')
    category: int
    title: str
    description: str
    location_text: str = ""


class ComplaintOut(Schema):
    id: int
    reference: str
    title: str
    status: str
    status_label: str
    compound: int
    submitted_at: datetime
    version: int


class EventOut(Schema):
    at: datetime
    action: str
    action_label: str
    from_status: str
    to_status: str
    note: str


class ComplaintDetailOut(ComplaintOut):
    description: str
    events: list[EventOut]


class ComplaintPage(Schema):
    items: list[ComplaintOut]
    next_cursor: str | None


def owner_of(request: HttpRequest, *, limit: str | None = None) -> tuple[ApiClient, User]:
    """The calling front and its bound owner; a write names the web form's
    limit group (see `bound_owner`)."""
    return request.auth, bound_owner(request, limit=limit)  # type: ignore[attr-defined]


def served(client: ApiClient) -> set[int]:
    return set(client.compounds.values_list("pk", flat=True))


def _out(complaint: Complaint) -> dict[str, object]:
    return {
        "id": complaint.pk,
        "reference": complaint.reference,
        "title": complaint.title,
        "status": complaint.status,
        "status_label": str(complaint.get_status_display()),
        "compound": complaint.compound_id,
        "submitted_at": complaint.submitted_at,
        "version": complaint.version,
    }


SUBMIT_RESPONSES = {201: ComplaintOut, 400: Error, 401: Error, 403: Error, 413: Error, 422: Error, 429: Error}


@router.post("/complaints", response=SUBMIT_RESPONSES, operation_id="complaint_submit")
def complaint_submit(request: HttpRequest, payload: ComplaintIn) -> Status:
    """File a complaint for the bound owner (JSON, no photos)."""
    return _submit(request, payload.dict(), None)


@router.post("/complaints/with-photos", response=SUBMIT_RESPONSES, operation_id="complaint_submit_with_photos")
def complaint_submit_with_photos(
    request: HttpRequest,
    payload: Form[ComplaintIn],
    photos: File[list[UploadedFile]] | None = None,
) -> Status:
    """File a complaint for the bound owner with photos (multipart/form-data,
    the photos as repeated `photos` parts). As many and as large as the web
    form takes; they are re-encoded and stripped of location data."""
    # The web form's own photo field reads the files: its count, size and
    # decoding checks, before any transaction opens.
    return _submit(request, payload.dict(), request.FILES)


def _submit(request: HttpRequest, data: dict[str, object], files: MultiValueDict[str, DjangoUpload] | None) -> Status:
    client, owner = owner_of(request, limit="complaint")
    if not user_access(owner).owner_compound_ids & served(client):
        raise ApiError(403, "compound_not_served", _("This front does not serve your compound."))
    form = ComplaintForm(data, files, owner=owner)
    if not form.is_valid():
        raise ApiError(400, "invalid", form_errors(form))
    cleaned = form.cleaned_data
    if cleaned["compound"].pk not in served(client):
        raise ApiError(403, "compound_not_served", _("This front does not serve your compound."))
    try:
        complaint = services.complaint_submit(
            by=owner,
            compound=cleaned["compound"],
            category=cleaned["category"],
            title=cleaned["title"],
            description=cleaned["description"],
            unit=cleaned["unit"],
            building=cleaned["building"],
            location_text=cleaned["location_text"],
            photos=cleaned["photos"],
            channel=Channel.WECHAT,
            complainant=owner,
        )
    except ServiceError as error:
        raise ApiError(400, "refused", error.message) from error
    return Status(201, _out(complaint))


def form_errors(form: forms.Form) -> str:
    return "; ".join(f"{field}: {' '.join(str(e) for e in errors)}" for field, errors in form.errors.items())


@router.get(
    "/complaints",
    response={200: ComplaintPage, 400: Error, 401: Error, 403: Error, 422: Error, 429: Error},
    operation_id="complaint_list",
)
def complaint_list(request: HttpRequest, cursor: str | None = None) -> dict[str, object]:
    """The bound owner's own complaints in the front's compounds, newest first."""
    client, owner = owner_of(request)
    queryset = Complaint.objects.visible_to(owner).filter(complainant=owner, compound_id__in=served(client))
    try:
        page = keyset_page(queryset, ordering=ORDERING, cursor=cursor, per_page=PER_PAGE)
    except BadCursor as error:
        raise ApiError(400, "bad_cursor", _("The page link is not valid.")) from error
    return {"items": [_out(c) for c in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/complaints/{complaint_id}",
    response={200: ComplaintDetailOut, 401: Error, 403: Error, 404: Error, 422: Error, 429: Error},
    operation_id="complaint_read",
)
def complaint_read(request: HttpRequest, complaint_id: int) -> dict[str, object]:
    """One of the owner's complaints with its owner-visible timeline."""
    client, owner = owner_of(request)
    complaint = _own_complaint(client, owner, complaint_id)
    timeline = complaint_timeline(complaint, internal=False)
    return {
        **_out(complaint),
        "description": complaint.description,
        "events": [
            {
                "at": event.at,
                "action": event.action,
                "action_label": str(event.get_action_display()),
                "from_status": event.from_status,
                "to_status": event.to_status,
                "note": event.note,
            }
            for event in timeline.events
        ],
    }


def _own_complaint(client: ApiClient, owner: User, pk: int) -> Complaint:
    # A published complaint of a neighbour is visible on the site, but a
    # front speaks for one owner: only their own complaints, in its compounds.
    try:
        complaint = get_complaint_for(owner, pk)
    except Http404:
        complaint = None
    if complaint is None or complaint.complainant_id != owner.pk or complaint.compound_id not in served(client):
        raise ApiError(404, "not_found", _("No such complaint."))
    return complaint


class ConfirmIn(Schema):
    version: int = Field(description="The complaint's version the owner saw (its `version`).")
    rating: int = Field(description="1 (very dissatisfied) to 5 (very satisfied).")
    comment: str = ""


class DisputeIn(Schema):
    version: int
    reason: str


def _step(
    request: HttpRequest,
    complaint_id: int,
    action: str,
    form_class: type[forms.Form],
    payload: Schema,
    call: Callable[..., Complaint],
) -> Complaint:
    client, owner = owner_of(request, limit="step")
    complaint = _own_complaint(client, owner, complaint_id)
    if not may(owner, complaint, action):
        raise ApiError(403, "not_allowed", _("This step is not open to you now."))
    form = form_class(payload.dict())
    if not form.is_valid():
        raise ApiError(400, "invalid", form_errors(form))
    try:
        return call(complaint=complaint, by=owner, data=form.cleaned_data)
    except ChangedMeanwhile as error:
        raise ApiError(409, "changed_meanwhile", error.message) from error
    except NotAllowed as error:
        raise ApiError(409, "step_not_open", error.message) from error
    except ServiceError as error:
        raise ApiError(400, "refused", error.message) from error


STEP_RESPONSES = {200: ComplaintOut, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error, 429: Error}


@router.post("/complaints/{complaint_id}/confirm", response=STEP_RESPONSES, operation_id="complaint_confirm")
def complaint_confirm(request: HttpRequest, complaint_id: int, payload: ConfirmIn) -> dict[str, object]:
    """The owner accepts the reply and rates it; the complaint closes."""
    complaint = _step(
        request, complaint_id, Action.CONFIRM, ConfirmForm, payload,
        lambda complaint, by, data: services.complaint_confirm(
            complaint=complaint, by=by, seen_version=data["version"], rating=data["rating"], comment=data["comment"]
        ),
    )  # fmt: skip
    return _out(complaint)


@router.post("/complaints/{complaint_id}/dispute", response=STEP_RESPONSES, operation_id="complaint_dispute")
def complaint_dispute(request: HttpRequest, complaint_id: int, payload: DisputeIn) -> dict[str, object]:
    """The owner says what is still wrong; the complaint is open again."""
    complaint = _step(
        request, complaint_id, Action.DISPUTE, ReasonForm, payload,
        lambda complaint, by, data: services.complaint_dispute(
            complaint=complaint, by=by, seen_version=data["version"], reason=data["reason"]
        ),
    )  # fmt: skip
    return _out(complaint)


# --- published results (投诉处理结果公开) ----------------------------------------------


class PublicationOut(Schema):
    id: int
    compound: int
    category: str
    building: str | None
    scope: str
    summary: str
    published_at: datetime


class PublicationPage(Schema):
    items: list[PublicationOut]
    next_cursor: str | None


PUBLICATION_ORDERING = ("-published_at", "-id")


@router.get(
    "/results",
    response={200: PublicationPage, 400: Error, 401: Error, 403: Error, 422: Error, 429: Error},
    operation_id="publication_list",
)
def publication_list(request: HttpRequest, cursor: str | None = None) -> dict[str, object]:
    """The published results the owner's board shows, in the owner's
    compounds this front serves, newest first: the redacted summary, never
    the complaint itself."""
    client, owner = owner_of(request)
    compounds = served(client) & user_access(owner).owner_compound_ids
    queryset = (
        Publication.objects.visible_to(owner)
        .filter(complaint__compound_id__in=compounds)
        .select_related("complaint__category", "building")
    )
    try:
        page = keyset_page(queryset, ordering=PUBLICATION_ORDERING, cursor=cursor, per_page=PER_PAGE)
    except BadCursor as error:
        raise ApiError(400, "bad_cursor", _("The page link is not valid.")) from error
    return {
        "items": [
            {
                "id": publication.pk,
                "compound": publication.complaint.compound_id,
                "category": str(publication.complaint.category),
                "building": str(publication.building) if publication.building else None,
                "scope": publication.scope,
                "summary": publication.summary,
                "published_at": publication.published_at,
            }
            for publication in page.items
        ],
        "next_cursor": page.next_cursor,
    }
