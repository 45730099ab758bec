"""Checklist templates: a compound's own copy and its items."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committee_site.models import Compound, ServiceArea, User
from committee_site.services import ServiceError, audit_record
from inspections.models import ChecklistItem, ChecklistSection, ChecklistTemplate


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
