"""The callback pages as each role meets them: the committee's list (to call
first, then the latest done), one callback's page with its answers, the
owner's online answer, who may see and do what, the callback on the
complaint's page, coverage on the home page and the dashboard, and what each
page costs in queries."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from committee_site.models import Membership
from complaints import services as complaint_services
from complaints.models import Action, Status
from feedback.models import Callback, CallbackEvent
from feedback.services.callbacks import callback_attempt, callback_record
from tests import factories
from tests.complaints.conftest import file_complaint
from tests.conftest import client_for
from tests.feedback.test_callbacks import _callbacks, fresh, replied
from tests.floods import assert_flood_refused
from tests.snapshot import db_rows

pytestmark = pytest.mark.django_db

LIST = reverse("feedback:callback_list")


def detail(callback):
    return reverse("feedback:callback_detail", args=[callback.pk])


def post(client, callback, name, **data):
    """One of the three answers, its fields under the form's prefix."""
    payload = {f"{name}-{key}": value for key, value in data.items()}
    payload.setdefault(f"{name}-version", fresh(callback).version)
    return client.post(reverse(f"feedback:callback_{name}", args=[callback.pk]), payload)


@pytest.fixture
def other_owner(compound):
    return factories.owner_in(compound, building="2", unit="202", username="neighbour")


@pytest.fixture
def second_member(compound):
    return factories.member_of(compound.committee, role="committee_member", username="second", first_name="王委员")


@pytest.fixture
def pending(owner, committee_member, property_staff):
    """A replied complaint and its callback, still to make."""
    return replied(owner, committee_member, property_staff)


# --- who may see and do what -------------------------------------------------------------------

ROLES = [
    "committee_member",
    "second_member",
    "officer",
    "owner",
    "other_owner",
    "property_staff",
    "other_committee_member",
    "anonymous",
]
# What each role gets: (the list, the callback's page, record/attempt, the online answer).
EXPECTED = {
    "committee_member": (200, 200, 302, 403),
    "second_member": (200, 200, 302, 403),
    "officer": (200, 200, 403, 403),
    "owner": (403, 200, 403, 302),
    "other_owner": (403, 404, 404, 404),
    "property_staff": (403, 404, 404, 404),
    "other_committee_member": (200, 404, 404, 404),
    "anonymous": ("login", "login", "login", "login"),
}


def _answered(response, expected):
    if expected == "login":
        return response.status_code == 302 and response["Location"].startswith(reverse("login"))
    return response.status_code == expected


def _client(request, role):
    from django.test import Client

    return Client() if role == "anonymous" else client_for(request.getfixturevalue(role))


@pytest.mark.parametrize("role", ROLES)
def test_callback_pages_answer_each_role_as_the_rules_say(request, role, pending):
    _complaint, callback = pending
    client = _client(request, role)
    listed, page, _recording, _answering = EXPECTED[role]
    assert _answered(client.get(LIST), listed)
    assert _answered(client.get(detail(callback)), page)


@pytest.mark.parametrize("role", ROLES)
def test_only_a_committee_member_records_and_only_the_owner_answers(request, role, pending):
    complaint, callback = pending
    client = _client(request, role)
    _listed, _page, recording, answering = EXPECTED[role]
    before = db_rows()
    attempt = post(client, callback, "attempt", channel="phone", note="无人接听")
    assert _answered(attempt, recording)
    if recording == 302:
        assert fresh(callback).attempts == 1
    else:
        assert db_rows() == before
    before = db_rows()
    answer = post(client, callback, "answer", solved="yes", satisfaction=5, comment="")
    assert _answered(answer, answering)
    if answering == 302:
        complaint.refresh_from_db()
        assert complaint.status == Status.CLOSED
    else:
        assert db_rows() == before


def test_a_committee_member_who_is_the_complainant_answers_online_and_never_records(compound, committee_member):
    complainant = factories.owner_in(compound, username="member_owner")
    Membership.objects.create(user=complainant, organisation=compound.committee, role="committee_member")
    _complaint, callback = replied(complainant, committee_member)
    client = client_for(complainant)
    page = client.get(detail(callback)).content.decode()
    assert 'data-testid="callback-answer-form"' in page
    assert 'data-testid="callback-record-form"' not in page
    before = db_rows()
    assert post(client, callback, "record", channel="phone", solved="yes", satisfaction=5).status_code == 403
    assert post(client, callback, "attempt", channel="phone").status_code == 403
    assert db_rows() == before


def test_actions_refuse_get(pending, committee_member):
    _complaint, callback = pending
    client = client_for(committee_member)
    for name in ("attempt", "record", "answer"):
        assert client.get(reverse(f"feedback:callback_{name}", args=[callback.pk])).status_code == 405
    assert client.post(detail(callback)).status_code == 405


def test_an_unknown_callback_is_not_found(committee_member):
    assert client_for(committee_member).get(reverse("feedback:callback_detail", args=[999999])).status_code == 404


# --- the callback's page -----------------------------------------------------------------------


def test_the_committee_sees_the_complaint_the_owner_to_call_and_both_forms(owner, committee_member, property_staff):
    with time_machine.travel("2026-03-02 12:00 +0800", tick=False):
        complaint, callback = replied(owner, committee_member, property_staff)
    response = client_for(committee_member).get(detail(callback))
    page = response.content.decode()
    assert complaint.title in page
    assert reverse("complaints:detail", args=[complaint.pk]) in page
    assert "已更换门机" in page  # the reply the owner is asked about
    assert 'href="tel:13900139000"' in page
    due = page.split('data-testid="callback-due"')[1].split("</dd>")[0]
    assert due == ">2026年3月5日 12:00"
    assert 'data-testid="callback-record-form"' in page
    assert 'data-testid="callback-attempt-form"' in page
    assert 'data-testid="callback-answer-form"' not in page
    assert "还可联系 3 次" in page


def test_the_officer_reads_the_callback_without_forms(pending, officer):
    _complaint, callback = pending
    page = client_for(officer).get(detail(callback)).content.decode()
    assert 'data-testid="callback-read-only"' in page
    assert '<form method="post" action="/feedback' not in page


def test_the_owner_sees_the_online_answer_but_not_the_committees_notes(pending, owner, committee_member):
    _complaint, callback = pending
    callback_attempt(
        callback=callback, by=committee_member, seen_version=1, channel="phone", note="家里没人，邻居说出差"
    )
    page = client_for(owner).get(detail(callback)).content.decode()
    assert 'data-testid="callback-answer-form"' in page
    assert 'data-testid="callback-record-form"' not in page
    assert "联系业主未果" in page
    assert "邻居说出差" not in page
    assert "tel:" not in page
    assert committee_member.first_name not in page
    staff_page = client_for(committee_member).get(detail(callback)).content.decode()
    assert "邻居说出差" in staff_page


def test_an_unassigned_callback_is_shown_as_such(compound):
    complainant = factories.owner_in(compound, username="lonely")
    Membership.objects.create(user=complainant, organisation=compound.committee, role="committee_chair")
    _complaint, callback = replied(complainant, complainant)
    officer = factories.member_of(compound.community_office, role="community_officer", username="officer9")
    text = "未分配：业委会除投诉人外没有其他委员。"
    assert text in client_for(officer).get(detail(callback)).content.decode()
    listed = client_for(complainant).get(LIST).content.decode()
    assert 'data-testid="callback-unassigned"' in listed


def test_recording_not_solved_reopens_the_complaint_with_the_note_on_its_timeline(
    pending, owner, committee_member, property_staff
):
    complaint, callback = pending
    client = client_for(committee_member)
    with time_machine.travel("2026-03-02 12:00 +0800", tick=False):
        response = post(
            client, callback, "record", channel="phone", solved="no", satisfaction=2,
            comment="电梯门还是关不严",
        )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == detail(callback)
    page = client.get(detail(callback)).content.decode()
    assert "回访已记录：未解决。投诉已退回处理中并设定新的处理期限，已通知物业公司。" in page
    assert 'data-testid="callback-outcome"' in page
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS
    assert timezone.localtime(complaint.resolve_due_at).strftime("%Y-%m-%d %H:%M") == "2026-03-09 12:00"
    # The owner sees the reopened complaint with the callback's note.
    owner_page = client_for(owner).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "重新处理：回访发现问题未解决" in owner_page
    assert "回访：问题未解决。电梯门还是关不严" in owner_page


def test_recording_solved_closes_the_complaint(pending, committee_member):
    complaint, callback = pending
    client = client_for(committee_member)
    response = post(client, callback, "record", channel="visit", solved="yes", satisfaction="", comment="")
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    callback.refresh_from_db()
    assert (callback.status, callback.satisfaction, callback.channel) == ("solved", None, "visit")
    page = client.get(detail(callback)).content.decode()
    assert "回访已记录：已解决。投诉已办结。" in page
    assert 'data-testid="callback-record-form"' not in page


def test_the_third_attempt_shows_the_owner_not_reached(pending, committee_member):
    complaint, callback = pending
    client = client_for(committee_member)
    for note in ("无人接听", "关机"):
        assert post(client, callback, "attempt", channel="phone", note=note).status_code == 302
    page = client.get(detail(callback)).content.decode()
    assert "这是最后一次联系" in page
    assert post(client, callback, "attempt", channel="visit", note="家中无人").status_code == 302
    page = client.get(detail(callback)).content.decode()
    assert "已记录：联系 3 次均未联系上业主。异议期限届满后，投诉将自动办结。" in page
    assert '<span class="badge text-bg-secondary" data-testid="callback-status">未联系上业主</span>' in page
    assert page.count('data-testid="callback-event"') == 4
    assert 'data-testid="callback-attempt-form"' not in page
    complaint.refresh_from_db()
    assert complaint.status == Status.RESOLVED


def test_the_owner_answers_online_and_the_complaint_reopens(pending, owner):
    complaint, callback = pending
    client = client_for(owner)
    response = post(client, callback, "answer", solved="no", satisfaction=1, comment="还是坏的")
    assert response.status_code == 302
    page = client.get(detail(callback)).content.decode()
    assert "感谢您的答复。投诉已重新处理，每一步进展都会通知您。" in page
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS
    assert fresh(callback).channel == Callback.Channel.ONLINE


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("record", {"channel": "phone", "solved": "no", "satisfaction": "2", "comment": " "}, "请说明仍未解决的问题"),
        ("record", {"channel": "online", "solved": "yes"}, "选择一个有效的选项"),
        ("record", {"channel": "phone", "solved": "maybe"}, "选择一个有效的选项"),
        ("record", {"channel": "phone", "solved": "yes", "satisfaction": "9"}, "选择一个有效的选项"),
        ("attempt", {"channel": "online"}, "选择一个有效的选项"),
        ("attempt", {"channel": "phone", "note": "长" * 2001}, "2000"),
        ("answer", {"solved": "no", "satisfaction": "3", "comment": ""}, "请告诉我们仍未解决的问题"),
        ("answer", {"solved": "yes"}, "这个字段是必填项"),
    ],
)
def test_bad_input_shows_the_form_again_and_saves_nothing(pending, owner, committee_member, name, data, error):
    _complaint, callback = pending
    client = client_for(owner if name == "answer" else committee_member)
    before = db_rows()
    response = post(client, callback, name, **data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "请修改下面标出的错误；本次操作未保存。" in page
    assert error in page
    assert db_rows() == before


def test_a_stale_form_is_told_who_changed_the_callback_and_keeps_the_typing(pending, committee_member, second_member):
    _complaint, callback = pending
    callback_attempt(callback=fresh(callback), by=second_member, seen_version=1, channel="phone", note="")
    client = client_for(committee_member)
    before = db_rows()
    response = post(client, callback, "record", version=1, channel="phone", solved="no", comment="我的回访记录很长")
    assert response.status_code == 409
    page = response.content.decode()
    assert "在此期间王委员已处理该回访" in page
    assert "联系业主未果" in page
    assert "我的回访记录很长" in page
    assert db_rows() == before


def test_answering_after_the_owner_confirmed_is_changed_meanwhile(pending, owner, committee_member):
    complaint, callback = pending
    complaint_services.complaint_confirm(complaint=complaint, by=owner, seen_version=complaint.version, rating=4)
    client = client_for(committee_member)
    before = db_rows()
    response = post(client, callback, "record", version=1, channel="phone", solved="yes")
    assert response.status_code == 409
    page = response.content.decode()
    assert "在此期间" in page
    assert "记录了回访：已解决" in page
    # The callback is settled: no form to try again with.
    assert 'data-testid="callback-record-form"' not in page
    assert db_rows() == before


def test_a_callback_flood_gets_429(settings, owner, committee_member, other_owner):
    callbacks = [
        replied(person, committee_member, title=f"投诉{i}")[1] for i, person in enumerate([owner, other_owner] * 2)
    ]
    client = client_for(committee_member)

    def send(i, language):
        return post(client, callbacks[i], "attempt", channel="phone", note="")

    def speak(language):
        type(committee_member).objects.filter(pk=committee_member.pk).update(language=language)

    assert_flood_refused(settings, "step", send, speak=speak)


# --- the list -------------------------------------------------------------------------------------


def test_the_list_puts_the_calls_to_make_first_by_due_date_and_marks_the_overdue(
    owner, other_owner, committee_member, second_member
):
    _c, late = replied(owner, committee_member, title="逾期未回访")
    replied(other_owner, committee_member, title="刚答复")
    _c, done = replied(owner, committee_member, title="已回访")
    callback_record(
        callback=done, by=committee_member, seen_version=1, solved=True, satisfaction=5, comment="", channel="phone"
    )
    Callback.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=3))
    response = client_for(committee_member).get(LIST)
    assert [c.complaint.title for c in response.context["page"].items] == ["逾期未回访", "刚答复"]
    assert [c.complaint.title for c in response.context["recent"]] == ["已回访"]
    page = response.content.decode()
    to_call = page.split('data-testid="to-call"')[1].split("</table>")[0]
    assert to_call.count('data-testid="callback-overdue"') == 1
    assert to_call.index("逾期未回访") < to_call.index("刚答复")
    assert "已回访" in page.split('data-testid="recent-done"')[1]


def test_the_list_filters_by_status_compound_and_assignee(
    owner, other_owner, committee_member, second_member, compound
):
    _c, mine = replied(owner, committee_member, title="分给我的")
    _c, theirs = replied(other_owner, committee_member, title="分给王委员的")
    assert {mine.assigned_to, theirs.assigned_to} == {committee_member, second_member}
    if mine.assigned_to != committee_member:
        mine, theirs = theirs, mine
    callback_record(
        callback=theirs,
        by=second_member,
        seen_version=1,
        solved=False,
        satisfaction=2,
        comment="没修好",
        channel="phone",
    )
    client = client_for(committee_member)

    def titles(**query):
        return [c.complaint.title for c in client.get(LIST, query).context["page"].items]

    assert titles(mine="on") == [mine.complaint.title]
    assert titles(status="done") == [theirs.complaint.title]
    assert titles(status="unsolved") == [theirs.complaint.title]
    assert titles(status="solved") == []
    assert titles(compound=compound.pk) == [mine.complaint.title]
    page = client.get(LIST, {"status": "solved"}).content.decode()
    assert "没有符合条件的回访。" in page


def test_an_unknown_filter_is_named_and_the_list_still_shows(pending, committee_member):
    response = client_for(committee_member).get(LIST, {"status": "nonsense", "colour": "red"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "未知的筛选条件已忽略：“colour”。" in page
    assert "筛选条件“查看”已忽略：" in page
    assert len(response.context["page"].items) == 1


def test_the_menu_leads_the_committee_to_the_callbacks(committee_member, owner, property_staff):
    assert 'data-testid="nav-callbacks"' in client_for(committee_member).get(reverse("home")).content.decode()
    for user in (owner, property_staff):
        assert 'data-testid="nav-callbacks"' not in client_for(user).get(reverse("home")).content.decode()


@pytest.mark.parametrize("rows", [3, 60])
def test_the_list_and_the_callback_cost_a_fixed_number_of_queries(
    compound, committee_member, owner, django_assert_num_queries, rows
):
    _callbacks(compound, [("pending", 24 + i, None) for i in range(rows)] + [("solved", -24, -30)] * rows)
    _complaint, callback = replied(owner, committee_member)
    # One attempt or two: a longer history costs no more.
    for _ in range(1 if rows < 10 else 2):
        callback_attempt(
            callback=fresh(callback), by=committee_member, seen_version=fresh(callback).version, channel="phone"
        )
    client = client_for(committee_member)
    # session, user, access (memberships, compounds, owner profile), badges (2), the page, the latest done,
    # the coverage, the time limits (its "within 3 days")
    with django_assert_num_queries(11):
        response = client.get(LIST)
    assert len(response.context["page"].items) == min(rows + 1, 25)
    assert len(response.context["recent"]) == min(rows, 10)
    # the same, without the latest done under the page
    with django_assert_num_queries(10):
        client.get(LIST, {"status": "done", "mine": "on"})
    # session, user, access (3), badges (2), the callback with its complaint, its events
    with django_assert_num_queries(9):
        client.get(detail(callback))


# --- on the complaint's page, the home page and the dashboard -----------------------------------------------


def test_the_complaints_page_shows_its_callback_to_the_committee_only(pending, committee_member, owner, officer):
    complaint, callback = pending
    url = reverse("complaints:detail", args=[complaint.pk])
    for user in (committee_member, officer):
        page = client_for(user).get(url).content.decode()
        card = page.split('data-testid="complaint-callback"')[1].split("</div>\n</div>")[0]
        assert "待回访" in card
        assert detail(callback) in card
    assert 'data-testid="complaint-callback"' not in client_for(owner).get(url).content.decode()


def test_home_shows_the_members_callbacks_and_the_coverage_with_what_it_means(compound, committee_member, owner):
    _callbacks(compound, [("solved", -24, -30), ("solved", -48, -50), ("pending", -2, None)])
    _complaint, callback = replied(owner, committee_member, title="待我回访")
    page = client_for(committee_member).get(reverse("home")).content.decode()
    card = page.split('data-testid="home-callbacks"')[1].split("</ul>")[0]
    assert "待我回访" in card
    assert detail(callback) in card
    coverage = page.split('data-testid="callback-coverage"')[1]
    assert "67%" in coverage
    assert "3 件已答复投诉中，2 件在 3 天内完成回访" in coverage
    assert "近 90 天" in coverage
    assert LIST in coverage
    assert 'data-testid="callback-coverage"' not in client_for(owner).get(reverse("home")).content.decode()


def test_the_dashboard_shows_the_coverage_of_the_compounds_it_counts(
    compound, other_compound, committee_member, other_committee_member
):
    both = factories.member_of(other_compound.committee, role="committee_member", username="both")
    Membership.objects.create(user=both, organisation=compound.committee, role="committee_member")
    _callbacks(compound, [("solved", -24, -30), ("pending", -2, None)])
    _callbacks(other_compound, [("solved", -24, -30)])
    client = client_for(both)
    dashboard = reverse("complaints:dashboard")
    assert (
        "2 件已答复投诉中，1 件在 3 天内完成回访" in client.get(dashboard, {"compound": compound.pk}).content.decode()
    )
    assert "3 件已答复投诉中，2 件在 3 天内完成回访" in client.get(dashboard).content.decode()
    assert (
        "1 件已答复投诉中，1 件在 3 天内完成回访" in client_for(other_committee_member).get(dashboard).content.decode()
    )


@pytest.mark.parametrize("rows", [2, 80])
def test_home_and_dashboard_cost_the_same_whatever_the_number_of_callbacks(
    compound, committee_member, owner, django_assert_num_queries, rows
):
    _callbacks(compound, [("solved", -24, -30)] * rows)
    _complaint, callback = replied(owner, committee_member)
    file_complaint(owner, title="待受理")
    client = client_for(committee_member)
    # session, user, access (3), badges (2), compounds, pending applications, records to sign, notifications,
    # complaints to accept, the time limits, the member's callbacks to make, the coverage
    with django_assert_num_queries(15):
        client.get(reverse("home"))
    # session, user, access (3), badges (2), the time limits, status counts, workload, the page,
    # the filter form's categories and service areas, the coverage
    with django_assert_num_queries(14):
        client.get(reverse("complaints:dashboard"))
    assert CallbackEvent.objects.filter(callback=callback).count() == 1
    assert Action.REPLY


def test_the_list_pages_by_due_date_and_shows_the_latest_done_under_the_first_page_only(compound, committee_member):
    _callbacks(compound, [("pending", 24 + i, None) for i in range(30)] + [("solved", -24, -30)] * 3)
    client = client_for(committee_member)
    first = client.get(LIST)
    items = first.context["page"].items
    assert len(items) == 25
    assert [c.due_at for c in items] == sorted(c.due_at for c in items)
    assert len(first.context["recent"]) == 3
    second = client.get(LIST, {"cursor": first.context["page"].next_cursor})
    rest = second.context["page"].items
    assert len(rest) == 5
    assert rest[0].due_at > items[-1].due_at
    assert second.context["recent"] == []
    assert 'data-testid="recent-done"' not in second.content.decode()


def test_done_callbacks_are_listed_by_when_their_outcome_was_recorded_latest_first(compound, committee_member):
    # Due late but recorded early, and the other way round: the list follows the recording.
    _callbacks(compound, [("solved", -24, -200), ("unsolved", -300, -5), ("unreached", -100, -50)])
    client = client_for(committee_member)
    recorded = [c.done_at for c in client.get(LIST).context["recent"]]
    assert recorded == sorted(recorded, reverse=True)
    assert len(recorded) == 3
    listed = [c.status for c in client.get(LIST, {"status": "done"}).context["page"].items]
    assert listed == ["unsolved", "unreached", "solved"]
