"""Paper survey forms (纸质问卷录入): a committee member of the compound types
in the forms owners filled in on paper, for any unit of the compound, by
the same rules as an online answer (open dates, a level per area, one
answer per unit, which says when it answered). Who may, the page and its
refusals, the stack typed one form after another, the count of paper and
online answers the committee sees, floods, and a constant number of queries."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.timezone import localdate

from committee_site.models import AuditEvent, Building, OwnerProfile, Unit, User
from committee_site.services import ServiceError
from feedback import queries
from feedback.models import Survey, SurveyAnswer, SurveyScore
from feedback.services import surveys as services
from tests import factories
from tests.conftest import client_for
from tests.feedback.test_surveys import TODAY, answer, answer_rows, at, open_survey, unit_of
from tests.floods import assert_flood_refused
from tests.races import postgresql_only, race
from tests.snapshot import db_rows

pytestmark = pytest.mark.django_db


def paper_url(survey):
    return reverse("feedback:survey_paper", args=[survey.pk])


def text(response):
    return response.content.decode()


def levels(survey, level=4):
    """{area pk: level} for every area asked about."""
    return {area.pk: level for area in survey.service_areas.all()}


def enter(survey, by, unit, level=4, comment=""):
    return services.survey_answer(
        survey=survey, unit=unit, by=by, scores=levels(survey, level), comment=comment, on_paper=True
    )


def form_data(survey, unit=None, level=4, **fields):
    """The POST of one paper form: building and number of `unit`, `level` for every area."""
    data = {f"area_{pk}": value for pk, value in levels(survey, level).items()}
    if unit is not None:
        data |= {"building": unit.building_id, "unit_number": unit.number}
    return {**data, **fields}


def unit_of_number(owner, number):
    return owner.owner_profile.units.select_related("building").get(number=number)


def paper_unit(compound, building="3", number="302"):
    """A unit of the compound whose owner has no account: only a paper form can answer for it."""
    return factories.UnitFactory(building=factories.BuildingFactory(compound=compound, number=building), number=number)


@pytest.fixture
def running(compound, committee_member, owner):
    """A survey open now (the real now), over two areas."""
    with at(datetime.now(UTC)):
        return open_survey(committee_member, compound, opens_on=localdate())


@pytest.fixture
def at_now():
    with at(datetime.now(UTC)):
        yield


# --- the service --------------------------------------------------------------------------------


def test_a_committee_member_enters_a_paper_form_for_any_unit_of_the_compound(compound, committee_member, owner):
    unit = paper_unit(compound)
    with at():
        survey = open_survey(committee_member, compound)
        entered = enter(survey, committee_member, unit, level=2, comment="楼道灯坏了很久")
    answer = SurveyAnswer.objects.get()
    assert answer == entered
    assert (answer.unit, answer.building, answer.answered_by, answer.on_paper) == (
        unit,
        unit.building,
        committee_member,
        True,
    )
    assert answer.comment == "楼道灯坏了很久"
    assert sorted(SurveyScore.objects.values_list("service_area__code", "score")) == [
        ("cleaning", 2),
        ("security", 2),
    ]
    audit = AuditEvent.objects.get(action="survey.answer")
    assert audit.actor == committee_member
    assert audit.data == {"survey": survey.pk, "unit": unit.pk, "on_paper": True}


def test_an_online_answer_is_not_on_paper(compound, committee_member, owner):
    with at():
        survey = open_survey(committee_member, compound)
        answered = answer(survey, owner, {"cleaning": 4, "security": 4})
    assert answered.on_paper is False
    assert "on_paper" not in AuditEvent.objects.get(action="survey.answer").data


def test_only_the_committee_of_the_compound_enters_paper_forms(
    compound, committee_member, owner, property_staff, officer, other_committee_member
):
    neighbour = paper_unit(compound)
    with at():
        survey = open_survey(committee_member, compound)
        # An owner, for another unit or for their own; the property company;
        # the community office; the committee of another compound.
        for by, unit in [
            (owner, neighbour),
            (owner, unit_of(owner)),
            (property_staff, neighbour),
            (officer, neighbour),
            (other_committee_member, neighbour),
        ]:
            with (
                translation.override("en"),
                pytest.raises(ServiceError, match=r"^Only the committee of the compound can enter paper forms\.$"),
            ):
                enter(survey, by, unit)
    assert not SurveyAnswer.objects.exists()
    assert not AuditEvent.objects.filter(action="survey.answer").exists()


def test_a_paper_form_is_for_a_unit_of_the_surveys_compound(compound, committee_member, owner, other_compound):
    far = paper_unit(other_compound)
    with at():
        survey = open_survey(committee_member, compound)
        with translation.override("en"), pytest.raises(ServiceError, match="not in the survey's compound"):
            enter(survey, committee_member, far)
    assert not SurveyAnswer.objects.exists()


@pytest.mark.parametrize("first", ["online", "paper"])
@pytest.mark.parametrize("second", ["online", "paper"])
def test_one_answer_per_unit_online_or_on_paper_and_the_second_says_when(
    compound, committee_member, owner, first, second
):
    unit = unit_of(owner)

    def send(how):
        if how == "paper":
            return enter(survey, committee_member, unit)
        return answer(survey, owner, {"cleaning": 5, "security": 5})

    with at():
        survey = open_survey(committee_member, compound)
        kept = send(first)
    with at("2026-11-06 09:15 +0800"), pytest.raises(services.AlreadyAnswered) as refused:
        send(second)
    assert refused.value.answer == kept
    assert str(refused.value.message) == "1号楼101室已于 2026-11-05 14:20 参加本次测评。"
    assert SurveyAnswer.objects.count() == 1
    assert SurveyScore.objects.count() == 2


def test_a_paper_form_is_refused_before_the_survey_opens_and_after_it_closes(compound, committee_member, owner):
    unit = paper_unit(compound)
    with at():
        survey = open_survey(
            committee_member, compound, opens_on=TODAY + timedelta(days=2), closes_on=TODAY + timedelta(days=3)
        )
        with translation.override("en"), pytest.raises(ServiceError, match=r"^This survey opens on 2026-11-07\.$"):
            enter(survey, committee_member, unit)
    with (
        at("2026-11-09 08:00 +0800"),
        translation.override("en"),
        pytest.raises(ServiceError, match=r"closed at 2026-11-09 00:00: no more answers are taken"),
    ):
        enter(survey, committee_member, unit)
    assert not SurveyAnswer.objects.exists()


def test_a_paper_form_needs_a_level_for_every_area(compound, committee_member, owner):
    unit = paper_unit(compound)
    with at():
        survey = open_survey(committee_member, compound)
        scores = levels(survey)
        scores.popitem()
        with translation.override("en"), pytest.raises(ServiceError, match="Choose a level for every service area"):
            services.survey_answer(survey=survey, unit=unit, by=committee_member, scores=scores, on_paper=True)
    assert not SurveyAnswer.objects.exists()


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_a_paper_form_and_the_owner_online_at_the_same_moment_give_one_answer(compound, committee_member, owner):
    survey = open_survey(committee_member, compound, opens_on=localdate())
    unit = unit_of(owner)

    def load():
        return Survey.objects.select_related("compound").get(pk=survey.pk)

    def online(seen):
        return services.survey_answer(survey=seen, unit=unit, by=owner, scores=levels(seen, 5))

    def paper(seen):
        return enter(seen, committee_member, unit, level=1)

    outcomes = race((load, online), (load, paper))
    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadyAnswered", "SurveyAnswer"], outcomes
    kept = SurveyAnswer.objects.get()
    loser = next(o for o in outcomes if isinstance(o, services.AlreadyAnswered))
    assert str(loser.message) == services.answered_text(unit, kept.answered_at)
    assert set(SurveyScore.objects.values_list("score", flat=True)) == {1 if kept.on_paper else 5}


# --- who may use the page -----------------------------------------------------------------------


def test_the_survey_page_offers_paper_forms_to_the_committee_while_open(
    running, committee_member, owner, property_staff, officer
):
    page = text(client_for(committee_member).get(reverse("feedback:survey_detail", args=[running.pk])))
    assert f'href="{paper_url(running)}" data-testid="survey-paper-link"' in page
    for user in (owner, property_staff, officer):
        page = text(client_for(user).get(reverse("feedback:survey_detail", args=[running.pk])))
        assert 'data-testid="survey-paper-link"' not in page
    services.survey_close(survey=running, by=committee_member)
    page = text(client_for(committee_member).get(reverse("feedback:survey_detail", args=[running.pk])))
    assert 'data-testid="survey-paper-link"' not in page


def test_only_the_surveys_committee_opens_the_paper_form(
    running, compound, committee_member, owner, property_staff, officer, other_committee_member
):
    unit = paper_unit(compound)
    url = paper_url(running)
    assert client_for(committee_member).get(url).status_code == 200
    for user, status in [(owner, 403), (property_staff, 403), (officer, 403), (other_committee_member, 404)]:
        client = client_for(user)
        assert client.get(url).status_code == status, user
        assert client.post(url, form_data(running, unit)).status_code == status, user
    anonymous = Client()
    for response in (anonymous.get(url), anonymous.post(url, form_data(running, unit))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert client_for(committee_member).put(url).status_code == 405
    assert not SurveyAnswer.objects.exists()


def test_a_member_who_is_also_an_owner_enters_paper_forms(running, compound, committee_member, owner):
    profile = OwnerProfile.objects.create(user=committee_member, phone="13900139002", verified_at=datetime.now(UTC))
    profile.units.add(factories.UnitFactory(building=unit_of(owner).building, number="109"))
    response = client_for(committee_member).post(paper_url(running), form_data(running, unit_of(owner)))
    assert response.status_code == 302
    assert SurveyAnswer.objects.get().on_paper


# --- the page -----------------------------------------------------------------------------------


def test_the_paper_form_asks_building_unit_five_levels_per_area_and_the_comment(running, committee_member, compound):
    paper_unit(compound, building="2", number="201")
    page = text(client_for(committee_member).get(paper_url(running)))
    assert 'data-testid="survey-paper-form"' in page
    assert re.search(r'<select name="building"[^>]*autofocus', page)
    assert re.findall(r"<option value=\"\d+\">([^<]+)</option>", page) == ["1号楼", "2号楼"]
    assert re.search(r'<input type="text" name="unit_number"[^>]*maxlength="20"', page)
    assert page.count('data-testid="survey-question"') == 2
    assert len(re.findall(r'<input type="radio" name="area_\d+"', page)) == 10
    assert 'name="comment"' in page
    assert 'name="unit"' not in page
    assert "还没有录入纸质问卷。" in page


def test_a_stack_of_forms_is_typed_one_after_another(running, committee_member, compound):
    client = client_for(committee_member)
    first, second = paper_unit(compound, "3", "301"), paper_unit(compound, "3", "302")
    response = client.post(paper_url(running), form_data(running, first, 5, comment="门卫很负责"))
    assert response.status_code == 302
    assert response["Location"] == f"{paper_url(running)}?building={first.building_id}"
    page = text(client.get(response["Location"]))
    assert "3号楼301室的纸质问卷已录入。" in page
    # Empty for the next form, in the same building, the cursor in the unit number.
    assert not re.search(r'type="radio"[^>]*checked', page)
    assert re.search(rf'<option value="{first.building_id}" selected>3号楼</option>', page)
    assert re.search(r'<input type="text" name="unit_number"[^>]*autofocus', page)
    assert not re.search(r'name="unit_number"[^>]*value=', page)
    assert ">门卫很负责<" not in page
    assert re.search(
        r'data-testid="survey-paper-recent">\s*<li[^>]*>\s*<span class="fw-semibold">3号楼301室</span>', page
    )
    assert client.post(paper_url(running), form_data(running, second, 1)).status_code == 302
    answers = SurveyAnswer.objects.order_by("pk")
    assert [(a.unit, a.on_paper, a.answered_by) for a in answers] == [
        (first, True, committee_member),
        (second, True, committee_member),
    ]
    assert answers[0].comment == "门卫很负责"
    assert sorted(SurveyScore.objects.filter(answer=answers[1]).values_list("score", flat=True)) == [1, 1]


def test_a_unit_number_typed_full_width_or_with_spaces_finds_the_unit(running, committee_member, compound):
    unit = paper_unit(compound, "3", "1502")
    data = form_data(running, unit, unit_number=" １５０ 2 ")
    assert client_for(committee_member).post(paper_url(running), data).status_code == 302
    assert SurveyAnswer.objects.get().unit == unit


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"building": ""}, "请选择问卷上写的楼栋。"),
        ({"building": "x"}, "请选择本小区的楼栋。"),
        ({"building": "9" * 30}, "请选择本小区的楼栋。"),
        ({"building": "-1"}, "请选择本小区的楼栋。"),
        ({"unit_number": ""}, "请填写问卷上写的房号。"),
        ({"unit_number": "999"}, "3号楼没有 999 这个房号。"),
        ({"unit_number": "302\x00"}, "空字符"),
        ({"unit_number": "1" * 21}, "不超过 20 字符"),
    ],
)
def test_a_bad_building_or_unit_number_is_named_and_nothing_is_saved(
    running, committee_member, compound, change, error
):
    unit = paper_unit(compound)
    client = client_for(committee_member)
    before = db_rows()
    response = client.post(paper_url(running), form_data(running, unit, 2, comment="电梯", **change))
    assert response.status_code == 400
    page = text(response)
    assert error in page
    assert "请修改下面标出的错误；本次操作未保存。" in page
    # What was typed stays, to correct it.
    assert re.search(r'value="2"[^>]*checked', page)
    assert re.search(r">\s*电梯</textarea>", page)
    assert db_rows() == before


def test_a_building_of_another_compound_is_refused(running, committee_member, compound, other_compound):
    far = paper_unit(other_compound, "3", "302")
    response = client_for(committee_member).post(paper_url(running), form_data(running, far))
    assert response.status_code == 400
    assert "请选择本小区的楼栋。" in text(response)
    assert not SurveyAnswer.objects.exists()


def test_a_form_missing_a_level_is_refused_keeping_the_rest(running, committee_member, compound):
    unit = paper_unit(compound)
    data = form_data(running, unit, 3)
    del data[next(key for key in data if key.startswith("area_"))]
    client = client_for(committee_member)
    before = db_rows()
    response = client.post(paper_url(running), data)
    assert response.status_code == 400
    page = text(response)
    assert "请选择问卷上勾选的等级。" in page
    assert re.search(r'name="unit_number" value="302"', page)
    assert db_rows() == before


@pytest.mark.parametrize("level", ["0", "6", "x", "9" * 30])
def test_a_level_outside_the_five_is_refused(running, committee_member, compound, level):
    data = form_data(running, paper_unit(compound))
    data[next(key for key in data if key.startswith("area_"))] = level
    response = client_for(committee_member).post(paper_url(running), data)
    assert response.status_code == 400
    assert "请从五个等级中选择一个。" in text(response)
    assert not SurveyAnswer.objects.exists()


def test_a_unit_that_answered_is_refused_saying_when_with_409(compound, committee_member, owner):
    with at("2026-11-05 09:30 +0800"):
        survey = open_survey(committee_member, compound)
        answer(survey, owner, {"cleaning": 5, "security": 5})
    client = client_for(committee_member)
    before = db_rows()
    with at():
        response = client.post(paper_url(survey), form_data(survey, unit_of(owner), 1, comment="纸质"))
    assert response.status_code == 409
    page = text(response)
    assert "1号楼101室已于 2026-11-05 09:30 参加本次测评。" in page
    # Kept as typed: the number may be mistyped; a duplicate is put aside with "Clear the form".
    assert re.search(r'name="unit_number" value="101"', page)
    building = unit_of(owner).building_id
    assert f'href="{paper_url(survey)}?building={building}" data-testid="survey-paper-clear"' in page
    assert db_rows() == before


def test_a_closed_survey_takes_no_paper_form_and_says_since_when(compound, committee_member, owner):
    unit = paper_unit(compound)
    with at():
        survey = open_survey(committee_member, compound, closes_on=TODAY)
    client = client_for(committee_member)
    with at("2026-11-06 08:00 +0800"):
        page = client.get(paper_url(survey))
        before = db_rows()
        response = client.post(paper_url(survey), form_data(survey, unit))
    assert page.status_code == 200
    assert 'data-testid="survey-paper-form"' not in text(page)
    assert "本次测评已于 2026-11-06 00:00 结束，不再接受答卷。" in text(page)
    assert response.status_code == 400
    assert "本次测评已于 2026-11-06 00:00 结束，不再接受答卷。" in text(response)
    assert db_rows() == before


def test_a_planned_survey_takes_no_paper_form_yet(compound, committee_member, owner):
    with at():
        survey = open_survey(committee_member, compound, opens_on=TODAY + timedelta(days=3))
        response = client_for(committee_member).post(paper_url(survey), form_data(survey, unit_of(owner)))
    assert response.status_code == 400
    assert "本次测评于 2026-11-08 开始。" in text(response)
    assert not SurveyAnswer.objects.exists()


@pytest.mark.parametrize("value", ["x", "\x00", "9" * 30, "-1", "1.5", "页" * 200])
def test_a_hostile_building_in_the_link_gives_the_empty_form(running, committee_member, compound, value):
    paper_unit(compound)
    response = client_for(committee_member).get(paper_url(running), {"building": value})
    assert response.status_code == 200
    page = text(response)
    assert 'data-testid="survey-paper-form"' in page
    assert '<option value="" selected>请选择…</option>' in page
    assert len(re.findall(r"<option[^>]* selected>", page)) == 1


def test_another_compounds_building_in_the_link_is_not_chosen(running, committee_member, other_compound):
    far = factories.BuildingFactory(compound=other_compound, number="8")
    page = text(client_for(committee_member).get(paper_url(running), {"building": far.pk}))
    assert "8号楼" not in page


def test_the_page_is_in_english_too(running, committee_member, compound):
    User.objects.filter(pk=committee_member.pk).update(language="en")
    client = client_for(committee_member)
    unit = paper_unit(compound)
    page = text(client.get(paper_url(running)))
    assert "Enter paper forms" in page
    assert "Record this form" in page
    response = client.post(paper_url(running), form_data(running, unit, unit_number="777"))
    assert "Building 3 has no unit 777." in text(response)
    response = client.post(paper_url(running), form_data(running, unit), follow=True)
    assert "The paper form of Building 3, unit 302 is recorded." in text(response)


def test_the_owner_sees_that_the_committee_entered_their_units_answer_from_paper(
    running, compound, committee_member, owner, at_now
):
    second = factories.UnitFactory(building=unit_of(owner).building, number="102")
    owner.owner_profile.units.add(second)
    enter(running, committee_member, unit_of_number(owner, "101"))
    page = text(client_for(owner).get(reverse("feedback:survey_detail", args=[running.pk])))
    assert re.search(r'data-testid="survey-answered">1号楼101室已于 [^<]+ 参加本次测评，谢谢您。\s*<div', page)
    assert "这份答卷由业委会根据纸质问卷录入。如果本户没有填写过纸质问卷，请告知业委会。" in page
    # The other unit still answers online, and its answer is the owner's own.
    services.survey_answer(survey=running, unit=second, by=owner, scores=levels(running))
    page = text(client_for(owner).get(reverse("feedback:survey_detail", args=[running.pk])))
    assert page.count('data-testid="survey-answered"') == 2
    assert page.count('data-testid="survey-answered-on-paper"') == 1


# --- paper and online, counted for the committee ------------------------------------------------


def test_the_committee_sees_how_many_answers_came_on_paper(
    running, compound, committee_member, owner, property_staff, at_now
):
    answer(running, owner, {"cleaning": 4, "security": 4})
    enter(running, committee_member, paper_unit(compound, "3", "301"))
    enter(running, committee_member, paper_unit(compound, "3", "302"))
    split = '<span data-testid="survey-split">在线 1 份，纸质问卷 2 份</span>'
    client = client_for(committee_member)
    for name in ("feedback:survey_detail", "feedback:survey_results", "feedback:survey_paper"):
        assert split in text(client.get(reverse(name, args=[running.pk]))), name
    services.survey_close(survey=running, by=committee_member)
    for reader in (property_staff, owner):
        for name in ("feedback:survey_detail", "feedback:survey_results"):
            assert 'data-testid="survey-split"' not in text(client_for(reader).get(reverse(name, args=[running.pk])))


# --- floods -------------------------------------------------------------------------------------


def test_a_flood_of_paper_forms_gets_429(settings, running, committee_member, compound):
    units = [paper_unit(compound, "4", f"40{i}") for i in range(4)]
    client = client_for(committee_member)

    def speak(language):
        User.objects.filter(pk=committee_member.pk).update(language=language)

    def send(i, language):
        return client.post(paper_url(running), form_data(running, units[i]))

    assert_flood_refused(settings, "survey_paper", send, speak=speak)
    assert SurveyAnswer.objects.count() == 2


def test_two_hundred_forms_in_an_hour_stay_under_the_limit(running, committee_member, compound):
    building = factories.BuildingFactory(compound=compound, number="6")
    Unit.objects.bulk_create(Unit(building=building, number=f"{600 + i}") for i in range(200))
    client = client_for(committee_member)
    statuses = {
        client.post(paper_url(running), form_data(running, building=building.pk, unit_number=str(600 + i))).status_code
        for i in range(200)
    }
    assert statuses == {302}
    assert SurveyAnswer.objects.filter(on_paper=True).count() == 200


# --- cost ---------------------------------------------------------------------------------------


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _many_answers(survey, by, compound):
    answer_rows(survey, "8", [{"cleaning": 3, "security": 1}] * 30, first_unit=300)
    building = Building.objects.get(compound=compound, number="8")
    for i in range(12):
        enter(survey, by, factories.UnitFactory(building=building, number=f"9{i:02d}"))


@pytest.mark.parametrize("name", ["feedback:survey_paper", "feedback:survey_detail", "feedback:survey_results"])
def test_the_pages_cost_the_same_with_few_and_many_answers(running, committee_member, compound, name, at_now):
    client = client_for(committee_member)
    url = reverse(name, args=[running.pk])
    enter(running, committee_member, paper_unit(compound))
    client.get(url)
    few = _count_queries(client, url)
    _many_answers(running, committee_member, compound)
    assert _count_queries(client, url) == few


def test_recording_a_form_costs_the_same_with_few_and_many_answers(running, committee_member, compound, at_now):
    client = client_for(committee_member)
    units = [paper_unit(compound, "3", f"30{i}") for i in range(3)]

    def cost(unit):
        with CaptureQueriesContext(connection) as queries:
            assert client.post(paper_url(running), form_data(running, unit)).status_code == 302
        return len(queries)

    # The first POST also starts the rate limit's counters.
    cost(units[0])
    few = cost(units[1])
    _many_answers(running, committee_member, compound)
    assert cost(units[2]) == few


@postgresql_only
def test_at_scale_the_paper_counts_and_the_last_forms_read_an_index(compound, committee_member, owner):
    """60 surveys of 400 answers, 120 of each on paper: one survey's
    split and its last paper forms are read through the survey's indexes."""
    building = factories.BuildingFactory(compound=compound, number="9")
    Unit.objects.bulk_create(Unit(building=building, number=f"u{n}") for n in range(400))
    surveys = Survey.objects.bulk_create(
        Survey(
            compound=compound,
            title=f"测评{n}",
            period_start=TODAY,
            period_end=TODAY,
            opens_at=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=30 * n),
            closes_at=datetime(2020, 1, 15, tzinfo=UTC) + timedelta(days=30 * n),
            created_by=committee_member,
        )
        for n in range(60)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO feedback_surveyanswer
                (answered_at, comment, answered_by_id, building_id, survey_id, unit_id, on_paper)
            SELECT s.opens_at + u.id * interval '1 minute', '', %s, u.building_id, s.id, u.id,
                   right(u.number, 1) IN ('0', '3', '6')
            FROM feedback_survey s, committee_site_unit u
            WHERE s.id = ANY(%s) AND u.building_id = %s
            """,
            [committee_member.pk, [s.pk for s in surveys], building.pk],
        )
        cursor.execute("ANALYZE feedback_surveyanswer")
    survey = surveys[30]
    for read in (lambda: queries.survey_answer_split(survey), lambda: queries.survey_paper_recent(survey)):
        with CaptureQueriesContext(connection) as captured:
            read()
        [query] = [q["sql"] for q in captured.captured_queries]
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {query}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Seq Scan on feedback_surveyanswer" not in plan, plan
        assert "surveyanswer_survey" in plan, plan
    assert queries.survey_answer_split(survey) == queries.AnswerSplit(total=400, on_paper=120)
