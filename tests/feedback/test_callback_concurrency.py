"""A committee member recording a callback at the moment the owner confirms,
disputes or answers online, each through their own database connection:
exactly one wins, the other is told it changed meanwhile, and nothing is
half written (no deadlock either: both lock the complaint first)."""

import pytest

from committee_site.services import ChangedMeanwhile
from complaints import services as complaint_services
from complaints.models import Action, Complaint, ComplaintEvent, Status, StatusCount
from feedback.models import Callback, CallbackEvent
from feedback.services.callbacks import callback_attempt, callback_record
from records.models import ArchiveRecord
from tests.feedback.test_callbacks import replied
from tests.races import postgresql_only, race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    postgresql_only,
]


def _callback(pk):
    return lambda: Callback.objects.select_related("complaint", "compound").get(pk=pk)


def _complaint(pk):
    return lambda: Complaint.objects.select_related("compound", "category", "complainant").get(pk=pk)


def _member_records(member, *, solved, comment="", channel="phone"):
    def act(callback):
        return callback_record(
            callback=callback,
            by=member,
            seen_version=callback.version,
            solved=solved,
            satisfaction=4 if solved else 2,
            comment=comment,
            channel=channel,
        )

    return act


def _one_winner(outcomes, winner_type):
    winners = [o for o in outcomes if isinstance(o, winner_type)]
    losers = [o for o in outcomes if isinstance(o, ChangedMeanwhile)]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    return outcomes.index(winners[0])


def _counts(compound):
    counts = dict(StatusCount.objects.filter(compound=compound).values_list("status", "count"))
    return {status: n for status, n in counts.items() if n}


def test_a_member_recording_solved_while_the_owner_confirms(compound, owner, committee_member):
    complaint, callback = replied(owner, committee_member)
    outcomes = race(
        (_callback(callback.pk), _member_records(committee_member, solved=True, comment="电话回访，已修好")),
        (_complaint(complaint.pk), lambda c: complaint_services.complaint_confirm(
            complaint=c, by=owner, seen_version=c.version, rating=5, comment="满意"
        )),
    )  # fmt: skip
    winner = outcomes.index(next(o for o in outcomes if not isinstance(o, ChangedMeanwhile)))
    assert sum(isinstance(o, ChangedMeanwhile) for o in outcomes) == 1, outcomes
    complaint.refresh_from_db()
    callback.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert callback.status == Callback.Status.SOLVED
    closing = ComplaintEvent.objects.filter(complaint=complaint, to_status=Status.CLOSED)
    assert closing.count() == 1
    if winner == 0:
        assert (closing.get().action, callback.channel, callback.done_by) == (
            Action.CALLBACK_CLOSE,
            "phone",
            committee_member,
        )
        assert complaint.owner_rating == 4
    else:
        assert closing.get().action == Action.CONFIRM
        assert (callback.channel, callback.done_by) == ("online", owner)
        assert complaint.owner_rating == 5
    # One settling event on the callback, one archive record, the counts as one closed complaint.
    assert CallbackEvent.objects.filter(callback=callback, action="solved").count() == 1
    assert ArchiveRecord.objects.filter(source_type="complaints.complaint", source_id=str(complaint.pk)).count() == 1
    assert _counts(compound) == {Status.CLOSED: 1}


def test_a_member_recording_not_solved_while_the_owner_disputes(compound, owner, committee_member):
    complaint, callback = replied(owner, committee_member)
    outcomes = race(
        (_callback(callback.pk), _member_records(committee_member, solved=False, comment="还在漏水")),
        (_complaint(complaint.pk), lambda c: complaint_services.complaint_dispute(
            complaint=c, by=owner, seen_version=c.version, reason="根本没修"
        )),
    )  # fmt: skip
    assert sum(isinstance(o, ChangedMeanwhile) for o in outcomes) == 1, outcomes
    member_won = not isinstance(outcomes[0], ChangedMeanwhile)
    complaint.refresh_from_db()
    callback.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS
    reopening = ComplaintEvent.objects.filter(
        complaint=complaint, to_status=Status.IN_PROGRESS, from_status=Status.RESOLVED
    )
    assert reopening.count() == 1
    if member_won:
        assert (reopening.get().action, callback.status) == (Action.CALLBACK_REOPEN, Callback.Status.UNSOLVED)
        assert "还在漏水" in reopening.get().note
        assert "在此期间" in str(outcomes[1].message)
    else:
        assert (reopening.get().action, callback.status) == (Action.DISPUTE, Callback.Status.CANCELLED)
        assert (callback.done_by, callback.solved) == (None, None)
        assert "在此期间" in str(outcomes[0].message)
    # Submitted, accepted, assigned, planned, replied: one move more, not two.
    assert complaint.version == 6
    assert _counts(compound) == {Status.IN_PROGRESS: 1}


def test_a_member_and_the_owner_answering_online_at_once(compound, owner, committee_member):
    complaint, callback = replied(owner, committee_member)
    outcomes = race(
        (_callback(callback.pk), _member_records(committee_member, solved=True)),
        (_callback(callback.pk), _member_records(owner, solved=False, comment="没修好", channel="online")),
    )
    winner = _one_winner(outcomes, Callback)
    complaint.refresh_from_db()
    callback.refresh_from_db()
    assert (callback.status, complaint.status) == (
        (Callback.Status.SOLVED, Status.CLOSED) if winner == 0 else (Callback.Status.UNSOLVED, Status.IN_PROGRESS)
    )
    assert callback.version == 2
    assert ComplaintEvent.objects.filter(complaint=complaint, action__startswith="callback_").count() == 1


def test_an_attempt_while_the_owner_confirms_never_deadlocks(compound, owner, committee_member):
    complaint, callback = replied(owner, committee_member)
    outcomes = race(
        (_callback(callback.pk), lambda c: callback_attempt(
            callback=c, by=committee_member, seen_version=c.version, channel="phone", note="无人接听"
        )),
        (_complaint(complaint.pk), lambda c: complaint_services.complaint_confirm(
            complaint=c, by=owner, seen_version=c.version, rating=4
        )),
    )  # fmt: skip
    # The owner's confirmation always holds; the attempt either came first or is told it came too late.
    assert isinstance(outcomes[1], Complaint), outcomes
    assert isinstance(outcomes[0], Callback | ChangedMeanwhile), outcomes
    complaint.refresh_from_db()
    callback.refresh_from_db()
    assert (complaint.status, callback.status, callback.channel) == (Status.CLOSED, "solved", "online")
    attempts = CallbackEvent.objects.filter(callback=callback, action="attempt").count()
    assert (callback.attempts, attempts) == ((1, 1) if isinstance(outcomes[0], Callback) else (0, 0))
