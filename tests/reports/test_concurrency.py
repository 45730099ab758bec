"""Two beats (or a beat and the command) composing the same report at once
make one report, and two members publishing at once archive it once
(PostgreSQL: SQLite runs one writer at a time)."""

from __future__ import annotations

import pytest

from committee_site.models import Compound
from committee_site.services import ChangedMeanwhile
from records.models import ArchiveRecord, RecordKind
from reports import services
from reports.models import QuarterlyReport
from tests.races import postgresql_only, race
from tests.reports.conftest import NOW, Q3

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only]


def test_two_runs_at_once_compose_one_report(compound, committee_member):
    def load():
        return Compound.objects.get(pk=compound.pk)

    def act(seen):
        return services.report_compose(compound=seen, quarter=Q3, now=NOW).outcome

    outcomes = race((load, act), (load, act))
    assert sorted(outcomes) == [services.CREATED, services.UNCHANGED]
    assert QuarterlyReport.objects.count() == 1


def test_two_members_publishing_at_once_archive_it_once(compound, committee_member):
    report = services.report_compose(compound=compound, quarter=Q3, now=NOW).report
    services.report_approve(report=report, by=committee_member, seen_version=report.version)

    def load():
        return QuarterlyReport.objects.select_related("compound", "approved_by").get(pk=report.pk)

    def act(seen):
        return services.report_publish(report=seen, by=committee_member, seen_version=seen.version)

    outcomes = race((load, act), (load, act))
    assert sum(isinstance(outcome, ChangedMeanwhile) for outcome in outcomes) == 1
    assert ArchiveRecord.objects.filter(kind=RecordKind.QUARTERLY_REPORT).count() == 1
    assert QuarterlyReport.objects.get().status == "published"
