"""The base's composed reads: the compound page and the account page."""

from datetime import date

import pytest

from committee_site import queries
from committee_site.models import ServiceArea, ServiceContract, ServiceStandard
from tests import factories

pytestmark = pytest.mark.django_db


def test_compound_page_lists_the_current_contracts_standards_by_service_area(compound):
    cleaning = ServiceArea.objects.get(code="cleaning")
    old = ServiceContract.objects.create(
        compound=compound, property_company=compound.property_company, starts_on=date(2020, 1, 1),
        ends_on=date(2023, 1, 1), fee_basis="1.80元/平方米/月",
    )  # fmt: skip
    current = ServiceContract.objects.create(
        compound=compound, property_company=compound.property_company, starts_on=date(2023, 1, 1),
        ends_on=date(2026, 12, 31), fee_basis="2.30元/平方米/月",
    )  # fmt: skip
    ServiceStandard.objects.create(contract=old, service_area=cleaning, text="楼道每周清扫")
    ServiceStandard.objects.create(contract=current, service_area=cleaning, text="楼道每日清扫")
    factories.BuildingFactory(compound=compound, number="2", sort_key=2)
    factories.BuildingFactory(compound=compound, number="1", sort_key=1)
    page = queries.compound_page(compound)
    assert page.contract == current
    assert [b.number for b in page.buildings] == ["1", "2"]
    by_area = {area.code: [s.text for s in standards] for area, standards in page.area_rows}
    assert by_area["cleaning"] == ["楼道每日清扫"]
    assert by_area["security"] == []


def test_account_page_shows_the_owners_units_and_active_memberships(owner, compound):
    factories.member_of(compound.committee, role="committee_member", username="both")
    page = queries.account_page(owner)
    assert [str(unit) for unit in page.profile.units.all()] == ["1号楼101室"]
    assert page.memberships == []
