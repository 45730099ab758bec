import csv
import io
from datetime import datetime
from itertools import count
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from committee_site.models import ServiceArea
from records.analysis import Quarter, record_analysis
from records.models import ArchiveRecord, RecordKind
from tests import factories
from tests.conftest import client_for
from tests.records.conftest import archive

SHANGHAI = ZoneInfo("Asia/Shanghai")
ANALYSIS = reverse("records:analysis")
CSV = reverse("records:analysis_csv")
Q3 = Quarter(2026, 3)


def local(*parts):
    return datetime(*parts, tzinfo=SHANGHAI)


def today(moment="2026-12-03 10:00"):
    return time_machine.travel(f"{moment} +0800", tick=False)


def area(code):
    return ServiceArea.objects.get(code=code)


def case(compound, kind, when, *, building=None, category="", service_area=None, overdue=None, title="记录"):
    return archive(
        compound,
        kind=kind,
        title=title,
        body="记录正文。",
        happened_at=when,
        building=building,
        category=category,
        service_area=service_area,
        overdue=overdue,
    )


@pytest.fixture
def quarter_records(compound, other_compound):
    """A hand-built third quarter of 2026 and a little of the second."""
    b3 = factories.BuildingFactory(compound=compound, number="3", sort_key=3)
    b5 = factories.BuildingFactory(compound=compound, number="5", sort_key=5)
    upkeep, fire, cleaning = area("maintenance"), area("fire_safety"), area("cleaning")
    complaint, inspection, rectification = RecordKind.COMPLAINT, RecordKind.INSPECTION, RecordKind.RECTIFICATION
    lift = {"building": b3, "category": "电梯故障", "service_area": upkeep}
    records = {
        "c1": case(compound, complaint, local(2026, 7, 5, 9), overdue=True, **lift),
        "c2": case(compound, complaint, local(2026, 8, 10, 9), overdue=False, **lift),
        # 15:30 UTC on the 30th: still the third quarter in Shanghai.
        "c3": case(compound, complaint, local(2026, 9, 30, 23, 30), overdue=True, **lift),
        "c4": case(compound, complaint, local(2026, 8, 1, 9), building=b3, category="垃圾清运",
                   service_area=cleaning, overdue=False),
        "r1": case(compound, rectification, local(2026, 7, 20, 9), building=b5, category="消防通道堆物",
                   service_area=fire, overdue=False),
        "r2": case(compound, rectification, local(2026, 8, 20, 9), building=b5, category="消防通道堆物",
                   service_area=fire, overdue=True),
    }  # fmt: skip
    for day in (1, 15, 29):
        # Compound-wide rounds without a deadline: counted, never overdue, never a repeat.
        case(compound, inspection, local(2026, 7 + day // 15, day, 9), category="季度联合检查")
    # 16:10 UTC on 30 September, but the fourth quarter in Shanghai.
    case(compound, complaint, local(2026, 10, 1, 0, 10), overdue=True, **lift)
    # The second quarter: its last evening, and one more.
    case(compound, complaint, local(2026, 6, 30, 23, 30), overdue=False, **lift)
    case(compound, complaint, local(2026, 5, 10, 9), building=b5, category="垃圾清运", service_area=cleaning,
         overdue=True)  # fmt: skip
    # Not the service's: the committee's minutes; and another compound's complaint.
    case(compound, RecordKind.MINUTES, local(2026, 8, 3, 19), category="电梯故障", building=b3)
    case(other_compound, complaint, local(2026, 8, 3, 9), category="电梯故障", overdue=True)
    return records


def by_label(rows):
    return {row.label: row for row in rows}


def test_record_analysis_counts_by_kind_area_category_and_building(compound, quarter_records):
    result = record_analysis(compound_id=compound.pk, quarter=Q3, repeat_threshold=3)
    assert result.total.current.total == 9
    assert result.total.current.by_kind == (4, 3, 2)
    assert (result.total.current.overdue, result.total.current.with_deadline) == (3, 6)
    assert result.total.current.overdue_percent == 50.0
    assert [(row.label, row.current.total) for row in result.by_service_area] == [
        ("共用部位和设施设备维修养护", 3),
        ("无服务内容", 3),
        ("消防管理", 2),
        ("环境卫生", 1),
    ]
    areas = by_label(result.by_service_area)
    assert areas["共用部位和设施设备维修养护"].current.by_kind == (3, 0, 0)
    assert areas["无服务内容"].current.by_kind == (0, 3, 0)
    assert [(row.label, row.current.total, row.previous.total) for row in result.by_category] == [
        ("电梯故障", 3, 1),
        ("季度联合检查", 3, 0),
        ("消防通道堆物", 2, 0),
        ("垃圾清运", 1, 1),
    ]
    assert [(row.label, row.current.by_kind, row.previous.total) for row in result.by_building] == [
        ("3号楼", (4, 0, 0), 1),
        ("全小区", (0, 3, 0), 0),
        ("5号楼", (0, 0, 2), 1),
    ]


def test_overdue_rate_leaves_out_records_without_a_deadline(compound, quarter_records):
    result = record_analysis(compound_id=compound.pk, quarter=Q3, repeat_threshold=3)
    areas = by_label(result.by_service_area)
    assert areas["共用部位和设施设备维修养护"].current.overdue_percent == 66.7
    assert areas["消防管理"].current.overdue_percent == 50.0
    assert areas["环境卫生"].current.overdue_percent == 0.0
    # Three inspections, none with a deadline: no rate rather than 0 %.
    assert areas["无服务内容"].current.with_deadline == 0
    assert areas["无服务内容"].current.overdue_percent is None


def test_the_previous_quarter_is_compared_with_the_change(compound, quarter_records):
    result = record_analysis(compound_id=compound.pk, quarter=Q3, repeat_threshold=3)
    assert result.total.previous.total == 2
    assert result.total.change == 7
    assert result.total.previous.overdue_percent == 50.0
    assert result.total.overdue_change == 0.0
    complaints, inspections, rectifications = result.by_kind
    assert (complaints.current.total, complaints.previous.total, complaints.change) == (4, 2, 2)
    assert (inspections.current.total, inspections.previous.total) == (3, 0)
    assert rectifications.current.overdue_percent == 50.0
    assert rectifications.previous.overdue_percent is None
    assert rectifications.overdue_change is None
    cleaning = by_label(result.by_service_area)["环境卫生"]
    assert (cleaning.change, cleaning.previous.overdue_percent, cleaning.overdue_change) == (0, 100.0, -100.0)


def test_quarter_boundaries_are_shanghai_midnights():
    assert Q3.starts_at() == local(2026, 7, 1)
    assert Q3.ends_at() == local(2026, 10, 1)
    assert Quarter.containing(local(2026, 9, 30, 23, 30).date()) == Q3
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Quarter(2025, 4).last_day.isoformat() == "2025-12-31"
    assert Quarter.last_complete(local(2026, 12, 3).date()) == Q3
    assert Quarter.last_complete(local(2026, 1, 2).date()) == Quarter(2025, 4)


def test_a_record_late_on_the_last_evening_belongs_to_that_quarter(compound):
    case(compound, RecordKind.COMPLAINT, local(2026, 9, 30, 23, 30), category="电梯故障")
    case(compound, RecordKind.COMPLAINT, local(2026, 10, 1, 0, 10), category="电梯故障")
    assert record_analysis(compound_id=compound.pk, quarter=Q3, repeat_threshold=3).total.current.total == 1
    fourth = record_analysis(compound_id=compound.pk, quarter=Quarter(2026, 4), repeat_threshold=3)
    assert (fourth.total.current.total, fourth.total.previous.total) == (1, 1)


def test_a_repeat_is_the_same_building_and_category_three_times(compound):
    b3 = factories.BuildingFactory(compound=compound, number="3")
    b7 = factories.BuildingFactory(compound=compound, number="7")
    first = case(compound, RecordKind.COMPLAINT, local(2026, 7, 2, 9), building=b3, category="漏水")
    second = case(compound, RecordKind.RECTIFICATION, local(2026, 8, 2, 9), building=b3, category="漏水")
    # Same category elsewhere, another category here: neither makes a third.
    case(compound, RecordKind.COMPLAINT, local(2026, 8, 3, 9), building=b7, category="漏水")
    case(compound, RecordKind.COMPLAINT, local(2026, 8, 4, 9), building=b3, category="噪音")
    assert record_analysis(compound_id=compound.pk, quarter=Q3, repeat_threshold=3).repeats == []

    third = case(compound, RecordKind.COMPLAINT, local(2026, 9, 2, 9), building=b3, category="漏水")
    [repeat] = record_analysis(compound_id=compound.pk, quarter=Q3, repeat_threshold=3).repeats
    assert (repeat.building, repeat.category, repeat.count, repeat.more) == ("3号楼", "漏水", 3, 0)
    assert [record.number for record in repeat.records] == [first.number, second.number, third.number]


def test_the_page_links_each_repeated_record_to_its_page(compound, committee_member):
    b3 = factories.BuildingFactory(compound=compound, number="3")
    made = [
        case(compound, RecordKind.COMPLAINT, local(2026, 7, day, 9), building=b3, category="漏水") for day in (2, 3, 4)
    ]
    with today():
        page = client_for(committee_member).get(ANALYSIS, {"year": "2026", "quarter": "3"}).content.decode()
    for record in made:
        assert f'<a href="{reverse("records:record_detail", args=[record.pk])}">{record.number}</a>' in page


def test_compound_wide_records_and_records_without_category_are_no_repeat(compound):
    b3 = factories.BuildingFactory(compound=compound, number="3")
    for day in (1, 2, 3):
        case(compound, RecordKind.INSPECTION, local(2026, 8, day, 9), category="季度联合检查")
        case(compound, RecordKind.COMPLAINT, local(2026, 8, day, 9), building=b3)
    assert record_analysis(compound_id=compound.pk, quarter=Q3, repeat_threshold=3).repeats == []


_numbers = count(1)


def bulk_records(compound, n, *, when, **fields):
    """Many rows written directly, for counting queries only: the chain is not theirs to check."""
    first = next(_numbers) * 100000
    rows = [
        ArchiveRecord(
            number=f"DA-TS-2026-{first + i:07d}",
            compound=compound,
            sequence=first + i,
            kind=RecordKind.COMPLAINT,
            title="电梯故障",
            happened_at=when,
            body="正文",
            public_body="正文",
            previous_hash=f"{first + i - 1:064d}",
            hash=f"{first + i:064d}",
            **fields,
        )
        for i in range(n)
    ]
    return ArchiveRecord.objects.bulk_create(rows)


@pytest.mark.parametrize("rows", [3, 300])
def test_record_analysis_costs_four_queries_whatever_the_rows(compound, django_assert_num_queries, rows):
    building = factories.BuildingFactory(compound=compound, number="3")
    bulk_records(compound, rows, when=local(2026, 8, 1, 9), building=building, category="电梯故障",
                 service_area=area("maintenance"), overdue=True)  # fmt: skip
    with django_assert_num_queries(4):
        result = record_analysis(compound_id=compound.pk, quarter=Q3, repeat_threshold=3)
    assert result.total.current.total == rows
    assert result.repeats[0].count == rows
    # Only the first few records of a repeat leave the database.
    assert len(result.repeats[0].records) == min(rows, 10)
    assert result.repeats[0].more == max(rows - 10, 0)


# --- the page ------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 300])
def test_the_page_costs_a_fixed_number_of_queries(compound, committee_member, django_assert_num_queries, rows):
    building = factories.BuildingFactory(compound=compound, number="3")
    bulk_records(compound, rows, when=local(2026, 8, 1, 9), building=building, category="电梯故障",
                 service_area=area("maintenance"), overdue=False)  # fmt: skip
    client = client_for(committee_member)
    # session, user, access (3), the compound, the time limits, the four figures, the navbar's badges (2)
    with today(), django_assert_num_queries(13):
        response = client.get(ANALYSIS)
    assert response.status_code == 200
    assert response.context["result"].total.current.total == rows
    # the same without the navbar
    with today(), django_assert_num_queries(11):
        response = client.get(CSV)
    assert response.status_code == 200


@today()
def test_the_page_shows_the_last_complete_quarter_with_charts(compound, committee_member, quarter_records):
    response = client_for(committee_member).get(ANALYSIS)
    assert response.status_code == 200
    assert response.context["result"].quarter == Q3
    page = response.content.decode()
    assert "2026年第3季度" in page
    assert 'data-testid="analysis-total">9<' in page
    assert 'data-testid="analysis-overdue">50.0%<' in page
    assert 'id="chart-data" type="application/json"' in page
    charts = response.context["charts"]
    assert charts["building"]["labels"] == ["3号楼", "全小区", "5号楼"]
    assert [series["data"] for series in charts["building"]["series"]] == [[4, 0, 0], [0, 3, 0], [0, 0, 2]]
    assert charts["overdue"]["labels"] == ["共用部位和设施设备维修养护", "消防管理", "环境卫生"]
    assert charts["overdue"]["series"][0]["data"] == [66.7, 50.0, 0.0]
    # The repeat, with its archive numbers (the record page links them once it exists).
    assert quarter_records["c3"].number in page
    assert "<script>" not in page


@today()
def test_a_chosen_quarter_is_shown(compound, committee_member, quarter_records):
    response = client_for(committee_member).get(ANALYSIS, {"year": "2026", "quarter": "2"})
    result = response.context["result"]
    assert (result.quarter, result.total.current.total, result.total.previous.total) == (Quarter(2026, 2), 2, 0)


HOSTILE = [
    {"year": "abc"}, {"quarter": "9"}, {"year": "2101"}, {"year": "9" * 5000},
    {"compound": "x"}, {"compound": "999999999"}, {"compound": "9" * 5000},
]  # fmt: skip


@pytest.mark.parametrize("query", HOSTILE)
@today()
def test_hostile_values_get_a_message_and_the_default_quarter(compound, committee_member, quarter_records, query):
    response = client_for(committee_member).get(ANALYSIS, query)
    assert response.status_code == 200
    assert "部分条件无效，已忽略。" in response.content.decode()
    assert response.context["result"].quarter == Q3
    assert response.context["compound"] == compound


@today("2026-08-01 10:00")
def test_a_quarter_that_has_not_begun_is_refused(compound, committee_member):
    response = client_for(committee_member).get(ANALYSIS, {"year": "2026", "quarter": "4"})
    assert response.status_code == 200
    assert "该季度尚未开始。" in response.content.decode()
    assert response.context["result"].quarter == Quarter(2026, 2)
    # The current quarter, not yet over, may be looked at.
    response = client_for(committee_member).get(ANALYSIS, {"year": "2026", "quarter": "3"})
    assert response.context["result"].quarter == Q3


@today()
def test_property_staff_and_officers_see_the_same_figures(compound, property_staff, officer, quarter_records):
    for user in (property_staff, officer):
        response = client_for(user).get(ANALYSIS)
        assert response.status_code == 200
        assert response.context["result"].total.current.total == 9


def test_owners_are_refused(owner):
    assert client_for(owner).get(ANALYSIS).status_code == 403
    assert client_for(owner).get(CSV).status_code == 403


def test_another_compound_is_not_found(compound, other_committee_member):
    client = client_for(other_committee_member)
    assert client.get(ANALYSIS, {"compound": str(compound.pk)}).status_code == 404
    assert client.get(CSV, {"compound": str(compound.pk)}).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(db):
    from django.test import Client

    assert Client().get(ANALYSIS).status_code == 302


# --- CSV -----------------------------------------------------------------------------


def csv_rows(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@today()
def test_the_csv_holds_the_same_figures(compound, committee_member, quarter_records):
    response = client_for(committee_member).get(CSV, {"year": "2026", "quarter": "3"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"records-analysis-{compound.pk}-2026q3.csv" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:3] == ["记录的分析", str(compound), "2026年第3季度"]
    assert ["全部记录", "4", "3", "2", "9", "2", "7", "3", "6", "50.0", "50.0", "0.0"] in rows
    assert ["环境卫生", "1", "0", "0", "1", "1", "0", "0", "1", "0.0", "100.0", "-100.0"] in rows
    assert ["3号楼", "4", "0", "0", "4", "1", "3", "2", "4", "50.0", "0.0", "50.0"] in rows
    repeat = quarter_records["c1"].number, quarter_records["c2"].number, quarter_records["c3"].number
    assert ["3号楼", "电梯故障", "3", " ".join(repeat)] in rows
    assert ["楼栋", "类别", "次数", "档案号"] in rows


@today()
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(compound, committee_member):
    building = factories.BuildingFactory(compound=compound, number="3")
    for category in ('=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)"):
        for day in (1, 2, 3):
            case(compound, RecordKind.COMPLAINT, local(2026, 8, day, 9), building=building, category=category)
    rows = csv_rows(client_for(committee_member).get(CSV))
    labels = {row[0] for row in rows if row} | {row[1] for row in rows if len(row) > 1}
    assert {'\'=HYPERLINK("http://x")', "'+1", "'-1", "'@SUM(A1)"} <= labels
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    # Numbers stay numbers: a fall from the previous quarter is a negative number, not text.
    figures = [row[1:] for row in rows if len(row) == 12 and row[1].isdigit()]
    assert figures
    assert all(cell == "" or cell.lstrip("-").replace(".", "").isdigit() for row in figures for cell in row)


@today()
def test_a_refused_csv_choice_is_named_in_a_400(compound, committee_member):
    response = client_for(committee_member).get(CSV, {"quarter": "9"})
    assert response.status_code == 400
    assert "季度" in response.content.decode()
