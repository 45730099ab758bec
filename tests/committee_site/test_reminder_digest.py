"""The daily digest: one e-mail a day to whoever chose it, listing the
reminders sent to them in the app since their previous digest, in their
language, once however often the task runs."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from committee_site import services, tasks
from committee_site.models import (
    Language,
    Notification,
    OutgoingEmail,
    Reminder,
    ReminderDigest,
    ReminderEmail,
    TimeLimits,
)
from committee_site.reminders import reminders_sweep
from tests import factories
from tests.complaints.conftest import file_complaint
from tests.races import postgresql_only, race

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Accept by 2026-03-03 09:00: reminded at 05:00, overdue at 09:00, again each day at 09:00.
FILED = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
MORNING = datetime(2026, 3, 3, 7, 30, tzinfo=SHANGHAI)


def sweep(moment):
    with time_machine.travel(moment, tick=False):
        return reminders_sweep(now=moment)


def digest(moment):
    with time_machine.travel(moment, tick=False):
        return services.reminder_digests_send(now=moment)


def digest_mails(user):
    # Every other e-mail is the copy of a notification.
    return list(OutgoingEmail.objects.filter(to=user.email, notification__isnull=True).order_by("id"))


def listed(email):
    return [line.removeprefix("- ") for line in email.body.splitlines() if line.startswith("- ")]


@pytest.fixture(autouse=True)
def _no_quarter_warnings(db):
    """The digests are counted in March, the quarter's last month, when the
    compound's joint-inspection warnings (tests/inspections/test_reminders.py)
    would be among its reminders."""
    TimeLimits.objects.filter(pk=1).update(joint_inspections_per_quarter=0)


@pytest.fixture
def digester(compound, committee_member):
    return factories.member_of(
        compound.committee,
        role="committee_member",
        username="digester",
        email="digester@example.org",
        reminder_email=ReminderEmail.DIGEST,
    )


@pytest.fixture
def filed(owner, committee_member, digester):
    with time_machine.travel(FILED, tick=False):
        return file_complaint(owner)


def test_digest_run_twice_the_same_day_sends_one_email(filed, digester):
    sweep(FILED + timedelta(hours=20))
    # The reminder is in the app at once; the e-mail waits for the morning.
    assert Notification.objects.filter(recipient=digester, kind="reminder_complaint").count() == 1
    assert digest_mails(digester) == []

    assert digest(MORNING) == 1
    sweep(MORNING + timedelta(hours=2))
    assert digest(MORNING + timedelta(hours=3)) == 0
    assert digest(MORNING + timedelta(hours=16)) == 0

    mails = digest_mails(digester)
    assert [m.subject for m in mails] == ["您的提醒（2026年3月3日）：1 条"]
    assert listed(mails[0]) == [f"即将到期：投诉 {filed.reference}“电梯门关不上”"]
    digest_row = ReminderDigest.objects.get(recipient=digester)
    assert (digest_row.day.isoformat(), digest_row.status, digest_row.email_id) == ("2026-03-03", "sent", mails[0].pk)


def test_digest_lists_exactly_the_reminders_since_the_previous_one(filed, digester):
    sweep(FILED + timedelta(hours=20))  # round 0, 05:00
    digest(MORNING)
    sweep(FILED + timedelta(days=1))  # round 1, 09:00 on the 3rd
    sweep(FILED + timedelta(days=2))  # round 2, 09:00 on the 4th, after the 4th's digest
    digest(MORNING + timedelta(days=1))
    digest(MORNING + timedelta(days=2))

    mails = digest_mails(digester)
    sent = {r.round: r for r in Reminder.objects.filter(recipient=digester)}
    assert [listed(m) for m in mails] == [[sent[n].notification.title] for n in (0, 1, 2)]
    assert listed(mails[1]) == [f"已超时：投诉 {filed.reference}“电梯门关不上”"]
    assert f"http://127.0.0.1:8000/complaints/{filed.pk}/" in mails[1].body
    assert mails[1].body.startswith("以下是自 2026年3月3日 07:30 以来网站发给您的提醒：")


def test_immediate_preference_gets_each_reminder_by_mail_and_no_digest(filed, committee_member, digester):
    sweep(FILED + timedelta(hours=20))
    digest(MORNING)

    reminder_mails = OutgoingEmail.objects.filter(to=committee_member.email, notification__kind="reminder_complaint")
    assert list(reminder_mails.values_list("subject", flat=True)) == [f"即将到期：投诉 {filed.reference}“电梯门关不上”"]
    assert digest_mails(committee_member) == []
    assert not ReminderDigest.objects.filter(recipient=committee_member).exists()
    assert ReminderDigest.objects.filter(recipient=digester).count() == 1


def test_no_digest_when_there_is_nothing_to_tell(filed, digester):
    # Nothing due yet: no e-mail and no row, so a reminder later today still gets its digest.
    assert digest(MORNING - timedelta(days=1)) == 0
    assert ReminderDigest.objects.count() == 0
    sweep(FILED + timedelta(hours=20))
    assert digest(MORNING) == 1


def test_digest_is_written_in_the_recipients_language(filed, digester):
    digester.language = Language.EN
    digester.save()
    sweep(FILED + timedelta(hours=20))

    digest(MORNING)

    (mail,) = digest_mails(digester)
    assert mail.subject == "Your reminders of 2026-03-03: 1 reminder"
    assert mail.body.splitlines()[:2] == [
        "The reminders you were sent on the site since 2026-03-02 07:30:",
        "",
    ]
    assert listed(mail) == [f"Due soon: complaint {filed.reference} “电梯门关不上”"]
    assert "change it on your account page: http://127.0.0.1:8000/accounts/" in mail.body


def test_digest_task_mails_once_through_the_queue(filed, digester, mailoutbox, django_capture_on_commit_callbacks):
    sweep(FILED + timedelta(hours=20))
    with time_machine.travel(MORNING, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.reminder_digests_task.delay()
        with django_capture_on_commit_callbacks(execute=True):
            tasks.reminder_digests_task.delay()

    assert [m.subject for m in mailoutbox if m.to == [digester.email] and m.subject.startswith("您的提醒")] == [
        "您的提醒（2026年3月3日）：1 条"
    ]
    assert [m.status for m in digest_mails(digester)] == ["sent"]


def test_a_digest_user_without_an_email_address_gets_none(filed, digester):
    digester.email = ""
    digester.save()
    sweep(FILED + timedelta(hours=20))

    assert digest(MORNING) == 0
    assert Notification.objects.filter(recipient=digester, kind="reminder_complaint").count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_two_digest_runs_at_once_send_one_email(filed, digester):
    sweep(FILED + timedelta(hours=20))
    with time_machine.travel(MORNING, tick=False):
        outcomes = race(*[(lambda: None, lambda _seen: services.reminder_digests_send(now=MORNING))] * 2)

    assert sorted(outcomes) == [0, 1]
    assert len(digest_mails(digester)) == 1
    assert ReminderDigest.objects.filter(recipient=digester).count() == 1
