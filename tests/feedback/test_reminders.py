"""The reminder of a survey about to close, with frozen time: the owners
whose unit has not answered, two days before it closes, once; nobody of
another compound; nothing once the survey closed early."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from committee_site.models import Language, Notification, OwnerProfile, Reminder, time_limits_scope
from committee_site.reminders import People, reminders_create, reminders_sweep
from feedback.reminders import SurveyClosing
from feedback.services import surveys as services
from tests import factories
from tests.feedback.test_surveys import answer, areas, owner_of
from tests.workers import postgresql_only

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENED = datetime(2026, 11, 5, 10, 0, tzinfo=SHANGHAI)
# Open from 5 to 18 November: it closes at midnight after the 18th.
CLOSES = datetime(2026, 11, 19, 0, 0, tzinfo=SHANGHAI)
REMINDED = CLOSES - timedelta(days=2)


def at(moment):
    return time_machine.travel(moment, tick=False)


def sweep(moment):
    with at(moment):
        return reminders_sweep(now=moment)


def reminded():
    rows = Reminder.objects.filter(kind="reminder_survey_closing", status=Reminder.Status.SENT)
    return sorted(rows.values_list("recipient__username", flat=True))


def open_survey(by, compound, closes_on=date(2026, 11, 18)):
    with at(OPENED):
        return services.survey_open(
            by=by,
            compound=compound,
            title="2026年第三季度满意度测评",
            period_start=date(2026, 7, 1),
            period_end=date(2026, 9, 30),
            opens_on=date(2026, 11, 5),
            closes_on=closes_on,
            service_areas=areas("cleaning", "security"),
        )


@pytest.fixture
def survey(compound, committee_member):
    return open_survey(committee_member, compound)


def co_owner(owner, username):
    """A second owner of the same unit."""
    user = factories.UserFactory(username=username)
    profile = OwnerProfile.objects.create(user=user, phone="13900139001", verified_at=OPENED)
    profile.units.add(owner.owner_profile.units.get())
    return user


def test_owners_whose_unit_has_not_answered_are_reminded_two_days_before_the_survey_closes(
    compound, committee_member, other_compound, other_committee_member
):
    waiting = owner_of(compound, building="1", unit="101")
    answered = owner_of(compound, building="1", unit="102")
    household = co_owner(answered, "household")
    unverified = owner_of(compound, building="2", unit="201")
    OwnerProfile.objects.filter(user=unverified).update(verified_at=None)
    stranger = owner_of(other_compound)
    survey = open_survey(committee_member, compound)
    open_survey(other_committee_member, other_compound, closes_on=date(2026, 11, 25))
    with at(OPENED + timedelta(days=1)):
        answer(survey, answered, {"cleaning": 4, "security": 5})

    assert sweep(REMINDED - timedelta(minutes=1)).sent == {}
    result = sweep(REMINDED)

    # One answer per unit: the co-owner of the unit that answered has answered too.
    assert result.sent == {"reminder_survey_closing": 1}
    assert reminded() == [waiting.username]
    assert not Notification.objects.filter(
        kind="reminder_survey_closing", recipient__in=[answered, household, unverified, stranger, committee_member]
    ).exists()
    notification = Notification.objects.get(recipient=waiting, kind="reminder_survey_closing")
    assert notification.title == "测评“2026年第三季度满意度测评”最后一天 2026年11月18日，您的房屋尚未作答"
    assert notification.url == f"/feedback/surveys/{survey.pk}/"


def test_survey_reminder_is_written_in_the_owners_language(compound, committee_member):
    owner = owner_of(compound)
    owner.language = Language.EN
    owner.save()
    open_survey(committee_member, compound)

    sweep(REMINDED)

    notification = Notification.objects.get(recipient=owner, kind="reminder_survey_closing")
    assert notification.title == "Survey “2026年第三季度满意度测评”: last day 2026-11-18, your unit has not answered"
    assert notification.body.startswith(
        f"The satisfaction survey “2026年第三季度满意度测评” of {compound.name_en} "
        "takes answers until the end of 2026-11-18, and your unit has not answered it yet."
    )


def test_survey_is_reminded_once_and_sweeping_again_creates_nothing(compound, committee_member):
    owner = owner_of(compound)
    open_survey(committee_member, compound)

    for hours in range(0, 3 * 24, 2):
        result = sweep(REMINDED - timedelta(hours=12) + timedelta(hours=hours))
        if hours > 12:
            assert (result.created, result.sent) == ({}, {})

    assert reminded() == [owner.username]
    assert Reminder.objects.filter(kind="reminder_survey_closing").count() == 1


def test_unit_answering_after_the_row_was_created_is_not_reminded(compound, committee_member):
    owner = owner_of(compound)
    survey = open_survey(committee_member, compound)
    sweep(REMINDED - timedelta(hours=6))
    assert Reminder.objects.filter(kind="reminder_survey_closing", status="pending").count() == 1
    with at(REMINDED - timedelta(hours=1)):
        answer(survey, owner, {"cleaning": 3, "security": 3})

    sweep(REMINDED)

    row = Reminder.objects.get(kind="reminder_survey_closing")
    assert (row.status, row.cancel_reason) == ("cancelled", "not_concerned")
    assert not Notification.objects.filter(kind="reminder_survey_closing").exists()


def test_survey_closed_early_cancels_its_pending_reminders(compound, committee_member):
    owner_of(compound)
    survey = open_survey(committee_member, compound)
    sweep(REMINDED - timedelta(hours=6))
    with at(REMINDED - timedelta(hours=1)):
        survey.refresh_from_db()
        services.survey_close(survey=survey, by=committee_member)

    sweep(REMINDED)
    sweep(REMINDED + timedelta(days=1))

    row = Reminder.objects.get(kind="reminder_survey_closing")
    assert (row.status, row.cancel_reason) == ("cancelled", "no_longer_due")
    assert not Notification.objects.filter(kind="reminder_survey_closing").exists()


def test_short_survey_is_reminded_only_once_it_has_opened(compound, committee_member):
    owner = owner_of(compound)
    with at(OPENED):
        survey = services.survey_open(
            by=committee_member,
            compound=compound,
            title="短期测评",
            period_start=date(2026, 7, 1),
            period_end=date(2026, 9, 30),
            opens_on=date(2026, 11, 7),
            closes_on=date(2026, 11, 7),
            service_areas=areas("cleaning"),
        )

    assert sweep(datetime(2026, 11, 6, 12, 0, tzinfo=SHANGHAI)).created == {}
    sweep(survey.opens_at + timedelta(minutes=5))

    assert reminded() == [owner.username]


def test_survey_sweep_reads_a_fixed_number_of_queries_however_many_owners(compound, committee_member):
    owners = [owner_of(compound, building="1", unit="99")]
    survey = open_survey(committee_member, compound)

    def creating(count):
        Reminder.objects.all().delete()
        while len(owners) < count:
            owners.append(owner_of(compound, building=str(len(owners) % 3 + 1), unit=f"{len(owners) + 100}"))
        with at(REMINDED), CaptureQueriesContext(connection) as queries, time_limits_scope():
            reminders_create(now=REMINDED)
        assert (
            Reminder.objects.filter(kind="reminder_survey_closing", subject__endswith=f":{survey.pk}").count() == count
        )
        return len(queries)

    assert creating(2) == creating(30)


@postgresql_only
def test_surveys_closing_soon_are_found_through_their_index(db):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    with CaptureQueriesContext(connection) as queries:
        list(SurveyClosing().due(since=REMINDED, until=REMINDED + timedelta(days=3), people=People()))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + queries.captured_queries[0]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "survey_closes" in plan, plan
