"""The survey pages: who may see and do what, the owner's answer form and its
refusals, the committee's new survey and early close, the results and their
CSV (the property company never sees a comment or a small group), floods,
hostile page links, and a constant number of queries."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import localdate

from committee_site.models import Membership, OwnerProfile, ServiceArea, User
from feedback.models import Survey, SurveyAnswer
from tests import factories
from tests.conftest import client_for
from tests.feedback.test_surveys import NOW, TODAY, answer, answer_rows, at, open_survey, owner_of, survey_rows, unit_of
from tests.floods import assert_flood_refused
from tests.snapshot import db_rows

pytestmark = pytest.mark.django_db

LIST = reverse("feedback:survey_list")
NEW = reverse("feedback:survey_new")


def page_of(name, survey):
    return reverse(f"feedback:{name}", args=[survey.pk])


def text(response):
    return response.content.decode()


def _speaks(user):
    def speak(language):
        User.objects.filter(pk=user.pk).update(language=language)

    return speak


@pytest.fixture
def running(compound, committee_member, owner):
    """A survey open now (the real now), over two areas."""
    with at(datetime.now(UTC)):
        return open_survey(committee_member, compound, opens_on=localdate())


def _closed(compound, committee_member, *, answers_in_building=(6, 5, 2), comment="电梯间有异味"):
    survey = survey_rows(
        compound,
        committee_member,
        units=40,
        opens=datetime(2026, 10, 1, tzinfo=UTC),
        closes=datetime(2026, 10, 15, tzinfo=UTC),
        title="十月测评",
    )
    for number, n in zip(("1", "2", "3"), answers_in_building, strict=False):
        answer_rows(survey, number, [{"cleaning": 5, "security": 2}] * n, comment=comment, first_unit=50)
    return survey


@pytest.fixture
def closed(compound, committee_member):
    return _closed(compound, committee_member)


def _levels(survey, level=4, **fields):
    data = {f"area_{area.pk}": level for area in survey.service_areas.all()}
    return {**data, **fields}


# --- the list -----------------------------------------------------------------------------------


def test_owners_see_open_surveys_to_answer_and_when_their_unit_answered(running, closed, owner):
    client = client_for(owner)
    page = text(client.get(LIST))
    assert running.title in page
    assert page_of("survey_detail", running) + "#answer" in page
    assert page_of("survey_results", closed) in page
    assert "电梯间有异味" not in page
    with at(datetime.now(UTC)):
        answer(running, owner, {"cleaning": 4, "security": 4})
    page = text(client.get(LIST))
    assert page_of("survey_detail", running) + "#answer" not in page
    assert re.search(r'data-testid="survey-answered">1号楼101室已于 [^<]+ 作答<', page)


def test_the_company_sees_surveys_but_no_progress_until_they_close(running, closed, property_staff, officer):
    for reader in (property_staff, officer):
        response = client_for(reader).get(LIST)
        assert response.status_code == 200
        page = text(response)
        assert running.title in page
        assert 'data-testid="survey-progress"' not in page
        assert page_of("survey_results", closed) in page
        assert 'data-testid="survey-new"' not in page


def test_the_committee_sees_progress_planned_surveys_and_the_new_button(running, committee_member, compound):
    with at(datetime.now(UTC)):
        later = open_survey(committee_member, compound, opens_on=localdate() + timedelta(days=3), title="下月测评")
    page = text(client_for(committee_member).get(LIST))
    assert 'data-testid="survey-new"' in page
    assert 'data-testid="survey-progress"' in page
    assert later.title in page
    assert 'data-testid="survey-planned"' in page


def test_the_list_is_for_members_of_a_compound(running):
    assert Client().get(LIST).status_code == 302
    nobody = factories.UserFactory(username="nobody")
    assert client_for(nobody).get(LIST).status_code == 403


def test_another_compounds_surveys_are_not_listed(running, other_committee_member):
    assert running.title not in text(client_for(other_committee_member).get(LIST))


# --- the new survey ------------------------------------------------------------------------------


def test_the_new_survey_form_ticks_all_nine_areas(committee_member, owner):
    response = client_for(committee_member).get(NEW)
    assert response.status_code == 200
    page = text(response)
    boxes = re.findall(r'<input type="checkbox"[^>]*name="service_areas"[^>]*>', page)
    assert len(boxes) == 9 == ServiceArea.objects.filter(active=True).count()
    assert all("checked" in box for box in boxes)


def test_the_new_survey_form_says_when_the_suggested_quarter_has_a_survey(
    committee_member, compound, other_compound, other_committee_member
):
    with at():
        assert "survey-covered" not in text(client_for(committee_member).get(NEW))
        # The third quarter, suggested on 5 November, is surveyed already; another compound's survey is not shown.
        for each in (compound, other_compound):
            factories.UnitFactory(building=factories.BuildingFactory(compound=each))
        survey = open_survey(committee_member, compound)
        open_survey(other_committee_member, other_compound, title="别的小区的测评")
        page = text(client_for(committee_member).get(NEW))
    covered = page.split('data-testid="survey-covered">')[1].split("</div>")[0]
    assert "已有针对建议期间的测评" in covered
    assert f'href="/feedback/surveys/{survey.pk}/"' in covered
    assert "2026年第三季度满意度测评" in covered
    assert "别的小区的测评" not in covered


def test_the_committee_opens_a_survey_and_the_owners_are_told(committee_member, compound, owner):
    data = {
        "compound": compound.pk,
        "title": "2026年第四季度满意度测评",
        "period_start": "2026-10-01",
        "period_end": "2026-12-31",
        "opens_on": localdate().isoformat(),
        "closes_on": (localdate() + timedelta(days=7)).isoformat(),
        "service_areas": [area.pk for area in ServiceArea.objects.filter(code__in=["cleaning", "parking"])],
    }
    response = client_for(committee_member).post(NEW, data)
    survey = Survey.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_of("survey_detail", survey)
    assert sorted(survey.service_areas.values_list("code", flat=True)) == ["cleaning", "parking"]
    assert owner.notifications.filter(kind="survey_opened").count() == 1


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"service_areas": []}, "请至少选择一项要测评的服务内容。"),
        ({"opens_on": "2000-01-01"}, "测评不能从已经过去的日期开始"),
        ({"closes_on": "2000-01-01"}, "截止日期早于开始日期"),
        ({"period_end": "2000-01-01"}, "测评周期的结束日期早于开始日期"),
        ({"title": ""}, "这个字段是必填项"),
    ],
)
def test_a_bad_new_survey_is_refused_with_its_reason_and_saves_nothing(
    committee_member, compound, owner, change, error
):
    data = {
        "compound": compound.pk,
        "title": "测评",
        "period_start": "2026-10-01",
        "period_end": "2026-12-31",
        "opens_on": localdate().isoformat(),
        "closes_on": (localdate() + timedelta(days=7)).isoformat(),
        "service_areas": [ServiceArea.objects.get(code="cleaning").pk],
        **change,
    }
    client = client_for(committee_member)
    before = db_rows()
    response = client.post(NEW, data)
    assert response.status_code == 400
    assert error in text(response)
    assert db_rows() == before


def test_only_the_committee_may_open_a_survey(owner, property_staff, officer, compound):
    for user in (owner, property_staff, officer):
        client = client_for(user)
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, {"compound": compound.pk}).status_code == 403
    assert not Survey.objects.exists()


def test_a_committee_member_cannot_open_a_survey_for_another_compound(committee_member, other_compound):
    factories.owner_in(other_compound, username="far-away")
    response = client_for(committee_member).post(NEW, {"compound": other_compound.pk, "title": "x"})
    assert response.status_code == 400
    assert not Survey.objects.exists()


# --- the survey page and the answer ---------------------------------------------------------------


def test_the_owner_gets_five_levels_for_every_area_asked(running, owner):
    page = text(client_for(owner).get(page_of("survey_detail", running)))
    assert 'data-testid="survey-answer-form"' in page
    assert page.count('data-testid="survey-question"') == 2
    assert len(re.findall(r'<input type="radio" name="area_\d+"', page)) == 10
    assert "您为1号楼101室作答。" in page


def test_an_owner_of_two_units_chooses_which_answers(running, owner, compound):
    second = factories.UnitFactory(building=factories.BuildingFactory(compound=compound, number="5"), number="502")
    owner.owner_profile.units.add(second)
    client = client_for(owner)
    page = text(client.get(page_of("survey_detail", running)))
    assert 'name="unit"' in page
    assert ">5号楼502室<" in page
    assert ">1号楼101室<" in page
    response = client.post(page_of("survey_answer", running), _levels(running, unit=second.pk))
    assert response.status_code == 302
    assert SurveyAnswer.objects.get().unit == second
    page = text(client.get(page_of("survey_detail", running)))
    assert "您为1号楼101室作答。" in page
    assert "5号楼502室已于" in page


def test_an_answer_is_recorded_and_a_second_one_refused_saying_when(running, owner):
    client = client_for(owner)
    unit = unit_of(owner)
    response = client.post(page_of("survey_answer", running), _levels(running, 5, unit=unit.pk, comment="保洁很好"))
    assert response.status_code == 302
    assert "谢谢" in text(client.get(response["Location"]))
    answered = SurveyAnswer.objects.get()
    assert answered.comment == "保洁很好"
    before = db_rows()
    again = client.post(page_of("survey_answer", running), _levels(running, 1, unit=unit.pk))
    assert again.status_code == 409
    when = answered.answered_at.astimezone(UTC) + timedelta(hours=8)
    assert f"1号楼101室已于 {when:%Y-%m-%d %H:%M} 参加本次测评。" in text(again)
    assert 'data-testid="survey-answer-form"' not in text(again)
    assert db_rows() == before


def test_an_answer_missing_an_area_keeps_the_choices_and_saves_nothing(running, owner):
    data = _levels(running, 3, unit=unit_of(owner).pk, comment="大门")
    missing = next(iter(k for k in data if k.startswith("area_")))
    del data[missing]
    client = client_for(owner)
    before = db_rows()
    response = client.post(page_of("survey_answer", running), data)
    assert response.status_code == 400
    page = text(response)
    assert "请选择您对这项服务的满意程度。" in page
    assert re.search(r'value="3"[^>]*checked', page)
    assert re.search(r">\s*大门</textarea>", page)
    assert db_rows() == before


@pytest.mark.parametrize("level", ["0", "6", "x", "9" * 30])
def test_a_level_outside_the_five_is_refused(running, owner, level):
    data = _levels(running, 3, unit=unit_of(owner).pk)
    data[next(iter(data))] = level
    response = client_for(owner).post(page_of("survey_answer", running), data)
    assert response.status_code == 400
    assert not SurveyAnswer.objects.exists()


def test_an_answer_for_someone_elses_unit_is_refused(running, owner, compound):
    neighbour = owner_of(compound, building="2", unit="202")
    response = client_for(owner).post(page_of("survey_answer", running), _levels(running, unit=unit_of(neighbour).pk))
    assert response.status_code == 400
    assert not SurveyAnswer.objects.exists()


def test_only_owners_of_the_compound_answer(running, committee_member, property_staff, officer, other_compound):
    url = page_of("survey_answer", running)
    for user in (committee_member, property_staff, officer):
        assert client_for(user).post(url, _levels(running)).status_code == 403
    stranger = factories.owner_in(other_compound, username="stranger")
    assert client_for(stranger).post(url, _levels(running)).status_code == 404
    assert client_for(stranger).get(page_of("survey_detail", running)).status_code == 404
    assert Client().post(url, _levels(running)).status_code == 302
    assert client_for(stranger).get(url).status_code == 405
    assert not SurveyAnswer.objects.exists()


def test_an_answer_after_the_close_is_refused_with_the_time(compound, committee_member, owner):
    with at(NOW):
        survey = open_survey(committee_member, compound, closes_on=TODAY)
    with at("2026-11-06 08:00 +0800"):
        response = client_for(owner).post(page_of("survey_answer", survey), _levels(survey, unit=unit_of(owner).pk))
    assert response.status_code == 400
    assert "本次测评已于 2026-11-06 00:00 结束" in text(response)
    assert not SurveyAnswer.objects.exists()


def test_a_member_who_is_also_an_owner_sees_both_sides(running, compound, committee_member, owner):
    profile = OwnerProfile.objects.create(user=committee_member, phone="13900139002", verified_at=datetime.now(UTC))
    profile.units.add(factories.UnitFactory(building=unit_of(owner).building, number="109"))
    page = text(client_for(committee_member).get(page_of("survey_detail", running)))
    assert 'data-testid="survey-answer-form"' in page
    assert 'data-testid="survey-close-form"' in page


# --- closing early ---------------------------------------------------------------------------------


def test_the_committee_closes_a_survey_early(running, committee_member):
    client = client_for(committee_member)
    assert 'data-testid="survey-close-form"' in text(client.get(page_of("survey_detail", running)))
    response = client.post(page_of("survey_close", running))
    assert response.status_code == 302
    running.refresh_from_db()
    assert running.is_closed()
    page = text(client.get(response["Location"]))
    assert "测评已结束。" in page
    assert 'data-testid="survey-close-form"' not in page
    again = client.post(page_of("survey_close", running))
    assert again.status_code == 302
    assert "已于" in text(client.get(again["Location"]))


def test_only_the_surveys_committee_closes_it(running, owner, property_staff, officer, other_committee_member):
    url = page_of("survey_close", running)
    for user in (owner, property_staff, officer):
        assert client_for(user).post(url).status_code == 403
    assert client_for(other_committee_member).post(url).status_code == 404
    assert client_for(owner).get(url).status_code == 405
    running.refresh_from_db()
    assert running.is_open()


# --- results -------------------------------------------------------------------------------------


def test_the_committee_sees_every_figure_and_the_comments(closed, committee_member):
    page = text(client_for(committee_member).get(page_of("survey_results", closed)))
    assert "电梯间有异味" in page
    assert page.count('data-testid="survey-comment"') == 13
    assert page.count('data-testid="building-hidden"') == 2
    assert "少于 5 份答卷</td>" not in page
    assert 'data-testid="results-answers">13<' in page
    assert 'data-testid="results-response-rate">32.5%<' in page


def test_the_company_never_sees_comments_nor_small_buildings(closed, property_staff, officer, owner):
    for reader in (property_staff, officer, owner):
        response = client_for(reader).get(page_of("survey_results", closed))
        assert response.status_code == 200
        page = text(response)
        assert "电梯间有异味" not in page
        assert 'data-testid="survey-comment"' not in page
        rows = re.findall(r'<tr data-testid="building-row">(.*?)</tr>', page, re.S)
        assert len(rows) == 3
        assert "100.0%" in rows[0]
        assert "少于 5 份答卷" in rows[2]
        assert "%" not in rows[1]
        assert "%" not in rows[2]


def test_under_five_answers_the_company_sees_only_the_count(compound, committee_member, property_staff):
    survey = _closed(compound, committee_member, answers_in_building=(3, 1))
    page = text(client_for(property_staff).get(page_of("survey_results", survey)))
    assert 'data-testid="results-suppressed"' in page
    assert 'data-testid="results-answers">4<' in page
    assert 'data-testid="table-rate"' not in page
    assert 'data-testid="table-buildings"' not in page
    rows = list(csv.reader(io.StringIO(b"".join(client_for(property_staff).get(
        page_of("survey_results_csv", survey)).streaming_content).decode("utf-8-sig"))))  # fmt: skip
    figures = [row for row in rows if row and row[0] in ("安全保卫", "环境卫生")]
    assert figures == [["安全保卫", "少于 5 份答卷"], ["环境卫生", "少于 5 份答卷"]]


def test_results_of_a_running_survey_wait_for_the_close_except_for_the_committee(
    running, owner, property_staff, committee_member
):
    with at(datetime.now(UTC)):
        answer(running, owner, {"cleaning": 4, "security": 4}, comment="还行")
    for reader in (owner, property_staff):
        page = text(client_for(reader).get(page_of("survey_results", running)))
        assert 'data-testid="survey-results-waiting"' in page
        assert "还行" not in page
        assert client_for(reader).get(page_of("survey_results_csv", running)).status_code == 403
    page = text(client_for(committee_member).get(page_of("survey_results", running)))
    assert 'data-testid="survey-still-open"' in page
    assert "还行" in page


def test_another_compound_cannot_see_the_results(closed, other_committee_member):
    for name in ("survey_results", "survey_results_csv", "survey_detail"):
        assert client_for(other_committee_member).get(page_of(name, closed)).status_code == 404
    assert Client().get(page_of("survey_results", closed)).status_code == 302


def _csv(client, survey):
    response = client.get(page_of("survey_results_csv", survey))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="survey-{survey.pk}-results.csv"'
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_csv_holds_the_pages_figures_and_no_comment(closed, committee_member, property_staff):
    company = _csv(client_for(property_staff), closed)
    assert company[0][0] == "十月测评"
    assert ["答卷", "13", "户数", "40", "参与率（%）", "32.5"] in company
    assert ["安全保卫", "13", "0", "0", "0", "13", "0", "0.0", "", ""] in company
    assert ["环境卫生", "13", "13", "0", "0", "0", "0", "100.0", "", ""] in company
    assert ["1号楼", "6", "0.0", "100.0"] in company
    assert ["2号楼", "不公开，以免推算出答卷较少的楼栋"] in company
    assert ["3号楼", "少于 5 份答卷"] in company
    assert not any("电梯间有异味" in cell for row in company for cell in row)
    committee = _csv(client_for(committee_member), closed)
    assert ["3号楼", "2", "0.0", "100.0"] in committee
    assert not any("电梯间有异味" in cell for row in committee for cell in row)


def test_the_results_compare_with_the_previous_survey(closed, compound, committee_member, property_staff):
    later = survey_rows(
        compound,
        committee_member,
        units=40,
        opens=datetime(2026, 11, 1, tzinfo=UTC),
        closes=datetime(2026, 11, 15, tzinfo=UTC),
        title="十一月测评",
    )
    answer_rows(later, "1", [{"cleaning": 3, "security": 4}] * 4 + [{"cleaning": 1, "security": 4}], first_unit=80)
    page = text(client_for(property_staff).get(page_of("survey_results", later)))
    # Cleaning 100 % before, 80 % now; security 0 % before, 100 % now.
    rows = re.findall(r'<tr[^>]*data-testid="rate-row">(.*?)</tr>', page, re.S)
    assert [re.findall(r">([+\-]?[\d.]+%?)<", row) for row in rows] == [
        ["100.0%", "0.0%", "+100.0"],
        ["80.0%", "100.0%", "-20.0"],
    ]
    assert "十月测评" in page


def test_the_charts_are_fed_as_data(closed, property_staff):
    page = text(client_for(property_staff).get(page_of("survey_results", closed)))
    assert '<script id="chart-data" type="application/json">' in page
    assert '<script id="survey-distribution-data" type="application/json">' in page
    assert "js/survey_charts.js" in page
    assert "<script>" not in page


@pytest.mark.parametrize("cursor", ["garbage", "\x00", "a" * 10000, "eyJrIjogWzEsIDJdLCAiZCI6ICJuIn0"])
def test_a_hostile_comment_page_link_gives_the_first_page(closed, committee_member, cursor):
    response = client_for(committee_member).get(page_of("survey_results", closed), {"cursor": cursor})
    assert response.status_code == 200
    assert text(response).count('data-testid="survey-comment"') == 13


# --- floods -------------------------------------------------------------------------------------


def test_a_flood_of_new_surveys_gets_429(settings, committee_member, compound, owner):
    client = client_for(committee_member)

    def send(i, language):
        return client.post(
            NEW,
            {
                "compound": compound.pk,
                "title": f"测评 {i}",
                "period_start": "2026-10-01",
                "period_end": "2026-12-31",
                "opens_on": localdate().isoformat(),
                "closes_on": localdate().isoformat(),
                "service_areas": [ServiceArea.objects.get(code="cleaning").pk],
            },
        )

    assert_flood_refused(settings, "survey_open", send, speak=_speaks(committee_member))
    assert Survey.objects.count() == 2


def test_a_flood_of_answers_gets_429(settings, running, owner, compound):
    building = unit_of(owner).building
    units = [factories.UnitFactory(building=building, number=f"3{i}") for i in range(3)]
    owner.owner_profile.units.add(*units)
    client = client_for(owner)
    all_units = [unit.pk for unit in owner.owner_profile.units.order_by("pk")]

    def send(i, language):
        return client.post(page_of("survey_answer", running), _levels(running, unit=all_units[i]))

    assert_flood_refused(settings, "survey_answer", send, speak=_speaks(owner))
    assert SurveyAnswer.objects.count() == 2


# --- cost ---------------------------------------------------------------------------------------


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("reader", ["committee_member", "owner", "property_staff"])
def test_the_list_costs_the_same_with_few_and_many_surveys(request, reader, compound, committee_member, owner):
    user = request.getfixturevalue(reader)
    client = client_for(user)
    with at(datetime.now(UTC)):
        open_survey(committee_member, compound, opens_on=localdate())
        open_survey(committee_member, compound, opens_on=localdate() + timedelta(days=2))
    _closed(compound, committee_member)
    client.get(LIST)
    few = _count_queries(client, LIST)
    for i in range(25):
        survey = survey_rows(
            compound,
            committee_member,
            units=40,
            opens=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=i),
            closes=datetime(2025, 1, 2, tzinfo=UTC) + timedelta(days=i),
            title=f"旧测评{i}",
        )
        answer_rows(survey, "7", [{"cleaning": 4, "security": 4}] * 6, first_unit=100 + 10 * i)
    with at(datetime.now(UTC)):
        for _ in range(3):
            open_survey(committee_member, compound, opens_on=localdate())
    assert _count_queries(client, LIST) == few


@pytest.mark.parametrize("reader", ["committee_member", "property_staff"])
def test_the_results_cost_the_same_with_few_and_many_answers(request, reader, closed):
    client = client_for(request.getfixturevalue(reader))
    url = page_of("survey_results", closed)
    client.get(url)
    few = _count_queries(client, url)
    answer_rows(closed, "4", [{"cleaning": 3, "security": 1}] * 80, comment="多", first_unit=200)
    assert _count_queries(client, url) == few


def test_the_survey_page_costs_the_same_with_few_and_many_answers(running, owner, committee_member, compound):
    for user in (owner, committee_member):
        client = client_for(user)
        url = page_of("survey_detail", running)
        client.get(url)
        few = _count_queries(client, url)
        answer_rows(running, f"9{user.pk}", [{"cleaning": 3, "security": 1}] * 30, first_unit=300)
        assert _count_queries(client, url) == few


def test_a_member_of_two_compounds_sees_which_compound_each_survey_is_for(
    running, committee_member, other_compound, other_committee_member
):
    Membership.objects.create(user=committee_member, organisation=other_compound.committee, role="committee_member")
    factories.owner_in(other_compound, username="other-owner")
    with at(datetime.now(UTC)):
        open_survey(other_committee_member, other_compound, opens_on=localdate(), title="绿洲测评")
    page = text(client_for(committee_member).get(LIST))
    assert "绿洲家园 ·" in page
    assert "绿洲测评" in page
