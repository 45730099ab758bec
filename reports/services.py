"""Every write of the quarterly report: composing (the beat and the
command), the committee's foreword, approval and publication. Status moves
go through QuarterlyReport.TRANSITIONS and transition_apply; composing
again never makes a second report: it updates a draft, sends an approved
report back for approval, and amends a published one in the archive."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from committee_site import clock
from committee_site.access import committee_members, compound_owners, user_access
from committee_site.models import Compound, User
from committee_site.notifications import notify
from committee_site.services import ServiceError, audit_record, transition_apply
from records.analysis import Quarter
from records.models import ArchiveRecord, RecordKind
from records.queries import chain_head
from records.services import FileToArchive, archive_file_store, archive_files_discard, record_archive
from reports import presentation
from reports.figures import compose_figures
from reports.models import QuarterlyReport
from reports.pdf import report_pdf

CREATED, UPDATED, UNCHANGED, AMENDED = "created", "updated", "unchanged", "amended"


@dataclass(frozen=True)
class Composed:
    report: QuarterlyReport
    outcome: str  # CREATED, UPDATED, UNCHANGED or AMENDED


def report_title(report: QuarterlyReport) -> str:
    return _("%(compound)s quarterly report, %(quarter)s") % {
        "compound": report.compound,
        "quarter": report.quarter_label,
    }


def approved_text(report: QuarterlyReport) -> str:
    if report.approved_by is None or report.approved_at is None:
        return ""
    return _("Approved by %(name)s on %(at)s") % {
        "name": report.approved_by.get_full_name() or report.approved_by.username,
        "at": clock.minute_text(report.approved_at),
    }


def render_pdf(report: QuarterlyReport) -> bytes:
    """The report's PDF in the active language, from its stored figures."""
    return report_pdf(
        title=report_title(report),
        compound=str(report.compound),
        period=f"{formats.date_format(report.first_day, 'SHORT_DATE_FORMAT')} – "
        f"{formats.date_format(report.last_day, 'SHORT_DATE_FORMAT')}",
        figures=report.figures,
        foreword=report.foreword,
        head=(report.head_count, report.head_hash),
        approved=approved_text(report),
        published_at=report.published_at,
    )


def _json(value: Any) -> Any:
    # As the database gives JSON back, so a stored report compares equal to a fresh composition.
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _require_committee(by: User, report: QuarterlyReport) -> None:
    if not user_access(by).is_committee(report.compound_id):
        raise ServiceError(_("Only the committee of this compound decides on its quarterly report."))


# --- composing -------------------------------------------------------------------


def report_compose(*, compound: Compound, quarter: Quarter, now: datetime | None = None) -> Composed:
    """Compose (or compose again) the compound's report for the quarter.
    Safe to run any number of times: the (compound, quarter) row is unique
    and locked while it is compared and written."""
    now = now or clock.now()
    if quarter.ends_at() > now:
        raise ServiceError(
            _("%(quarter)s has not ended yet: a report covers a quarter that is over.") % {"quarter": quarter.label}
        )
    with transaction.atomic():
        figures = _json(compose_figures(compound_id=compound.pk, quarter=quarter, now=now))
        report = _locked(compound, quarter)
        if report is None:
            try:
                with transaction.atomic():
                    report = _create(compound, quarter, figures)
            except IntegrityError:
                # Another run created it meanwhile: compose over theirs.
                report = _locked(compound, quarter)
                if report is None:
                    raise
            else:
                return Composed(report, CREATED)
        if report.figures == figures:
            return Composed(report, UNCHANGED)
        if report.status == QuarterlyReport.Status.PUBLISHED:
            return Composed(_amend(report, figures), AMENDED)
        _update(report, figures)
        return Composed(report, UPDATED)


def _locked(compound: Compound, quarter: Quarter) -> QuarterlyReport | None:
    return (
        QuarterlyReport.objects.select_for_update(of=("self",))
        .select_related("compound", "record", "approved_by")
        .filter(compound=compound, year=quarter.year, number=quarter.number)
        .first()
    )


def _create(compound: Compound, quarter: Quarter, figures: dict[str, Any]) -> QuarterlyReport:
    count, head = chain_head(compound.pk)
    report = QuarterlyReport.objects.create(
        compound=compound,
        year=quarter.year,
        number=quarter.number,
        figures=figures,
        composed_at=clock.now(),
        head_count=count,
        head_hash=head,
    )
    audit_record(
        actor=None,
        action="quarterly_report.compose",
        obj=report,
        compound=compound,
        data={"quarter": f"{quarter.year}Q{quarter.number}"},
    )
    url = reverse("reports:report_detail", args=[report.pk])
    for member in committee_members(compound):
        notify(recipient=member, kind="report_draft", context={"report": report}, url=url)
    return report


def _update(report: QuarterlyReport, figures: dict[str, Any]) -> None:
    """A correction before publication: the draft takes the new figures; an
    approved report goes back to draft, since its approval was of the old."""
    count, head = chain_head(report.compound_id)
    changes = {"figures": figures, "composed_at": clock.now(), "head_count": count, "head_hash": head}
    if report.status == QuarterlyReport.Status.APPROVED:
        transition_apply(
            obj=report,
            machine=QuarterlyReport.TRANSITIONS,
            action=QuarterlyReport.Action.REVISE,
            by=None,
            seen_version=report.version,
            changes={**changes, "approved_by": None, "approved_at": None},
            compound=report.compound,
        )
        return
    QuarterlyReport.objects.filter(pk=report.pk).update(**changes, version=report.version + 1)
    for name, value in changes.items():
        setattr(report, name, value)
    report.version += 1
    audit_record(actor=None, action="quarterly_report.recompose", obj=report, compound=report.compound)


def _amend(report: QuarterlyReport, figures: dict[str, Any]) -> QuarterlyReport:
    """A correction after publication: the published report takes the new
    figures and the archive gets an amendment of its record, with the new
    PDF; never a second report."""
    now = clock.now()
    report.figures = figures
    stored = _store_pdf(report, at=now)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            record_archive(
                compound=report.compound,
                kind=RecordKind.QUARTERLY_REPORT,
                title=_("Amendment: %(title)s") % {"title": report_title(report)},
                happened_at=now,
                body=presentation.plain_text(figures, title=report_title(report), foreword=report.foreword),
                data={"quarter": f"{report.year}Q{report.number}", "report": report.pk, "figures": figures},
                files=[stored],
                by=None,
                source=report,
                amends=report.record,
            )
    except BaseException:
        archive_files_discard([stored])
        raise
    QuarterlyReport.objects.filter(pk=report.pk).update(
        figures=figures, composed_at=now, amendments=report.amendments + 1, amended_at=now, version=report.version + 1
    )
    report.composed_at, report.amendments, report.amended_at = now, report.amendments + 1, now
    report.version += 1
    audit_record(actor=None, action="quarterly_report.amend", obj=report, compound=report.compound)
    return report


def _store_pdf(report: QuarterlyReport, *, at: datetime) -> FileToArchive:
    with translation.override(settings.LANGUAGE_CODE):
        content = render_pdf(report)
    name = f"quarterly-report-{report.year}Q{report.number}-{at:%Y%m%d%H%M}.pdf"
    return archive_file_store(name=name, content_type="application/pdf", source=io.BytesIO(content))


# --- the committee's steps ------------------------------------------------------------


@transaction.atomic
def report_foreword_update(*, report: QuarterlyReport, by: User, foreword: str, seen_version: int) -> QuarterlyReport:
    _require_committee(by, report)
    transition_apply(
        obj=report,
        machine=QuarterlyReport.TRANSITIONS,
        action=QuarterlyReport.Action.FOREWORD,
        by=by,
        seen_version=seen_version,
        changes={"foreword": foreword.strip()},
        compound=report.compound,
    )
    return report


@transaction.atomic
def report_approve(*, report: QuarterlyReport, by: User, seen_version: int) -> QuarterlyReport:
    _require_committee(by, report)
    transition_apply(
        obj=report,
        machine=QuarterlyReport.TRANSITIONS,
        action=QuarterlyReport.Action.APPROVE,
        by=by,
        seen_version=seen_version,
        changes={"approved_by": by, "approved_at": clock.now()},
        compound=report.compound,
    )
    return report


def report_publish(*, report: QuarterlyReport, by: User, seen_version: int) -> QuarterlyReport:
    """Publish an approved report: it goes on the owners' board, its PDF is
    archived for good as a QUARTERLY_REPORT record, and the owners are told.
    The PDF is written before the transaction (the slow part); if the move
    then fails, the file is removed and nothing else was written."""
    _require_committee(by, report)
    if report.status != QuarterlyReport.Status.APPROVED or report.version != seen_version:
        # transition_apply says which, in the person's words; nothing stored yet.
        with transaction.atomic():
            _publish_move(report, by, seen_version, record=None)
    now = clock.now()
    count, head = chain_head(report.compound_id)
    report.head_count, report.head_hash, report.published_at, report.published_by = count, head, now, by
    stored = _store_pdf(report, at=now)
    try:
        with transaction.atomic():
            with translation.override(settings.LANGUAGE_CODE):
                record = record_archive(
                    compound=report.compound,
                    kind=RecordKind.QUARTERLY_REPORT,
                    title=report_title(report),
                    happened_at=now,
                    body=presentation.plain_text(report.figures, title=report_title(report), foreword=report.foreword),
                    data={
                        "quarter": f"{report.year}Q{report.number}",
                        "report": report.pk,
                        "figures": report.figures,
                        "approved_by": report.approved_by_id,
                        "approved_at": report.approved_at,
                    },
                    parties=list(dict.fromkeys(name for name in [_person(report.approved_by), _person(by)] if name)),
                    files=[stored],
                    by=by,
                    source=report,
                )
            _publish_move(report, by, seen_version, record=record, head=(count, head), at=now)
            _tell_owners(report)
    except BaseException:
        archive_files_discard([stored])
        raise
    return report


def _person(user: User | None) -> str:
    return "" if user is None else user.get_full_name() or user.username


def _publish_move(
    report: QuarterlyReport,
    by: User,
    seen_version: int,
    *,
    record: ArchiveRecord | None,
    head: tuple[int, str] = (0, ""),
    at: datetime | None = None,
) -> None:
    transition_apply(
        obj=report,
        machine=QuarterlyReport.TRANSITIONS,
        action=QuarterlyReport.Action.PUBLISH,
        by=by,
        seen_version=seen_version,
        changes={
            "published_at": at,
            "published_by": by,
            "record": record,
            "head_count": head[0],
            "head_hash": head[1],
        },
        compound=report.compound,
        audit_data={"record": record.number if record else ""},
    )


def _tell_owners(report: QuarterlyReport) -> None:
    owners = compound_owners(report.compound_id)
    url = reverse("reports:report_detail", args=[report.pk])
    for owner in owners:
        notify(recipient=owner, kind="report_published", context={"report": report}, url=url)


def reports_compose_last_quarter(*, now: datetime | None = None) -> list[Composed]:
    """Every compound's report for the quarter before the current one."""
    now = now or clock.now()
    quarter = Quarter.last_complete(timezone.localtime(now).date())
    return [report_compose(compound=compound, quarter=quarter, now=now) for compound in Compound.objects.order_by("pk")]
