from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from committee_site.models import AuditEvent, Notification
from committee_site.services import ChangedMeanwhile, NotAllowed, ServiceError
from complaints.models import Complaint
from records.analysis import Quarter
from records.models import ArchiveRecord, RecordKind
from reports import services
from reports.models import QuarterlyReport
from reports.tasks import quarterly_reports_compose
from tests.reports.conftest import NOW, Q3, at, travel

pytestmark = pytest.mark.django_db


def _compose(compound, now=NOW):
    with travel(now):
        return services.report_compose(compound=compound, quarter=Q3, now=now)


def _approve_and_publish(report, member):
    with travel(at("2026-12-04T10:30")):
        services.report_approve(report=report, by=member, seen_version=report.version)
    with travel(at("2026-12-04T11:00")):
        services.report_publish(report=report, by=member, seen_version=report.version)
    report.refresh_from_db()
    return report


def test_compose_makes_one_draft_and_tells_the_committee(crafted, committee_member):
    composed = _compose(crafted)
    assert composed.outcome == services.CREATED
    report = composed.report
    assert (report.year, report.number, report.status) == (2026, 3, "draft")
    assert report.figures["complaints"]["received"] == 5
    told = Notification.objects.filter(kind="report_draft")
    assert [n.recipient for n in told] == [committee_member]
    assert "2026" in told.get().title


def test_compose_again_changes_nothing_and_tells_nobody_again(crafted, committee_member):
    first = _compose(crafted).report
    assert _compose(crafted, at("2026-12-05T09:00")).outcome == services.UNCHANGED
    assert QuarterlyReport.objects.count() == 1
    assert QuarterlyReport.objects.get().version == first.version
    assert Notification.objects.filter(kind="report_draft").count() == 1


def test_a_correction_updates_the_draft(crafted, committee_member):
    report = _compose(crafted).report
    Complaint.objects.filter(compound=crafted, title="测试投诉", submitted_at=at("2026-08-05T09:00")).delete()
    composed = _compose(crafted, at("2026-12-06T09:00"))
    assert composed.outcome == services.UPDATED
    report.refresh_from_db()
    assert report.figures["complaints"]["received"] == 4
    assert report.status == "draft"
    assert QuarterlyReport.objects.count() == 1


def test_a_correction_sends_an_approved_report_back_for_approval(crafted, committee_member):
    report = _compose(crafted).report
    services.report_approve(report=report, by=committee_member, seen_version=report.version)
    Complaint.objects.filter(compound=crafted, submitted_at=at("2026-08-05T09:00")).delete()
    assert _compose(crafted, at("2026-12-06T09:00")).outcome == services.UPDATED
    report.refresh_from_db()
    assert (report.status, report.approved_by, report.approved_at) == ("draft", None, None)


def test_publish_archives_the_pdf_for_good_and_tells_the_owners(crafted, committee_member, owner, property_staff):
    report = _approve_and_publish(_compose(crafted).report, committee_member)
    assert report.status == "published"
    assert report.approved_by == committee_member
    assert report.approved_at == at("2026-12-04T10:30")
    assert report.published_at == at("2026-12-04T11:00")
    record = report.record
    assert record.kind == RecordKind.QUARTERLY_REPORT
    assert record.retention_until is None
    assert record.title == f"{crafted.name} 季度报告（2026年第3季度）"
    file = record.files.get()
    assert file.content_type == "application/pdf"
    with default_storage.open(file.stored_as, "rb") as stored:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(stored.read())).pages)
    assert f"{crafted.name} 季度报告（2026年第3季度）" in text
    assert "投诉" in text
    assert [n.recipient for n in Notification.objects.filter(kind="report_published")] == [owner]
    assert AuditEvent.objects.filter(action="quarterly_report.publish", actor=committee_member).count() == 1


def test_a_correction_after_publication_amends_the_record_never_a_second_report(crafted, committee_member):
    report = _approve_and_publish(_compose(crafted).report, committee_member)
    Complaint.objects.filter(compound=crafted, submitted_at=at("2026-08-05T09:00")).delete()
    composed = _compose(crafted, at("2026-12-10T09:00"))
    assert composed.outcome == services.AMENDED
    assert _compose(crafted, at("2026-12-11T09:00")).outcome == services.UNCHANGED
    assert QuarterlyReport.objects.count() == 1
    report.refresh_from_db()
    assert (report.status, report.amendments) == ("published", 1)
    assert report.figures["complaints"]["received"] == 4
    records = ArchiveRecord.objects.filter(kind=RecordKind.QUARTERLY_REPORT).order_by("sequence")
    assert [r.amends_id for r in records] == [None, report.record_id]
    assert records.last().files.count() == 1


def test_publish_needs_approval_first(crafted, committee_member):
    report = _compose(crafted).report
    with pytest.raises(NotAllowed):
        services.report_publish(report=report, by=committee_member, seen_version=report.version)
    assert not ArchiveRecord.objects.exists()


def test_approve_refuses_a_version_seen_before_a_change(crafted, committee_member):
    report = _compose(crafted).report
    services.report_foreword_update(report=report, by=committee_member, foreword="各位业主：", seen_version=1)
    stale = QuarterlyReport.objects.get()
    with pytest.raises(ChangedMeanwhile):
        services.report_approve(report=stale, by=committee_member, seen_version=1)


def test_only_the_committee_decides(crafted, owner, other_committee_member):
    report = _compose(crafted).report
    for person in (owner, other_committee_member):
        with pytest.raises(ServiceError):
            services.report_approve(report=report, by=person, seen_version=report.version)


def test_compose_refuses_a_quarter_not_over(crafted):
    with pytest.raises(ServiceError, match="2026"):
        services.report_compose(compound=crafted, quarter=Quarter(2026, 4), now=NOW)


def test_the_task_composes_the_quarter_before_for_every_compound(crafted, other_compound):
    with travel(at("2026-10-01T05:30")):
        assert quarterly_reports_compose.delay().get() == 2
        quarterly_reports_compose.delay()
    assert sorted(QuarterlyReport.objects.values_list("compound_id", "year", "number")) == [
        (crafted.pk, 2026, 3),
        (other_compound.pk, 2026, 3),
    ]


def test_the_beat_composes_on_the_first_morning_of_each_quarter():
    from committee_site.celery import app

    schedule = app.conf.beat_schedule["quarterly-reports-compose"]["schedule"]
    assert (schedule.month_of_year, schedule.day_of_month) == ({1, 4, 7, 10}, {1})
    assert (schedule.hour, schedule.minute) == ({5}, {30})
    assert app.conf.timezone == "Asia/Shanghai"
