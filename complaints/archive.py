"""A complaint's written record: archived in the same transaction as the move
that ends it (confirm, auto_close, withdraw, refer, reject), again as an
amendment when it is closed after a reopen, and published to owners with its
result. The text is written in the site's default language whoever closed
the complaint, so the record reads the same for everyone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from committee_site import clock
from committee_site.models import Building, OwnerProfile, User
from complaints.models import (
    Action,
    Channel,
    Complaint,
    ComplaintEvent,
    ComplaintPhoto,
    Priority,
    Publication,
    PublicationScope,
    ResponsibleParty,
    Satisfaction,
    Status,
)
from complaints.redaction import redact
from records.models import ArchiveRecord, RecordKind, RecordPublication
from records.services import FileToArchive, archive_files_copy, archive_files_discard, record_archive, record_publish

SOURCE_TYPE = Complaint._meta.label_lower


def _when(value: datetime | None) -> str:
    return clock.minute_text(value, empty="—")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def missed_deadlines(complaint: Complaint) -> list[str]:
    """Which deadlines the complaint missed: each is met by the step that
    answers it, or judged at the closing time when that step never came."""
    end = complaint.closed_at
    checks = [
        ("accept", complaint.accept_due_at, complaint.accepted_at or end),
        ("reply", complaint.reply_due_at, complaint.planned_at or complaint.resolved_at or end),
        ("resolve", complaint.resolve_due_at, complaint.resolved_at or end),
    ]
    return [name for name, due, done in checks if due is not None and done is not None and done > due]


def _complainant(complaint: Complaint) -> tuple[str, str, str]:
    """Name, unit and phone as the committee sees them."""
    user = complaint.complainant
    if user is None:
        unit = str(complaint.unit) if complaint.unit_id else ""
        return complaint.complainant_name, unit, complaint.complainant_phone
    name = user.get_full_name() or user.username
    if complaint.unit_id:
        phone = OwnerProfile.objects.filter(user=user).values_list("phone", flat=True).first()
        return name, str(complaint.unit), phone or ""
    profile = OwnerProfile.objects.filter(user=user).prefetch_related("units__building").first()
    if profile is None:
        return name, "", ""
    return name, "、".join(str(u) for u in profile.units.all()), profile.phone


def _person(user: User | None, complaint: Complaint, *, public: bool) -> str:
    if user is None:
        return _("the system")
    if public and user.pk == complaint.complainant_id:
        return _("Owner")
    return user.get_full_name() or user.username


def _status(value: str) -> str:
    return str(Status(value).label) if value else ""


def _text(complaint: Complaint, events: list[ComplaintEvent], photos: int, *, public: bool, amends: str) -> str:
    """The readable record; `public` leaves out the owner's identity and the internal notes."""

    def free(text: str) -> str:
        return redact(text, complaint) if public else text

    lines = [
        _("Complaint %(reference)s: %(title)s") % {"reference": complaint.reference, "title": free(complaint.title)}
    ]
    if amends:
        lines.append(
            _("This record amends %(number)s: the complaint was reopened and closed again.") % {"number": amends}
        )
    lines.append(
        _("Submitted %(submitted)s; ended %(closed)s as “%(status)s”.")
        % {
            "submitted": _when(complaint.submitted_at),
            "closed": _when(complaint.closed_at),
            "status": _status(complaint.status),
        }
    )
    if public:
        lines.append(_("Complainant: an owner (name, unit and phone are not shown)."))
    else:
        name, unit, phone = _complainant(complaint)
        lines.append(
            _("Complainant: %(name)s; unit: %(unit)s; phone: %(phone)s")
            % {"name": name or "—", "unit": unit or "—", "phone": phone or "—"}
        )
    lines.append(_("Channel: %(channel)s") % {"channel": Channel(complaint.channel).label})
    area = complaint.service_area
    lines.append(
        _("Category: %(category)s; service area: %(area)s; priority: %(priority)s")
        % {
            "category": str(complaint.category),
            "area": str(area) if area else "—",
            "priority": Priority(complaint.priority).label,
        }
    )
    location = complaint.location_display
    if public:
        location = " ".join(
            filter(None, [str(complaint.building) if complaint.building_id else "", free(complaint.location_text)])
        )
    lines.append(_("Location: %(location)s") % {"location": location or "—"})
    lines += ["", _("Content:"), free(complaint.description), ""]
    if complaint.responsible_party:
        lines.append(
            _("Responsibility ruling: %(party)s, assigned to %(assignee)s. Reason: %(reason)s")
            % {
                "party": ResponsibleParty(complaint.responsible_party).label,
                "assignee": str(complaint.assignee) if complaint.assignee_id else "—",
                "reason": free(complaint.responsibility_reason),
            }
        )
    if complaint.handling_plan:
        lines.append(_("Handling plan: %(plan)s") % {"plan": free(complaint.handling_plan)})
    progress = [e for e in events if e.action == Action.PROGRESS and (e.visible_to_owner or not public)]
    if progress:
        lines.append(_("Progress:"))
        lines += [f"  {_when(e.at)} {free(e.note)}" for e in progress]
    if complaint.result:
        lines.append(_("Result: %(result)s") % {"result": free(complaint.result)})
    if complaint.status == Status.REJECTED:
        lines.append(_("Not accepted. Reason: %(reason)s") % {"reason": free(complaint.decision_reason)})
    if complaint.status == Status.REFERRED:
        lines.append(_("Referred to %(body)s.") % {"body": complaint.referred_to})
    for event in events:
        if event.action == Action.DISPUTE:
            lines.append(
                _("The owner disputed the reply on %(at)s: %(reason)s")
                % {"at": _when(event.at), "reason": free(event.note)}
            )
    last = next((e for e in reversed(events) if e.to_status == complaint.status and e.action != Action.PUBLISH), None)
    if last is not None and last.action == Action.CONFIRM:
        rating = Satisfaction(complaint.owner_rating).label if complaint.owner_rating else _("not given")
        lines.append(_("The owner confirmed the result; satisfaction: %(rating)s.") % {"rating": rating})
    if last is not None and last.action == Action.AUTO_CLOSE:
        lines.append(
            _("The owner did not dispute the reply within the time limit; it closed on %(at)s.")
            % {"at": _when(last.at)}
        )
    for event in events:
        callback = (event.data or {}).get("callback")
        if callback:
            lines.append(_callback_line(event, callback, free))
    lines.append(
        _("Deadlines: accept by %(accept)s, reply by %(reply)s, resolve by %(resolve)s.")
        % {
            "accept": _when(complaint.accept_due_at),
            "reply": _when(complaint.reply_due_at),
            "resolve": _when(complaint.resolve_due_at),
        }
    )
    missed = missed_deadlines(complaint)
    names = {"accept": _("accept"), "reply": _("reply"), "resolve": _("resolve")}
    lines.append(
        _("Deadlines missed: %(missed)s.") % {"missed": "、".join(names[m] for m in missed)}
        if missed
        else _("Every deadline was met.")
    )
    lines += ["", _("Timeline:")]
    for event in events:
        line = _("%(at)s %(who)s: %(action)s") % {
            "at": _when(event.at),
            "who": _person(event.actor, complaint, public=public),
            "action": Action(event.action).label,
        }
        if event.from_status != event.to_status:
            moved = _status(event.to_status)
            if event.from_status:
                moved = f"{_status(event.from_status)} → {moved}"
            line += _(" (%(statuses)s)") % {"statuses": moved}
        if event.note:
            hidden = public and not event.visible_to_owner
            line += _(": %(note)s") % {"note": _("(internal note, not shown here)") if hidden else free(event.note)}
        lines.append("  " + line)
    if photos:
        lines += ["", _("Photos: %(count)s, kept in the archive with their SHA-256.") % {"count": photos}]
    return "\n".join(lines)


def _callback_line(event: ComplaintEvent, callback: dict[str, Any], free: Any) -> str:
    """One callback (回访) as the archive tells it, from what the feedback app
    kept in the event: the complaints app knows the outcome, not the model."""
    outcomes = {
        "solved": _("solved"),
        "unsolved": _("not solved"),
        "unreached": _("the owner was not reached"),
        "lapsed": _("nobody called back before the complaint closed"),
    }
    outcome = outcomes.get(callback.get("status", ""), callback.get("status", ""))
    level = callback.get("satisfaction")
    line = _("Callback of %(at)s: %(outcome)s; attempts: %(attempts)s; satisfaction: %(rating)s.") % {
        "at": _when(event.at),
        "outcome": outcome,
        "attempts": callback.get("attempts", 0),
        "rating": Satisfaction(level).label if level else _("not given"),
    }
    if callback.get("comment"):
        line += " " + _("Comment: %(comment)s") % {"comment": free(callback["comment"])}
    return line


def complaint_archive_record(*, complaint: Complaint, by: User | None) -> ArchiveRecord:
    """Archive the complaint as it is when it ends; called inside the
    transaction of the closing move, so a refused move archives nothing."""
    # What the text names, in one query; the caller's object keeps its own state.
    related = Complaint.objects.select_related(
        "unit__building",
        "building",
        "category",
        "service_area",
        "assignee",
        "complainant",
        "compound__property_company",
        "compound__committee",
    ).get(pk=complaint.pk)
    for name in ("unit", "building", "category", "service_area", "assignee", "complainant", "compound"):
        if getattr(complaint, f"{name}_id") is not None:
            setattr(complaint, name, getattr(related, name))
    events = list(ComplaintEvent.objects.filter(complaint=complaint).select_related("actor").order_by("at", "id"))
    photos = list(ComplaintPhoto.objects.filter(complaint=complaint).order_by("uploaded_at", "id"))
    actions = {event.action for event in events}
    # Only a reopened complaint can have ended before, and only a published one has owners to reach.
    previous = ArchiveRecord.objects.latest_for(complaint) if Action.REOPEN in actions else None
    copies, missing = archive_files_copy(
        files=[
            (photo.file, f"{complaint.reference}-{position}.jpg", not photo.visible_to_owner)
            for position, photo in enumerate(photos, start=1)
        ]
    )
    try:
        with translation.override(settings.LANGUAGE_CODE):
            amends = previous.number if previous else ""
            body = _text(complaint, events, len(copies), public=False, amends=amends)
            public_body = _text(complaint, events, len(copies), public=True, amends=amends)
            if missing:
                note = _("%(count)s photos were missing from the storage when the complaint was archived.") % {
                    "count": len(missing)
                }
                body += "\n" + note
                public_body += "\n" + note
            compound = complaint.compound
            parties = [_("Owner")] + [str(o.name) for o in (compound.property_company, compound.committee) if o]
            if complaint.assignee_id and complaint.assignee and complaint.assignee.name not in parties:
                parties.append(complaint.assignee.name)
            record = record_archive(
                compound=compound,
                kind=RecordKind.COMPLAINT,
                title=f"{complaint.reference} {redact(complaint.title, complaint)}",
                happened_at=complaint.closed_at or events[-1].at,
                body=body,
                public_body=public_body,
                data=_snapshot(complaint, events, photos, copies, missing),
                parties=parties,
                files=copies,
                by=by,
                source=complaint,
                service_area=complaint.service_area,
                category=complaint.category.name,
                building=complaint.building
                or (complaint.unit.building if complaint.unit_id and complaint.unit else None),
                overdue=bool(missed_deadlines(complaint)),
                amends=previous,
            )
    except BaseException:
        archive_files_discard(copies)
        raise
    publication = None
    if Action.PUBLISH in actions:
        publication = Publication.objects.filter(complaint=complaint).select_related("building", "published_by").first()
    if publication is not None:
        # A complaint published before it was reopened: its new record reaches the same owners.
        complaint_record_publish(
            complaint=complaint,
            record=record,
            scope=publication.scope,
            building=publication.building,
            by=publication.published_by,
        )
    return record


def complaint_record_publish(
    *,
    complaint: Complaint,
    by: User | None,
    scope: str,
    building: Building | None = None,
    record: ArchiveRecord | None = None,
) -> RecordPublication | None:
    """Make the complaint's latest record readable to the owners its result
    was published to; nothing when it has no record yet (replied, not closed)
    or the record already reaches them."""
    record = record or ArchiveRecord.objects.latest_for(complaint)
    if record is None:
        return None
    owner = None
    if scope == PublicationScope.COMPLAINANT:
        if complaint.complainant_id is None:
            return None
        target, owner, building = RecordPublication.Scope.OWNER, complaint.complainant, None
    elif scope == PublicationScope.BUILDING:
        target = RecordPublication.Scope.BUILDING
    else:
        target, building = RecordPublication.Scope.COMPOUND, None
    if record.publications.filter(scope=target, building=building, owner=owner).exists():
        return None
    return record_publish(record=record, scope=target, by=by, building=building, owner=owner)


def _snapshot(
    complaint: Complaint,
    events: list[ComplaintEvent],
    photos: list[ComplaintPhoto],
    copies: list[FileToArchive],
    missing: list[str],
) -> dict[str, Any]:
    kept = iter(copies)
    photo_rows = []
    for photo in photos:
        copy = None if photo.file in missing else next(kept)
        photo_rows.append(
            {
                "id": photo.pk,
                "event": photo.event_id,
                "visible_to_owner": photo.visible_to_owner,
                "uploaded_at": _iso(photo.uploaded_at),
                "name": copy.name if copy else None,
                "sha256": copy.sha256 if copy else None,
            }
        )
    missed = missed_deadlines(complaint)
    return {
        "complaint": complaint.pk,
        "reference": complaint.reference,
        "status": complaint.status,
        "channel": complaint.channel,
        "category": complaint.category.code,
        "service_area": complaint.service_area_id,
        "priority": complaint.priority,
        "is_complex": complaint.is_complex,
        "unit": complaint.unit_id,
        "building": complaint.building_id,
        "complainant": complaint.complainant_id,
        "responsible_party": complaint.responsible_party,
        "assignee": complaint.assignee_id,
        "referred_to": complaint.referred_to,
        "owner_rating": complaint.owner_rating,
        "dates": {
            name: _iso(getattr(complaint, name))
            for name in ("submitted_at", "accepted_at", "assigned_at", "planned_at", "resolved_at", "closed_at")
        },
        "deadlines": {
            name: _iso(getattr(complaint, name))
            for name in ("accept_due_at", "reply_due_at", "resolve_due_at", "dispute_until")
        },
        "overdue": bool(missed),
        "missed": missed,
        "events": [
            {
                "id": e.pk,
                "at": _iso(e.at),
                "actor": e.actor_id,
                "action": e.action,
                "from": e.from_status,
                "to": e.to_status,
                "note": e.note,
                "visible_to_owner": e.visible_to_owner,
                **({"data": e.data} if e.data else {}),
            }
            for e in events
        ],
        "photos": photo_rows,
    }
