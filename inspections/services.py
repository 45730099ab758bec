"""Every write of inspections: typed, keyword-only, atomic, each with its
audit row. Status moves go through one conditional UPDATE per machine, so of
two people acting at once one wins and the other gets ChangedMeanwhile."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committee_site.access import PROPERTY_ROLES, committee_members, organisation_members
from committee_site.models import Compound, Membership, Organisation, Role, ServiceArea, TimeLimits, User
from committee_site.notifications import notify
from committee_site.services import ChangedMeanwhile, ServiceError, audit_record
from committee_site.uploads import photos_discard, photos_store
from inspections.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionPlan,
    Participant,
    Party,
    RectificationEvent,
    RectificationNotice,
    ReminderClaim,
    SigningParty,
    quarter_bounds,
)

PHOTO_FOLDER = "inspections"
MAX_PHOTOS_PER_ITEM = 6
# How far ahead plans create their inspections.
MATERIALISE_AHEAD = timedelta(days=45)
# Participants are reminded this many days before the planned day.
REMIND_DAYS_BEFORE = 3

ROLE_PARTY: dict[str, str] = {
    Role.COMMITTEE_CHAIR: Party.COMMITTEE,
    Role.COMMITTEE_MEMBER: Party.COMMITTEE,
    Role.PROPERTY_MANAGER: Party.PROPERTY_COMPANY,
    Role.PROPERTY_STAFF: Party.PROPERTY_COMPANY,
    Role.COMMUNITY_OFFICER: Party.COMMUNITY_OFFICE,
}


def property_staff(organisation_id: int | None) -> list[User]:
    return organisation_members(organisation_id, PROPERTY_ROLES)


def officers(compound: Compound) -> list[User]:
    return organisation_members(compound.community_office_id, [Role.COMMUNITY_OFFICER])


# --- templates ------------------------------------------------------------------


def _touch_template(template: ChecklistTemplate) -> None:
    ChecklistTemplate.objects.filter(pk=template.pk).update(version=F("version") + 1, updated_at=timezone.now())


@transaction.atomic
def checklist_template_copy(*, template: ChecklistTemplate, compound: Compound, by: User) -> ChecklistTemplate:
    """The compound's own editable copy of a template, sections and items included."""
    copy = ChecklistTemplate.objects.create(
        compound=compound,
        name=f"{template.name}（{compound.name}）",
        name_en=f"{template.name_en or template.name} ({compound.name_en or compound.name})",
        copied_from=template,
    )
    for section in template.sections.prefetch_related("items"):
        new_section = ChecklistSection.objects.create(
            template=copy, name=section.name, name_en=section.name_en, points=section.points, order=section.order
        )
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                section=new_section,
                text=item.text,
                text_en=item.text_en,
                service_area_id=item.service_area_id,
                points=item.points,
                critical=item.critical,
                guidance=item.guidance,
                clause=item.clause,
                order=item.order,
            )
            for item in section.items.all()
        )
    audit_record(actor=by, action="checklist_template.copy", obj=copy, compound=compound, data={"from": template.pk})
    return copy


def _check_points(section: ChecklistSection, points: int, *, excluding: int | None = None) -> None:
    items = section.items.exclude(pk=excluding) if excluding is not None else section.items.all()
    others = items.aggregate(total=Sum("points"))["total"] or 0
    if others + points > section.points:
        raise ServiceError(
            _("The items of “%(section)s” would be worth %(total)s points, more than the section's %(points)s.")
            % {"section": section.display_name, "total": others + points, "points": section.points}
        )


@transaction.atomic
def checklist_item_save(
    *,
    section: ChecklistSection,
    by: User,
    text: str,
    text_en: str,
    points: int,
    critical: bool,
    service_area: ServiceArea | None,
    guidance: str,
    clause: str,
    item: ChecklistItem | None = None,
) -> ChecklistItem:
    """Add an item to a section or change one; the template's version moves on,
    while inspections already started keep their snapshot."""
    if section.template.compound_id is None:
        raise ServiceError(_("The site-wide template cannot be edited here; copy it for your compound first."))
    _check_points(section, points, excluding=item.pk if item else None)
    values: dict[str, Any] = {
        "text": text,
        "text_en": text_en,
        "points": points,
        "critical": critical,
        "service_area": service_area,
        "guidance": guidance,
        "clause": clause,
    }
    if item is None:
        order = (section.items.aggregate(last=Max("order"))["last"] or 0) + 10
        item = ChecklistItem.objects.create(section=section, order=order, **values)
        action = "checklist_item.add"
    else:
        for name, value in values.items():
            setattr(item, name, value)
        item.save()
        action = "checklist_item.change"
    _touch_template(section.template)
    audit_record(actor=by, action=action, obj=item, compound=section.template.compound, data={"points": points})
    return item


# --- plans ----------------------------------------------------------------------


@transaction.atomic
def inspection_plan_create(
    *,
    compound: Compound,
    template: ChecklistTemplate,
    kind: str,
    recurrence: str,
    day_of_period: int,
    lead: User | None,
    by: User,
) -> InspectionPlan:
    if template.compound_id not in (None, compound.pk):
        raise ServiceError(_("This template belongs to another compound."))
    plan = InspectionPlan.objects.create(
        compound=compound, template=template, kind=kind, recurrence=recurrence, day_of_period=day_of_period, lead=lead
    )
    audit_record(actor=by, action="inspection_plan.create", obj=plan, compound=compound)
    return plan


@transaction.atomic
def inspection_plan_deactivate(*, plan: InspectionPlan, by: User) -> None:
    InspectionPlan.objects.filter(pk=plan.pk).update(active=False)
    audit_record(actor=by, action="inspection_plan.deactivate", obj=plan, compound=plan.compound)


def _create_inspection(
    *,
    compound: Compound,
    kind: str,
    template: ChecklistTemplate | None,
    planned_on: date,
    lead: User | None,
    by: User | None,
    title: str = "",
    emergency: bool = False,
    plan: InspectionPlan | None = None,
    period_start: date | None = None,
) -> Inspection:
    inspection = Inspection.objects.create(
        compound=compound,
        kind=kind,
        template=template,
        planned_on=planned_on,
        lead=lead,
        created_by=by,
        title=title,
        emergency=emergency,
        plan=plan,
        period_start=period_start,
    )
    if lead is not None:
        Participant.objects.create(inspection=inspection, user=lead, party=Party.COMMITTEE)
    if kind == InspectionKind.JOINT:
        parties = [
            (Party.COMMITTEE, compound.committee_id),
            (Party.PROPERTY_COMPANY, compound.property_company_id),
            (Party.COMMUNITY_OFFICE, compound.community_office_id),
        ]
        SigningParty.objects.bulk_create(
            SigningParty(inspection=inspection, party=party, organisation_id=organisation_id)
            for party, organisation_id in parties
        )
        invited = [(user, Party.PROPERTY_COMPANY) for user in property_staff(compound.property_company_id)]
        invited += [(user, Party.COMMUNITY_OFFICE) for user in officers(compound)]
        Participant.objects.bulk_create(
            [
                Participant(inspection=inspection, user=user, party=party)
                for user, party in invited
                if lead is None or user.pk != lead.pk
            ],
            ignore_conflicts=True,
        )
    return inspection


def _invite(inspection: Inspection) -> None:
    url = reverse("inspections:inspection_detail", args=[inspection.pk])
    for participant in inspection.participants.select_related("user"):
        if participant.user_id == inspection.lead_id:
            continue
        notify(
            recipient=participant.user,
            kind="inspection_invitation",
            context={"inspection": inspection, "compound": inspection.compound},
            url=url,
        )


@transaction.atomic
def inspection_create(
    *,
    compound: Compound,
    kind: str,
    template: ChecklistTemplate,
    planned_on: date,
    by: User,
    title: str = "",
    emergency: bool = False,
) -> Inspection:
    """An ad-hoc inspection: a random check, or an emergency joint inspection."""
    if kind not in (InspectionKind.AD_HOC, InspectionKind.JOINT, InspectionKind.SCHEDULED):
        raise ServiceError(_("Unknown kind of inspection."))
    if template.compound_id not in (None, compound.pk):
        raise ServiceError(_("This template belongs to another compound."))
    inspection = _create_inspection(
        compound=compound,
        kind=kind,
        template=template,
        planned_on=planned_on,
        lead=by,
        by=by,
        title=title,
        emergency=emergency,
    )
    audit_record(actor=by, action="inspection.create", obj=inspection, compound=compound, data={"kind": kind})
    _invite(inspection)
    return inspection


def inspection_plan_materialise(*, plan_id: int, today: date | None = None) -> list[int]:
    """Create the plan's inspections whose planned day falls within
    MATERIALISE_AHEAD. The unique (plan, period) row is the claim: running
    this twice, or in two workers at once, creates each inspection once."""
    today = today or timezone.localdate()
    plan = InspectionPlan.objects.select_related("compound", "template", "lead").filter(pk=plan_id, active=True).first()
    if plan is None:
        return []
    created: list[int] = []
    start = plan.period_start(today)
    while plan.planned_day(start) <= today + MATERIALISE_AHEAD:
        planned_on = plan.planned_day(start)
        if planned_on >= today and not Inspection.objects.filter(plan=plan, period_start=start).exists():
            try:
                with transaction.atomic():
                    inspection = _create_inspection(
                        compound=plan.compound,
                        kind=plan.kind,
                        template=plan.template,
                        planned_on=planned_on,
                        lead=plan.lead,
                        by=None,
                        plan=plan,
                        period_start=start,
                    )
                    audit_record(actor=None, action="inspection.plan", obj=inspection, compound=plan.compound)
                    _invite(inspection)
            except IntegrityError:
                pass  # another worker claimed this period first
            else:
                created.append(inspection.pk)
        start = plan.next_period_start(start)
    return created


def inspection_reminders_send(*, today: date | None = None) -> int:
    """Remind the participants of inspections planned in the next few days,
    once per inspection (the ReminderClaim row is the claim)."""
    today = today or timezone.localdate()
    sent = 0
    upcoming = Inspection.objects.filter(
        status=Inspection.Status.PLANNED,
        planned_on__gte=today,
        planned_on__lte=today + timedelta(days=REMIND_DAYS_BEFORE),
    ).select_related("compound")
    for inspection in upcoming:
        try:
            with transaction.atomic():
                ReminderClaim.objects.create(key=f"inspection-reminder:{inspection.pk}")
                url = reverse("inspections:inspection_detail", args=[inspection.pk])
                for participant in inspection.participants.select_related("user"):
                    notify(
                        recipient=participant.user,
                        kind="inspection_reminder",
                        context={"inspection": inspection, "compound": inspection.compound},
                        url=url,
                    )
                    sent += 1
        except IntegrityError:
            continue
    return sent


def joint_coverage_warn(*, today: date | None = None) -> list[int]:
    """Warn each compound's committee, once a quarter, when the quarter has no
    joint inspection planned. Returns the compounds warned."""
    today = today or timezone.localdate()
    start, end = quarter_bounds(today)
    covered = set(
        Inspection.objects.filter(kind=InspectionKind.JOINT, planned_on__gte=start, planned_on__lt=end).values_list(
            "compound_id", flat=True
        )
    )
    warned = []
    for compound in Compound.objects.exclude(pk__in=covered).filter(committee__isnull=False):
        try:
            with transaction.atomic():
                ReminderClaim.objects.create(key=f"joint-warning:{compound.pk}:{start:%Y-%m}")
                for member in committee_members(compound):
                    notify(
                        recipient=member,
                        kind="joint_inspection_missing",
                        context={"compound": compound, "quarter_start": start, "quarter_end": end - timedelta(days=1)},
                        url=reverse("inspections:quarter"),
                    )
        except IntegrityError:
            continue
        warned.append(compound.pk)
    return warned


# --- conducting -----------------------------------------------------------------


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


# --- rectification --------------------------------------------------------------


def rectification_deadline(severity: str, *, start: datetime | None = None) -> datetime:
    limits = TimeLimits.load()
    start = start or timezone.now()
    if severity == RectificationNotice.Severity.CRITICAL:
        return start + timedelta(hours=limits.rectify_critical_hours)
    return start + timedelta(days=limits.rectify_general_days)


def _next_reference(now: datetime) -> str:
    prefix = f"ZG-{timezone.localtime(now):%Y}-"
    last = (
        RectificationNotice.objects.select_for_update()
        .filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:06d}"


def _create_with_reference(now: datetime, **fields: Any) -> RectificationNotice:
    """Two notices issued at once may pick the same next number; the unique
    reference refuses the second, which takes the number after."""
    for _attempt in range(4):
        try:
            with transaction.atomic():
                return RectificationNotice.objects.create(reference=_next_reference(now), **fields)
        except IntegrityError:
            continue
    raise ChangedMeanwhile(_("Several notices were issued at the same moment; please send this one again."))


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
    notice = _create_with_reference(
        now,
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


def membership_party(user: User, compound: Compound) -> list[str]:
    """The parties the user may sign for in this compound."""
    roles = Membership.objects.filter(
        user=user,
        active=True,
        organisation_id__in=[compound.committee_id, compound.property_company_id, compound.community_office_id],
    ).values_list("role", flat=True)
    return sorted({ROLE_PARTY[role] for role in roles if role in ROLE_PARTY})
