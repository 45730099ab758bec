"""Satisfaction surveys (满意度测评): opening, closing early and answering
through the services, and the results' figures, exact to the answer: rates,
levels, response rate, the change since the previous survey, buildings, and
what the property company is never shown."""

from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
import time_machine
from django.db import IntegrityError
from django.utils import translation

from committee_site.models import AuditEvent, Notification, OwnerProfile, ServiceArea
from committee_site.services import ServiceError
from feedback import queries
from feedback.models import Survey, SurveyAnswer, SurveyScore, satisfaction_rate
from feedback.services import surveys as services
from tests import factories

pytestmark = pytest.mark.django_db

# The moment most tests run at: Thursday 5 November 2026, 14:20 in Shanghai.
NOW = "2026-11-05 14:20 +0800"
TODAY = date(2026, 11, 5)

_usernames = count(1)


def at(moment=NOW):
    return time_machine.travel(moment, tick=False)


def areas(*codes):
    rows = ServiceArea.objects.filter(code__in=codes) if codes else ServiceArea.objects.filter(active=True)
    return list(rows.order_by("order"))


def open_survey(by, compound, *, codes=("cleaning", "security"), opens_on=TODAY, closes_on=None, **fields):
    return services.survey_open(
        by=by,
        compound=compound,
        title=fields.pop("title", "2026年第三季度满意度测评"),
        period_start=fields.pop("period_start", date(2026, 7, 1)),
        period_end=fields.pop("period_end", date(2026, 9, 30)),
        opens_on=opens_on,
        closes_on=closes_on or opens_on + timedelta(days=13),
        service_areas=areas(*codes),
    )


def owner_of(compound, building="1", unit="101"):
    return factories.owner_in(compound, building=building, unit=unit, username=f"survey-owner-{next(_usernames)}")


def unit_of(owner):
    return owner.owner_profile.units.select_related("building").get()


def answer(survey, owner, levels, comment=""):
    """levels: {area code: level}."""
    by_code = {area.code: area.pk for area in survey.service_areas.all()}
    return services.survey_answer(
        survey=survey,
        unit=unit_of(owner),
        by=owner,
        scores={by_code[code]: level for code, level in levels.items()},
        comment=comment,
    )


def answer_rows(survey, building, levels_per_answer, *, comment="", first_unit=1):
    """Answers written directly, for the figures: one new unit of `building`
    per entry, each entry {area code: level}."""
    compound = survey.compound
    building_obj = factories.BuildingFactory(compound=compound, number=building)
    by = factories.UserFactory(username=f"survey-rows-{next(_usernames)}")
    area_ids = {area.code: area.pk for area in survey.service_areas.all()}
    answers = []
    for offset, levels in enumerate(levels_per_answer):
        unit = factories.UnitFactory(building=building_obj, number=f"{building}{first_unit + offset:03d}")
        row = SurveyAnswer.objects.create(
            survey=survey, unit=unit, building=building_obj, answered_by=by, comment=comment
        )
        SurveyScore.objects.bulk_create(
            SurveyScore(answer=row, survey=survey, building=building_obj, service_area_id=area_ids[code], score=level)
            for code, level in levels.items()
        )
        answers.append(row)
    return answers


def survey_rows(compound, by, *, units, opens, closes, title="测评"):
    """A survey written directly at any dates, for the comparisons."""
    survey = Survey.objects.create(
        compound=compound,
        title=title,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        opens_at=opens,
        closes_at=closes,
        units_total=units,
        created_by=by,
    )
    survey.service_areas.set(areas("cleaning", "security"))
    return survey


# --- opening ----------------------------------------------------------------------------------


def test_a_survey_opens_at_local_midnight_and_closes_after_its_last_day(compound, committee_member, owner):
    factories.UnitFactory(building=unit_of(owner).building, number="102")
    with at():
        survey = open_survey(committee_member, compound, closes_on=date(2026, 11, 18))
    # Midnight in Shanghai is 16:00 UTC the day before.
    assert survey.opens_at == datetime(2026, 11, 4, 16, 0, tzinfo=UTC)
    assert survey.closes_at == datetime(2026, 11, 18, 16, 0, tzinfo=UTC)
    assert queries.survey_last_day(survey) == date(2026, 11, 18)
    assert survey.units_total == 2
    assert [area.code for area in survey.service_areas.order_by("order")] == ["security", "cleaning"]
    audit = AuditEvent.objects.get(action="survey.open")
    assert (audit.actor, audit.object_id, audit.compound) == (committee_member, str(survey.pk), compound)
    assert audit.data["units_total"] == 2


def test_owners_are_told_when_it_opens_today_and_nobody_else(compound, committee_member, owner, other_compound):
    unverified = factories.owner_in(compound, building="2", unit="201", username="unverified")
    OwnerProfile.objects.filter(user=unverified).update(verified_at=None)
    stranger = factories.owner_in(other_compound, username="stranger")
    with at():
        survey = open_survey(committee_member, compound)
    told = Notification.objects.filter(kind="survey_opened")
    assert [n.recipient for n in told] == [owner]
    note = told.get()
    assert note.url == f"/feedback/surveys/{survey.pk}/"
    assert "2026年第三季度满意度测评" in note.title
    assert "2026年11月18日" in note.body
    assert not Notification.objects.filter(recipient__in=[unverified, stranger]).exists()


def test_a_survey_that_opens_on_a_later_day_tells_nobody_yet(compound, committee_member, owner):
    with at():
        survey = open_survey(committee_member, compound, opens_on=date(2026, 11, 10))
        assert queries.survey_state(survey, survey.opens_at - timedelta(seconds=1)) == "planned"
    assert not Notification.objects.filter(kind="survey_opened").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"opens_on": date(2026, 11, 4)}, "A survey cannot open on a day that has passed"),
        ({"closes_on": date(2026, 11, 4)}, "The last day to answer comes before the first"),
        ({"codes": ("nothing",)}, "Choose at least one service area"),
        ({"period_start": date(2026, 10, 1)}, "The period ends before it starts"),
        ({"title": "   "}, "Give the survey a title"),
        ({"title": "长" * 121}, "The title is too long"),
    ],
)
def test_a_survey_that_cannot_be_opened_says_why_and_writes_nothing(compound, committee_member, owner, change, message):
    with at(), translation.override("en"), pytest.raises(ServiceError, match=message):
        open_survey(committee_member, compound, **change)
    assert not Survey.objects.exists()
    assert not AuditEvent.objects.filter(action="survey.open").exists()


def test_only_the_committee_opens_a_survey_for_a_compound_with_units(
    compound, committee_member, owner, property_staff, other_committee_member, other_compound
):
    with at(), translation.override("en"):
        for outsider in (owner, property_staff, other_committee_member):
            with pytest.raises(ServiceError, match="Only the committee of the compound"):
                open_survey(outsider, compound)
        empty = factories.CompoundFactory(committee=compound.committee)
        with pytest.raises(ServiceError, match="has no units yet"):
            open_survey(committee_member, empty)
    assert not Survey.objects.exists()


def test_the_same_day_may_be_the_first_and_the_last(compound, committee_member, owner):
    with at():
        survey = open_survey(committee_member, compound, closes_on=TODAY)
    assert survey.closes_at - survey.opens_at == timedelta(days=1)


# --- closing early ----------------------------------------------------------------------------


def test_closing_early_closes_now_and_only_once(compound, committee_member, owner):
    with at():
        survey = open_survey(committee_member, compound)
    with at("2026-11-08 09:30 +0800"):
        closed = services.survey_close(survey=survey, by=committee_member)
        assert closed.closes_at == datetime(2026, 11, 8, 1, 30, tzinfo=UTC)
        assert closed.is_closed()
        assert (closed.version, queries.survey_last_day(closed)) == (2, date(2026, 11, 8))
        audit = AuditEvent.objects.get(action="survey.close")
        assert audit.data["planned_close"] == "2026-11-19T00:00:00+08:00"
        with translation.override("en"), pytest.raises(ServiceError, match=r"closed at 2026-11-08 09:30 already"):
            services.survey_close(survey=Survey.objects.get(pk=survey.pk), by=committee_member)
    assert AuditEvent.objects.filter(action="survey.close").count() == 1


def test_a_survey_not_yet_open_cannot_be_closed_and_only_the_committee_closes(compound, committee_member, owner):
    with at():
        planned = open_survey(committee_member, compound, opens_on=date(2026, 11, 10))
        running = open_survey(committee_member, compound)
        with translation.override("en"):
            with pytest.raises(ServiceError, match="has not opened yet"):
                services.survey_close(survey=planned, by=committee_member)
            with pytest.raises(ServiceError, match="Only the committee"):
                services.survey_close(survey=running, by=owner)
    assert not Survey.objects.filter(closes_at__lte=datetime(2026, 11, 6, tzinfo=UTC)).exists()


# --- answering --------------------------------------------------------------------------------


def test_an_owner_answers_for_their_unit_with_a_level_per_area(compound, committee_member, owner):
    with at():
        survey = open_survey(committee_member, compound)
        row = answer(survey, owner, {"cleaning": 5, "security": 2}, comment="  晚上巡逻太少  ")
    unit = unit_of(owner)
    assert (row.unit, row.building, row.answered_by, row.comment) == (unit, unit.building, owner, "晚上巡逻太少")
    assert row.answered_at == datetime(2026, 11, 5, 6, 20, tzinfo=UTC)
    scores = {s.service_area.code: (s.score, s.survey_id, s.building_id) for s in SurveyScore.objects.all()}
    assert scores == {"cleaning": (5, survey.pk, unit.building_id), "security": (2, survey.pk, unit.building_id)}
    audit = AuditEvent.objects.get(action="survey.answer")
    assert audit.data == {"survey": survey.pk, "unit": unit.pk}


def test_a_second_answer_for_the_unit_is_refused_saying_when_it_answered(compound, committee_member, owner):
    co_owner = factories.UserFactory(username="co-owner")
    profile = OwnerProfile.objects.create(user=co_owner, phone="13900139001", verified_at=datetime.now(UTC))
    profile.units.add(unit_of(owner))
    with at():
        survey = open_survey(committee_member, compound)
        answer(survey, owner, {"cleaning": 4, "security": 4})
    with at("2026-11-06 08:00 +0800"), pytest.raises(services.AlreadyAnswered) as refused:
        answer(survey, co_owner, {"cleaning": 1, "security": 1})
    assert str(refused.value.message) == "1号楼101室已于 2026-11-05 14:20 参加本次测评。"
    with translation.override("en"):
        assert services.answered_text(refused.value.answer.unit, refused.value.answer.answered_at) == (
            "Building 1, unit 101 answered this survey on 2026-11-05 14:20."
        )
    assert SurveyAnswer.objects.count() == 1
    assert sorted(SurveyScore.objects.values_list("score", flat=True)) == [4, 4]


def test_the_unique_rule_refuses_the_loser_of_a_race_with_the_winners_time(
    compound, committee_member, owner, monkeypatch
):
    """On SQLite no two writers run at once; the refusal a racing loser gets
    from the unique constraint is reached by letting the first look miss."""
    with at():
        survey = open_survey(committee_member, compound)
        answer(survey, owner, {"cleaning": 5, "security": 5})
    looks = []
    real = services.earlier_answer

    def missed_once(survey, unit):
        looks.append(unit)
        return None if len(looks) == 1 else real(survey, unit)

    monkeypatch.setattr(services, "earlier_answer", missed_once)
    with at("2026-11-05 14:21 +0800"), pytest.raises(services.AlreadyAnswered) as refused:
        answer(survey, owner, {"cleaning": 1, "security": 1})
    assert len(looks) == 2
    assert "2026-11-05 14:20" in str(refused.value.message)
    assert SurveyAnswer.objects.count() == 1
    assert sorted(SurveyScore.objects.values_list("score", flat=True)) == [5, 5]


def test_an_integrity_error_of_another_kind_is_not_taken_for_a_second_answer(
    compound, committee_member, owner, monkeypatch
):
    with at():
        survey = open_survey(committee_member, compound)

    def broken(**fields):
        raise IntegrityError("something else")

    monkeypatch.setattr(SurveyAnswer.objects, "create", broken)
    with at(), pytest.raises(IntegrityError):
        answer(survey, owner, {"cleaning": 5, "security": 5})


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ({"cleaning": 5}, "Choose a level for every service area: Security."),
        ({"cleaning": 5, "security": 0}, "Choose a level for every service area: Security."),
        ({"cleaning": 6, "security": 6}, "Choose a level for every service area: Security, Cleaning."),
        ({"cleaning": 5, "security": 5, "parking": 5}, "does not ask about"),
    ],
)
def test_an_answer_needs_one_level_from_one_to_five_for_every_area_asked(
    compound, committee_member, owner, levels, message
):
    with at():
        survey = open_survey(committee_member, compound)
        by_code = {area.code: area.pk for area in ServiceArea.objects.all()}
        with translation.override("en"), pytest.raises(ServiceError) as refused:
            services.survey_answer(
                survey=survey,
                unit=unit_of(owner),
                by=owner,
                scores={by_code[code]: level for code, level in levels.items()},
            )
    assert message in str(refused.value.message)
    assert not SurveyAnswer.objects.exists()


def test_only_a_verified_owner_of_the_unit_answers_and_only_while_open(
    compound, committee_member, owner, other_compound
):
    neighbour = owner_of(compound, building="2", unit="201")
    stranger = owner_of(other_compound)
    with at():
        survey = open_survey(committee_member, compound)
        later = open_survey(committee_member, compound, opens_on=date(2026, 11, 20))
        with translation.override("en"):
            for by, unit, message in (
                (neighbour, unit_of(owner), "Only a verified owner of the unit"),
                (committee_member, unit_of(owner), "Only a verified owner of the unit"),
                (stranger, unit_of(stranger), "not in the survey's compound"),
            ):
                with pytest.raises(ServiceError, match=message):
                    services.survey_answer(survey=survey, unit=unit, by=by, scores={})
            with pytest.raises(ServiceError, match="This survey opens on 2026-11-20"):
                answer(later, owner, {"cleaning": 5, "security": 5})
        OwnerProfile.objects.filter(user=owner).update(verified_at=None)
        with translation.override("en"), pytest.raises(ServiceError, match="Only a verified owner"):
            answer(survey, owner, {"cleaning": 5, "security": 5})
    OwnerProfile.objects.filter(user=owner).update(verified_at=datetime.now(UTC))
    with (
        at("2026-11-19 00:00 +0800"),
        translation.override("en"),
        pytest.raises(ServiceError, match="This survey closed at 2026-11-19 00:00: no more answers are taken"),
    ):
        answer(survey, owner, {"cleaning": 5, "security": 5})
    assert not SurveyAnswer.objects.exists()


def test_a_comment_longer_than_the_limit_is_refused(compound, committee_member, owner):
    with at():
        survey = open_survey(committee_member, compound)
        with translation.override("en"), pytest.raises(ServiceError, match="at most 2000 characters"):
            answer(survey, owner, {"cleaning": 5, "security": 5}, comment="长" * 2001)
    assert not SurveyAnswer.objects.exists()


# --- the figures ------------------------------------------------------------------------------


def test_satisfaction_rate_counts_the_three_satisfied_levels():
    assert satisfaction_rate({5: 2, 4: 1, 3: 1, 2: 3, 1: 1}) == 50.0
    assert satisfaction_rate({}) is None


@pytest.fixture
def thirteen(compound, committee_member):
    """A closed survey of 40 units with 13 answers over three buildings, and
    the survey before it; every figure below is worked out by hand."""
    with at("2026-07-01 09:00 +0800"):
        before = survey_rows(
            compound,
            committee_member,
            units=40,
            opens=datetime(2026, 4, 1, tzinfo=UTC),
            closes=datetime(2026, 4, 15, tzinfo=UTC),
            title="上一季度",
        )
    # Before: cleaning 3 of 5 satisfied (60 %), security 4 of 5 (80 %).
    answer_rows(before, "9", [{"cleaning": 5, "security": 4}] * 3 + [{"cleaning": 2, "security": 3}])
    answer_rows(before, "8", [{"cleaning": 1, "security": 1}])
    survey = survey_rows(
        compound,
        committee_member,
        units=40,
        opens=datetime(2026, 10, 1, tzinfo=UTC),
        closes=datetime(2026, 10, 15, tzinfo=UTC),
        title="本季度",
    )
    # Building 1: six answers; cleaning 5,5,4,3,2,1 (4 satisfied), security all 4.
    answer_rows(survey, "1", [{"cleaning": level, "security": 4} for level in (5, 5, 4, 3, 2, 1)], comment="楼道很干净")
    # Building 2: five answers; cleaning all 5, security 2,2,3,3,3.
    answer_rows(survey, "2", [{"cleaning": 5, "security": level} for level in (2, 2, 3, 3, 3)])
    # Building 3: two answers; cleaning 1 and 2, security 5 and 1.
    answer_rows(survey, "3", [{"cleaning": 1, "security": 5}, {"cleaning": 2, "security": 1}])
    return survey


def _by_code(results):
    return {area.area.code: area for area in results.areas}


def test_results_per_area_rate_levels_response_and_change_in_points(thirteen):
    results = queries.survey_results(thirteen, details=False)
    assert results.answers == 13
    assert results.response_rate == pytest.approx(32.5)  # 13 of 40 units
    area = _by_code(results)
    # Cleaning: 5,5,4,3 + 5×5 = 9 satisfied of 13.
    assert area["cleaning"].distribution == {5: 7, 4: 1, 3: 1, 2: 2, 1: 2}
    assert area["cleaning"].rate == pytest.approx(100 * 9 / 13)
    assert round(area["cleaning"].rate, 1) == 69.2
    assert area["cleaning"].previous_rate == pytest.approx(60.0)
    assert round(area["cleaning"].change, 1) == 9.2
    assert area["cleaning"].below_line
    # Security: six 4s, three 3s, one 5 = 10 of 13.
    assert area["security"].distribution == {5: 1, 4: 6, 3: 3, 2: 2, 1: 1}
    assert round(area["security"].rate, 1) == 76.9
    assert round(area["security"].change, 1) == -3.1
    assert [(s.level, s.count, round(s.percent, 1)) for s in area["security"].shares] == [
        (5, 1, 7.7),
        (4, 6, 46.2),
        (3, 3, 23.1),
        (2, 2, 15.4),
        (1, 1, 7.7),
    ]
    # Over all areas: 19 of 26 levels given.
    assert results.overall_rate == pytest.approx(100 * 19 / 26)
    assert results.previous.title == "上一季度"


def test_the_company_sees_no_building_under_five_nor_one_derivable_from_the_totals(thirteen):
    results = queries.survey_results(thirteen, details=False)
    rows = {str(row.building): row for row in results.buildings}
    assert list(rows) == ["1号楼", "2号楼", "3号楼"]
    assert (rows["1号楼"].shown, rows["1号楼"].answers) == (True, 6)
    assert [round(rate, 1) for rate in rows["1号楼"].rates] == [100.0, 66.7]  # security, cleaning
    # Building 3 has two answers; building 2, the next smallest, would give them away by subtraction.
    assert (rows["3号楼"].shown, rows["3号楼"].hidden_reason, rows["3号楼"].answers) == (False, "small", None)
    assert (rows["2号楼"].shown, rows["2号楼"].hidden_reason, rows["2号楼"].answers) == (False, "shield", None)
    assert rows["2号楼"].rates == [None, None] == rows["3号楼"].rates


def test_the_committee_sees_every_building_and_which_the_company_does_not(thirteen):
    results = queries.survey_results(thirteen, details=True)
    rows = {str(row.building): row for row in results.buildings}
    assert [(row.shown, row.answers, row.hidden_reason) for row in rows.values()] == [
        (True, 6, ""),
        (True, 5, "shield"),
        (True, 2, "small"),
    ]
    assert [round(rate, 1) for rate in rows["2号楼"].rates] == [60.0, 100.0]
    assert [round(rate, 1) for rate in rows["3号楼"].rates] == [50.0, 0.0]
    comments = list(queries.survey_comments(thirteen).order_by(*queries.SURVEY_COMMENTS_ORDER))
    assert [c.comment for c in comments] == ["楼道很干净"] * 6


def test_under_five_answers_the_company_sees_no_figure_of_them(compound, committee_member):
    survey = survey_rows(
        compound,
        committee_member,
        units=10,
        opens=datetime(2026, 10, 1, tzinfo=UTC),
        closes=datetime(2026, 10, 2, tzinfo=UTC),
    )
    answer_rows(survey, "1", [{"cleaning": 5, "security": 1}] * 4)
    hidden = queries.survey_results(survey, details=False)
    assert (hidden.suppressed, hidden.answers, hidden.response_rate) == (True, 4, 40.0)
    assert hidden.overall_rate is None
    assert hidden.buildings == []
    assert all(area.suppressed and area.rate is None and area.distribution == {} for area in hidden.areas)
    shown = queries.survey_results(survey, details=True)
    assert not shown.suppressed
    assert _by_code(shown)["cleaning"].rate == 100.0
    assert _by_code(shown)["security"].rate == 0.0


def test_no_comparison_with_a_previous_survey_of_fewer_than_five_for_the_company(thirteen, compound):
    before = Survey.objects.get(title="上一季度")
    SurveyScore.objects.filter(survey=before, building__number="8").delete()
    SurveyAnswer.objects.filter(survey=before, building__number="8").delete()
    company = _by_code(queries.survey_results(thirteen, details=False))
    assert company["cleaning"].previous_rate is None
    assert company["cleaning"].change is None
    committee = _by_code(queries.survey_results(thirteen, details=True))
    assert committee["cleaning"].previous_rate == 75.0


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ({1: 6, 2: 5, 3: 2}, {3: "small", 2: "shield"}),
        ({1: 6, 2: 7}, {}),
        # Two small ones of three answers together: the next smallest joins them.
        ({1: 1, 2: 2, 3: 10, 4: 12}, {1: "small", 2: "small", 3: "shield"}),
        # Two small ones of five answers together hide nothing more.
        ({1: 3, 2: 2, 3: 10}, {1: "small", 2: "small"}),
        # One small building alone: nothing to subtract it from.
        ({1: 3}, {1: "small"}),
        ({1: 3, 2: 5}, {1: "small", 2: "shield"}),
    ],
)
def test_hidden_buildings_cannot_be_worked_out_by_subtraction(counts, hidden):
    order = {pk: pk for pk in counts}
    assert queries._hidden_buildings(counts, order) == hidden


@pytest.mark.parametrize("answers", [6, 60])
def test_results_cost_six_queries_whatever_the_answers(thirteen, answers, django_assert_num_queries):
    answer_rows(thirteen, "5", [{"cleaning": 4, "security": 3}] * answers)
    with django_assert_num_queries(6):
        results = queries.survey_results(thirteen, details=False)
    assert results.answers == 13 + answers
