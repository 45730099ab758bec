"""Rectification notices (整改通知单): issue, and each move until verified."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from committee_site import clock
from committee_site.access import committee_members
from committee_site.models import Compound, Organisation, ServiceArea, TimeLimits, User
from committee_site.notifications import notify
from committee_site.services import ServiceError, audit_record, reference_next, transition_apply
from committee_site.uploads import photos_discard, photos_store
from inspections.archive import rectification_archive_record
from inspections.models import InspectionItem, RectificationEvent, RectificationNotice
from inspections.services._common import PHOTO_FOLDER, property_staff


def rectification_deadline(severity: str, *, start: datetime | None = None) -> datetime:
    limits = TimeLimits.load()
    start = start or clock.now()
    if severity == RectificationNotice.Severity.CRITICAL:
        return start + timedelta(hours=limits.rectify_critical_hours)
    return start + timedelta(days=limits.rectify_general_days)


def _tell(notice: RectificationNotice, recipients: Iterable[User], kind: str, note: str = "") -> None:
    url = reverse("inspections:notice_detail", args=[notice.pk])
    for user in recipients:
        notify(
            recipient=user, kind=kind, context={"notice": notice, "compound": notice.compound, "note": note}, url=url
        )


@transaction.atomic
def rectification_issue(
    *,
    compound: Compound,
    by: User,
    title: str,
    description: str,
    severity: str,
    organisation: Organisation | None = None,
    service_area: ServiceArea | None = None,
    item: InspectionItem | None = None,
    source: Any = None,
    source_reference: str = "",
    deadline: datetime | None = None,
) -> RectificationNotice:
    """Issue a rectification notice (整改通知单) to the compound's property
    company (or another organisation). `item` is an inspection finding;
    `source` is any other model instance (a complaint) it comes from."""
    organisation = organisation or compound.property_company
    if organisation is None:
        raise ServiceError(_("This compound has no property company to send the notice to."))
    if severity not in RectificationNotice.Severity.values:
        raise ServiceError(_("Choose the severity."))
    if item is not None and item.inspection.compound_id != compound.pk:
        raise ServiceError(_("This finding belongs to another compound."))
    now = clock.now()
    deadline = deadline or rectification_deadline(severity, start=now)
    if deadline <= now:
        raise ServiceError(_("The deadline must be in the future."))
    notice = RectificationNotice.objects.create(
        reference=reference_next(prefix="ZG", at=now),
        compound=compound,
        organisation=organisation,
        inspection=item.inspection if item else None,
        item=item,
        source_type=source._meta.label_lower if source is not None else "",
        source_id=str(source.pk) if source is not None else "",
        source_reference=source_reference,
        title=title,
        description=description,
        service_area=service_area or (item.service_area if item else None),
        severity=severity,
        deadline=deadline,
        created_by=by,
        created_at=now,
    )
    RectificationEvent.objects.create(
        notice=notice,
        at=now,
        actor=by,
        action=RectificationEvent.Action.ISSUE,
        to_status=notice.status,
        deadline=deadline,
    )
    audit_record(actor=by, action="rectification.issue", obj=notice, compound=compound, data={"severity": severity})
    _tell(notice, property_staff(organisation.pk), "rectification_issued")
    return notice


def _move(
    notice: RectificationNotice,
    action: str,
    *,
    by: User,
    seen_version: int,
    note: str = "",
    photos: list[str] | None = None,
    **changes: Any,
) -> RectificationNotice:
    transition_apply(
        obj=notice,
        machine=RectificationNotice.TRANSITIONS,
        action=action,
        by=by,
        seen_version=seen_version,
        changes=changes,
        note=note,
        event_fields={"photos": photos or [], "deadline": changes.get("deadline")},
        compound=notice.compound,
    )
    return notice


@transaction.atomic
def rectification_acknowledge(
    *, notice: RectificationNotice, by: User, seen_version: int, note: str = ""
) -> RectificationNotice:
    _move(notice, RectificationEvent.Action.ACKNOWLEDGE, by=by, seen_version=seen_version, note=note.strip())
    _tell(notice, committee_members(notice.compound), "rectification_acknowledged", note)
    return notice


@transaction.atomic
def rectification_progress(
    *, notice: RectificationNotice, by: User, seen_version: int, note: str
) -> RectificationNotice:
    """Record work done without changing the status."""
    if not note.strip():
        raise ServiceError(_("Describe the work done."))
    _move(notice, RectificationEvent.Action.PROGRESS, by=by, seen_version=seen_version, note=note.strip())
    _tell(notice, committee_members(notice.compound), "rectification_progress", note.strip())
    return notice


def rectification_submit(
    *, notice: RectificationNotice, by: User, seen_version: int, note: str, photos: list[ContentFile[bytes]]
) -> RectificationNotice:
    """The property company says the work is done and shows it. The photos are
    decoded and stored before the transaction opens, and removed again if the
    move is refused."""
    if not note.strip():
        raise ServiceError(_("Describe what was done."))
    stored = photos_store(photos, folder=PHOTO_FOLDER)
    try:
        with transaction.atomic():
            _move(
                notice,
                RectificationEvent.Action.SUBMIT,
                by=by,
                seen_version=seen_version,
                note=note.strip(),
                photos=stored,
                submitted_at=clock.now(),
            )
            _tell(notice, committee_members(notice.compound), "rectification_submitted", note)
    except BaseException:
        photos_discard(stored)
        raise
    return notice


@transaction.atomic
def rectification_verify(
    *, notice: RectificationNotice, by: User, seen_version: int, note: str = ""
) -> RectificationNotice:
    _move(
        notice,
        RectificationEvent.Action.VERIFY,
        by=by,
        seen_version=seen_version,
        note=note.strip(),
        verified_at=clock.now(),
    )
    rectification_archive_record(notice=notice, by=by)
    _tell(notice, property_staff(notice.organisation_id), "rectification_verified", note)
    return notice


@transaction.atomic
def rectification_fail(
    *, notice: RectificationNotice, by: User, seen_version: int, note: str, deadline: datetime | None = None
) -> RectificationNotice:
    """The re-inspection found the work not done: back to the company with a new deadline."""
    if not note.strip():
        raise ServiceError(_("Say what is still wrong."))
    deadline = deadline or rectification_deadline(notice.severity)
    if deadline <= clock.now():
        raise ServiceError(_("The deadline must be in the future."))
    _move(
        notice,
        RectificationEvent.Action.FAIL,
        by=by,
        seen_version=seen_version,
        note=note.strip(),
        deadline=deadline,
    )
    _tell(notice, property_staff(notice.organisation_id), "rectification_failed", note)
    return notice
