"""Conducting an inspection: start, record, complete, attendance and signatures."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from committee_site import clock
from committee_site.access import committee_members
from committee_site.models import ServiceArea, User
from committee_site.notifications import notify
from committee_site.services import ChangedMeanwhile, NotAllowed, ServiceError, audit_record, transition_apply
from committee_site.uploads import photos_discard, photos_store
from inspections.archive import inspection_archive_record
from inspections.models import Inspection, InspectionItem, InspectionKind, Participant, Party, SigningParty
from inspections.queries import sheet_totals
from inspections.services._common import MAX_PHOTOS_PER_ITEM, PHOTO_FOLDER


def _move(inspection: Inspection, action: str, *, by: User | None, seen_version: int, **changes: Any) -> Inspection:
    transition_apply(
        obj=inspection,
        machine=Inspection.TRANSITIONS,
        action=action,
        by=by,
        seen_version=seen_version,
        changes=changes,
        compound=inspection.compound,
    )
    return inspection


@transaction.atomic
def inspection_start(*, inspection: Inspection, by: User, seen_version: int) -> Inspection:
    """Start the inspection: the template's items as they are now become the sheet."""
    template = inspection.template
    if template is None:
        raise ServiceError(_("This inspection has no checklist template."))
    _move(
        inspection,
        "start",
        by=by,
        seen_version=seen_version,
        started_at=clock.now(),
        template_version=template.version,
        lead=inspection.lead or by,
    )
    rows = []
    total = 0
    for section in template.sections.prefetch_related("items"):
        total += section.points
        for item in section.items.all():
            rows.append(
                InspectionItem(
                    inspection=inspection,
                    source_item=item,
                    section_name=section.name,
                    section_name_en=section.name_en,
                    section_points=section.points,
                    section_order=section.order,
                    order=item.order,
                    text=item.text,
                    text_en=item.text_en,
                    service_area_id=item.service_area_id,
                    points=item.points,
                    critical=item.critical,
                    guidance=item.guidance,
                    clause=item.clause,
                )
            )
    InspectionItem.objects.bulk_create(rows)
    Inspection.objects.filter(pk=inspection.pk).update(total_points=total)
    inspection.total_points = total
    Participant.objects.get_or_create(inspection=inspection, user=by, defaults={"party": Party.COMMITTEE})
    return inspection


def _require_editable(inspection: Inspection) -> None:
    # The row lock makes a save and a completion of the same inspection take turns,
    # so the score is never computed while an item is being changed.
    current = Inspection.objects.select_for_update().filter(pk=inspection.pk).values_list("status", flat=True).first()
    if current != Inspection.Status.IN_PROGRESS:
        raise ChangedMeanwhile(
            _("This inspection is no longer in progress (it is “%(status)s”); nothing was saved.")
            % {"status": Inspection.Status(current).label if current else "—"}
        )


@transaction.atomic
def inspection_item_record(
    *,
    item: InspectionItem,
    by: User,
    deduction: int,
    note: str,
    photos: list[ContentFile[bytes]] | None = None,
) -> InspectionItem:
    """Save one line of the sheet as it is typed; the photos are added to those already there."""
    _require_editable(item.inspection)
    if deduction > item.points:
        raise ServiceError(_("At most %(points)s points can be deducted for this item.") % {"points": item.points})
    photos = photos or []
    if len(item.photos) + len(photos) > MAX_PHOTOS_PER_ITEM:
        raise ServiceError(_("At most %(count)s photos per item.") % {"count": MAX_PHOTOS_PER_ITEM})
    stored = photos_store(photos, folder=PHOTO_FOLDER)
    try:
        item.photos = [*item.photos, *stored]
        item.deduction = deduction
        item.note = note
        item.answered = True
        item.updated_at = clock.now()
        item.updated_by = by
        item.save(update_fields=["photos", "deduction", "note", "answered", "updated_at", "updated_by"])
        audit_record(
            actor=by,
            action="inspection_item.record",
            obj=item,
            compound=item.inspection.compound,
            data={"deduction": deduction, "photos": len(stored)},
        )
    except Exception:
        photos_discard(stored)
        raise
    return item


@transaction.atomic
def inspection_finding_add(
    *,
    inspection: Inspection,
    by: User,
    text: str,
    service_area: ServiceArea | None,
    note: str,
    critical: bool,
    photos: list[ContentFile[bytes]] | None = None,
) -> InspectionItem:
    """A finding that is not on the sheet: recorded, no points deducted."""
    _require_editable(inspection)
    stored = photos_store(photos or [], folder=PHOTO_FOLDER)
    try:
        item = InspectionItem.objects.create(
            inspection=inspection,
            extra=True,
            section_name="其他发现",
            section_name_en="Other findings",
            section_order=10_000,
            text=text,
            service_area=service_area,
            note=note,
            critical=critical,
            answered=True,
            photos=stored,
            updated_at=clock.now(),
            updated_by=by,
        )
        audit_record(actor=by, action="inspection_item.add_finding", obj=item, compound=inspection.compound)
    except Exception:
        photos_discard(stored)
        raise
    return item


@transaction.atomic
def inspection_complete(*, inspection: Inspection, by: User, seen_version: int, summary: str = "") -> Inspection:
    """Finish the sheet. A joint inspection then waits for every party's
    signature; any other inspection is complete at once, and archived."""
    # The row lock makes item saves wait, so the score is of the final sheet.
    Inspection.objects.select_for_update().filter(pk=inspection.pk).exists()
    totals = sheet_totals(inspection)
    if totals.unanswered:
        raise ServiceError(
            _("%(count)s items are not answered yet; answer every item before completing.")
            % {"count": totals.unanswered}
        )
    score = totals.score
    if inspection.kind == InspectionKind.JOINT:
        _move(inspection, "finish_sheet", by=by, seen_version=seen_version, score=score, summary=summary)
        url = reverse("inspections:inspection_detail", args=[inspection.pk])
        for participant in inspection.participants.select_related("user").exclude(user=by):
            notify(
                recipient=participant.user,
                kind="inspection_sign_request",
                context={"inspection": inspection, "compound": inspection.compound},
                url=url,
            )
        return inspection
    _move(
        inspection, "complete", by=by, seen_version=seen_version, score=score, summary=summary, completed_at=clock.now()
    )
    inspection_archive_record(inspection=inspection, by=by)
    return inspection


@transaction.atomic
def inspection_archive(*, inspection: Inspection, by: User | None, seen_version: int) -> Inspection:
    return _move(inspection, "archive", by=by, seen_version=seen_version)


@transaction.atomic
def participant_attendance_set(*, participant: Participant, attended: bool, by: User) -> Participant:
    Participant.objects.filter(pk=participant.pk).update(attended=attended)
    participant.attended = attended
    audit_record(
        actor=by,
        action="inspection.attendance",
        obj=participant.inspection,
        compound=participant.inspection.compound,
        data={"user": participant.user_id, "attended": attended},
    )
    return participant


def _party_move(*, party: SigningParty, action: str, by: User, seen_version: int, **changes: Any) -> SigningParty:
    """Record one party's signature or absence. The inspection's row is locked
    first, so that of two parties signing at once the second sees the first
    and exactly one of them completes the record."""
    inspection = Inspection.objects.select_for_update().select_related("compound").get(pk=party.inspection_id)
    if inspection.status != Inspection.Status.SIGNING:
        raise NotAllowed(
            _("The record is signed once its sheet is finished; this inspection is “%(status)s”.")
            % {"status": inspection.get_status_display()}
        )
    transition_apply(
        obj=party,
        machine=SigningParty.TRANSITIONS,
        action=action,
        by=by,
        seen_version=seen_version,
        changes={"signed_by": by, "signed_at": clock.now(), **changes},
        compound=inspection.compound,
        audit_data={"party": party.party},
    )
    # The last party to sign (or be marked absent) completes the record and archives it.
    if not inspection.parties.filter(status=SigningParty.Status.PENDING).exists():
        _move(inspection, "seal", by=by, seen_version=inspection.version, completed_at=clock.now())
        inspection_archive_record(inspection=inspection, by=by)
        url = reverse("inspections:inspection_detail", args=[inspection.pk])
        for member in committee_members(inspection.compound):
            notify(
                recipient=member,
                kind="inspection_signed",
                context={"inspection": inspection, "compound": inspection.compound},
                url=url,
            )
    return party


@transaction.atomic
def signing_party_sign(*, party: SigningParty, by: User, seen_version: int, dissent: str = "") -> SigningParty:
    return _party_move(party=party, action="sign", by=by, seen_version=seen_version, dissent=dissent.strip())


@transaction.atomic
def signing_party_mark_absent(*, party: SigningParty, by: User, seen_version: int, reason: str) -> SigningParty:
    if not reason.strip():
        raise ServiceError(_("Give the reason why this party was absent."))
    return _party_move(party=party, action="absent", by=by, seen_version=seen_version, absent_reason=reason.strip())
