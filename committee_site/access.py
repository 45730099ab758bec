"""Roles and scoping in one place. Every view reaches an object through a
`get_<thing>_for(user, pk, *, write=False)` helper here (or in its app's
access module), and every list starts from a queryset scoped with
`visible_to(user)`, which asks `user_access`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from committee_site.models import (
    Compound,
    Membership,
    Notification,
    Organisation,
    OwnerApplication,
    OwnerProfile,
    Role,
    User,
)


class AuthedRequest(HttpRequest):
    """A request that passed LoginRequiredMiddleware: its user is a real User."""

    user: User


COMMITTEE_ROLES = frozenset({Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER})
PROPERTY_ROLES = frozenset({Role.PROPERTY_MANAGER, Role.PROPERTY_STAFF})
OWNER = "owner"


@dataclass(frozen=True)
class Access:
    """What one user may see: their roles in each compound they belong to."""

    roles_by_compound: dict[int, frozenset[str]] = field(default_factory=dict)
    organisation_ids: frozenset[int] = frozenset()

    @property
    def compound_ids(self) -> frozenset[int]:
        return frozenset(self.roles_by_compound)

    def roles_in(self, compound_id: int) -> frozenset[str]:
        return self.roles_by_compound.get(compound_id, frozenset())

    def _compounds_with(self, roles: frozenset[str]) -> frozenset[int]:
        return frozenset(pk for pk, held in self.roles_by_compound.items() if held & roles)

    @property
    def committee_compound_ids(self) -> frozenset[int]:
        return self._compounds_with(COMMITTEE_ROLES)

    @property
    def property_compound_ids(self) -> frozenset[int]:
        return self._compounds_with(PROPERTY_ROLES)

    @property
    def officer_compound_ids(self) -> frozenset[int]:
        return self._compounds_with(frozenset({Role.COMMUNITY_OFFICER}))

    @property
    def owner_compound_ids(self) -> frozenset[int]:
        return self._compounds_with(frozenset({OWNER}))

    def is_committee(self, compound_id: int) -> bool:
        return bool(self.roles_in(compound_id) & COMMITTEE_ROLES)

    def is_property_staff(self, compound_id: int) -> bool:
        return bool(self.roles_in(compound_id) & PROPERTY_ROLES)

    def is_officer(self, compound_id: int) -> bool:
        return Role.COMMUNITY_OFFICER in self.roles_in(compound_id)

    def is_owner(self, compound_id: int) -> bool:
        return OWNER in self.roles_in(compound_id)


def _compute_access(user: User) -> Access:
    memberships = list(
        Membership.objects.filter(user=user, active=True).values_list("organisation_id", "organisation__kind", "role")
    )
    roles: dict[int, set[str]] = {}
    by_kind: dict[str, dict[int, set[str]]] = {}
    for organisation_id, kind, role in memberships:
        by_kind.setdefault(kind, {}).setdefault(organisation_id, set()).add(role)
    columns = {
        Organisation.Kind.COMMITTEE: "committee_id",
        Organisation.Kind.PROPERTY_COMPANY: "property_company_id",
        Organisation.Kind.COMMUNITY_OFFICE: "community_office_id",
    }
    condition = Q(pk__in=[])
    for kind, column in columns.items():
        if by_kind.get(kind):
            condition |= Q(**{f"{column}__in": list(by_kind[kind])})
    if memberships:
        for compound_id, committee_id, company_id, office_id in Compound.objects.filter(condition).values_list(
            "pk", "committee_id", "property_company_id", "community_office_id"
        ):
            held = roles.setdefault(compound_id, set())
            for kind, organisation_id in (
                (Organisation.Kind.COMMITTEE, committee_id),
                (Organisation.Kind.PROPERTY_COMPANY, company_id),
                (Organisation.Kind.COMMUNITY_OFFICE, office_id),
            ):
                held |= by_kind.get(kind, {}).get(organisation_id, set())
    # Only a verified owner profile makes someone an owner of a compound.
    owner_compounds = OwnerProfile.objects.filter(user=user, verified_at__isnull=False).values_list(
        "units__building__compound_id", flat=True
    )
    for compound_id in owner_compounds:
        if compound_id is not None:
            roles.setdefault(compound_id, set()).add(OWNER)
    return Access(
        roles_by_compound={pk: frozenset(held) for pk, held in roles.items()},
        organisation_ids=frozenset(organisation_id for organisation_id, _kind, _role in memberships),
    )


def user_access(user: User | AnonymousUser) -> Access:
    """The user's access, computed once per request (cached on the user object)."""
    if not user.is_authenticated or not user.is_active:
        return Access()
    cached: Access | None = getattr(user, "_committee_access", None)
    if cached is None:
        cached = _compute_access(user)
        # Cached on the user object, which lives exactly as long as the request.
        setattr(user, "_committee_access", cached)  # noqa: B010
    return cached


def organisation_members(organisation_id: int | None, roles: Iterable[str] | None = None) -> list[User]:
    """The active members of an organisation, in any of the roles if given."""
    if organisation_id is None:
        return []
    members = User.objects.filter(
        is_active=True, memberships__organisation_id=organisation_id, memberships__active=True
    )
    if roles is not None:
        members = members.filter(memberships__role__in=list(roles))
    return list(members.distinct())


def committee_members(compound: Compound) -> list[User]:
    """The active members of the compound's committee (who is told of new cases)."""
    return organisation_members(compound.committee_id, COMMITTEE_ROLES)


def compound_owners(compound_id: int) -> QuerySet[User]:
    """The active, verified owners of the compound's units (who are told of what is published)."""
    return User.objects.filter(
        is_active=True,
        owner_profile__verified_at__isnull=False,
        owner_profile__units__building__compound_id=compound_id,
    ).distinct()


def require_committee(user: User) -> frozenset[int]:
    """The compounds whose committee the user sits on; 403 for everyone else."""
    compound_ids = user_access(user).committee_compound_ids
    if not compound_ids:
        raise PermissionDenied
    return compound_ids


def get_compound_for(user: User, pk: int, *, write: bool = False) -> Compound:
    compound = (
        Compound.objects.filter(pk=pk).select_related("committee", "property_company", "community_office").first()
    )
    access = user_access(user)
    if compound is None or compound.pk not in access.compound_ids:
        raise Http404
    if write and not access.is_committee(compound.pk):
        raise PermissionDenied
    return compound


def get_owner_application_for(user: User, pk: int, *, write: bool = False) -> OwnerApplication:
    """Applications are seen and decided only by the committee of the unit's
    compound, so reading and writing need the same role."""
    application = (
        OwnerApplication.objects.filter(pk=pk).select_related("unit__building__compound", "decided_by", "user").first()
    )
    if application is None:
        raise Http404
    access = user_access(user)
    compound_id = application.unit.building.compound_id
    if not access.is_committee(compound_id):
        # Another compound's applications do not exist for this user.
        raise Http404
    return application


def get_notification_for(user: User, pk: int) -> Notification:
    notification = Notification.objects.filter(pk=pk, recipient=user).first()
    if notification is None:
        raise Http404
    return notification
