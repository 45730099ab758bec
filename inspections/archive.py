"""The written records of inspections and rectification notices: an
inspection is archived in the transaction of the move that completes it
("complete", or "seal" after a joint inspection's last signature), a notice in
the transaction that verifies it. Written in the site's default language,
whoever made the move. The people named are committee members, property
staff and officers, never owners, so the record has one text for all."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from committee_site import clock
from committee_site.models import User
from inspections.models import (
    Inspection,
    InspectionItem,
    InspectionKind,
    Participant,
    Party,
    RectificationEvent,
    RectificationNotice,
    SigningParty,
)
from records.models import ArchiveRecord, RecordKind
from records.services import FileToArchive, archive_files_copy, archive_files_discard, record_archive


def _when(value: datetime | None) -> str:
    return clock.minute_text(value, empty="—")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _name(user: User | None) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.username


def _hashes(names: Sequence[str], copies: dict[str, FileToArchive]) -> list[str | None]:
    return [copies[name].sha256 if name in copies else None for name in names]


def _photos_line(count: int, missing: int) -> list[str]:
    lines = []
    if count:
        lines.append(_("Photos: %(count)s, kept in the archive with their SHA-256.") % {"count": count})
    if missing:
        lines.append(_("%(count)s photos were missing from the storage when it was archived.") % {"count": missing})
    return lines


# --- inspections ------------------------------------------------------------------------


def _attendance(participant: Participant) -> str:
    if participant.attended is None:
        return _("attendance not recorded")
    return _("present") if participant.attended else _("absent")


def _party_line(party: SigningParty) -> list[str]:
    label = Party(party.party).label
    if party.status == SigningParty.Status.SIGNED:
        lines = [
            _("%(party)s: signed by %(who)s at %(at)s")
            % {"party": label, "who": _name(party.signed_by), "at": _when(party.signed_at)}
        ]
        if party.dissent:
            lines.append("    " + _("Dissent: %(note)s") % {"note": party.dissent})
        return lines
    if party.status == SigningParty.Status.ABSENT:
        return [
            _("%(party)s: absent (recorded by %(who)s at %(at)s). Reason: %(reason)s")
            % {
                "party": label,
                "who": _name(party.signed_by),
                "at": _when(party.signed_at),
                "reason": party.absent_reason,
            }
        ]
    return [_("%(party)s: not signed") % {"party": label}]


def _item_line(item: InspectionItem) -> str:
    if item.extra:
        text = _("%(text)s (critical)") % {"text": item.text} if item.critical else item.text
    else:
        text = _("%(text)s (%(points)s points): %(deduction)s deducted") % {
            "text": item.text,
            "points": item.points,
            "deduction": item.deduction,
        }
    if item.note:
        text += _("; note: %(note)s") % {"note": item.note}
    if item.photos:
        text += _("; %(count)s photos") % {"count": len(item.photos)}
    return text


def _inspection_text(
    inspection: Inspection,
    items: list[InspectionItem],
    participants: list[Participant],
    parties: list[SigningParty],
    photos: int,
    missing: int,
) -> str:
    lines = [
        _("Inspection: %(title)s (%(kind)s)") % {"title": inspection.title, "kind": inspection.get_kind_display()}
        if inspection.title
        else _("Inspection: %(title)s") % {"title": inspection.get_kind_display()},
        _("Compound: %(compound)s") % {"compound": inspection.compound.name},
        _("Planned for %(planned)s; started %(started)s; completed %(completed)s.")
        % {
            "planned": inspection.planned_on.isoformat(),
            "started": _when(inspection.started_at),
            "completed": _when(inspection.completed_at),
        },
        _("Lead: %(lead)s") % {"lead": _name(inspection.lead)},
    ]
    if participants:
        lines.append(_("Participants:"))
        lines += [
            "  "
            + _("%(name)s (%(party)s): %(attended)s")
            % {"name": _name(p.user), "party": Party(p.party).label, "attended": _attendance(p)}
            for p in participants
        ]
    if parties:
        lines.append(_("Signing parties:"))
        for party in parties:
            lines += ["  " + line for line in _party_line(party)]
    lines.append(
        _("Score: %(score)s of %(total)s; grade: %(grade)s")
        % {"score": inspection.score, "total": inspection.total_points, "grade": inspection.grade_label or "—"}
    )
    lines += ["", _("Checklist:")]
    section = None
    for item in items:
        if item.extra:
            continue
        if item.section_name != section:
            section = item.section_name
            lines.append(_("%(section)s (%(points)s points)") % {"section": section, "points": item.section_points})
        lines.append("  - " + _item_line(item))
    extra = [item for item in items if item.extra]
    if extra:
        lines += ["", _("Findings not on the sheet:")]
        lines += ["  - " + _item_line(item) for item in extra]
    findings = [item for item in items if item.is_finding]
    lines += ["", _("Findings:") if findings else _("No findings.")]
    lines += [
        "  - "
        + _("%(section)s · %(text)s: %(note)s")
        % {"section": item.section_name, "text": item.text, "note": item.note or "—"}
        for item in findings
    ]
    if inspection.summary:
        lines += ["", _("Summary: %(summary)s") % {"summary": inspection.summary}]
    lines += _photos_line(photos, missing)
    return "\n".join(lines)


def inspection_archive_record(*, inspection: Inspection, by: User | None) -> ArchiveRecord:
    """Archive a completed inspection with its sheet, people, signatures and photos."""
    inspection = Inspection.objects.select_related(
        "compound__committee", "compound__property_company", "compound__community_office", "lead"
    ).get(pk=inspection.pk)
    items = list(inspection.items.order_by("extra", "section_order", "order", "id"))
    participants = list(inspection.participants.select_related("user").order_by("party", "id"))
    parties = list(inspection.parties.select_related("signed_by", "organisation").order_by("id"))
    names = [(stored, item) for item in items for stored in item.photos]
    copies, missing = archive_files_copy(
        files=[
            (stored, f"inspection-{inspection.pk}-{n}.jpg", False) for n, (stored, _item) in enumerate(names, start=1)
        ]
    )
    by_name = dict(zip([s for s, _item in names if s not in missing], copies, strict=True))
    compound = inspection.compound
    organisations = [compound.committee, compound.property_company]
    if inspection.kind == InspectionKind.JOINT:
        organisations.append(compound.community_office)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            body = _inspection_text(inspection, items, participants, parties, len(copies), len(missing))
            record = record_archive(
                compound=compound,
                kind=RecordKind.INSPECTION,
                title=f"{inspection.display_title} {inspection.planned_on.isoformat()}",
                happened_at=inspection.completed_at or clock.now(),
                body=body,
                data=_inspection_snapshot(inspection, items, participants, parties, by_name),
                parties=[o.name for o in organisations if o is not None],
                files=copies,
                by=by,
                source=inspection,
                amends=ArchiveRecord.objects.latest_for(inspection),
            )
    except BaseException:
        archive_files_discard(copies)
        raise
    return record


def _inspection_snapshot(
    inspection: Inspection,
    items: list[InspectionItem],
    participants: list[Participant],
    parties: list[SigningParty],
    copies: dict[str, FileToArchive],
) -> dict[str, Any]:
    return {
        "inspection": inspection.pk,
        "kind": inspection.kind,
        "status": inspection.status,
        "title": inspection.title,
        "emergency": inspection.emergency,
        "planned_on": _iso(inspection.planned_on),
        "started_at": _iso(inspection.started_at),
        "completed_at": _iso(inspection.completed_at),
        "plan": inspection.plan_id,
        "template": inspection.template_id,
        "template_version": inspection.template_version,
        "lead": inspection.lead_id,
        "score": inspection.score,
        "total_points": inspection.total_points,
        "grade": inspection.grade,
        "summary": inspection.summary,
        "participants": [{"user": p.user_id, "party": p.party, "attended": p.attended} for p in participants],
        "parties": [
            {
                "party": p.party,
                "organisation": p.organisation_id,
                "status": p.status,
                "signed_by": p.signed_by_id,
                "signed_at": _iso(p.signed_at),
                "dissent": p.dissent,
                "absent_reason": p.absent_reason,
            }
            for p in parties
        ],
        "items": [
            {
                "id": i.pk,
                "section": i.section_name,
                "text": i.text,
                "points": i.points,
                "critical": i.critical,
                "extra": i.extra,
                "deduction": i.deduction,
                "note": i.note,
                "service_area": i.service_area_id,
                "clause": i.clause,
                "photos": _hashes(i.photos, copies),
            }
            for i in items
        ],
        "photos": [
            {"item": i.pk, "name": copies[s].name, "sha256": copies[s].sha256}
            for i in items
            for s in i.photos
            if s in copies
        ],
    }


# --- rectification notices ---------------------------------------------------------------


def _source_line(notice: RectificationNotice) -> str:
    if notice.item is not None and notice.inspection is not None:
        return _("From the inspection “%(inspection)s” of %(day)s, item “%(item)s”.") % {
            "inspection": notice.inspection.display_title,
            "day": notice.inspection.planned_on.isoformat(),
            "item": notice.item.text,
        }
    if notice.source_reference:
        return _("From %(source)s.") % {"source": notice.source_reference}
    return ""


def _notice_text(notice: RectificationNotice, events: list[RectificationEvent], photos: int, missing: int) -> str:
    lines = [
        _("Rectification notice %(reference)s: %(title)s") % {"reference": notice.reference, "title": notice.title},
        _("Severity: %(severity)s; responsible: %(organisation)s")
        % {"severity": notice.get_severity_display(), "organisation": notice.organisation.name},
    ]
    source = _source_line(notice)
    if source:
        lines.append(source)
    if notice.service_area_id and notice.service_area:
        lines.append(_("Service area: %(area)s") % {"area": notice.service_area.name})
    deadlines = [e.deadline for e in events if e.deadline is not None]
    lines.append(
        _("Issued by %(who)s at %(at)s; deadline %(deadline)s.")
        % {
            "who": _name(notice.created_by),
            "at": _when(notice.created_at),
            "deadline": _when(deadlines[0] if deadlines else notice.deadline),
        }
    )
    if len(deadlines) > 1:
        lines.append(
            _("Deadlines after failed re-inspections: %(deadlines)s")
            % {"deadlines": "、".join(_when(d) for d in deadlines[1:])}
        )
    lines += ["", _("What must be rectified:"), notice.description, "", _("Timeline:")]
    for event in events:
        line = _("%(at)s %(who)s: %(action)s") % {
            "at": _when(event.at),
            "who": _name(event.actor),
            "action": event.get_action_display(),
        }
        if event.to_status and event.from_status != event.to_status:
            moved = event.to_status_label
            if event.from_status:
                moved = f"{RectificationNotice.Status(event.from_status).label} → {moved}"
            line += _(" (%(statuses)s)") % {"statuses": moved}
        if event.note:
            line += _(": %(note)s") % {"note": event.note}
        if event.photos:
            line += _("; %(count)s photos") % {"count": len(event.photos)}
        if event.deadline and event.action != RectificationEvent.Action.ISSUE:
            line += _("; new deadline %(deadline)s") % {"deadline": _when(event.deadline)}
        lines.append("  " + line)
    verify = next((e for e in reversed(events) if e.action == RectificationEvent.Action.VERIFY), None)
    if verify is not None:
        lines += [
            "",
            _("Re-inspection: passed, by %(who)s at %(at)s. %(note)s")
            % {"who": _name(verify.actor), "at": _when(verify.at), "note": verify.note},
        ]
    failed = sum(e.action == RectificationEvent.Action.FAIL for e in events)
    if failed:
        lines.append(_("Failed re-inspections: %(count)s") % {"count": failed})
    lines.append(
        _("Overdue: verified after the deadline or failed a re-inspection.")
        if notice_overdue(notice, events)
        else _("Rectified within the deadline.")
    )
    lines += _photos_line(photos, missing)
    return "\n".join(lines)


def notice_overdue(notice: RectificationNotice, events: list[RectificationEvent]) -> bool:
    failed = any(e.action == RectificationEvent.Action.FAIL for e in events)
    return failed or (notice.verified_at is not None and notice.verified_at > notice.deadline)


def rectification_archive_record(*, notice: RectificationNotice, by: User | None) -> ArchiveRecord:
    """Archive a verified notice with its finding, deadlines, replies and evidence."""
    notice = RectificationNotice.objects.select_related(
        "compound__committee", "organisation", "inspection", "item", "service_area", "created_by"
    ).get(pk=notice.pk)
    events = list(notice.events.select_related("actor").order_by("at", "id"))
    names = [(stored, event) for event in events for stored in event.photos]
    copies, missing = archive_files_copy(
        files=[(stored, f"{notice.reference}-{n}.jpg", False) for n, (stored, _event) in enumerate(names, start=1)]
    )
    by_name = dict(zip([s for s, _event in names if s not in missing], copies, strict=True))
    overdue = notice_overdue(notice, events)
    compound = notice.compound
    try:
        with translation.override(settings.LANGUAGE_CODE):
            body = _notice_text(notice, events, len(copies), len(missing))
            record = record_archive(
                compound=compound,
                kind=RecordKind.RECTIFICATION,
                title=f"{notice.reference} {notice.title}",
                happened_at=notice.verified_at or clock.now(),
                body=body,
                data={
                    "notice": notice.pk,
                    "reference": notice.reference,
                    "status": notice.status,
                    "severity": notice.severity,
                    "organisation": notice.organisation_id,
                    "inspection": notice.inspection_id,
                    "item": notice.item_id,
                    "source": f"{notice.source_type}#{notice.source_id}" if notice.source_type else "",
                    "source_reference": notice.source_reference,
                    "service_area": notice.service_area_id,
                    "created_at": _iso(notice.created_at),
                    "deadline": _iso(notice.deadline),
                    "deadlines": [_iso(e.deadline) for e in events if e.deadline is not None],
                    "verified_at": _iso(notice.verified_at),
                    "overdue": overdue,
                    "events": [
                        {
                            "id": e.pk,
                            "at": _iso(e.at),
                            "actor": e.actor_id,
                            "action": e.action,
                            "from": e.from_status,
                            "to": e.to_status,
                            "note": e.note,
                            "deadline": _iso(e.deadline),
                            "photos": _hashes(e.photos, by_name),
                        }
                        for e in events
                    ],
                    "photos": [
                        {"event": e.pk, "name": by_name[s].name, "sha256": by_name[s].sha256}
                        for e in events
                        for s in e.photos
                        if s in by_name
                    ],
                },
                parties=[o.name for o in (compound.committee, notice.organisation) if o is not None],
                files=copies,
                by=by,
                source=notice,
                service_area=notice.service_area,
                overdue=overdue,
                amends=ArchiveRecord.objects.latest_for(notice),
            )
    except BaseException:
        archive_files_discard(copies)
        raise
    return record
