"""The committee's reminders page: upcoming and sent reminders of its
compound, filtered by kind and state, keyset-paged, for the committee only."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from committee_site.models import Reminder
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEADLINE = datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)


def _reminder(compound, recipient, n, *, kind="reminder_complaint", status="pending", **fields):
    sent = status == "sent"
    defaults = {
        "key": f"{kind}|{compound.pk}|{n}|{status}",
        "kind": kind,
        "compound": compound,
        "recipient": recipient,
        "subject": f"complaint:{n}",
        "title": f"TS-2026-{n:06d} 电梯门关不上",
        "deadline": DEADLINE + timedelta(hours=n),
        "round": 0,
        "send_at": DEADLINE + timedelta(hours=n) - timedelta(hours=4),
        "status": status,
        "sent_at": DEADLINE + timedelta(hours=n) - timedelta(hours=4) if sent else None,
        "url": f"/complaints/{n}/",
    }
    return Reminder(**{**defaults, **fields})


def _rows(response):
    return [reminder.title for reminder, _kind in response.context["rows"]]


def test_committee_sees_upcoming_by_send_time_and_sent_newest_first(
    compound, committee_member, other_compound, other_committee_member
):
    Reminder.objects.bulk_create(
        [
            _reminder(compound, committee_member, 3, round=1),
            _reminder(compound, committee_member, 1),
            _reminder(compound, committee_member, 2, status="sent"),
            _reminder(compound, committee_member, 4, status="sent", round=2),
            _reminder(compound, committee_member, 5, status="cancelled", cancel_reason="deadline_moved"),
            _reminder(other_compound, other_committee_member, 9),
        ]
    )
    client = client_for(committee_member)

    upcoming = client.get(reverse("reminder_list"))
    sent = client.get(reverse("reminder_list"), {"state": "sent"})
    cancelled = client.get(reverse("reminder_list"), {"state": "cancelled"})

    assert _rows(upcoming) == ["TS-2026-000001 电梯门关不上", "TS-2026-000003 电梯门关不上"]
    assert _rows(sent) == ["TS-2026-000004 电梯门关不上", "TS-2026-000002 电梯门关不上"]
    assert _rows(cancelled) == ["TS-2026-000005 电梯门关不上"]
    page = upcoming.content.decode()
    assert "投诉等待受理、答复或处理" in page  # the kind's label
    assert "2026年3月3日 06:00" in page  # the first one goes out four hours before its 10:00 deadline
    assert "截止前" in page
    # Round 1 goes when the deadline passes: not yet overdue while it waits.
    assert "到期时" in page
    assert "第 1 次提醒" not in page
    assert "超时 · 第 2 次提醒" in sent.content.decode()
    assert "期限已变更" in cancelled.content.decode()


def test_reminders_filter_by_kind(compound, committee_member):
    Reminder.objects.bulk_create(
        [
            _reminder(compound, committee_member, 1),
            _reminder(compound, committee_member, 2, kind="reminder_owner_application", title="赵磊 (2-1201)"),
        ]
    )
    response = client_for(committee_member).get(reverse("reminder_list"), {"kind": "reminder_owner_application"})

    assert _rows(response) == ["赵磊 (2-1201)"]
    assert 'href="?state=sent&amp;kind=reminder_owner_application"' in response.content.decode()


def test_an_unknown_kind_is_named_and_every_kind_shown(compound, committee_member):
    Reminder.objects.bulk_create([_reminder(compound, committee_member, 1)])
    response = client_for(committee_member).get(reverse("reminder_list"), {"kind": "nonsense"})

    assert _rows(response) == ["TS-2026-000001 电梯门关不上"]
    assert "筛选条件“类型”已忽略" in response.content.decode()


@pytest.mark.parametrize("rows", [3, 90])
@pytest.mark.parametrize("state", ["pending", "sent"])
def test_reminder_list_costs_a_fixed_number_of_queries(
    compound, committee_member, django_assert_num_queries, rows, state
):
    recipients = [factories.member_of(compound.committee, role="committee_member") for _ in range(3)]
    Reminder.objects.bulk_create([_reminder(compound, recipients[n % 3], n, status=state) for n in range(rows)])
    client = client_for(committee_member)
    client.get(reverse("home"))
    # session, user, access (memberships, compounds, owner profile), unread badge,
    # pending applications badge, the page
    with django_assert_num_queries(8):
        response = client.get(reverse("reminder_list"), {"state": state, "kind": "reminder_complaint"})
    assert len(response.context["rows"]) == min(rows, 25)


def test_reminder_list_pages_through_every_reminder_once(compound, committee_member):
    Reminder.objects.bulk_create([_reminder(compound, committee_member, n, status="sent") for n in range(60)])
    client = client_for(committee_member)
    seen, query = [], {"state": "sent"}
    while query:
        page = client.get(reverse("reminder_list"), query).context["page"]
        seen += [r.title for r in page.items]
        query = {"state": "sent", "cursor": page.next_cursor} if page.has_next else None
    assert seen == [f"TS-2026-{n:06d} 电梯门关不上" for n in range(59, -1, -1)]


def test_reminders_page_is_for_the_committee_only(compound, committee_member, owner, property_staff, officer):
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    url = reverse("reminder_list")
    for person in (owner, property_staff, officer, admin):
        assert client_for(person).get(url).status_code == 403, person
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    committee_page = client_for(committee_member).get(reverse("home")).content.decode()
    assert f'href="{url}"' in committee_page
    assert f'href="{url}"' in client_for(committee_member).get(reverse("notification_list")).content.decode()
    for page in ("home", "notification_list"):
        assert f'href="{url}"' not in client_for(owner).get(reverse(page)).content.decode()
