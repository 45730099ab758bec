"""The committee's feedback analysis (issue 10, point 4): exact figures of a
small known data set with time frozen, the 80 % line, the CSV that carries
the page's figures, the cost in queries, who may see it, and bad input."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from committee_site.models import Membership, ServiceArea
from feedback.analysis import (
    LevelCounts,
    Quarter,
    callback_groups,
    default_quarters,
    entry_groups,
    feedback_analysis,
    score_groups,
)
from feedback.models import Callback, FeedbackEntry, Survey, SurveyAnswer, SurveyScore
from tests import factories
from tests.complaints.rows import bulk_complaints
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PAGE = reverse("feedback:analysis")
CSV = reverse("feedback:analysis_csv")
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = "2026-05-20 12:00 +0800"
Status = Callback.Status
Kind = FeedbackEntry.Kind


def at(text: str) -> datetime:
    """A local moment, "2026-01-01 00:30"."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def area(code: str) -> ServiceArea:
    return ServiceArea.objects.get(code=code)


# --- rows written straight through the ORM (the services are other parts' work) -------


def make_survey(compound, by, *, period_end: date, closes_at: datetime, title: str = "满意度测评") -> Survey:
    start = period_end.replace(day=1) - timedelta(days=60)
    return Survey.objects.create(
        compound=compound,
        title=title,
        period_start=start.replace(day=1),
        period_end=period_end,
        opens_at=closes_at - timedelta(days=20),
        closes_at=closes_at,
        units_total=100,
        created_by=by,
    )


def answer_many(survey: Survey, code: str, levels: dict[int, int], *, building_number: str = "1") -> None:
    """`levels[score]` answers giving `score` to the service area; each from a unit of its own."""
    building = factories.BuildingFactory.create(compound=survey.compound, number=building_number)
    owner = factories.UserFactory.create()
    service_area = area(code)
    for score, count in levels.items():
        for _ in range(count):
            unit = factories.UnitFactory.create(building=building)
            answer = SurveyAnswer.objects.filter(survey=survey, unit=unit).first() or SurveyAnswer.objects.create(
                survey=survey, unit=unit, building=building, answered_by=owner
            )
            SurveyScore.objects.create(
                answer=answer, survey=survey, building=building, service_area=service_area, score=score
            )


def make_callback(compound, *, status, due: str, done: str | None = None, satisfaction=None) -> Callback:
    complaint = bulk_complaints(compound, 1, status="closed")[0]
    return Callback.objects.create(
        complaint=complaint,
        compound=compound,
        status=status,
        created_at=at(due) - timedelta(days=3),
        due_at=at(due),
        done_at=at(done) if done else None,
        reached=status in (Status.SOLVED, Status.UNSOLVED),
        solved={Status.SOLVED: True, Status.UNSOLVED: False}.get(status),
        satisfaction=satisfaction,
    )


def make_entry(compound, author, *, kind, code: str, created: str) -> FeedbackEntry:
    return FeedbackEntry.objects.create(
        compound=compound,
        author=author,
        kind=kind,
        service_area=area(code),
        title="建议",
        body="内容",
        created_at=at(created),
    )


@pytest.fixture
def known(compound, committee_member, owner, other_compound):
    """Surveys for 2025 Q4 and 2026 Q1 (closed) and 2026 Q2 (still open);
    callbacks due in three quarters; six feedback entries. Each kind of row
    also once outside the default quarters and once in another compound."""
    q4 = make_survey(compound, committee_member, period_end=date(2025, 12, 31), closes_at=at("2026-01-20 18:00"))
    answer_many(q4, "cleaning", {5: 3, 4: 3, 3: 1, 2: 2, 1: 1})  # 7 of 10: 70 %
    answer_many(q4, "security", {5: 5, 4: 3, 3: 1, 2: 1})  # 9 of 10: 90 %
    q1 = make_survey(compound, committee_member, period_end=date(2026, 3, 31), closes_at=at("2026-04-15 18:00"))
    answer_many(q1, "cleaning", {5: 2, 4: 2, 2: 1})  # 4 of 5: 80 %, on the line
    answer_many(q1, "security", {5: 1, 4: 1, 3: 1, 2: 1, 1: 1})  # 3 of 5: 60 %
    q2 = make_survey(compound, committee_member, period_end=date(2026, 6, 30), closes_at=at("2026-06-30 18:00"))
    answer_many(q2, "cleaning", {5: 1, 4: 1, 1: 1})  # 2 of 3: 66.7 %
    earlier = make_survey(compound, committee_member, period_end=date(2025, 6, 30), closes_at=at("2025-07-10 18:00"))
    answer_many(earlier, "cleaning", {1: 4})
    there = make_survey(
        other_compound, committee_member, period_end=date(2026, 3, 31), closes_at=at("2026-04-15 18:00")
    )
    answer_many(there, "cleaning", {1: 4})

    for status, due, done, satisfaction in [
        # 2025 Q4
        (Status.SOLVED, "2025-11-10 18:00", "2025-11-09 10:00", 5),
        (Status.UNSOLVED, "2025-12-20 18:00", "2025-12-22 10:00", 2),  # late
        (Status.UNREACHED, "2025-12-05 18:00", "2025-12-04 10:00", None),
        (Status.LAPSED, "2025-10-15 18:00", None, None),
        (Status.CANCELLED, "2025-10-20 18:00", None, None),
        # 2026 Q1: half past midnight on New Year's day is still 2025 in UTC
        (Status.SOLVED, "2026-01-01 00:30", "2025-12-31 20:00", 4),
        (Status.SOLVED, "2026-03-10 18:00", "2026-03-09 10:00", 3),
        (Status.PENDING, "2026-03-31 18:00", None, None),  # overdue
        # 2026 Q2
        (Status.PENDING, "2026-05-22 18:00", None, None),  # not yet due
        (Status.SOLVED, "2026-05-21 18:00", "2026-05-19 10:00", 5),
        # before the period
        (Status.SOLVED, "2025-06-30 18:00", "2025-06-29 10:00", 1),
    ]:
        make_callback(compound, status=status, due=due, done=done, satisfaction=satisfaction)
    make_callback(other_compound, status=Status.SOLVED, due="2026-03-10 18:00", done="2026-03-09 10:00", satisfaction=1)

    stranger = factories.owner_in(other_compound, username="stranger")
    for kind, code, created in [
        (Kind.SUGGESTION, "cleaning", "2025-07-05 09:00"),
        # half past midnight on the first of August is still July in UTC
        (Kind.PRAISE, "security", "2025-08-01 00:30"),
        (Kind.INQUIRY, "cleaning", "2025-11-11 09:00"),
        (Kind.INQUIRY, "cleaning", "2025-11-12 09:00"),
        (Kind.RATING, "cleaning", "2026-02-14 09:00"),
        (Kind.SUGGESTION, "landscaping", "2026-05-01 09:00"),
    ]:
        make_entry(compound, owner, kind=kind, code=code, created=created)
    make_entry(compound, owner, kind=Kind.PRAISE, code="cleaning", created="2025-06-30 23:00")
    make_entry(other_compound, stranger, kind=Kind.PRAISE, code="cleaning", created="2026-01-05 09:00")


def english(user):
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def get(user, url=PAGE, query=None):
    with time_machine.travel(NOW, tick=False):
        return client_for(user).get(url, query or {})


def cells(area_figures):
    return [(cell.answers, cell.rate, cell.below_line) for cell in area_figures.by_quarter] + [
        (area_figures.period.answers, area_figures.period.rate, area_figures.period.below_line)
    ]


# --- the figures ----------------------------------------------------------------------


def test_satisfaction_by_service_area_and_quarter_of_known_data(known, committee_member):
    response = get(english(committee_member))
    assert response.status_code == 200
    result = response.context["result"]
    assert [quarter.label for quarter in result.quarters] == ["2025 Q3", "2025 Q4", "2026 Q1", "2026 Q2"]
    # Weakest first over the period.
    assert [row.label for row in result.satisfaction] == ["Cleaning", "Security"]
    cleaning, security = result.satisfaction
    assert cells(cleaning) == [(0, None, False), (10, 70.0, True), (5, 80.0, False), (3, 66.7, True), (18, 72.2, True)]
    assert cells(security) == [
        (0, None, False),
        (10, 90.0, False),
        (5, 60.0, True),
        (0, None, False),
        (15, 80.0, False),
    ]
    assert cleaning.period.levels == (6, 6, 1, 3, 2)
    assert cells(result.satisfaction_all) == [
        (0, None, False),
        (20, 80.0, False),
        (10, 70.0, True),
        (3, 66.7, True),
        (33, 75.8, True),
    ]
    assert result.open_quarters == [Quarter(2026, 2)]
    assert [row.label for row in result.below_line] == ["Cleaning"]
    assert response.context["latest_quarter"] == Quarter(2026, 2)
    assert [row.label for row in response.context["latest_below"]] == ["Cleaning"]


def test_callback_coverage_and_outcomes_by_quarter_of_known_data(known, committee_member):
    result = get(committee_member).context["result"]
    figures = [
        (
            row.label,
            row.figures.due,
            row.figures.within,
            row.figures.late,
            row.figures.coverage,
            row.figures.not_yet_due,
            row.figures.cancelled,
        )
        for row in result.callbacks
    ]
    assert figures == [
        ("2025年第3季度", 0, 0, 0, None, 0, 0),
        ("2025年第4季度", 4, 2, 1, 50.0, 0, 1),
        ("2026年第1季度", 3, 2, 0, 66.7, 0, 0),
        ("2026年第2季度", 1, 1, 0, 100.0, 1, 0),
    ]
    outcomes = [
        (f.solved, f.unsolved, f.unreached, f.lapsed, f.overdue, f.rated, f.average_satisfaction)
        for f in (row.figures for row in result.callbacks)
    ]
    assert outcomes == [
        (0, 0, 0, 0, 0, 0, None),
        (1, 1, 1, 1, 0, 2, 3.5),
        (2, 0, 0, 0, 1, 2, 3.5),
        (1, 0, 0, 0, 0, 1, 5.0),
    ]
    every = result.callbacks_all
    assert (every.due, every.within, every.late, every.coverage, every.rated, every.average_satisfaction) == (
        8,
        5,
        1,
        62.5,
        5,
        3.8,
    )


def test_feedback_per_month_by_kind_and_service_area_of_known_data(known, committee_member):
    result = get(english(committee_member)).context["result"]
    # Up to this month: June 2026 has not come yet.
    assert [month.label for month in result.months] == [
        "2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12",
        "2026-01", "2026-02", "2026-03", "2026-04", "2026-05",
    ]  # fmt: skip
    # Suggestion, praise, inquiry, rating.
    by_month = {month.label: month.by_kind for month in result.months if month.total}
    assert by_month == {
        "2025-07": (1, 0, 0, 0),
        "2025-08": (0, 1, 0, 0),
        "2025-11": (0, 0, 2, 0),
        "2026-02": (0, 0, 0, 1),
        "2026-05": (1, 0, 0, 0),
    }
    assert result.months_all.by_kind == (2, 1, 2, 1)
    assert [(theme.label, theme.by_kind, theme.total, theme.share) for theme in result.themes] == [
        ("Cleaning", (1, 0, 2, 1), 4, 66.7),
        ("Security", (0, 1, 0, 0), 1, 16.7),
        ("Landscaping", (1, 0, 0, 0), 1, 16.7),
    ]
    assert result.themes[0].by_month == (1, 0, 0, 0, 2, 0, 0, 1, 0, 0, 0)


def test_the_page_shows_the_figures_the_flags_and_the_line_in_chinese(known, committee_member):
    page = get(committee_member).content.decode()
    assert "中国物业管理协会" in page
    assert "中物协一级" in page
    assert 'data-testid="below-line-alert"' in page
    alert = page.split('data-testid="below-line-alert">')[1].split("</div>")[0]
    assert "2026年第2季度" in alert
    assert "环境卫生" in alert
    assert "安全保卫" not in alert
    # Cleaning 70 % in 2025 Q4, 66.7 % in 2026 Q2 and 72.2 % over the period; security 60 % in
    # 2026 Q1; all service areas 70 % in 2026 Q1, 66.7 % in 2026 Q2 and 75.8 % over the period.
    table = page.split('data-testid="table-satisfaction"')[1].split("</table>")[0]
    assert table.count('data-testid="below-line"') == 7
    assert "低于80%" in table
    for rate in ("66.7%", "72.2%", "75.8%"):
        assert rate in table
    assert "测评未结束" in table
    assert 'data-testid="summary-coverage">62.5%<' in page
    assert 'data-testid="summary-feedback">6<' in page
    assert 'href="/feedback/analysis.csv?compound=' in page


def test_the_page_in_english(known, committee_member):
    page = get(english(committee_member)).content.decode()
    assert "Feedback analysis" in page
    assert "under 80%" in page
    assert "China Property Management Association" in page
    assert "survey still open" in page


def test_the_charts_get_their_data_as_json_and_the_line_as_an_attribute(known, committee_member):
    page = get(english(committee_member)).content.decode()
    charts = json.loads(page.split('<script id="chart-data" type="application/json">')[1].split("</script>")[0])
    assert charts["satisfaction_area"]["labels"] == ["Cleaning", "Security"]
    assert charts["satisfaction_area"]["series"][0]["data"] == [72.2, 80.0]
    assert charts["satisfaction_quarter"]["series"][0]["data"] == [None, 80.0, 70.0, 66.7]
    assert charts["callback_coverage"]["series"][0]["data"] == [None, 50.0, 66.7, 100.0]
    assert [series["data"] for series in charts["callback_outcomes"]["series"]] == [
        [0, 1, 2, 1],
        [0, 1, 0, 0],
        [0, 1, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
    ]
    assert [series["label"] for series in charts["feedback_month"]["series"]] == [
        "Suggestion",
        "Praise",
        "Inquiry",
        "Rating",
    ]
    assert charts["feedback_area"]["series"][0]["data"] == [4, 1, 1]
    assert charts["feedback_area_month"]["series"][0]["label"] == "Cleaning"
    assert page.count('data-line="80"') == 2
    # Chart.js, the line plugin, then charts.js which draws.
    scripts = [part.split('"')[0] for part in page.split('<script src="')[1:]]
    assert [name.rsplit("/", 1)[1] for name in scripts[-3:]] == ["chart.umd.js", "feedback-analysis.js", "charts.js"]
    assert "<script>" not in page
    assert " style=" not in page


def test_names_in_the_charts_are_data_never_script(compound, committee_member, owner):
    cleaning = area("cleaning")
    cleaning.name = "</script><script>alert(1)</script>"
    cleaning.save()
    make_entry(compound, owner, kind=Kind.SUGGESTION, code="cleaning", created="2026-05-01 09:00")
    page = get(committee_member).content.decode()
    assert "<script>alert(1)" not in page
    assert "\\u003C/script\\u003E\\u003Cscript\\u003Ealert(1)" in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in page


def test_an_empty_compound_shows_dashes_and_says_there_is_nothing(compound, committee_member):
    response = get(english(committee_member))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="no-satisfaction"' in page
    assert "No survey answers for these quarters." in page
    assert "No feedback in these quarters." in page
    assert 'data-testid="summary-coverage">—<' in page
    assert response.context["result"].callbacks_all.coverage is None


# --- the 80 % line --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "rate", "below"),
    [
        ((4, 0, 0, 1, 0), 80.0, False),  # exactly on the line: not flagged
        ((3, 0, 0, 1, 0), 75.0, True),
        ((1, 1, 0, 1, 0), 66.7, True),
        ((0, 0, 3998, 1002, 0), 79.9, True),  # 79.96 %: under the line never shows as 80.0
        ((0, 0, 4001, 999, 0), 80.0, False),  # 80.02 %
        ((0, 0, 0, 0, 0), None, False),  # no answers: nothing to flag
    ],
)
def test_the_80_percent_line(levels, rate, below):
    figures = LevelCounts(levels)
    assert (figures.rate, figures.below_line) == (rate, below)


def test_an_area_exactly_on_the_line_is_not_flagged_one_answer_less_is(compound, committee_member):
    survey = make_survey(compound, committee_member, period_end=date(2026, 3, 31), closes_at=at("2026-04-15 18:00"))
    answer_many(survey, "security", {5: 4, 1: 1})
    answer_many(survey, "cleaning", {5: 3, 1: 1}, building_number="2")
    result = get(english(committee_member)).context["result"]
    assert [(row.label, row.period.rate, row.period.below_line) for row in result.satisfaction] == [
        ("Cleaning", 75.0, True),
        ("Security", 80.0, False),
    ]


# --- the CSV --------------------------------------------------------------------------


def _sections(response) -> dict[str, list[list[str]]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    sections: dict[str, list[list[str]]] = {"": []}
    current = ""
    for row in rows:
        if len(row) == 1:
            current = row[0]
            sections[current] = []
        elif row:
            sections[current].append(row)
    return sections


def test_the_csv_carries_the_figures_of_the_page(known, compound, committee_member):
    english(committee_member)
    page = get(committee_member)
    result = page.context["result"]
    response = get(committee_member, CSV, {"compound": compound.pk, "start": "2025Q3", "end": "2026Q2"})
    assert response.status_code == 200
    disposition = f'attachment; filename="feedback-analysis-{compound.pk}-2025q3-2026q2.csv"'
    assert response["Content-Disposition"] == disposition
    sections = _sections(response)
    assert sections[""][0][0] == "Feedback analysis"
    assert sections[""][1] == ["Period", "2025 Q3 – 2026 Q2", "2025-07-01", "2026-06-30"]

    satisfaction = sections["Satisfaction by service area and quarter"]
    assert satisfaction[0] == [
        "Service area", "Quarter", "Answers", "Very satisfied", "Satisfied", "Fairly satisfied", "Dissatisfied",
        "Very dissatisfied", "Satisfaction rate (%)", "Under the line",
    ]  # fmt: skip
    labels = [quarter.label for quarter in result.quarters] + ["Whole period"]
    expected = []
    for row in [*result.satisfaction, result.satisfaction_all]:
        for label, cell in zip(labels, [*row.by_quarter, row.period], strict=True):
            expected.append(
                [
                    row.label or "All service areas",
                    label,
                    str(cell.answers),
                    *map(str, cell.levels),
                    "" if cell.rate is None else str(cell.rate),
                    "Yes" if cell.below_line else "",
                ]
            )
    assert satisfaction[1:-1] == expected
    assert ["Cleaning", "2025 Q4", "10", "3", "3", "1", "2", "1", "70.0", "Yes"] in satisfaction
    assert satisfaction[-1] == ["Surveys still open", "2026 Q2"]

    coverage = sections["Callback coverage by quarter"]
    assert coverage[1:] == [
        [r.label, str(r.figures.due), str(r.figures.within), str(r.figures.late),
         "" if r.figures.coverage is None else str(r.figures.coverage), str(r.figures.not_yet_due),
         str(r.figures.cancelled)]
        for r in result.callbacks
    ] + [["Whole period", "8", "5", "1", "62.5", "1", "1"]]  # fmt: skip
    outcomes = sections["Callback outcomes by quarter"]
    assert outcomes[0][1:6] == ["Solved", "Not solved", "Owner not reached", "Not done", "To call back, overdue"]
    assert outcomes[-1] == ["Whole period", "4", "1", "1", "1", "1", "5", "3.8"]

    months = sections["Feedback per month by kind"]
    assert months[0] == ["Month", "Suggestion", "Praise", "Inquiry", "Rating", "All kinds"]
    assert months[1:] == [[m.label, *map(str, m.by_kind), str(m.total)] for m in result.months] + [
        ["Whole period", "2", "1", "2", "1", "6"]
    ]
    assert sections["Feedback by service area"][1:] == [
        ["Cleaning", "1", "0", "2", "1", "4", "66.7"],
        ["Security", "0", "1", "0", "0", "1", "16.7"],
        ["Landscaping", "1", "0", "0", "0", "1", "16.7"],
    ]
    per_area = sections["Feedback per month by service area"]
    assert per_area[0] == ["Month", "Cleaning", "Security", "Landscaping", "All service areas"]
    assert per_area[1] == ["2025-07", "1", "0", "0", "1"]
    assert per_area[2] == ["2025-08", "0", "1", "0", "1"]


def test_the_csv_cells_are_spreadsheet_safe(compound, committee_member, owner):
    cleaning = area("cleaning")
    cleaning.name = '=HYPERLINK("http://evil")'
    cleaning.save()
    make_entry(compound, owner, kind=Kind.SUGGESTION, code="cleaning", created="2026-05-01 09:00")
    sections = _sections(get(committee_member, CSV))
    themes = sections["按服务内容的自助反馈"]
    assert themes[1][0] == '\'=HYPERLINK("http://evil")'


def test_a_refused_choice_gets_a_400_naming_it_not_a_file(committee_member):
    response = get(english(committee_member), CSV, {"start": "2026Q2", "end": "2025Q1"})
    assert response.status_code == 400
    assert response.content.decode() == "To quarter: The last quarter is before the first."


# --- the cost -------------------------------------------------------------------------


def _many(compound, committee_member, owner, rows: int) -> None:
    survey = make_survey(compound, committee_member, period_end=date(2026, 3, 31), closes_at=at("2026-04-15 18:00"))
    building = factories.BuildingFactory.create(compound=compound, number="9")
    units = [factories.UnitFactory.build(building=building, number=f"9{n:04d}") for n in range(rows)]
    type(units[0]).objects.bulk_create(units)
    units = list(type(units[0]).objects.filter(building=building))
    answers = SurveyAnswer.objects.bulk_create(
        SurveyAnswer(survey=survey, unit=unit, building=building, answered_by=owner) for unit in units
    )
    codes = ["cleaning", "security", "landscaping"]
    SurveyScore.objects.bulk_create(
        SurveyScore(answer=a, survey=survey, building=building, service_area=area(codes[n % 3]), score=n % 5 + 1)
        for n, a in enumerate(answers)
    )
    complaints = bulk_complaints(compound, rows, status="closed")
    statuses = list(Status)
    Callback.objects.bulk_create(
        Callback(
            complaint=complaint,
            compound=compound,
            status=statuses[n % len(statuses)],
            due_at=at("2025-08-01 12:00") + timedelta(hours=7 * n),
            done_at=at("2025-08-01 10:00") + timedelta(hours=7 * n),
            satisfaction=n % 5 + 1,
        )
        for n, complaint in enumerate(complaints)
    )
    kinds = list(Kind)
    FeedbackEntry.objects.bulk_create(
        FeedbackEntry(
            compound=compound,
            author=owner,
            kind=kinds[n % 4],
            service_area=area(codes[n % 3]),
            title="t",
            body="b",
            created_at=at("2025-07-02 12:00") + timedelta(hours=9 * n),
        )
        for n in range(rows)
    )


@pytest.mark.parametrize("rows", [3, 300])
def test_the_page_and_the_csv_cost_a_fixed_number_of_queries(
    compound, committee_member, owner, django_assert_num_queries, rows
):
    _many(compound, committee_member, owner, rows)
    client = client_for(committee_member)
    with time_machine.travel(NOW, tick=False):
        # session, user, access (3), the compound, the scores, the callbacks, the feedback
        # entries, the service areas' names, the navbar's badges (2)
        with django_assert_num_queries(12):
            response = client.get(PAGE)
        result = response.context["result"]
        assert result.months_all.total == rows
        assert sum(row.period.answers for row in result.satisfaction) == rows
        assert result.callbacks_all.due + result.callbacks_all.cancelled + result.callbacks_all.not_yet_due == rows
        # The same without the navbar.
        with django_assert_num_queries(10):
            b"".join(client.get(CSV).streaming_content)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: generate_series and EXPLAIN")
def test_at_scale_every_query_reads_an_index_not_the_table(compound, committee_member, owner):
    """About 100,000 callbacks, feedback entries and survey scores over six
    years and ten compounds: one compound's last four quarters are read
    through the indexes, never by scanning a whole table."""
    compounds = [compound, *factories.CompoundFactory.create_batch(9)]
    ids = [c.pk for c in compounds]
    areas = list(ServiceArea.objects.values_list("pk", flat=True))
    complaint = bulk_complaints(compound, 1, status="closed")[0]
    buildings = [factories.BuildingFactory(compound=c, number="9").pk for c in compounds]
    Survey.objects.bulk_create(
        Survey(
            compound=c,
            title="测评",
            period_start=quarter.first_day,
            period_end=quarter.last_day,
            opens_at=quarter.ends_at(),
            closes_at=quarter.ends_at() + timedelta(days=14),
            created_by=committee_member,
        )
        for c in compounds
        for quarter in [Quarter(2021 + n // 4, n % 4 + 1) for n in range(24)]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO feedback_callback
                (complaint_id, compound_id, status, created_at, due_at, attempts, satisfaction, comment, channel,
                 done_at, version)
            SELECT %s, (%s::bigint[])[n %% 10 + 1],
                   (ARRAY['solved', 'unsolved', 'unreached', 'lapsed', 'cancelled', 'pending'])[n %% 6 + 1],
                   now() - n * interval '30 minutes' - interval '3 days', now() - n * interval '30 minutes', 1,
                   n %% 5 + 1, '', '', now() - n * interval '30 minutes' - interval '1 hour', 1
            FROM generate_series(1, 100000) AS n
            """,
            [complaint.pk, ids],
        )
        cursor.execute(
            """
            INSERT INTO feedback_feedbackentry
                (compound_id, author_id, kind, service_area_id, title, body, name_shown_to_company, status,
                 created_at, answer, version, search_tokens)
            SELECT (%s::bigint[])[n %% 10 + 1], %s,
                   (ARRAY['suggestion', 'praise', 'inquiry', 'rating'])[n %% 4 + 1],
                   (%s::bigint[])[n %% %s + 1], 't', 'b', false, 'new',
                   now() - n * interval '30 minutes', '', 1, ''
            FROM generate_series(1, 100000) AS n
            """,
            [ids, owner.pk, areas, len(areas)],
        )
        cursor.execute(
            """
            INSERT INTO committee_site_unit (number, building_id)
            SELECT 'u' || n, b FROM generate_series(1, 400) AS n, unnest(%s::bigint[]) AS b
            """,
            [buildings],
        )
        cursor.execute(
            """
            INSERT INTO feedback_surveyanswer (answered_at, comment, answered_by_id, building_id, survey_id, unit_id)
            SELECT s.opens_at, '', %s, u.building_id, s.id, u.id
            FROM feedback_survey s
            JOIN committee_site_building b ON b.compound_id = s.compound_id
            JOIN committee_site_unit u ON u.building_id = b.id
            WHERE b.id = ANY(%s::bigint[])
            """,
            [owner.pk, buildings],
        )
        cursor.execute(
            """
            INSERT INTO feedback_surveyscore (score, answer_id, building_id, service_area_id, survey_id)
            SELECT a.id %% 5 + 1, a.id, a.building_id, (%s::bigint[])[a.id %% %s + 1], a.survey_id
            FROM feedback_surveyanswer a
            """,
            [areas, len(areas)],
        )
        assert SurveyScore.objects.count() == 10 * 24 * 400
        for table in ("feedback_callback", "feedback_feedbackentry", "feedback_surveyanswer", "feedback_surveyscore"):
            cursor.execute(f"ANALYZE {table}")
    first, last = default_quarters(timezone.localdate())
    plans = {
        "feedback_surveyscore": score_groups(compound.pk, first, last).explain(),
        "feedback_callback": callback_groups(compound.pk, first, last, timezone.now()).explain(),
        "feedback_feedbackentry": entry_groups(compound.pk, first, last).explain(),
    }
    assert "callback_compound_due" in plans["feedback_callback"]
    assert "feedback_compound_created" in plans["feedback_feedbackentry"]
    for table, plan in plans.items():
        assert f"Seq Scan on {table}" not in plan, plan
    # The compound's few surveys, then each one's scores by their survey.
    assert "Index Cond: (survey_id = feedback_survey.id)" in plans["feedback_surveyscore"]


# --- who may see it -------------------------------------------------------------------


def test_committee_and_officers_see_it_the_property_company_and_owners_do_not(
    known, compound, committee_member, officer, property_staff, owner, other_committee_member, client
):
    for user in (committee_member, officer):
        assert get(user).status_code == 200
        assert get(user).context["compound"] == compound
        assert get(user, CSV).status_code == 200
    for user in (property_staff, owner):
        assert get(user).status_code == 403
        assert get(user, CSV).status_code == 403
    # Another compound's member sees their own compound, and nothing of this one.
    theirs = get(other_committee_member)
    assert theirs.status_code == 200
    assert theirs.context["result"].months_all.total == 1
    assert get(other_committee_member, PAGE, {"compound": compound.pk}).status_code == 404
    assert get(other_committee_member, CSV, {"compound": compound.pk}).status_code == 404
    with time_machine.travel(NOW, tick=False):
        assert client.get(PAGE).status_code == 302
        assert client.get(PAGE)["Location"].startswith(reverse("login"))
        assert client.get(CSV).status_code == 302


def test_an_owner_who_is_also_staff_of_the_company_still_cannot_see_it(compound, owner):
    Membership.objects.create(user=owner, organisation=compound.property_company, role="property_staff")
    assert get(owner).status_code == 403


def test_a_member_of_two_committees_chooses_the_compound(known, compound, committee_member, other_compound):
    Membership.objects.create(user=committee_member, organisation=other_compound.committee, role="committee_member")
    here = get(committee_member)
    assert here.context["compound"] == compound
    assert 'name="compound"' in here.content.decode()
    there = get(committee_member, PAGE, {"compound": other_compound.pk})
    assert there.context["compound"] == other_compound
    assert there.context["result"].months_all.total == 1
    assert there.context["result"].callbacks_all.solved == 1


def test_the_links_to_the_page(compound, committee_member, officer, property_staff):
    assert 'data-testid="nav-feedback-analysis"' in get(committee_member, reverse("home")).content.decode()
    assert 'data-testid="nav-feedback-analysis"' in get(officer, reverse("home")).content.decode()
    assert 'data-testid="nav-feedback-analysis"' not in get(property_staff, reverse("home")).content.decode()
    complaints = get(committee_member, reverse("complaints:analysis")).content.decode()
    assert f'href="{PAGE}" data-testid="feedback-analysis-link"' in complaints


# --- bad input ------------------------------------------------------------------------


def test_the_quarters_chosen_are_analysed(known, committee_member):
    result = get(committee_member, PAGE, {"start": "2025Q4", "end": "2026Q1"}).context["result"]
    assert [quarter.label for quarter in result.quarters] == ["2025年第4季度", "2026年第1季度"]
    assert [month.label for month in result.months] == [
        "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"
    ]  # fmt: skip
    assert result.open_quarters == []
    assert result.callbacks_all.due == 7


@pytest.mark.parametrize(
    ("query", "first", "last", "error"),
    [
        ({"start": "2026Q2", "end": "2025Q1"}, "2026Q2", "2026Q2", "The last quarter is before the first."),
        ({"start": "2020Q1", "end": "2026Q1"}, "2020Q1", "2020Q4", "Choose at most twenty quarters (five years)."),
        ({"start": "2026Q3"}, "2025Q3", "2026Q2", "2026Q3 is not one of the available choices."),
        ({"end": "1999Q4"}, "2025Q3", "2026Q2", "1999Q4 is not one of the available choices."),
        ({"start": "2025q1"}, "2025Q3", "2026Q2", "is not one of the available choices."),
        ({"end": "2000Q2", "start": "x"}, "2000Q1", "2000Q2", "x is not one of the available choices."),
        # With one compound the form has no compound field to name the error at.
        ({"compound": "abc"}, "2025Q3", "2026Q2", ""),
    ],
)
def test_a_bad_choice_gets_a_message_and_the_rest_or_the_defaults(committee_member, query, first, last, error):
    response = get(english(committee_member), PAGE, query)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Some of the choices were not valid and were left out." in page
    assert error in page
    result = response.context["result"]
    assert (f"{result.first.year}Q{result.first.number}", f"{result.last.year}Q{result.last.number}") == (first, last)


def test_only_the_start_gives_four_quarters_from_it(committee_member):
    result = get(committee_member, PAGE, {"start": "2024Q2"}).context["result"]
    assert (result.first, result.last) == (Quarter(2024, 2), Quarter(2025, 1))
    result = get(committee_member, PAGE, {"end": "2025Q2"}).context["result"]
    assert (result.first, result.last) == (Quarter(2024, 3), Quarter(2025, 2))


def test_the_analysis_function_alone_reads_the_compound_it_is_given(known, compound):
    with time_machine.travel(NOW, tick=False):
        result = feedback_analysis(
            compound_id=compound.pk, first=Quarter(2026, 1), last=Quarter(2026, 1), now=at("2026-05-20 12:00")
        )
    assert [(row.label, row.period.answers) for row in result.satisfaction] == [("安全保卫", 5), ("环境卫生", 5)]
    assert result.callbacks_all.due == 3
