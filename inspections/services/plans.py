"""Plans and the inspections they create. Reminders of inspections coming up
and the quarter's joint-inspection warnings are reminder sources (inspections/reminders.py)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committee_site.models import Compound, TimeLimits, User
from committee_site.notifications import notify
from committee_site.services import ServiceError, audit_record
from inspections.models import (
    ChecklistTemplate,
    Inspection,
    InspectionKind,
    InspectionPlan,
    Participant,
    Party,
    SigningParty,
)
from inspections.services._common import officers, property_staff


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
    """Create the plan's inspections whose planned day falls within the
    site's plan_ahead_days. The unique (plan, period) row is the claim: running
    this twice, or in two workers at once, creates each inspection once."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=TimeLimits.current().plan_ahead_days)
    plan = InspectionPlan.objects.select_related("compound", "template", "lead").filter(pk=plan_id, active=True).first()
    if plan is None:
        return []
    created: list[int] = []
    start = plan.period_start(today)
    while plan.planned_day(start) <= horizon:
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
