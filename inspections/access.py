"""Access to inspections, templates, plans and notices: 404 for what lies in
another compound (or is not shown to this role), 403 for a role that may read
but not do what was asked."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from committee_site.access import user_access
from committee_site.models import User
from inspections.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionPlan,
    Participant,
    RectificationEvent,
    RectificationNotice,
    SigningParty,
)


def require_inspections_reader(user: User) -> None:
    """Committee, property staff and community officers see inspections; owners do not (yet)."""
    access = user_access(user)
    if not (access.committee_compound_ids or access.property_compound_ids or access.officer_compound_ids):
        raise PermissionDenied


def get_inspection_for(user: User, pk: int, *, write: bool = False) -> Inspection:
    inspection = (
        Inspection.objects.filter(pk=pk)
        .select_related(
            "compound__committee", "compound__property_company", "compound__community_office", "lead", "template"
        )
        .first()
    )
    if inspection is None:
        raise Http404
    access = user_access(user)
    compound_id = inspection.compound_id
    if compound_id not in access.compound_ids:
        raise Http404
    if access.is_committee(compound_id):
        return inspection
    reader = inspection.kind == InspectionKind.JOINT and (
        access.is_property_staff(compound_id) or access.is_officer(compound_id)
    )
    if write or not reader:
        raise PermissionDenied
    return inspection


def get_item_for(user: User, pk: int) -> InspectionItem:
    """A sheet line, to record on: only the committee conducts an inspection."""
    item = InspectionItem.objects.filter(pk=pk).select_related("inspection__compound").first()
    if item is None:
        raise Http404
    get_inspection_for(user, item.inspection_id, write=True)
    return item


def get_item_for_reading(user: User, pk: int) -> InspectionItem:
    item = InspectionItem.objects.filter(pk=pk).select_related("inspection__compound").first()
    if item is None:
        raise Http404
    get_inspection_for(user, item.inspection_id)
    return item


def get_participant_for(user: User, pk: int) -> Participant:
    """A participant line, changed only by the committee leading the inspection."""
    participant = Participant.objects.filter(pk=pk).select_related("inspection__compound", "user").first()
    if participant is None:
        raise Http404
    get_inspection_for(user, participant.inspection_id, write=True)
    return participant


def get_party_for(user: User, pk: int, *, signing: bool) -> SigningParty:
    """A party's signature line. signing=True: to sign it, which only a member
    of that party may; signing=False: to mark the party absent, which the
    committee leading the inspection does."""
    party = SigningParty.objects.filter(pk=pk).select_related("inspection__compound").first()
    if party is None:
        raise Http404
    get_inspection_for(user, party.inspection_id, write=not signing)
    if not signing:
        return party
    access = user_access(user)
    compound_id = party.inspection.compound_id
    allowed = {
        "committee": access.is_committee(compound_id),
        "property_company": access.is_property_staff(compound_id),
        "community_office": access.is_officer(compound_id),
    }
    if not allowed.get(party.party):
        raise PermissionDenied
    return party


def get_template_for(user: User, pk: int, *, write: bool = False) -> ChecklistTemplate:
    template = ChecklistTemplate.objects.filter(pk=pk).select_related("compound").first()
    access = user_access(user)
    if template is None:
        raise Http404
    if not access.committee_compound_ids:
        raise PermissionDenied
    if template.compound_id is not None and not access.is_committee(template.compound_id):
        raise Http404
    if write and template.compound_id is None:
        # The site-wide template is the administrator's; committees edit copies.
        raise PermissionDenied
    return template


def get_section_for(user: User, pk: int) -> ChecklistSection:
    """A section of a checklist template, to add items to: the template's editors only."""
    section = ChecklistSection.objects.filter(pk=pk).select_related("template").first()
    if section is None:
        raise Http404
    section.template = get_template_for(user, section.template_id, write=True)
    return section


def get_template_item_for(user: User, section_pk: int, pk: int) -> ChecklistItem:
    """An item of a template's section, to edit: the template's editors only."""
    section = get_section_for(user, section_pk)
    item = ChecklistItem.objects.filter(pk=pk, section=section).first()
    if item is None:
        raise Http404
    item.section = section
    return item


def get_plan_for(user: User, pk: int) -> InspectionPlan:
    plan = InspectionPlan.objects.filter(pk=pk).select_related("compound").first()
    access = user_access(user)
    if plan is None or plan.compound_id not in access.compound_ids:
        raise Http404
    if not access.is_committee(plan.compound_id):
        raise PermissionDenied
    return plan


def get_notice_for(user: User, pk: int, *, write: bool = False, as_committee: bool = False) -> RectificationNotice:
    """Read: the committee, or staff of the organisation the notice is addressed to.
    write=True: the property company's steps; as_committee too: the committee's."""
    notice = (
        RectificationNotice.objects.filter(pk=pk)
        .select_related("compound", "organisation", "created_by", "inspection", "item", "service_area")
        .first()
    )
    if notice is None:
        raise Http404
    access = user_access(user)
    committee = access.is_committee(notice.compound_id)
    addressee = access.is_property_staff(notice.compound_id) and notice.organisation_id in access.organisation_ids
    if notice.compound_id not in access.compound_ids:
        raise Http404
    if not (committee or addressee):
        raise PermissionDenied
    if write and not (committee if as_committee else addressee):
        raise PermissionDenied
    return notice


def get_notice_event_for(user: User, pk: int) -> RectificationEvent:
    """A step of a notice (for its evidence photos): whoever may read the notice."""
    event = RectificationEvent.objects.filter(pk=pk).first()
    if event is None:
        raise Http404
    event.notice = get_notice_for(user, event.notice_id)
    return event
