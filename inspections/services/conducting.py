"""Conducting an inspection: start, record, complete, attendance and signatures."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committee_site.access import committee_members
from committee_site.models import ServiceArea, User
from committee_site.notifications import notify
from committee_site.services import ChangedMeanwhile, ServiceError, audit_record
from committee_site.uploads import photos_discard, photos_store
from inspections.models import Inspection, InspectionItem, InspectionKind, Participant, Party, SigningParty
from inspections.services._common import MAX_PHOTOS_PER_ITEM, PHOTO_FOLDER


def _inspection_transition(*, inspection: Inspection, to: str, by: User | None, **changes: Any) -> Inspection:
    """Apply one move of Inspection.TRANSITIONS with a conditional update on
    the status and version the caller saw."""
    if to not in Inspection.TRANSITIONS[inspection.status]:
        raise ChangedMeanwhile(
            _("This inspection cannot go from “%(from)s” to “%(to)s”; it may have changed meanwhile.")
            % {"from": inspection.get_status_display(), "to": Inspection.Status(to).label}
        )
    updated = Inspection.objects.filter(pk=inspection.pk, status=inspection.status, version=inspection.version).update(
        status=to, version=F("version") + 1, **changes
    )
    if not updated:
        current = Inspection.objects.get(pk=inspection.pk)
        raise ChangedMeanwhile(
            _("Someone changed this inspection meanwhile: it is now “%(status)s”. Nothing was saved.")
            % {"status": current.get_status_display()}
        )
    seen = inspection.status
    inspection.refresh_from_db()
    audit_record(actor=by, action=f"inspection.{to}", obj=inspection, compound=inspection.compound, data={"from": seen})
    return inspection


@transaction.atomic
def inspection_start(*, inspection: Inspection, by: User) -> Inspection:
    """Start the inspection: the template's items as they are now become the sheet."""
    template = inspection.template
    if template is None:
        raise ServiceError(_("This inspection has no checklist template."))
    inspection = _inspection_transition(
        inspection=inspection,
        to=Inspection.Status.IN_PROGRESS,
        by=by,
        started_at=timezone.now(),
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
        item.updated_at = timezone.now()
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
            updated_at=timezone.now(),
            updated_by=by,
        )
        audit_record(actor=by, action="inspection_item.add_finding", obj=item, compound=inspection.compound)
    except Exception:
        photos_discard(stored)
        raise
    return item


def inspection_score(inspection: Inspection) -> int:
    deducted = inspection.items.filter(extra=False).aggregate(total=Sum("deduction"))["total"] or 0
    return max(0, (inspection.total_points or 100) - deducted)


@transaction.atomic
def inspection_complete(*, inspection: Inspection, by: User, summary: str = "") -> Inspection:
    """Finish the sheet. A joint inspection then waits for every party's
    signature; any other inspection is complete at once."""
    Inspection.objects.select_for_update().filter(pk=inspection.pk).exists()
    unanswered = inspection.items.filter(extra=False, answered=False).count()
    if unanswered:
        raise ServiceError(
            _("%(count)s items are not answered yet; answer every item before completing.") % {"count": unanswered}
        )
    score = inspection_score(inspection)
    now = timezone.now()
    if inspection.kind == InspectionKind.JOINT:
        inspection = _inspection_transition(
            inspection=inspection, to=Inspection.Status.SIGNING, by=by, score=score, summary=summary
        )
        url = reverse("inspections:inspection_detail", args=[inspection.pk])
        for participant in inspection.participants.select_related("user").exclude(user=by):
            notify(
                recipient=participant.user,
                kind="inspection_sign_request",
                context={"inspection": inspection, "compound": inspection.compound},
                url=url,
            )
        return inspection
    return _inspection_transition(
        inspection=inspection, to=Inspection.Status.COMPLETED, by=by, score=score, summary=summary, completed_at=now
    )


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


def _party_transition(*, party: SigningParty, to: str, by: User, **changes: Any) -> SigningParty:
    if to not in SigningParty.TRANSITIONS[party.status]:
        raise ChangedMeanwhile(
            _("%(party)s has already been recorded as “%(status)s”.")
            % {"party": party.get_party_display(), "status": party.get_status_display()}
        )
    updated = SigningParty.objects.filter(
        pk=party.pk, status=party.status, inspection__status=Inspection.Status.SIGNING
    ).update(status=to, signed_by=by, signed_at=timezone.now(), **changes)
    if not updated:
        current = SigningParty.objects.select_related("signed_by").get(pk=party.pk)
        raise ChangedMeanwhile(
            _("%(person)s recorded %(party)s as “%(status)s” meanwhile. Nothing was saved.")
            % {
                "person": current.signed_by or "—",
                "party": current.get_party_display(),
                "status": current.get_status_display(),
            }
        )
    party.refresh_from_db()
    inspection = party.inspection
    audit_record(
        actor=by,
        action=f"inspection.party_{to}",
        obj=inspection,
        compound=inspection.compound,
        data={"party": party.party, **{key: str(value) for key, value in changes.items()}},
    )
    # The last party to sign (or be marked absent) completes the record.
    if not inspection.parties.filter(status=SigningParty.Status.PENDING).exists():
        inspection.refresh_from_db()
        _inspection_transition(
            inspection=inspection, to=Inspection.Status.COMPLETED, by=by, completed_at=timezone.now()
        )
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
def signing_party_sign(*, party: SigningParty, by: User, dissent: str = "") -> SigningParty:
    return _party_transition(party=party, to=SigningParty.Status.SIGNED, by=by, dissent=dissent.strip())


@transaction.atomic
def signing_party_mark_absent(*, party: SigningParty, by: User, reason: str) -> SigningParty:
    if not reason.strip():
        raise ServiceError(_("Give the reason why this party was absent."))
    return _party_transition(party=party, to=SigningParty.Status.ABSENT, by=by, absent_reason=reason.strip())
