"""Two answers for one unit at the same moment, each on its own PostgreSQL
connection: the unique rule keeps one, the other is refused saying when the
unit answered. Two members closing a survey at once: one closes it."""

import threading
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from committee_site.models import OwnerProfile
from committee_site.services import ServiceError
from feedback.models import Survey, SurveyAnswer, SurveyScore
from feedback.services import surveys as services
from tests import factories
from tests.feedback.test_surveys import open_survey, unit_of
from tests.races import postgresql_only, race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    postgresql_only,
]


@pytest.fixture
def survey(compound, committee_member, owner):
    return open_survey(committee_member, compound, opens_on=timezone.localdate())


def _load(pk):
    return lambda: Survey.objects.select_related("compound").get(pk=pk)


def _answer(by, unit, level):
    def act(survey):
        scores = {area.pk: level for area in survey.service_areas.all()}
        return services.survey_answer(survey=survey, unit=unit, by=by, scores=scores, comment=f"level {level}")

    return act


def test_two_co_owners_answering_one_unit_at_once_give_one_answer_and_one_clear_refusal(survey, owner):
    unit = unit_of(owner)
    spouse = factories.UserFactory(username="spouse")
    OwnerProfile.objects.create(user=spouse, phone="13900139003", verified_at=datetime.now(UTC)).units.add(unit)
    outcomes = race((_load(survey.pk), _answer(owner, unit, 5)), (_load(survey.pk), _answer(spouse, unit, 1)))
    winners = [o for o in outcomes if isinstance(o, SurveyAnswer)]
    losers = [o for o in outcomes if isinstance(o, services.AlreadyAnswered)]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    kept = SurveyAnswer.objects.get()
    assert kept.pk == winners[0].pk
    assert losers[0].answer.pk == kept.pk
    assert str(losers[0].message) == services.answered_text(unit, kept.answered_at)
    assert str(losers[0].message).startswith("1号楼101室已于 ")
    # The loser's levels left nothing behind: one level per area, all the winner's.
    levels = set(SurveyScore.objects.values_list("answer_id", "score"))
    assert levels == {(kept.pk, 5 if kept.answered_by == owner else 1)}
    assert SurveyScore.objects.count() == survey.service_areas.count()


def test_the_unique_rule_decides_when_both_pass_the_first_look(survey, owner, monkeypatch):
    """Both racers miss each other in the first look, so both INSERT: the
    constraint refuses one, and its savepoint lets it read the winner."""
    local = threading.local()
    real = services.earlier_answer

    def first_look_misses(survey, unit):
        if not getattr(local, "looked", False):
            local.looked = True
            return None
        return real(survey, unit)

    monkeypatch.setattr(services, "earlier_answer", first_look_misses)
    unit = unit_of(owner)
    outcomes = race((_load(survey.pk), _answer(owner, unit, 5)), (_load(survey.pk), _answer(owner, unit, 2)))
    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadyAnswered", "SurveyAnswer"], outcomes
    loser = next(o for o in outcomes if isinstance(o, services.AlreadyAnswered))
    kept = SurveyAnswer.objects.get()
    assert loser.answer.pk == kept.pk
    assert str(loser.message) == services.answered_text(unit, kept.answered_at)
    assert SurveyScore.objects.count() == survey.service_areas.count()


def test_one_owner_sending_the_form_twice_at_once_answers_once(survey, owner):
    unit = unit_of(owner)
    outcomes = race(*[(_load(survey.pk), _answer(owner, unit, 4)) for _ in range(4)])
    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadyAnswered"] * 3 + ["SurveyAnswer"]
    assert SurveyAnswer.objects.count() == 1
    assert SurveyScore.objects.count() == survey.service_areas.count()


def test_two_members_closing_at_once_close_it_once(survey, compound, committee_member):
    second = factories.member_of(compound.committee, role="committee_member", username="second")
    outcomes = race(
        (_load(survey.pk), lambda s: services.survey_close(survey=s, by=committee_member)),
        (_load(survey.pk), lambda s: services.survey_close(survey=s, by=second)),
    )
    closed = [o for o in outcomes if isinstance(o, Survey)]
    refused = [o for o in outcomes if isinstance(o, ServiceError)]
    assert (len(closed), len(refused)) == (1, 1), outcomes
    assert "已于" in str(refused[0].message)
    survey.refresh_from_db()
    assert (survey.version, survey.closes_at) == (2, closed[0].closes_at)
