"""Reads of the base that a page composes from several models. Each takes
what it needs and returns plain data; the views render it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from committee_site.models import (
    Building,
    Compound,
    Membership,
    OwnerApplication,
    OwnerProfile,
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


def username_in_use(username: str, *, besides: OwnerApplication) -> bool:
    """Whether an account or another pending application has this username
    (case aside): the committee chooses another one when approving."""
    return (
        User.objects.filter(username__iexact=username).exists()
        or OwnerApplication.objects.pending().filter(username__iexact=username).exclude(pk=besides.pk).exists()
    )
