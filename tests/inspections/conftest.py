import pytest

from inspections import services
from inspections.models import ChecklistTemplate, InspectionKind
from tests import factories


@pytest.fixture
def default_template(db):
    return ChecklistTemplate.objects.get(compound__isnull=True)


@pytest.fixture
def manager(compound):
    return factories.member_of(compound.property_company, role="property_manager", username="manager1")


@pytest.fixture
def joint(compound, committee_member, property_staff, officer, default_template):
    """A joint inspection, started: the sheet is the default template's."""
    inspection = services.inspection_create(
        compound=compound,
        kind=InspectionKind.JOINT,
        template=default_template,
        planned_on=__import__("datetime").date(2026, 11, 30),
        by=committee_member,
    )
    return services.inspection_start(inspection=inspection, seen_version=inspection.version, by=committee_member)


@pytest.fixture
def random_check(compound, committee_member, default_template):
    inspection = services.inspection_create(
        compound=compound,
        kind=InspectionKind.AD_HOC,
        template=default_template,
        planned_on=__import__("datetime").date(2026, 11, 30),
        by=committee_member,
    )
    return services.inspection_start(inspection=inspection, seen_version=inspection.version, by=committee_member)


def answer_all(inspection, by, deductions=None):
    deductions = deductions or {}
    for item in inspection.items.filter(extra=False):
        services.inspection_item_record(item=item, by=by, deduction=deductions.get(item.text, 0), note="")


@pytest.fixture
def notice(random_check, committee_member, property_staff):
    item = random_check.items.get(text="安全出口、消防通道畅通")
    services.inspection_item_record(item=item, by=committee_member, deduction=4, note="3号楼消防通道堆放杂物")
    return services.rectification_issue(
        compound=random_check.compound,
        by=committee_member,
        title="清理消防通道",
        description="3号楼消防通道堆放杂物",
        severity="critical",
        item=item,
    )
