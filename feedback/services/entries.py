"""Self-service feedback (自助反馈): an owner's suggestion, praise, inquiry or
rating about a service area, with up to six photos. A committee member
acknowledges and answers it (the owner is told), or turns an inquiry into a
complaint, keeping the link both ways. Every status move goes through
`committee_site.services.transition_apply` with FeedbackEntry.TRANSITIONS."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from committee_site import clock, search
from committee_site.access import committee_members, user_access
from committee_site.models import Compound, ServiceArea, Unit, User
from committee_site.notifications import notify
from committee_site.services import NotAllowed, ServiceError, audit_record, transition_apply
from committee_site.uploads import photos_discard, photos_store
from complaints import services as complaint_services
from complaints.models import Category, Channel, Complaint, ComplaintPhoto, Satisfaction
from feedback.models import FeedbackEntry, FeedbackEvent, FeedbackPhoto

Kind = FeedbackEntry.Kind
Status = FeedbackEntry.Status
Action = FeedbackEntry.Action

# The most photos one entry carries (the issue: up to six).
MAX_PHOTOS = 6
PHOTO_FOLDER = "feedback"
# A complaint turned from an inquiry came in through the site, but not through
# the complaint form: the committee records it for the owner, from the channel
# that says where it came from (the recording form never offers it).
CONVERTED_CHANNEL = Channel.FEEDBACK

T = TypeVar("T")


def _with_photos(store: Sequence[ContentFile[bytes]], work: Callable[[list[str]], T]) -> T:
    """Store the (already checked and re-encoded) photos, run the database
    work, and delete the files again if it fails: a refused entry leaves no
    file behind."""
    names = photos_store(store, folder=PHOTO_FOLDER) if store else []
    try:
        return work(names)
    except BaseException:
        photos_discard(names)
        raise


def _required(value: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ServiceError(message)
    return text


def _detail_url(entry: FeedbackEntry) -> str:
    return reverse("feedback:entry_detail", args=[entry.pk])


def _owner_unit(by: User, compound: Compound, unit: Unit | None) -> Unit:
    """The unit the entry is left for: the one chosen, which must be the
    owner's own in the compound, or the owner's only unit there."""
    units = list(Unit.objects.filter(owners__user=by, building__compound=compound).select_related("building"))
    if unit is not None:
        if unit.pk not in {own.pk for own in units}:
            raise ServiceError(_("This is not one of your units in the compound."))
        return unit
    if len(units) != 1:
        raise ServiceError(_("Choose which of your units the feedback is from."))
    return units[0]


# --- leaving feedback -------------------------------------------------------------


def feedback_submit(
    *,
    by: User,
    compound: Compound,
    unit: Unit | None,
    kind: str,
    service_area: ServiceArea,
    title: str,
    body: str,
    rating: int | None,
    name_shown_to_company: bool,
    photos: Sequence[ContentFile[bytes]] = (),
) -> FeedbackEntry:
    """An owner leaves feedback. The photos come checked and re-encoded by the
    form (committee_site.uploads.PhotosField), before any transaction opens;
    they are stored first and deleted again if the entry is refused."""
    if len(photos) > MAX_PHOTOS:
        raise ServiceError(
            ngettext("At most %(count)d photo, please.", "At most %(count)d photos, please.", MAX_PHOTOS)
            % {"count": MAX_PHOTOS}
        )
    return _with_photos(
        photos,
        lambda names: _feedback_create(
            by=by,
            compound=compound,
            unit=unit,
            kind=kind,
            service_area=service_area,
            title=title,
            body=body,
            rating=rating,
            name_shown_to_company=name_shown_to_company,
            photo_names=names,
        ),
    )


@transaction.atomic
def _feedback_create(
    *,
    by: User,
    compound: Compound,
    unit: Unit | None,
    kind: str,
    service_area: ServiceArea,
    title: str,
    body: str,
    rating: int | None,
    name_shown_to_company: bool,
    photo_names: Sequence[str],
) -> FeedbackEntry:
    if not user_access(by).is_owner(compound.pk):
        raise ServiceError(_("Only a verified owner of the compound can leave feedback here."))
    if kind not in Kind.values:
        raise ServiceError(_("Choose what kind of feedback this is."))
    if not service_area.active:
        raise ServiceError(_("This service area is no longer in use; choose another."))
    if kind == Kind.RATING:
        if rating not in Satisfaction.values:
            raise ServiceError(_("A rating needs a satisfaction level."))
    elif rating is not None:
        raise ServiceError(_("Only a rating carries a satisfaction level."))
    title = _required(title, _("Give the feedback a title."))
    body = _required(body, _("Write your feedback."))
    now = clock.now()
    entry = FeedbackEntry.objects.create(
        compound=compound,
        author=by,
        unit=_owner_unit(by, compound, unit),
        kind=kind,
        service_area=service_area,
        title=title,
        body=body,
        rating=rating,
        name_shown_to_company=name_shown_to_company,
        created_at=now,
        search_tokens=search.index_text(title, body),
    )
    FeedbackEvent.objects.create(entry=entry, at=now, actor=by, action=Action.SUBMIT, to_status=Status.NEW)
    FeedbackPhoto.objects.bulk_create([FeedbackPhoto(entry=entry, file=name, uploaded_at=now) for name in photo_names])
    audit_record(
        actor=by,
        action=f"{FeedbackEntry.TRANSITIONS.name}.{Action.SUBMIT}",
        obj=entry,
        compound=compound,
        data={"kind": kind, "photos": len(photo_names)},
    )
    url = _detail_url(entry)
    for member in committee_members(compound):
        if member.pk != by.pk:
            notify(recipient=member, kind="feedback_submitted", context={"entry": entry}, url=url)
    return entry


# --- the committee's answer ---------------------------------------------------------


@transaction.atomic
def feedback_acknowledge(*, entry: FeedbackEntry, by: User, seen_version: int) -> FeedbackEntry:
    """The committee has read the entry and will answer it."""
    transition_apply(
        obj=entry,
        machine=FeedbackEntry.TRANSITIONS,
        action=Action.ACKNOWLEDGE,
        by=by,
        seen_version=seen_version,
        changes={"acknowledged_at": clock.now()},
        compound=entry.compound,
    )
    return entry


@transaction.atomic
def feedback_answer(*, entry: FeedbackEntry, by: User, seen_version: int, answer: str) -> FeedbackEntry:
    """The committee's answer, shown to the owner, who is told with a link."""
    text = _required(answer, _("Write the answer to the owner."))
    transition_apply(
        obj=entry,
        machine=FeedbackEntry.TRANSITIONS,
        action=Action.ANSWER,
        by=by,
        seen_version=seen_version,
        changes={"answer": text, "answered_by": by, "answered_at": clock.now()},
        note=text,
        compound=entry.compound,
    )
    _tell_owner(entry, kind="feedback_answered", by=by, url=_detail_url(entry))
    return entry


def _tell_owner(entry: FeedbackEntry, *, kind: str, by: User, url: str, **context: Any) -> None:
    if entry.author_id != by.pk:
        notify(recipient=entry.author, kind=kind, context={"entry": entry, **context}, url=url)


# --- an inquiry becomes a complaint ------------------------------------------------


def _photo_copies(entry: FeedbackEntry) -> list[ContentFile[bytes]]:
    """The entry's photos as new files for the complaint, read before any
    transaction opens. They were checked and re-encoded when the owner sent
    them; a file gone from the storage is left out."""
    copies = []
    for photo in entry.photos.all():
        if not default_storage.exists(photo.file):
            continue
        with default_storage.open(photo.file, "rb") as stored:
            copies.append(ContentFile(stored.read(), name=f"{uuid.uuid4().hex}.jpg"))
    return copies


def feedback_convert(
    *,
    entry: FeedbackEntry,
    by: User,
    seen_version: int,
    category: Category,
    location_text: str = "",
    note: str = "",
) -> Complaint:
    """Turn an inquiry into a complaint the committee records for the owner
    (complaints.services.complaint_submit), with the inquiry's text and
    photos. The entry is answered with the complaint's reference and keeps
    the link (FeedbackEntry.complaint); the complaint's timeline names the
    feedback. One transaction: if anything is refused, neither is written,
    and the photo copies are deleted again."""
    if entry.kind != Kind.INQUIRY:
        raise NotAllowed(_("Only an inquiry can be turned into a complaint."))
    if entry.complaint_id is not None:
        raise NotAllowed(_("This inquiry is already a complaint."))
    copies = _photo_copies(entry)
    stored: list[str] = []
    try:
        return _convert(
            entry=entry,
            by=by,
            seen_version=seen_version,
            category=category,
            location_text=location_text.strip(),
            note=note.strip(),
            photos=copies,
            stored=stored,
        )
    except BaseException:
        photos_discard(stored)
        raise


@transaction.atomic
def _convert(
    *,
    entry: FeedbackEntry,
    by: User,
    seen_version: int,
    category: Category,
    location_text: str,
    note: str,
    photos: Sequence[ContentFile[bytes]],
    stored: list[str],
) -> Complaint:
    if not category.active:
        raise ServiceError(_("This category is no longer in use; choose another."))
    now = clock.now()
    # The move first: a page that was out of date is refused before anything is written.
    moved = transition_apply(
        obj=entry,
        machine=FeedbackEntry.TRANSITIONS,
        action=Action.CONVERT,
        by=by,
        seen_version=seen_version,
        changes={"answered_by": by, "answered_at": now},
        compound=entry.compound,
    )
    complaint = complaint_services.complaint_submit(
        by=by,
        compound=entry.compound,
        category=category,
        title=entry.title,
        description=entry.body,
        # Where the inquiry names a place, that is the complaint's location;
        # otherwise the owner's unit, as the owner's own complaint form gives.
        unit=None if location_text else entry.unit,
        location_text=location_text,
        photos=photos,
        channel=CONVERTED_CHANNEL,
        complainant=entry.author,
    )
    # complaint_submit deletes its files when its own work fails; from here on
    # it is this transaction's to delete them if anything later fails.
    stored.extend(ComplaintPhoto.objects.filter(complaint=complaint).values_list("file", flat=True))
    with translation.override(entry.author.language):
        answer = _("The committee has turned your inquiry into complaint %(reference)s: follow it there.") % {
            "reference": complaint.reference
        }
    if note:
        answer = f"{answer}\n\n{note}"
    # The answer names the complaint's reference, which exists only now: it
    # joins the move's row and event in the same transaction.
    FeedbackEntry.objects.filter(pk=entry.pk).update(answer=answer, complaint=complaint)
    entry.answer, entry.complaint = answer, complaint
    if moved.event is not None:
        FeedbackEvent.objects.filter(pk=moved.event.pk).update(note=answer)
    complaint_services.complaint_note(
        complaint=complaint,
        by=by,
        note=_("Turned from the owner's inquiry “%(title)s” of %(date)s (self-service feedback).")
        % {"title": entry.title, "date": timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M")},
        visible_to_owner=True,
        data={"feedback": entry.pk},
    )
    _tell_owner(
        entry,
        kind="feedback_converted",
        by=by,
        url=reverse("complaints:detail", args=[complaint.pk]),
        complaint=complaint,
    )
    return complaint
