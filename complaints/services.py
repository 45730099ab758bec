"""Every write to a complaint. One function, complaint_transition, applies
every move of the TRANSITIONS table with a conditional update on the version,
writes the event row, keeps the status counts and tells the people concerned."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committee_site import clock, search
from committee_site.access import committee_members, organisation_members
from committee_site.models import Building, Compound, Organisation, TimeLimits, Unit, User
from committee_site.notifications import notify
from committee_site.services import NotAllowed, ServiceError, audit_record, reference_next, transition_apply
from committee_site.uploads import photos_discard, photos_store
from complaints.archive import complaint_archive_record, complaint_record_publish
from complaints.models import (
    FINAL_STATUSES,
    TRANSITIONS,
    Action,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    ComplaintPhoto,
    Priority,
    Publication,
    PublicationScope,
    ResponsibleParty,
    ServiceArea,
    Status,
    StatusCount,
)

# --- helpers --------------------------------------------------------------------


def _count(compound_id: int, status: str, delta: int) -> None:
    updated = StatusCount.objects.filter(compound_id=compound_id, status=status).update(count=F("count") + delta)
    if not updated:
        StatusCount.objects.create(compound_id=compound_id, status=status, count=delta)


def _resolve_limit(complaint: Complaint, limits: TimeLimits) -> timedelta:
    if complaint.priority == Priority.URGENT:
        return timedelta(hours=limits.resolve_urgent_hours)
    if complaint.is_complex:
        return timedelta(days=limits.resolve_complex_days)
    if complaint.category.resolve_days:
        return timedelta(days=complaint.category.resolve_days)
    return timedelta(days=limits.resolve_normal_days)


def next_due(complaint: Complaint) -> datetime | None:
    """The deadline the complaint waits for in its status (None when it waits for none)."""
    if complaint.status == Status.SUBMITTED:
        return complaint.accept_due_at
    if complaint.status in (Status.ACCEPTED, Status.ASSIGNED):
        # The owner must hear how it will be handled within the reply limit.
        if complaint.status == Status.ASSIGNED and complaint.resolve_due_at:
            return min(complaint.reply_due_at, complaint.resolve_due_at)
        return complaint.reply_due_at
    if complaint.status == Status.IN_PROGRESS:
        return complaint.resolve_due_at
    if complaint.status == Status.RESOLVED:
        return complaint.dispute_until
    return None


def _tell(users: Sequence[User], *, kind: str, complaint: Complaint, actor: User | None, note: str = "") -> None:
    url = reverse("complaints:detail", args=[complaint.pk])
    for user in {u.pk: u for u in users if u is not None and (actor is None or u.pk != actor.pk)}.values():
        notify(recipient=user, kind=kind, context={"complaint": complaint, "note": note}, url=url)


def _with_photos(store: Sequence[ContentFile[bytes]], work: Any) -> Any:
    """Store the photos, run the database work, and delete the files again if
    the work fails, so a rejected write leaves no file behind."""
    names = photos_store(store, folder="complaints") if store else []
    try:
        return work(names)
    except BaseException:
        photos_discard(names)
        raise


def _photo_rows(
    complaint: Complaint, event: ComplaintEvent | None, names: Sequence[str], *, by: User | None, visible: bool
) -> None:
    ComplaintPhoto.objects.bulk_create(
        [
            ComplaintPhoto(complaint=complaint, event=event, file=name, uploaded_by=by, visible_to_owner=visible)
            for name in names
        ]
    )


# Who hears of each move, besides the one who made it.
OWNER_TOLD = frozenset(
    {
        Action.ACCEPT, Action.REJECT, Action.ASSIGN, Action.PLAN, Action.PROGRESS, Action.REPLY,
        Action.AUTO_CLOSE, Action.REFER, Action.REOPEN, Action.CALLBACK_CLOSE, Action.CALLBACK_REOPEN,
    }
)  # fmt: skip
COMMITTEE_TOLD = frozenset({Action.REPLY, Action.CONFIRM, Action.DISPUTE, Action.WITHDRAW})
ASSIGNEE_TOLD = frozenset(
    {
        Action.ASSIGN, Action.CONFIRM, Action.DISPUTE, Action.WITHDRAW, Action.REOPEN, Action.CALLBACK_CLOSE,
        Action.CALLBACK_REOPEN,
    }
)  # fmt: skip


@transaction.atomic
def complaint_transition(
    *,
    complaint: Complaint,
    action: str,
    by: User | None,
    seen_version: int,
    fields: dict[str, Any] | None = None,
    note: str = "",
    visible_to_owner: bool = True,
    photo_names: Sequence[str] = (),
    event_data: dict[str, Any] | None = None,
) -> Complaint:
    """Apply one move of TRANSITIONS through the base's transition_apply, then
    what every complaint move does besides: the status counts, the photos of
    the step, the written record when the move ends the complaint, and
    telling the people concerned."""
    moved = transition_apply(
        obj=complaint,
        machine=TRANSITIONS,
        action=action,
        by=by,
        seen_version=seen_version,
        changes={**(fields or {}), "updated_at": clock.now()},
        derive=lambda c: {"next_due_at": next_due(c)},
        note=note,
        event_fields={"visible_to_owner": visible_to_owner, "version": seen_version + 1, "data": event_data or {}},
        compound=complaint.compound,
    )
    if moved.from_status != moved.to_status:
        _count(complaint.compound_id, moved.from_status, -1)
        _count(complaint.compound_id, moved.to_status, +1)
    _photo_rows(complaint, moved.event, photo_names, by=by, visible=visible_to_owner)  # type: ignore[arg-type]
    if moved.to_status in FINAL_STATUSES and moved.from_status != moved.to_status:
        complaint_archive_record(complaint=complaint, by=by)
    recipients: list[User] = []
    if action in OWNER_TOLD and visible_to_owner and complaint.complainant_id:
        recipients.append(complaint.complainant)  # type: ignore[arg-type]
    if action in COMMITTEE_TOLD:
        recipients += committee_members(complaint.compound)
    if action in ASSIGNEE_TOLD:
        recipients += organisation_members(complaint.assignee_id)
    _tell(recipients, kind="complaint_event", complaint=complaint, actor=by, note=note if visible_to_owner else "")
    return complaint


# --- intake -----------------------------------------------------------------------


def complaint_submit(
    *,
    by: User,
    compound: Compound,
    category: Category,
    title: str,
    description: str,
    unit: Unit | None = None,
    building: Building | None = None,
    location_text: str = "",
    photos: Sequence[ContentFile[bytes]] = (),
    channel: str = Channel.WEB,
    complainant: User | None = None,
    complainant_name: str = "",
    complainant_phone: str = "",
) -> Complaint:
    """File a complaint: an owner through the web form (by is the owner), or
    a committee member for an owner who called, wrote or came by."""
    return _with_photos(
        photos,
        lambda names: _complaint_create(
            by=by,
            compound=compound,
            category=category,
            title=title,
            description=description,
            unit=unit,
            building=building,
            location_text=location_text,
            photo_names=names,
            channel=channel,
            complainant=complainant if channel != Channel.WEB else by,
            complainant_name=complainant_name,
            complainant_phone=complainant_phone,
        ),
    )


@transaction.atomic
def _complaint_create(
    *,
    by: User,
    compound: Compound,
    category: Category,
    title: str,
    description: str,
    unit: Unit | None,
    building: Building | None,
    location_text: str,
    photo_names: Sequence[str],
    channel: str,
    complainant: User | None,
    complainant_name: str,
    complainant_phone: str,
) -> Complaint:
    if unit is not None and unit.building.compound_id != compound.pk:
        raise ServiceError(_("This unit is not in the compound."))
    if building is not None and building.compound_id != compound.pk:
        raise ServiceError(_("This building is not in the compound."))
    if complainant is None and not complainant_name.strip():
        raise ServiceError(_("Give the complainant's name, or choose a registered owner."))
    now = clock.now()
    limits = TimeLimits.load()
    complaint = Complaint(
        reference=reference_next(prefix="TS", at=now),
        compound=compound,
        unit=unit,
        building=building if unit is None else unit.building,
        location_text=location_text,
        complainant=complainant,
        complainant_name=complainant_name if complainant is None else "",
        complainant_phone=complainant_phone if complainant is None else "",
        channel=channel,
        category=category,
        service_area=category.service_area,
        title=title,
        description=description,
        submitted_at=now,
        updated_at=now,
        accept_due_at=now + limits.accept,
        reply_due_at=now + limits.reply,
        search_tokens=search.index_text(title, description),
    )
    complaint.next_due_at = next_due(complaint)
    complaint.save()
    _count(compound.pk, Status.SUBMITTED, +1)
    # An owner filing for themselves (the web form, a WeChat front) submits;
    # anyone else records it for them.
    action = Action.SUBMIT if complainant is not None and by.pk == complainant.pk else Action.RECORD
    event = ComplaintEvent.objects.create(
        complaint=complaint, at=now, actor=by, action=action, to_status=Status.SUBMITTED, version=1
    )
    _photo_rows(complaint, event, photo_names, by=by, visible=True)
    audit_record(actor=by, action=f"complaint.{action}", obj=complaint, compound=compound)
    url = reverse("complaints:detail", args=[complaint.pk])
    if complaint.complainant is not None:
        notify(recipient=complaint.complainant, kind="complaint_received", context={"complaint": complaint}, url=url)
    for member in committee_members(compound):
        if member.pk != by.pk:
            notify(recipient=member, kind="complaint_submitted", context={"complaint": complaint}, url=url)
    return complaint


# --- the workflow -------------------------------------------------------------------


@transaction.atomic
def complaint_accept(
    *,
    complaint: Complaint,
    by: User,
    seen_version: int,
    category: Category,
    service_area: ServiceArea | None,
    priority: str,
    is_complex: bool = False,
) -> Complaint:
    return complaint_transition(
        complaint=complaint,
        action=Action.ACCEPT,
        by=by,
        seen_version=seen_version,
        fields={
            "category": category,
            "service_area": service_area or category.service_area,
            "priority": priority,
            "is_complex": is_complex,
            "accepted_at": clock.now(),
        },
    )


@transaction.atomic
def complaint_reject(*, complaint: Complaint, by: User, seen_version: int, reason: str) -> Complaint:
    _require_text(reason, _("Give the owner the reason why the complaint is not accepted."))
    return complaint_transition(
        complaint=complaint,
        action=Action.REJECT,
        by=by,
        seen_version=seen_version,
        fields={"decision_reason": reason, "closed_at": clock.now()},
        note=reason,
    )


@transaction.atomic
def complaint_assign(
    *,
    complaint: Complaint,
    by: User,
    seen_version: int,
    responsible_party: str,
    reason: str,
    assignee: Organisation | None,
) -> Complaint:
    """Rule on responsibility, hand the complaint to an organisation and set
    the resolution deadline from the time limits."""
    _require_text(reason, _("Say why this party is responsible."))
    if responsible_party not in ResponsibleParty.values:
        raise ServiceError(_("Choose who is responsible."))
    now = clock.now()
    complaint_limit = _resolve_limit(complaint, TimeLimits.load())
    return complaint_transition(
        complaint=complaint,
        action=Action.ASSIGN,
        by=by,
        seen_version=seen_version,
        fields={
            "responsible_party": responsible_party,
            "responsibility_reason": reason,
            "assignee": assignee,
            "assigned_at": now,
            "resolve_due_at": now + complaint_limit,
        },
        note=reason,
    )


def complaint_plan(
    *, complaint: Complaint, by: User, seen_version: int, plan: str, photos: Sequence[ContentFile[bytes]] = ()
) -> Complaint:
    _require_text(plan, _("Describe how the complaint will be handled."))
    return _with_photos(
        photos,
        lambda names: _atomic_transition(
            complaint=complaint,
            action=Action.PLAN,
            by=by,
            seen_version=seen_version,
            fields={"handling_plan": plan, "planned_at": clock.now()},
            note=plan,
            photo_names=names,
        ),
    )


def complaint_progress(
    *,
    complaint: Complaint,
    by: User,
    seen_version: int,
    note: str,
    visible_to_owner: bool,
    photos: Sequence[ContentFile[bytes]] = (),
) -> Complaint:
    _require_text(note, _("Describe the progress."))
    return _with_photos(
        photos,
        lambda names: _atomic_transition(
            complaint=complaint,
            action=Action.PROGRESS,
            by=by,
            seen_version=seen_version,
            note=note,
            visible_to_owner=visible_to_owner,
            photo_names=names,
        ),
    )


def complaint_reply(
    *, complaint: Complaint, by: User, seen_version: int, result: str, photos: Sequence[ContentFile[bytes]] = ()
) -> Complaint:
    """Record the result and tell the owner, who may dispute it within the time limit."""
    _require_text(result, _("Describe the result for the owner."))
    now = clock.now()
    return _with_photos(
        photos,
        lambda names: _atomic_transition(
            complaint=complaint,
            action=Action.REPLY,
            by=by,
            seen_version=seen_version,
            fields={
                "result": result,
                "resolved_at": now,
                "dispute_until": now + timedelta(days=TimeLimits.load().dispute_days),
            },
            note=result,
            photo_names=names,
        ),
    )


@transaction.atomic
def _atomic_transition(**kwargs: Any) -> Complaint:
    return complaint_transition(**kwargs)


@transaction.atomic
def complaint_confirm(
    *, complaint: Complaint, by: User, seen_version: int, rating: int | None, comment: str = ""
) -> Complaint:
    return complaint_transition(
        complaint=complaint,
        action=Action.CONFIRM,
        by=by,
        seen_version=seen_version,
        fields={"owner_rating": rating, "closed_at": clock.now()},
        note=comment,
    )


@transaction.atomic
def complaint_dispute(*, complaint: Complaint, by: User, seen_version: int, reason: str) -> Complaint:
    _require_text(reason, _("Say what is still wrong."))
    if complaint.dispute_until and clock.now() > complaint.dispute_until:
        raise ServiceError(
            _("The time to dispute this reply ended on %(date)s.")
            % {"date": timezone.localtime(complaint.dispute_until).strftime("%Y-%m-%d %H:%M")}
        )
    return complaint_transition(
        complaint=complaint,
        action=Action.DISPUTE,
        by=by,
        seen_version=seen_version,
        fields={"dispute_until": None, "resolved_at": None},
        note=reason,
    )


@transaction.atomic
def complaint_withdraw(*, complaint: Complaint, by: User, seen_version: int, reason: str = "") -> Complaint:
    return complaint_transition(
        complaint=complaint,
        action=Action.WITHDRAW,
        by=by,
        seen_version=seen_version,
        fields={"closed_at": clock.now()},
        note=reason,
    )


@transaction.atomic
def complaint_refer(*, complaint: Complaint, by: User, seen_version: int, referred_to: str, note: str) -> Complaint:
    _require_text(referred_to, _("Name the body the complaint is referred to."))
    return complaint_transition(
        complaint=complaint,
        action=Action.REFER,
        by=by,
        seen_version=seen_version,
        fields={"referred_to": referred_to, "closed_at": clock.now()},
        note=note,
    )


@transaction.atomic
def complaint_reopen(*, complaint: Complaint, by: User, seen_version: int, reason: str) -> Complaint:
    _require_text(reason, _("Say why the complaint is reopened."))
    now = clock.now()
    return complaint_transition(
        complaint=complaint,
        action=Action.REOPEN,
        by=by,
        seen_version=seen_version,
        fields={
            "closed_at": None,
            "resolved_at": None,
            "dispute_until": None,
            "resolve_due_at": now + _resolve_limit(complaint, TimeLimits.load()),
        },
        note=reason,
    )


@transaction.atomic
def complaint_callback_close(
    *, complaint: Complaint, by: User | None, seen_version: int, note: str, callback: dict[str, Any]
) -> Complaint:
    """Close a replied complaint whose callback (回访) found it solved; the
    callback's outcome goes into the event, and so into the archive record."""
    return complaint_transition(
        complaint=complaint,
        action=Action.CALLBACK_CLOSE,
        by=by,
        seen_version=seen_version,
        fields={"owner_rating": callback.get("satisfaction") or complaint.owner_rating, "closed_at": clock.now()},
        note=note,
        event_data={"callback": callback},
    )


@transaction.atomic
def complaint_callback_reopen(
    *, complaint: Complaint, by: User | None, seen_version: int, note: str, callback: dict[str, Any]
) -> Complaint:
    """Back to in progress, with a new resolution deadline, when the callback
    found the complaint not solved; the callback's note is on the timeline."""
    _require_text(note, _("Say what is still not solved."))
    return complaint_transition(
        complaint=complaint,
        action=Action.CALLBACK_REOPEN,
        by=by,
        seen_version=seen_version,
        fields={
            "resolved_at": None,
            "dispute_until": None,
            "resolve_due_at": clock.now() + _resolve_limit(complaint, TimeLimits.load()),
        },
        note=note,
        event_data={"callback": callback},
    )


def complaints_auto_close(*, now: datetime | None = None) -> list[int]:
    """Close replied complaints whose owner did not dispute in time. Each is
    its own conditional update, so two runs at once close each only once."""
    now = now or clock.now()
    closed = []
    candidates = Complaint.objects.filter(status=Status.RESOLVED, dispute_until__lt=now).select_related(
        "compound", "category", "complainant"
    )
    for complaint in candidates[:500]:
        try:
            with transaction.atomic():
                complaint_transition(
                    complaint=complaint,
                    action=Action.AUTO_CLOSE,
                    by=None,
                    seen_version=complaint.version,
                    fields={"closed_at": now},
                )
        except ServiceError:
            continue
        closed.append(complaint.pk)
    return closed


def _require_text(value: str, message: Any) -> None:
    if not value or not value.strip():
        raise ServiceError(message)


@transaction.atomic
def complaint_note(
    *,
    complaint: Complaint,
    by: User | None,
    note: str,
    visible_to_owner: bool = False,
    data: dict[str, Any] | None = None,
) -> ComplaintEvent:
    """A note on the timeline that changes nothing else (e.g. a rectification
    notice issued because of the complaint, a callback that did not reach the
    owner, kept in `data` for the archive); internal unless said otherwise."""
    _require_text(note, _("Write the note."))
    event = ComplaintEvent.objects.create(
        complaint=complaint,
        actor=by,
        action=Action.NOTE,
        from_status=complaint.status,
        to_status=complaint.status,
        note=note,
        visible_to_owner=visible_to_owner,
        version=complaint.version,
        data=data or {},
    )
    audit_record(actor=by, action="complaint.note", obj=complaint, compound=complaint.compound)
    return event


# --- publication ----------------------------------------------------------------------


@transaction.atomic
def complaint_publish(
    *, complaint: Complaint, by: User, summary: str, scope: str, building: Building | None = None
) -> Publication:
    """Publish a redacted summary of a handled complaint to its audience."""
    from complaints.redaction import personal_details_in

    if complaint.status not in (Status.RESOLVED, Status.CLOSED):
        raise NotAllowed(_("Only a complaint with a reply can be published."))
    _require_text(summary, _("Write the summary to publish."))
    found = personal_details_in(summary, complaint)
    if found:
        raise ServiceError(
            _("The summary still contains personal details: %(found)s. Remove them before publishing.")
            % {"found": ", ".join(found)}
        )
    if scope == PublicationScope.BUILDING:
        building = building or complaint.building
        if building is None or building.compound_id != complaint.compound_id:
            raise ServiceError(_("Choose the building whose owners will see it."))
    else:
        building = None
    publication, _created = Publication.objects.update_or_create(
        complaint=complaint,
        defaults={
            "summary": summary.strip(),
            "scope": scope,
            "building": building,
            "published_by": by,
            "published_at": clock.now(),
        },
    )
    ComplaintEvent.objects.create(
        complaint=complaint,
        actor=by,
        action=Action.PUBLISH,
        from_status=complaint.status,
        to_status=complaint.status,
        note=summary.strip(),
        version=complaint.version,
    )
    audit_record(
        actor=by, action="complaint.publish", obj=complaint, compound=complaint.compound, data={"scope": scope}
    )
    complaint_record_publish(complaint=complaint, by=by, scope=scope, building=building)
    if complaint.complainant_id:
        _tell(
            [complaint.complainant],  # type: ignore[list-item]
            kind="complaint_published",
            complaint=complaint,
            actor=by,
        )
    return publication
