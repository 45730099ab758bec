"""Callbacks (回访): opened in the transaction that records a complaint's
reply, run by a committee member (never the property company, never the
complainant), or answered online by the owner. "Not solved" reopens the
complaint with a new deadline; "solved" closes it; an owner not reached after
three attempts leaves the complaint to close by the dispute window. Every
settled callback leaves an event with its outcome on the complaint's
timeline, which is how the complaint's archive record includes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from committee_site import clock
from committee_site.access import committee_members, organisation_members
from committee_site.models import TimeLimits, User
from committee_site.notifications import notify
from committee_site.services import Moved, NotAllowed, ServiceError, audit_record, transition_apply
from complaints import services as complaint_services
from complaints.models import Action as ComplaintAction
from complaints.models import Complaint, Satisfaction
from complaints.models import Status as ComplaintStatus
from feedback.models import Callback

Status = Callback.Status


def _snapshot(callback: Callback) -> dict[str, Any]:
    """What the complaint's event keeps of the callback, for its archive record."""
    return {
        "id": callback.pk,
        "status": callback.status,
        "attempts": callback.attempts,
        "reached": callback.reached,
        "solved": callback.solved,
        "satisfaction": callback.satisfaction,
        "channel": callback.channel,
        "comment": callback.comment,
        "due_at": callback.due_at.isoformat(),
        "done_at": callback.done_at.isoformat() if callback.done_at else None,
        "done_by": callback.done_by_id,
    }


def _caller_for(complaint: Complaint) -> User | None:
    """The committee member with the fewest callbacks still to make, then the
    one who was given one least recently, so the calls go round; never the
    complainant and never someone who also works for the compound's property
    company (the callback checks that company's work); None when the
    committee has nobody else. Counts only the last 90 days' callbacks,
    through the (assigned_to, status, due_at) index."""
    company_staff = {user.pk for user in organisation_members(complaint.compound.property_company_id)}
    members = [
        m
        for m in committee_members(complaint.compound)
        if m.pk != complaint.complainant_id and m.pk not in company_staff
    ]
    if not members:
        return None
    recent = Callback.objects.filter(assigned_to__in=members, due_at__gte=clock.now() - timedelta(days=90))
    load = {
        row["assigned_to"]: (row["pending"], row["last"])
        for row in recent.values("assigned_to").annotate(
            pending=Count("id", filter=Q(status=Status.PENDING)), last=Max("created_at")
        )
    }
    never = (0, None)
    return min(
        members,
        key=lambda m: (load.get(m.pk, never)[0], load.get(m.pk, never)[1] or datetime.min.replace(tzinfo=UTC), m.pk),
    )


def callback_open(*, complaint: Complaint, by: User | None) -> Callback:
    """Open the callback for a reply; called inside the reply's transaction."""
    now = clock.now()
    callback = Callback.objects.create(
        complaint=complaint,
        compound=complaint.compound,
        assigned_to=_caller_for(complaint),
        created_at=now,
        due_at=now + timedelta(days=TimeLimits.load().callback_days),
    )
    callback.events.create(at=now, actor=by, action=Callback.Action.OPEN, to_status=Status.PENDING)
    audit_record(
        actor=by,
        action=f"{Callback.TRANSITIONS.name}.{Callback.Action.OPEN}",
        obj=callback,
        compound=complaint.compound,
        data={"complaint": complaint.pk, "assigned_to": callback.assigned_to_id},
    )
    url = reverse("feedback:callback_detail", args=[callback.pk])
    context = {"callback": callback, "complaint": complaint}
    if callback.assigned_to is not None:
        notify(recipient=callback.assigned_to, kind="callback_assigned", context=context, url=url)
    if complaint.complainant is not None:
        notify(recipient=complaint.complainant, kind="callback_invite", context=context, url=url)
    return callback


def complaint_followed(*, moved: Moved[Any], by: User | None) -> None:
    """Registered on the complaint's TRANSITIONS (feedback/apps.py): runs in
    the transaction of every complaint move, after the complaint's row was
    updated (so locked): the pending callback is locked next, the same order
    as the callback services take, and read as it is now."""
    complaint = moved.obj
    if moved.action == ComplaintAction.REPLY:
        callback_open(complaint=complaint, by=by)
        return
    pending = (
        Callback.objects.select_for_update()
        .filter(complaint=complaint, status=Status.PENDING)
        .select_related("compound")
        .first()
    )
    if pending is None:
        return
    if moved.action == ComplaintAction.DISPUTE:
        _settle(pending, action=Callback.Action.CANCEL, by=by, note=_("The owner disputed the reply."))
    elif moved.action == ComplaintAction.REOPEN:
        _settle(pending, action=Callback.Action.CANCEL, by=by, note=_("The committee reopened the complaint."))
    elif moved.action == ComplaintAction.CONFIRM:
        # The owner's own confirmation is their answer to the callback.
        comment = getattr(moved.event, "note", "") or ""
        _settle(
            pending,
            action=Callback.Action.SOLVED,
            by=by,
            fields={
                "reached": True,
                "solved": True,
                "satisfaction": complaint.owner_rating,
                "comment": comment,
                "channel": Callback.Channel.ONLINE,
                "done_by": by,
                "done_at": clock.now(),
            },
            note=_("The owner confirmed the result on the complaint's page."),
        )
        _attach(moved, pending)
    elif moved.action == ComplaintAction.AUTO_CLOSE:
        _settle(pending, action=Callback.Action.LAPSE, by=by, note="")
        _attach(moved, pending)


def _settle(
    callback: Callback, *, action: str, by: User | None, fields: dict[str, Any] | None = None, note: str = ""
) -> Moved[Callback]:
    return transition_apply(
        obj=callback,
        machine=Callback.TRANSITIONS,
        action=action,
        by=by,
        seen_version=callback.version,
        changes=fields,
        note=note,
        compound=callback.compound,
    )


def _attach(moved: Moved[Any], callback: Callback) -> None:
    """Keep the callback's outcome in the complaint's event of this very move
    (written a moment ago, in this transaction), so the timeline keeps one
    event per step and the archive record, written next, includes it."""
    event = moved.event
    if event is None:
        return
    event.data = {**(event.data or {}), "callback": _snapshot(callback)}  # type: ignore[attr-defined]
    type(event)._default_manager.filter(pk=event.pk).update(data=event.data)  # type: ignore[attr-defined]


def _leave_on_complaint(callback: Callback, *, by: User | None, note: str) -> None:
    complaint_services.complaint_note(
        complaint=callback.complaint, by=by, note=note, data={"callback": _snapshot(callback)}
    )


def _locked_complaint(callback: Callback) -> Complaint:
    """The callback's complaint as it is now, its row locked to the end of the
    transaction. Every write that changes both locks the complaint first, as
    the complaint's own moves do (confirm, dispute, auto-close update it and
    then settle the callback): two at once wait for each other, and the one
    that comes second finds the callback changed, instead of a deadlock."""
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("compound", "category", "complainant", "assignee")
        .get(pk=callback.complaint_id)
    )
    callback.complaint = complaint
    return complaint


def _check_caller(callback: Callback, by: User, channel: str) -> None:
    """The owner answers online; everyone else calls or visits, and the
    complainant never records a call to themselves."""
    own = callback.complaint.complainant_id == by.pk
    if channel == Callback.Channel.ONLINE and not own:
        raise ServiceError(_("Only the owner answers a callback online; record how you reached them."))
    if channel != Callback.Channel.ONLINE and own:
        raise ServiceError(_("This is your own complaint: answer the callback online, another member calls."))


@transaction.atomic
def callback_attempt(*, callback: Callback, by: User, seen_version: int, channel: str, note: str = "") -> Callback:
    """A call that did not reach the owner; the third is recorded as "not
    reached", and the complaint then closes by its dispute window."""
    if channel not in (Callback.Channel.PHONE, Callback.Channel.VISIT):
        raise ServiceError(_("Choose how you tried to reach the owner: by phone or by a visit."))
    _check_caller(callback, by, channel)
    _locked_complaint(callback)
    attempts = callback.attempts + 1
    action = Callback.Action.GIVE_UP if attempts >= Callback.MAX_ATTEMPTS else Callback.Action.ATTEMPT
    fields: dict[str, Any] = {"attempts": attempts, "channel": channel}
    if action == Callback.Action.GIVE_UP:
        fields |= {"reached": False, "done_by": by, "done_at": clock.now()}
    transition_apply(
        obj=callback,
        machine=Callback.TRANSITIONS,
        action=action,
        by=by,
        seen_version=seen_version,
        changes=fields,
        note=note.strip(),
        compound=callback.compound,
    )
    if action == Callback.Action.GIVE_UP:
        _leave_on_complaint(
            callback,
            by=by,
            note=_("Callback: the owner was not reached after %(count)s attempts.") % {"count": attempts},
        )
    return callback


@transaction.atomic
def callback_record(
    *,
    callback: Callback,
    by: User,
    seen_version: int,
    solved: bool,
    satisfaction: int | None,
    comment: str,
    channel: str,
) -> Callback:
    """The outcome of a callback that reached the owner, recorded by a
    committee member (phone, visit) or by the owner online. Solved closes the
    complaint; not solved reopens it with the comment on its timeline and a
    new deadline. The complaint must still wait for its callback: if the
    owner disputed or confirmed meanwhile, the callback was settled by that
    step, this one gets ChangedMeanwhile, and nothing is written."""
    comment = comment.strip()
    if channel not in Callback.Channel.values:
        raise ServiceError(_("Choose how the owner was reached."))
    if satisfaction is not None and satisfaction not in Satisfaction.values:
        raise ServiceError(_("Choose a satisfaction level."))
    if not solved and not comment:
        raise ServiceError(_("Say what is still not solved: the note goes on the complaint's timeline."))
    _check_caller(callback, by, channel)
    complaint = _locked_complaint(callback)
    transition_apply(
        obj=callback,
        machine=Callback.TRANSITIONS,
        action=Callback.Action.SOLVED if solved else Callback.Action.UNSOLVED,
        by=by,
        seen_version=seen_version,
        changes={
            "reached": True,
            "solved": solved,
            "satisfaction": satisfaction,
            "comment": comment,
            "channel": channel,
            "attempts": callback.attempts + (0 if channel == Callback.Channel.ONLINE else 1),
            "done_by": by,
            "done_at": clock.now(),
        },
        note=comment,
        compound=callback.compound,
    )
    if complaint.status != ComplaintStatus.RESOLVED:
        # A pending callback always belongs to a replied complaint; should
        # that ever not hold, the callback's move is rolled back with this.
        raise NotAllowed(_("The complaint is no longer waiting for its callback: reload the page."))
    snapshot = _snapshot(callback)
    if channel == Callback.Channel.ONLINE and callback.assigned_to is not None:
        # The member who was to call need not call any more: tell them what the owner said.
        notify(
            recipient=callback.assigned_to,
            kind="callback_answered",
            context={"callback": callback, "complaint": complaint, "solved": solved},
            url=reverse("feedback:callback_detail", args=[callback.pk]),
        )
    if solved:
        complaint_services.complaint_callback_close(
            complaint=complaint,
            by=by,
            seen_version=complaint.version,
            note=comment or _("Callback: the owner says it is solved."),
            callback=snapshot,
        )
    else:
        complaint_services.complaint_callback_reopen(
            complaint=complaint,
            by=by,
            seen_version=complaint.version,
            note=_("Callback: not solved. %(comment)s") % {"comment": comment},
            callback=snapshot,
        )
    return callback
