from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from committee_site import services, tasks
from committee_site.models import Notification, OutgoingEmail
from committee_site.notifications import notify
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _notify(user, **kwargs):
    unit = factories.UnitFactory()
    return notify(
        recipient=user,
        kind="owner_welcome",
        context={"unit": unit, "compound": unit.building.compound, "user": user},
        url=kwargs.pop("url", "/"),
        **kwargs,
    )


def test_notify_writes_in_the_recipients_language(owner, committee_member):
    owner.language = "en"
    owner.save()
    english = _notify(owner)
    chinese = _notify(committee_member)
    assert english.title.startswith("Welcome to the committee site of")
    assert chinese.title.startswith("欢迎使用")


def test_notify_mails_the_same_text_once_after_commit(owner, mailoutbox, django_capture_on_commit_callbacks):
    owner.language = "en"
    owner.save()
    with django_capture_on_commit_callbacks(execute=True):
        notification = _notify(owner, url="/notifications/")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == notification.title
    assert notification.body in mailoutbox[0].body
    assert mailoutbox[0].body.endswith("http://127.0.0.1:8000/notifications/")
    notification.email.refresh_from_db()
    assert notification.email.status == OutgoingEmail.Status.SENT


def test_notify_without_email_address_only_writes_in_app(owner, mailoutbox, django_capture_on_commit_callbacks):
    owner.email = ""
    owner.save()
    with django_capture_on_commit_callbacks(execute=True):
        notification = _notify(owner)
    assert notification.email is None
    assert mailoutbox == []


def test_notify_rolled_back_sends_nothing(owner, mailoutbox, django_capture_on_commit_callbacks):
    from django.db import transaction

    def write_then_fail():
        with transaction.atomic():
            _notify(owner)
            raise RuntimeError("the write failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        write_then_fail()
    assert callbacks == []
    assert mailoutbox == []
    assert Notification.objects.count() == 0


def test_email_task_run_twice_sends_once(owner, mailoutbox):
    email = services.email_queue(to="x@example.org", subject="s", body="b")
    mailoutbox.clear()
    assert tasks.email_send_task.apply(args=[email.pk]).get() is True
    assert tasks.email_send_task.apply(args=[email.pk]).get() is False
    assert len(mailoutbox) == 1


def test_email_failure_is_kept_for_a_retry_then_given_up(db, monkeypatch):
    email = services.email_queue(to="x@example.org", subject="s", body="b")

    def refuse(*args, **kwargs):
        raise SMTPServerDisconnected("the mail server hung up")

    monkeypatch.setattr("committee_site.services.send_mail", refuse)
    for attempt in range(1, services.EMAIL_MAX_ATTEMPTS + 1):
        with pytest.raises(SMTPServerDisconnected):
            services.email_send(email_id=email.pk)
        email.refresh_from_db()
        assert email.attempts == attempt
    assert email.status == OutgoingEmail.Status.FAILED
    assert "hung up" in email.last_error


def test_sweep_resends_lost_emails_and_frees_dead_claims(db, mailoutbox):
    lost = services.email_queue(to="lost@example.org", subject="s", body="b")
    stuck = services.email_queue(to="stuck@example.org", subject="s", body="b")
    fresh = services.email_queue(to="fresh@example.org", subject="s", body="b")
    old = timezone.now() - timedelta(minutes=30)
    OutgoingEmail.objects.filter(pk__in=[lost.pk, stuck.pk]).update(created_at=old)
    OutgoingEmail.objects.filter(pk=stuck.pk).update(status="sending", claimed_at=old)
    assert tasks.notification_emails_sweep.apply().get() == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["lost@example.org", "stuck@example.org"]
    fresh.refresh_from_db()
    assert fresh.status == OutgoingEmail.Status.PENDING


def test_unread_badge_counts_and_open_marks_read(owner):
    first = _notify(owner, url="/accounts/")
    _notify(owner)
    client = client_for(owner)
    assert client.get(reverse("home")).context["nav_unread"] == 2
    response = client.post(reverse("notification_open", args=[first.pk]))
    assert response["Location"] == "/accounts/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert client.get(reverse("home")).context["nav_unread"] == 1


def test_unread_badge_stops_counting_at_its_limit(owner):
    Notification.objects.bulk_create([Notification(recipient=owner, kind="k", title="t", body="b") for _ in range(150)])
    response = client_for(owner).get(reverse("home"))
    assert response.context["nav_unread"] == 100
    assert "99+" in response.content.decode()


def test_open_never_redirects_off_site(owner):
    notification = Notification.objects.create(
        recipient=owner, kind="k", title="t", body="b", url="https://evil.example.com/"
    )
    response = client_for(owner).post(reverse("notification_open", args=[notification.pk]))
    assert response["Location"] == reverse("notification_list")


def test_mark_all_read(owner, committee_member):
    _notify(owner)
    _notify(owner)
    theirs = _notify(committee_member)
    client_for(owner).post(reverse("notifications_mark_all_read"))
    assert Notification.objects.filter(recipient=owner, read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_someone_elses_notification_cannot_be_opened(owner, committee_member):
    theirs = _notify(committee_member)
    assert client_for(owner).post(reverse("notification_open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notification_actions_refuse_get(owner):
    notification = _notify(owner)
    client = client_for(owner)
    assert client.get(reverse("notification_open", args=[notification.pk])).status_code == 405
    assert client.get(reverse("notifications_mark_all_read")).status_code == 405


@pytest.mark.parametrize("rows", [5, 120])
def test_notification_list_costs_a_fixed_number_of_queries(owner, django_assert_num_queries, rows):
    Notification.objects.bulk_create(
        [Notification(recipient=owner, kind="k", title=f"t{i}", body="b") for i in range(rows)]
    )
    client = client_for(owner)
    # session, user, access (memberships, owner profile), unread badge, the page
    with django_assert_num_queries(6):
        response = client.get(reverse("notification_list"))
    assert len(response.context["page"].items) == min(rows, 25)


def test_notification_list_pages_through_everything_once(owner):
    Notification.objects.bulk_create(
        [Notification(recipient=owner, kind="k", title=f"n{i:03d}", body="b") for i in range(60)]
    )
    client = client_for(owner)
    seen, url = [], reverse("notification_list")
    while url:
        page = client.get(url).context["page"]
        seen += [n.title for n in page.items]
        url = f"{reverse('notification_list')}?cursor={page.next_cursor}" if page.has_next else None
    assert sorted(seen) == [f"n{i:03d}" for i in range(60)]
    assert len(seen) == 60


def test_notifications_page_is_private(owner):
    assert Client().get(reverse("notification_list")).status_code == 302
    assert mail.outbox == []


def _reminders_and_others(user, compound, count):
    """`count` reminders' notifications and as many others, interleaved in time."""
    from committee_site.models import Reminder

    start = timezone.now() - timedelta(days=1)
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind="reminder_complaint" if i % 2 else "complaint_event",
                title=f"{'reminder' if i % 2 else 'event'} {i:03d}",
                body="b",
                created_at=start + timedelta(minutes=i),
            )
            for i in range(2 * count)
        ]
    )
    Reminder.objects.bulk_create(
        [
            Reminder(
                key=f"k{n.pk}",
                kind=n.kind,
                compound=compound,
                recipient=user,
                subject=f"complaint:{n.pk}",
                deadline=start,
                send_at=start,
                status=Reminder.Status.SENT,
                sent_at=n.created_at,
                notification=n,
            )
            for n in notifications
            if n.kind == "reminder_complaint"
        ]
    )


@pytest.mark.parametrize("rows", [3, 80])
def test_reminders_only_shows_the_reminders_in_a_fixed_number_of_queries(
    owner, compound, django_assert_num_queries, rows
):
    _reminders_and_others(owner, compound, rows)
    client = client_for(owner)
    # session, user, access (memberships, owner profile), unread badge, the page
    with django_assert_num_queries(6):
        response = client.get(reverse("notification_list"), {"show": "reminders"})
    titles = [n.title for n in response.context["page"].items]
    assert titles == [f"reminder {i:03d}" for i in range(2 * rows - 1, 0, -2)][:25]
    assert 'aria-current="page">只看提醒' in response.content.decode()


def test_reminders_only_pages_through_every_reminder_once(owner, compound):
    _reminders_and_others(owner, compound, 60)
    client = client_for(owner)
    seen, query = [], {"show": "reminders"}
    while query:
        page = client.get(reverse("notification_list"), query).context["page"]
        seen += [n.title for n in page.items]
        query = {"show": "reminders", "cursor": page.next_cursor} if page.has_next else None
    assert seen == [f"reminder {i:03d}" for i in range(119, 0, -2)]


def test_an_unknown_notification_filter_shows_everything_and_says_so(owner, compound):
    _reminders_and_others(owner, compound, 2)
    response = client_for(owner).get(reverse("notification_list"), {"show": "x"})
    assert len(response.context["page"].items) == 4
    assert "未知的筛选条件，已显示全部通知。" in response.content.decode()
