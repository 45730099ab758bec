"""The inspections app's composed reads: the sheet's totals, the quarter's
joint inspections and the committee's overview."""

from datetime import date

import pytest
from django.utils import timezone

from inspections import queries, services
from tests.inspections.conftest import answer_all

pytestmark = pytest.mark.django_db


def test_sheet_totals_deduct_only_sheet_items_and_count_the_answers(random_check, committee_member):
    item = random_check.items.get(text="车辆停放有序")
    services.inspection_item_record(item=item, by=committee_member, deduction=2, note="")
    services.inspection_finding_add(
        inspection=random_check, by=committee_member, text="井盖松动", service_area=None, note="", critical=True
    )
    assert queries.sheet_totals(random_check) == queries.SheetTotals(score=98, answered=1, items=33)
    answer_all(random_check, committee_member, deductions={"车辆停放有序": 2})
    totals = queries.sheet_totals(random_check)
    assert (totals.score, totals.unanswered) == (98, 0)


def test_the_score_never_goes_below_zero(random_check, committee_member):
    for item in random_check.items.all():
        services.inspection_item_record(item=item, by=committee_member, deduction=item.points, note="")
    random_check.total_points = 10  # a sheet whose points were cut after it started
    assert queries.sheet_totals(random_check).score == 0


def test_joint_quarter_says_planned_done_and_signed_per_compound(joint, compound, other_compound, committee_member):
    quarter = queries.joint_quarter([compound, other_compound], date(2026, 11, 30))
    assert (quarter.start, quarter.last_day) == (date(2026, 10, 1), date(2026, 12, 31))
    mine, other = quarter.rows
    assert (mine.planned, mine.done, mine.signed) == (True, False, False)
    assert (other.planned, other.done, other.signed) == (False, False, False)
    answer_all(joint, committee_member)
    services.inspection_complete(inspection=joint, by=committee_member, seen_version=joint.version)
    mine = queries.joint_quarter([compound], date(2026, 11, 30)).rows[0]
    assert (mine.done, mine.signed) == (True, False)
    assert queries.joint_quarter([compound], date(2027, 1, 5)).rows[0].planned is False


@pytest.mark.parametrize("extra", [1, 6])
def test_overview_costs_a_fixed_number_of_queries(
    compound, committee_member, default_template, django_assert_num_queries, extra
):
    for n in range(extra):
        inspection = services.inspection_create(
            compound=compound, kind="scheduled", template=default_template, planned_on=date(2026, 6, 1 + n),
            by=committee_member,
        )  # fmt: skip
        inspection = services.inspection_start(inspection=inspection, by=committee_member, seen_version=1)
        answer_all(inspection, committee_member)
        services.inspection_complete(inspection=inspection, by=committee_member, seen_version=inspection.version)
    with django_assert_num_queries(10):
        overview = queries.committee_overview(committee_member, [compound], timezone.now(), date(2026, 11, 30))
    assert len(overview.recent) == extra
    assert all(len(row["scores"]) == extra for row in overview.trend)


@pytest.mark.parametrize("findings", [0, 3])
def test_inspection_sheet_groups_items_by_section_in_a_fixed_number_of_queries(
    random_check, committee_member, django_assert_num_queries, findings
):
    for n in range(findings):
        services.inspection_finding_add(
            inspection=random_check, by=committee_member, text=f"发现{n}", service_area=None, note="", critical=False
        )
    with django_assert_num_queries(5):
        sheet = queries.inspection_sheet(random_check)
    names = [section["name"] for section in sheet.sections]
    assert names[0] == "客户服务与管理"
    assert len(names) == (10 if findings else 9)
    assert sum(len(section["items"]) for section in sheet.sections) == 33 + findings
