"""Rectification notices (整改通知单): issue, and each move until verified."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committee_site.access import committee_members
from committee_site.models import Compound, Organisation, ServiceArea, TimeLimits, User
from committee_site.notifications import notify
from committee_site.services import ChangedMeanwhile, ServiceError, audit_record, reference_next
from committee_site.uploads import photos_discard, photos_store
from inspections.models import InspectionItem, RectificationEvent, RectificationNotice
from inspections.services._common import PHOTO_FOLDER, property_staff


def rectification_deadline(severity: str, *, start: datetime | None = None) -> datetime:
    limits = TimeLimits.load()
    start = start or timezone.now()
    if severity == RectificationNotice.Severity.CRITICAL:
        return start + timedelta(hours=limits.rectify_critical_hours)
    return start + timedelta(days=limits.rectify_general_days)


def _notice_event(
    *,
    notice: RectificationNotice,
    by: User | None,
    action: str,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    photos: list[str] | None = None,
    deadline: datetime | None = None,
) -> RectificationEvent:
    return RectificationEvent.objects.create(
        notice=notice,
        actor=by,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        photos=photos or [],
        deadline=deadline,
    )


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
    now = timezone.now()
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
    _notice_event(
        notice=notice, by=by, action=RectificationEvent.Action.ISSUE, to_status=notice.status, deadline=deadline
    )
    audit_record(actor=by, action="rectification.issue", obj=notice, compound=compound, data={"severity": severity})
    _tell(notice, property_staff(organisation.pk), "rectification_issued")
    return notice


def _notice_transition(
    *,
    notice: RectificationNotice,
    to: str,
    by: User,
    action: str,
    note: str = "",
    photos: list[str] | None = None,
    **changes: Any,
) -> RectificationNotice:
    """Apply one move of RectificationNotice.TRANSITIONS with a conditional
    update on the version the person acting saw."""
    if to not in RectificationNotice.TRANSITIONS[notice.status]:
        raise ChangedMeanwhile(
            _("This notice cannot go from “%(from)s” to “%(to)s”; it may have changed meanwhile.")
            % {"from": notice.get_status_display(), "to": RectificationNotice.Status(to).label}
        )
    updated = RectificationNotice.objects.filter(pk=notice.pk, status=notice.status, version=notice.version).update(
        status=to, version=F("version") + 1, **changes
    )
    if not updated:
        current = RectificationNotice.objects.get(pk=notice.pk)
        raise ChangedMeanwhile(
            _("Someone acted on this notice meanwhile: it is now “%(status)s”. Nothing was saved.")
            % {"status": current.get_status_display()}
        )
    seen = notice.status
    notice.refresh_from_db()
    _notice_event(
        notice=notice,
        by=by,
        action=action,
        from_status=seen,
        to_status=to,
        note=note,
        photos=photos,
        deadline=changes.get("deadline"),
    )
    audit_record(actor=by, action=f"rectification.{action}", obj=notice, compound=notice.compound, data={"from": seen})
    return notice


@transaction.atomic
def rectification_acknowledge(*, notice: RectificationNotice, by: User, note: str = "") -> RectificationNotice:
    notice = _notice_transition(
        notice=notice,
        to=RectificationNotice.Status.IN_PROGRESS,
        by=by,
        action=RectificationEvent.Action.ACKNOWLEDGE,
        note=note,
    )
    _tell(notice, committee_members(notice.compound), "rectification_acknowledged", note)
    return notice


@transaction.atomic
def rectification_progress(*, notice: RectificationNotice, by: User, note: str, version: int) -> RectificationEvent:
    """Record work done without changing the status."""
    if notice.status not in (RectificationNotice.Status.IN_PROGRESS, RectificationNotice.Status.FAILED):
        raise ChangedMeanwhile(
            _("Work can be recorded only while the notice is being rectified; it is “%(status)s”.")
            % {"status": notice.get_status_display()}
        )
    if not note.strip():
        raise ServiceError(_("Describe the work done."))
    updated = RectificationNotice.objects.filter(pk=notice.pk, version=version).update(version=F("version") + 1)
    if not updated:
        raise ChangedMeanwhile(_("Someone acted on this notice meanwhile; look at it again. Nothing was saved."))
    event = _notice_event(notice=notice, by=by, action=RectificationEvent.Action.PROGRESS, note=note.strip())
    audit_record(actor=by, action="rectification.progress", obj=notice, compound=notice.compound)
    _tell(notice, committee_members(notice.compound), "rectification_progress", note.strip())
    return event


@transaction.atomic
def rectification_submit(
    *, notice: RectificationNotice, by: User, note: str, photos: list[ContentFile[bytes]]
) -> RectificationNotice:
    """The property company says the work is done and shows it."""
    if not note.strip():
        raise ServiceError(_("Describe what was done."))
    stored = photos_store(photos, folder=PHOTO_FOLDER)
    try:
        notice = _notice_transition(
            notice=notice,
            to=RectificationNotice.Status.AWAITING_REVIEW,
            by=by,
            action=RectificationEvent.Action.SUBMIT,
            note=note.strip(),
            photos=stored,
        )
    except Exception:
        photos_discard(stored)
        raise
    _tell(notice, committee_members(notice.compound), "rectification_submitted", note)
    return notice


@transaction.atomic
def rectification_verify(*, notice: RectificationNotice, by: User, note: str = "") -> RectificationNotice:
    notice = _notice_transition(
        notice=notice,
        to=RectificationNotice.Status.VERIFIED,
        by=by,
        action=RectificationEvent.Action.VERIFY,
        note=note.strip(),
        verified_at=timezone.now(),
    )
    _tell(notice, property_staff(notice.organisation_id), "rectification_verified", note)
    return notice


@transaction.atomic
def rectification_fail(
    *, notice: RectificationNotice, by: User, note: str, deadline: datetime | None = None
) -> RectificationNotice:
    """The re-inspection found the work not done: back to the company with a new deadline."""
    if not note.strip():
        raise ServiceError(_("Say what is still wrong."))
    deadline = deadline or rectification_deadline(notice.severity)
    if deadline <= timezone.now():
        raise ServiceError(_("The deadline must be in the future."))
    notice = _notice_transition(
        notice=notice,
        to=RectificationNotice.Status.FAILED,
        by=by,
        action=RectificationEvent.Action.FAIL,
        note=note.strip(),
        deadline=deadline,
    )
    _tell(notice, property_staff(notice.organisation_id), "rectification_failed", note)
    return notice
