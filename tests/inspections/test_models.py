from datetime import date

import pytest

from inspections.models import ChecklistTemplate, Grade, InspectionPlan, grade_for, quarter_bounds

pytestmark = pytest.mark.django_db


def test_default_template_is_seeded_with_100_points_in_both_languages():
    template = ChecklistTemplate.objects.get(compound__isnull=True)
    sections = list(template.sections.prefetch_related("items"))
    assert sum(section.points for section in sections) == 100
    assert [section.points for section in sections] == [15, 10, 20, 12, 12, 8, 13, 5, 5]
    for section in sections:
        assert section.name
        assert section.name_en
        items = list(section.items.all())
        assert sum(item.points for item in items) == section.points
        assert all(item.text and item.text_en and item.service_area_id for item in items)
    critical = [item.text_en for section in sections for item in section.items.all() if item.critical]
    assert critical == ["Exits and fire lanes clear"]


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (100, Grade.EXCELLENT),
        (90, Grade.EXCELLENT),
        (89, Grade.GOOD),
        (80, Grade.GOOD),
        (79, Grade.PASS),
        (70, Grade.PASS),
        (69, Grade.FAIL),
        (0, Grade.FAIL),
    ],
)
def test_grade_for_follows_the_design_bands(score, grade):
    assert grade_for(score) == grade


def test_quarter_bounds_cover_the_quarter_including_the_year_end():
    assert quarter_bounds(date(2026, 11, 30)) == (date(2026, 10, 1), date(2027, 1, 1))
    assert quarter_bounds(date(2026, 1, 1)) == (date(2026, 1, 1), date(2026, 4, 1))


def test_plan_periods_follow_the_recurrence():
    plan = InspectionPlan(recurrence="semi_annual", day_of_period=31)
    assert plan.period_start(date(2026, 11, 30)) == date(2026, 7, 1)
    assert plan.next_period_start(date(2026, 7, 1)) == date(2027, 1, 1)
    # Day 31 does not exist in every month; the plan falls back to the 28th.
    assert plan.planned_day(date(2027, 1, 1)) == date(2027, 1, 28)
