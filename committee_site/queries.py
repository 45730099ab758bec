"""Reads of the base that a page composes from several models. Each takes
what it needs and returns plain data; the views render it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q

from committee_site.models import (
    Building,
    Compound,
    Membership,
    OwnerApplication,
    OwnerProfile,
    Reminder,
    ReminderQuerySet,
    ServiceArea,
    ServiceContract,
    ServiceStandard,
    Unit,
    User,
)


@dataclass(frozen=True)
class CompoundPage:
    buildings: list[Building]
    contract: ServiceContract | None
    # Every active service area with the current contract's standards for it.
    area_rows: list[tuple[ServiceArea, list[ServiceStandard]]]


def compound_page(compound: Compound) -> CompoundPage:
    """The compound's buildings and its current service contract, standard by
    service area. Four queries whatever the number of standards."""
    contract = (
        ServiceContract.objects.filter(compound=compound)
        .select_related("property_company")
        .order_by("-starts_on")
        .prefetch_related(Prefetch("standards", queryset=ServiceStandard.objects.select_related("service_area")))
        .first()
    )
    standards_by_area: dict[int, list[ServiceStandard]] = {}
    if contract is not None:
        for standard in contract.standards.all():
            standards_by_area.setdefault(standard.service_area_id, []).append(standard)
    return CompoundPage(
        buildings=list(Building.objects.filter(compound=compound).order_by("sort_key", "number")),
        contract=contract,
        area_rows=[(area, standards_by_area.get(area.pk, [])) for area in ServiceArea.objects.filter(active=True)],
    )


@dataclass(frozen=True)
class AccountPage:
    profile: OwnerProfile | None
    memberships: list[Membership]


def account_page(user: User) -> AccountPage:
    """What the user's account page shows: the owner profile with its units,
    and the organisations the user is an active member of."""
    profile = (
        OwnerProfile.objects.filter(user=user)
        .prefetch_related(Prefetch("units", queryset=Unit.objects.select_related("building__compound")))
        .first()
    )
    memberships = list(Membership.objects.filter(user=user, active=True).select_related("organisation"))
    return AccountPage(profile=profile, memberships=memberships)


# "3-1502", "3号楼1502室", "3栋1502", "3 1502": a building and a unit number.
UNIT_PATTERN = re.compile(r"^\s*(\w+?)\s*(?:号楼|栋|幢|座|号|[-－/ ])\s*(\d+)\s*[室号]?\s*$")


@dataclass(frozen=True)
class OwnerMatch:
    user: User
    # The owner's units in the compounds searched.
    units: list[Unit]

    @property
    def compound_ids(self) -> set[int]:
        return {unit.building.compound_id for unit in self.units}


def owners_matching(compound_ids: Iterable[int], query: str, *, limit: int) -> list[OwnerMatch]:
    """Verified owners of these compounds found by what a caller tells the
    committee: their name, their unit, or their phone number. Two queries."""
    compound_ids = list(compound_ids)
    query = query.strip()
    unit = UNIT_PATTERN.match(query)
    digits = re.sub(r"\D", "", query)
    if unit:
        condition = Q(owner_profile__units__building__number__iexact=unit[1], owner_profile__units__number=unit[2])
    elif digits and len(digits) >= 3 and not re.sub(r"[\d\s+\-()]", "", query):
        condition = Q(owner_profile__phone__contains=digits) | Q(owner_profile__units__number=digits)
    else:
        condition = Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(username__iexact=query)
    in_compounds = Unit.objects.filter(building__compound_id__in=compound_ids).select_related("building")
    owners: list[User] = list(
        User.objects.filter(
            condition,
            owner_profile__verified_at__isnull=False,
            owner_profile__units__building__compound_id__in=compound_ids,
            is_active=True,
        )
        .distinct()
        .select_related("owner_profile")
        .prefetch_related(Prefetch("owner_profile__units", queryset=in_compounds, to_attr="units_here"))
        .order_by("first_name", "id")[:limit]
    )
    return [OwnerMatch(user=owner, units=owner.owner_profile.units_here) for owner in owners]  # type: ignore[attr-defined]


def username_in_use(username: str, *, besides: OwnerApplication) -> bool:
    """Whether an account or another pending application has this username
    (case aside): the committee chooses another one when approving."""
    return (
        User.objects.filter(username__iexact=username).exists()
        or OwnerApplication.objects.pending().filter(username__iexact=username).exclude(pk=besides.pk).exists()
    )


# Upcoming by when they go out, the others newest first; each order ends with
# the id and has its (compound, [kind,] status, time, id) index.
REMINDER_ORDERS = {
    Reminder.Status.PENDING: ("send_at", "id"),
    Reminder.Status.SENT: ("-sent_at", "-id"),
    Reminder.Status.CANCELLED: ("-send_at", "-id"),
}


def reminder_list(compound_ids: Iterable[int], data: dict[str, Any]) -> tuple[ReminderQuerySet, tuple[str, ...]]:
    """The committee's reminders the filters chose, and the order to page them in."""
    compound = data.get("compound")
    rows = Reminder.objects.filter(compound_id__in=[compound.pk] if compound else list(compound_ids))
    if data.get("kind"):
        rows = rows.filter(kind=data["kind"])
    state = data.get("state") or Reminder.Status.PENDING
    return rows.filter(status=state).select_related("recipient", "compound"), REMINDER_ORDERS[state]
