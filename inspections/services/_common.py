"""Shared by the sections: photo settings and who is who in a compound."""

from __future__ import annotations

from committee_site.access import PROPERTY_ROLES, organisation_members
from committee_site.models import Compound, Membership, Role, User
from inspections.models import Party

PHOTO_FOLDER = "inspections"
MAX_PHOTOS_PER_ITEM = 6

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


def membership_party(user: User, compound: Compound) -> list[str]:
    """The parties the user may sign for in this compound."""
    roles = Membership.objects.filter(
        user=user,
        active=True,
        organisation_id__in=[compound.committee_id, compound.property_company_id, compound.community_office_id],
    ).values_list("role", flat=True)
    return sorted({ROLE_PARTY[role] for role in roles if role in ROLE_PARTY})
