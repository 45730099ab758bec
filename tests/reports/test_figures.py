from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint, Status
from feedback.models import SurveyAnswer, SurveyScore
from inspections.models import Inspection
from reports.figures import compose_figures
from tests import factories
from tests.complaints.rows import bulk_complaints
from tests.feedback.test_analysis import area, make_survey
from tests.reports.conftest import NOW, Q3, at, callback_row, complaint_row, inspection_row, notice_row

pytestmark = pytest.mark.django_db


def test_figures_complaints_are_the_ones_a_committee_would_count(crafted):
    figures = compose_figures(compound_id=crafted.pk, quarter=Q3, now=NOW)
    assert figures["as_of"] == at("2026-10-01T00:00").isoformat()
    assert figures["complete"] is True
    complaints = figures["complaints"]
    assert {key: complaints[key] for key in (
        "received", "accept_counted", "accepted_within", "reply_counted", "replied_within", "resolved",
        "resolve_counted", "resolved_within", "overdue", "open_at_end", "median_hours",
    )} == {
        "received": 5, "accept_counted": 3, "accepted_within": 2, "reply_counted": 3, "replied_within": 1,
        "resolved": 2, "resolve_counted": 3, "resolved_within": 1, "overdue": 2, "open_at_end": 2,
        "median_hours": 168.0,
    }  # fmt: skip
    assert complaints["accepted_within_rate"] == 66.7
    assert complaints["replied_within_rate"] == 33.3
    assert complaints["resolved_rate"] == 40.0


def test_figures_by_service_area_category_and_hot_spots(crafted):
    figures = compose_figures(compound_id=crafted.pk, quarter=Q3, now=NOW)
    assert [(row["name"], row["received"], row["resolved"], row["overdue"]) for row in figures["by_category"]] == [
        ("设施维修", 4, 2, 2),
        ("噪声扰民", 1, 0, 0),
    ]
    assert [(row["received"], row["overdue"]) for row in figures["by_service_area"]] == [(4, 2), (1, 0)]
    assert all(row["name"] and row["name_en"] for row in figures["by_service_area"])
    assert figures["hot_spots"] == [
        {"building": "1", "location": "", "category": "设施维修", "category_en": "Facility repair", "count": 4}
    ]


def test_figures_count_the_quarter_s_complaints_by_channel(crafted, buildings):
    one, two = buildings
    complaint_row(crafted, one, "2026-08-10T09:00", status=Status.SUBMITTED, channel="wechat")
    complaint_row(crafted, one, "2026-08-11T09:00", status=Status.RESOLVED, channel="wechat",
                  resolved_at="2026-08-12T09:00")  # fmt: skip
    complaint_row(crafted, two, "2026-09-01T09:00", status=Status.SUBMITTED, channel="phone")
    # After the quarter: not counted.
    complaint_row(crafted, two, "2026-10-02T09:00", status=Status.SUBMITTED, channel="email")
    figures = compose_figures(compound_id=crafted.pk, quarter=Q3, now=NOW)
    assert figures["version"] == 2
    assert figures["by_channel"] == [
        {"channel": "web", "received": 5, "resolved": 2, "overdue": 2},
        {"channel": "wechat", "received": 2, "resolved": 1, "overdue": 0},
        {"channel": "phone", "received": 1, "resolved": 0, "overdue": 0},
    ]


def test_figures_inspections_rectification_and_callbacks(crafted):
    figures = compose_figures(compound_id=crafted.pk, quarter=Q3, now=NOW)
    assert figures["inspections"] == {
        "by_kind": {
            "scheduled": {"count": 2, "average": 85.0},
            "ad_hoc": {"count": 0, "average": None},
            "joint": {"count": 1, "average": 70.0},
        },
        "count": 3,
        "average_score": 80.0,
        "critical_findings": 1,
    }
    assert figures["rectification"] == {
        "issued": 4, "closed": 2, "due": 3, "overdue": 2, "critical": 1, "closure_rate": 50.0, "overdue_rate": 66.7,
    }  # fmt: skip
    callbacks = figures["callbacks"]
    assert (callbacks["due"], callbacks["within"], callbacks["coverage"]) == (3, 1, 33.3)
    assert (callbacks["solved"], callbacks["unsolved"], callbacks["overdue"]) == (1, 1, 1)
    assert callbacks["average_satisfaction"] == 3.5
    assert figures["surveys"]["answers"] == 0
    assert figures["surveys"]["rate"] is None


def test_figures_are_the_same_composed_later(crafted):
    first = compose_figures(compound_id=crafted.pk, quarter=Q3, now=NOW)
    assert compose_figures(compound_id=crafted.pk, quarter=Q3, now=at("2027-05-01T08:00")) == first


def test_figures_median_of_an_odd_number_is_the_middle_one(compound, buildings):
    for hours in (10, 30, 20):
        complaint_row_hours(compound, buildings[0], hours)
    figures = compose_figures(compound_id=compound.pk, quarter=Q3, now=NOW)
    assert figures["complaints"]["median_hours"] == 20.0


def complaint_row_hours(compound, building, hours):
    submitted = at("2026-08-01T09:00")
    return complaint_row(compound, building, "2026-08-01T09:00", status=Status.RESOLVED,
                         resolved_at=submitted + timedelta(hours=hours))  # fmt: skip


def test_figures_of_an_empty_quarter_are_zeros_and_dashes(compound):
    figures = compose_figures(compound_id=compound.pk, quarter=Q3, now=NOW)
    assert figures["complaints"]["received"] == 0
    assert figures["complaints"]["median_hours"] is None
    assert figures["complaints"]["accepted_within_rate"] is None
    assert figures["inspections"]["average_score"] is None
    assert figures["hot_spots"] == []


def _compose_queries(compound) -> int:
    with CaptureQueriesContext(connection) as queries:
        compose_figures(compound_id=compound.pk, quarter=Q3, now=NOW)
    return len(queries)


def test_figures_take_the_same_number_of_queries_for_few_and_many_rows(crafted, buildings):
    few = _compose_queries(crafted)
    start = at("2026-07-02T08:00")
    bulk_complaints(crafted, 300, status=Status.RESOLVED, start=start, building=buildings[1],
                    resolved_at=start + timedelta(days=1))  # fmt: skip
    bulk_complaints(crafted, 200, category=None, start=at("2026-08-02T08:00"), building=buildings[0])
    bulk_complaints(crafted, 100, channel="wechat", start=at("2026-09-02T08:00"), building=buildings[0])
    for day in range(1, 28):
        inspection_row(crafted, Inspection.Kind.AD_HOC, f"2026-09-{day:02d}T10:00", 75)
        notice_row(crafted, f"2026-09-{day:02d}T10:00", f"2026-09-{day:02d}T20:00")
    complaint = Complaint.objects.filter(compound=crafted).first()
    for day in range(1, 28):
        callback_row(complaint, f"2026-08-{day:02d}T10:00", "solved", done=f"2026-08-{day:02d}T09:00", satisfaction=4)
    many = _compose_queries(crafted)
    assert many == few
    assert few <= 18


def test_hot_spots_name_the_location_typed_in_when_no_building_was_given(compound):
    for day in range(1, 4):
        complaint_row(compound, None, f"2026-08-0{day}T09:00", status=Status.SUBMITTED, location_text="地下车库入口")
    complaint_row(compound, None, "2026-08-05T09:00", status=Status.SUBMITTED, location_text="南门")
    figures = compose_figures(compound_id=compound.pk, quarter=Q3, now=NOW)
    assert [(spot["location"], spot["count"]) for spot in figures["hot_spots"]] == [("地下车库入口", 3)]


def test_figures_count_answer_sheets_not_ratings(compound, committee_member):
    survey = make_survey(compound, committee_member, period_end=date(2026, 9, 30), closes_at=at("2026-09-25T20:00"))
    building = factories.BuildingFactory(compound=compound)
    for n, (cleaning, security) in enumerate([(5, 5), (4, 2), (3, 1), (2, 1)]):
        unit = factories.UnitFactory(building=building, number=f"10{n}")
        answer = SurveyAnswer.objects.create(
            survey=survey,
            unit=unit,
            building=building,
            answered_by=committee_member,
            on_paper=True,
            answered_at=at("2026-10-08T10:00"),
        )
        for code, score in (("cleaning", cleaning), ("security", security)):
            SurveyScore.objects.create(
                answer=answer, survey=survey, building=building, service_area=area(code), score=score
            )
    surveys = compose_figures(compound_id=compound.pk, quarter=Q3, now=NOW)["surveys"]
    # Four owners answered of the 100 units asked, after the quarter as surveys of a quarter are;
    # they gave eight ratings, four of them satisfied.
    assert (surveys["answers"], surveys["units"], surveys["response_rate"]) == (4, 100, 4.0)
    assert (surveys["ratings"], surveys["satisfied"], surveys["rate"]) == (8, 4, 50.0)
