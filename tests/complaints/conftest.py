import pytest

from complaints import services
from complaints.models import Category, Status
from tests import factories


@pytest.fixture
def category(db):
    return Category.objects.get(code="facility_repair")


@pytest.fixture
def owner_unit(owner):
    return owner.owner_profile.units.select_related("building__compound").get()


def file_complaint(owner, *, title="电梯门关不上", description="3号楼电梯门这周一直关不上。", **kwargs):
    unit = owner.owner_profile.units.select_related("building__compound").first()
    return services.complaint_submit(
        by=owner,
        compound=unit.building.compound,
        category=kwargs.pop("category", None) or Category.objects.get(code="facility_repair"),
        title=title,
        description=description,
        unit=kwargs.pop("unit", unit),
        **kwargs,
    )


def drive(complaint, to, *, committee, staff=None):
    """Take a complaint through the real workflow up to a status."""
    order = [Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED]
    for step in order[: order.index(to) + 1]:
        complaint.refresh_from_db()
        version = complaint.version
        if step == Status.ACCEPTED:
            services.complaint_accept(
                complaint=complaint, by=committee, seen_version=version, category=complaint.category,
                service_area=None, priority="normal",
            )  # fmt: skip
        elif step == Status.ASSIGNED:
            services.complaint_assign(
                complaint=complaint, by=committee, seen_version=version, responsible_party="property_company",
                reason="共用设施由物业负责维修", assignee=complaint.compound.property_company,
            )  # fmt: skip
        elif step == Status.IN_PROGRESS:
            services.complaint_plan(
                complaint=complaint, by=staff or committee, seen_version=version, plan="今天联系电梯公司"
            )
        elif step == Status.RESOLVED:
            services.complaint_reply(
                complaint=complaint, by=staff or committee, seen_version=version, result="已更换门机"
            )
        elif step == Status.CLOSED:
            services.complaint_confirm(complaint=complaint, by=complaint.complainant, seen_version=version, rating=5)
    complaint.refresh_from_db()
    return complaint


@pytest.fixture
def other_owner(compound):
    return factories.owner_in(compound, building="2", unit="202", username="neighbour")
