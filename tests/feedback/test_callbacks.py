"""Callbacks (回访) through their services: opened by the reply, assigned to a
committee member who is neither the complainant nor the property company,
recorded (attempts, outcome) or answered online by the owner, settled by the
owner's own confirm or dispute or by the dispute window; what each does to
the complaint, its timeline and its archive record; and callback coverage."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from committee_site.models import AuditEvent, Membership, Notification
from committee_site.services import ChangedMeanwhile, NotAllowed, ServiceError
from complaints import services as complaint_services
from complaints.models import Action, Status
from feedback import queries
from feedback.models import Callback, CallbackEvent
from feedback.services.callbacks import callback_attempt, callback_record
from records.models import ArchiveRecord
from tests import factories
from tests.complaints.conftest import drive, file_complaint
from tests.complaints.rows import bulk_complaints
from tests.snapshot import db_rows

pytestmark = pytest.mark.django_db

NOON = "2026-03-02 12:00 +0800"


def replied(owner, committee, staff=None, **kwargs):
    """A complaint of `owner` taken through the real workflow to its reply,
    and the callback the reply opened."""
    complaint = drive(file_complaint(owner, **kwargs), Status.RESOLVED, committee=committee, staff=staff)
    return complaint, Callback.objects.select_related("complaint", "compound").get(complaint=complaint)


def fresh(callback):
    return Callback.objects.select_related("complaint", "compound").get(pk=callback.pk)


def record(callback, by, *, solved=True, satisfaction=4, comment="", channel="phone", version=None):
    return callback_record(
        callback=callback,
        by=by,
        seen_version=callback.version if version is None else version,
        solved=solved,
        satisfaction=satisfaction,
        comment=comment,
        channel=channel,
    )


def attempt(callback, by, note="无人接听"):
    return callback_attempt(callback=callback, by=by, seen_version=callback.version, channel="phone", note=note)


# --- opening and assignment ----------------------------------------------------------------


def test_callback_opens_with_the_reply_due_within_the_callback_limit(owner, committee_member, property_staff):
    with time_machine.travel(NOON, tick=False):
        complaint, callback = replied(owner, committee_member, property_staff)
    assert callback.status == Callback.Status.PENDING
    assert timezone.localtime(callback.due_at).strftime("%Y-%m-%d %H:%M") == "2026-03-05 12:00"
    assert callback.assigned_to == committee_member
    assert callback.compound == complaint.compound
    opened = CallbackEvent.objects.get(callback=callback)
    assert (opened.action, opened.actor, opened.to_status) == ("open", property_staff, "pending")
    audit = AuditEvent.objects.get(action="callback.open")
    assert (audit.object_id, audit.actor) == (str(callback.pk), property_staff)
    assert audit.compound_id == complaint.compound_id
    url = f"/feedback/callbacks/{callback.pk}/"
    assert committee_member.notifications.get(kind="callback_assigned").url == url
    invite = owner.notifications.get(kind="callback_invite")
    assert invite.url == url
    assert complaint.reference in invite.title


def test_callback_goes_to_the_member_with_the_fewest_calls_to_make(owner, committee_member, compound):
    other_owner = factories.owner_in(compound, building="2", unit="202", username="neighbour")
    second = factories.member_of(compound.committee, role="committee_member", username="second")
    _complaint, first = replied(owner, committee_member)
    _complaint, then = replied(other_owner, committee_member, title="路灯不亮")
    assert {first.assigned_to, then.assigned_to} == {committee_member, second}


def test_callback_is_never_assigned_to_the_complainant_nor_to_property_staff(compound, property_staff):
    # The complainant sits on the committee; another member also works for the property company.
    complainant = factories.owner_in(compound, username="member_owner")
    Membership.objects.create(user=complainant, organisation=compound.committee, role="committee_member")
    Membership.objects.create(user=property_staff, organisation=compound.committee, role="committee_member")
    caller = factories.member_of(compound.committee, role="committee_chair", username="caller")
    for i in range(3):
        _complaint, callback = replied(complainant, caller, title=f"投诉{i}")
        assert callback.assigned_to == caller


def test_a_committee_of_only_the_complainant_leaves_the_callback_unassigned(compound):
    complainant = factories.owner_in(compound, username="lonely")
    Membership.objects.create(user=complainant, organisation=compound.committee, role="committee_chair")
    _complaint, callback = replied(complainant, complainant)
    assert callback.assigned_to is None
    assert not Notification.objects.filter(kind="callback_assigned").exists()
    # The owner may still answer online.
    assert complainant.notifications.filter(kind="callback_invite").count() == 1


# --- recording the outcome -------------------------------------------------------------------


def test_not_solved_reopens_the_complaint_with_the_note_and_a_new_deadline(owner, committee_member, property_staff):
    complaint, callback = replied(owner, committee_member, property_staff)
    with time_machine.travel(NOON, tick=False):
        record(callback, committee_member, solved=False, satisfaction=2, comment="  门还是关不严  ")
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS
    assert timezone.localtime(complaint.resolve_due_at).strftime("%Y-%m-%d %H:%M") == "2026-03-09 12:00"
    assert (complaint.resolved_at, complaint.dispute_until) == (None, None)
    event = complaint.events.order_by("-id").first()
    assert (event.action, event.actor, event.visible_to_owner) == (Action.CALLBACK_REOPEN, committee_member, True)
    assert "门还是关不严" in event.note
    assert event.data["callback"]["status"] == "unsolved"
    callback.refresh_from_db()
    assert (callback.status, callback.reached, callback.solved, callback.satisfaction) == ("unsolved", True, False, 2)
    assert (callback.comment, callback.channel, callback.attempts) == ("门还是关不严", "phone", 1)
    assert (callback.done_by, timezone.localtime(callback.done_at).strftime("%H:%M")) == (committee_member, "12:00")
    # The property company and the owner hear of it.
    assert property_staff.notifications.filter(kind="complaint_event").order_by("-id").first().title.endswith("处理中")
    assert owner.notifications.filter(kind="complaint_event").order_by("-id").first().title.endswith("处理中")


def test_solved_closes_the_complaint_with_the_owners_satisfaction(owner, committee_member):
    complaint, callback = replied(owner, committee_member)
    record(callback, committee_member, solved=True, satisfaction=5, comment="已修好，很满意", channel="visit")
    complaint.refresh_from_db()
    assert (complaint.status, complaint.owner_rating) == (Status.CLOSED, 5)
    assert complaint.events.order_by("-id").first().action == Action.CALLBACK_CLOSE
    callback.refresh_from_db()
    assert (callback.status, callback.channel, callback.on_time) == ("solved", "visit", True)


def test_a_reply_after_an_unsolved_callback_opens_a_new_callback(owner, committee_member):
    complaint, callback = replied(owner, committee_member)
    record(callback, committee_member, solved=False, comment="还在漏")
    complaint.refresh_from_db()
    complaint_services.complaint_reply(
        complaint=complaint, by=committee_member, seen_version=complaint.version, result="重新做了防水"
    )
    statuses = list(Callback.objects.filter(complaint=complaint).order_by("id").values_list("status", flat=True))
    assert statuses == ["unsolved", "pending"]
    assert queries.complaint_callback(complaint).status == "pending"


def test_the_owner_answers_online_with_the_same_outcome(owner, committee_member):
    complaint, callback = replied(owner, committee_member)
    record(callback, owner, solved=False, satisfaction=1, comment="根本没人来修", channel="online")
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS
    callback.refresh_from_db()
    assert (callback.status, callback.channel, callback.attempts, callback.done_by) == ("unsolved", "online", 0, owner)
    # The member who was to call is told they need not, and what the owner said.
    told = committee_member.notifications.get(kind="callback_answered")
    assert told.title == f"业主已在线答复投诉 {complaint.reference} 的回访"
    assert "未解决（“根本没人来修”）" in told.body
    assert told.url == f"/feedback/callbacks/{callback.pk}/"


def test_a_callback_recorded_by_the_member_tells_nobody_else(owner, committee_member):
    _complaint, callback = replied(owner, committee_member)
    record(callback, committee_member, solved=True, satisfaction=5, comment="", channel="phone")
    assert not Notification.objects.filter(kind="callback_answered").exists()


@pytest.mark.parametrize(
    ("who", "changes", "message"),
    [
        ("member", {"solved": False, "comment": "   "}, "请说明仍未解决的问题"),
        ("member", {"satisfaction": 9}, "请选择满意度"),
        ("member", {"channel": "carrier pigeon"}, "请选择联系业主的方式"),
        ("member", {"channel": "online"}, "只有业主本人可以在线答复回访"),
        ("owner", {"channel": "phone"}, "这是您本人的投诉"),
    ],
)
def test_a_refused_record_says_why_and_writes_nothing(owner, committee_member, who, changes, message):
    _complaint, callback = replied(owner, committee_member)
    by = committee_member if who == "member" else owner
    before = db_rows()
    with pytest.raises(ServiceError, match=message):
        record(callback, by, **changes)
    assert db_rows() == before


def test_a_complainant_on_the_committee_cannot_record_a_call_to_themselves(compound, committee_member):
    complainant = factories.owner_in(compound, username="member_owner")
    Membership.objects.create(user=complainant, organisation=compound.committee, role="committee_member")
    _complaint, callback = replied(complainant, committee_member)
    with pytest.raises(ServiceError, match="这是您本人的投诉"):
        attempt(callback, complainant)
    with pytest.raises(ServiceError, match="这是您本人的投诉"):
        record(callback, complainant)


def test_a_stale_callback_form_loses_and_is_told_who_was_first(owner, committee_member, compound):
    second = factories.member_of(compound.committee, role="committee_member", username="second", first_name="王委员")
    _complaint, callback = replied(owner, committee_member)
    attempt(fresh(callback), second)
    before = db_rows()
    with pytest.raises(ChangedMeanwhile, match="王委员") as refused:
        record(callback, committee_member, version=1)
    assert "联系业主未果" in str(refused.value.message)
    assert db_rows() == before


def test_recording_after_the_owner_confirmed_is_changed_meanwhile(owner, committee_member):
    complaint, callback = replied(owner, committee_member)
    complaint_services.complaint_confirm(complaint=complaint, by=owner, seen_version=complaint.version, rating=3)
    before = db_rows()
    with pytest.raises(ChangedMeanwhile):
        record(callback, committee_member, solved=False, comment="业主说没修好")
    with pytest.raises(ChangedMeanwhile):
        attempt(callback, committee_member)
    assert db_rows() == before


def test_a_settled_callback_refuses_another_answer(owner, committee_member):
    _complaint, callback = replied(owner, committee_member)
    record(callback, committee_member)
    callback = fresh(callback)
    with pytest.raises(NotAllowed, match="已解决"):
        record(callback, owner, channel="online")


# --- attempts ------------------------------------------------------------------------------------


def test_three_attempts_record_the_owner_not_reached_and_the_dispute_window_closes_it(owner, committee_member):
    complaint, callback = replied(owner, committee_member)
    for expected in ("pending", "pending", "unreached"):
        callback = attempt(fresh(callback), committee_member)
        assert callback.status == expected
    callback.refresh_from_db()
    assert (callback.attempts, callback.reached, callback.done_by) == (3, False, committee_member)
    assert list(callback.events.values_list("action", flat=True)) == ["open", "attempt", "attempt", "give_up"]
    complaint.refresh_from_db()
    assert complaint.status == Status.RESOLVED
    note = complaint.events.order_by("-id").first()
    assert (note.action, note.visible_to_owner) == (Action.NOTE, False)
    assert note.data["callback"]["status"] == "unreached"
    closed = complaint_services.complaints_auto_close(now=complaint.dispute_until + timedelta(minutes=1))
    assert closed == [complaint.pk]
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    # Already settled: the dispute window does not make it lapse.
    assert fresh(callback).status == "unreached"


def test_an_attempt_by_a_visit_counts_like_a_call(owner, committee_member):
    _complaint, callback = replied(owner, committee_member)
    callback_attempt(callback=callback, by=committee_member, seen_version=callback.version, channel="visit", note="")
    callback.refresh_from_db()
    assert (callback.status, callback.attempts, callback.channel) == ("pending", 1, "visit")
    with pytest.raises(ServiceError, match="电话或上门"):
        callback_attempt(callback=callback, by=committee_member, seen_version=callback.version, channel="online")


# --- settled by the complaint's own moves -----------------------------------------------------------


def test_the_owners_confirmation_is_their_answer_to_the_callback(owner, committee_member):
    complaint, callback = replied(owner, committee_member)
    complaint_services.complaint_confirm(
        complaint=complaint, by=owner, seen_version=complaint.version, rating=4, comment="谢谢"
    )
    callback.refresh_from_db()
    assert (callback.status, callback.channel, callback.satisfaction) == ("solved", "online", 4)
    assert (callback.comment, callback.done_by) == ("谢谢", owner)
    confirm = complaint.events.get(action=Action.CONFIRM)
    assert confirm.data["callback"]["status"] == "solved"


def test_a_dispute_cancels_the_callback(owner, committee_member):
    complaint, callback = replied(owner, committee_member)
    complaint_services.complaint_dispute(complaint=complaint, by=owner, seen_version=complaint.version, reason="没修好")
    callback.refresh_from_db()
    assert callback.status == "cancelled"
    assert callback.events.order_by("-id").first().note == "业主对答复提出了异议。"


def test_the_dispute_window_lapses_a_callback_nobody_made(owner, committee_member):
    complaint, callback = replied(owner, committee_member)
    complaint_services.complaints_auto_close(now=complaint.dispute_until + timedelta(minutes=1))
    callback.refresh_from_db()
    assert callback.status == "lapsed"
    assert complaint.events.get(action=Action.AUTO_CLOSE).data["callback"]["status"] == "lapsed"


# --- the archive record includes the callback --------------------------------------------------


def _archived(complaint):
    return ArchiveRecord.objects.filter(source_type="complaints.complaint", source_id=str(complaint.pk)).get()


def test_archive_record_of_a_complaint_closed_by_a_solved_callback_names_the_outcome(owner, committee_member):
    complaint, callback = replied(owner, committee_member)
    record(callback, committee_member, solved=True, satisfaction=5, comment="门已修好")
    body = _archived(complaint).body
    assert "回访" in body
    line = next(line for line in body.splitlines() if line.startswith("回访（"))
    assert "已解决" in line
    assert "尝试次数：1" in line
    assert "满意度：非常满意" in line
    assert "门已修好" in line
    assert _archived(complaint).data["events"][-1]["data"]["callback"]["status"] == "solved"


def test_archive_record_of_a_complaint_closed_by_the_dispute_window_after_an_unreached_owner(owner, committee_member):
    complaint, callback = replied(owner, committee_member)
    for _ in range(3):
        callback = attempt(fresh(callback), committee_member)
    complaint.refresh_from_db()
    complaint_services.complaints_auto_close(now=complaint.dispute_until + timedelta(minutes=1))
    body = _archived(complaint).body
    line = next(line for line in body.splitlines() if line.startswith("回访（"))
    assert "未联系上业主" in line
    assert "尝试次数：3" in line
    assert "业主在期限内未对答复提出异议" in body


def test_archive_record_of_a_complaint_closed_by_the_owners_confirmation_names_the_callback(owner, committee_member):
    complaint, _callback = replied(owner, committee_member)
    complaint_services.complaint_confirm(complaint=complaint, by=owner, seen_version=complaint.version, rating=3)
    body = _archived(complaint).body
    line = next(line for line in body.splitlines() if line.startswith("回访（"))
    assert "已解决" in line
    assert "满意度：比较满意" in line


# --- callback coverage ------------------------------------------------------------------------------


def _callbacks(compound, rows):
    """Callbacks written directly, one complaint each: (status, due, done) in hours from now."""
    now = timezone.now()
    complaints = bulk_complaints(compound, len(rows), status="closed")
    Callback.objects.bulk_create(
        [
            Callback(
                complaint=complaint,
                compound=compound,
                status=status,
                created_at=now + timedelta(hours=due - 72),
                due_at=now + timedelta(hours=due),
                done_at=None if done is None else now + timedelta(hours=done),
            )
            for complaint, (status, due, done) in zip(complaints, rows, strict=True)
        ]
    )


def test_coverage_counts_the_callbacks_made_within_the_limit(compound, other_compound):
    day = 24
    _callbacks(
        compound,
        [
            ("solved", -day, -2 * day),  # on time
            ("unsolved", -10 * day, -11 * day),  # on time
            ("unreached", -3 * day, -4 * day),  # on time: three attempts within the limit
            ("solved", -5 * day, -4 * day),  # made, a day late
            ("pending", -2, None),  # overdue: missed
            ("lapsed", -20 * day, None),  # nobody called: missed
            ("pending", 2 * day, None),  # not due yet: not counted
            ("solved", 2 * day, -1),  # made before it fell due: counted, on time
            ("cancelled", -day, None),  # the owner disputed first: not the committee's to make
            ("solved", -91 * day, -92 * day),  # before the window
        ],
    )
    _callbacks(other_compound, [("solved", -day, -2 * day)])
    coverage = queries.callback_coverage([compound.pk], timezone.now())
    assert (coverage.on_time, coverage.counted, coverage.percent) == (4, 7, 57)
    assert (coverage.days, coverage.limit_days) == (90, 3)
    both = queries.callback_coverage([compound.pk, other_compound.pk], timezone.now())
    assert (both.on_time, both.counted) == (5, 8)


def test_coverage_with_nothing_due_has_no_percentage(compound):
    _callbacks(compound, [("pending", 48, None), ("cancelled", -48, None)])
    coverage = queries.callback_coverage([compound.pk], timezone.now())
    assert (coverage.on_time, coverage.counted, coverage.percent) == (0, 0, None)


def test_coverage_is_one_aggregate_query_whatever_the_rows(compound, django_assert_num_queries):
    _callbacks(compound, [("solved", -24, -30)] * 50)
    from committee_site.models import time_limits_scope

    with time_limits_scope():
        queries.callback_coverage([compound.pk], timezone.now())
        with django_assert_num_queries(1):
            queries.callback_coverage([compound.pk], timezone.now())
