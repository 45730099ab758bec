from __future__ import annotations

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from reports.models import QuarterlyReport
from tests import factories
from tests.complaints.rows import bulk_complaints
from tests.reports.conftest import travel

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _run(*args):
    out = StringIO()
    with travel():
        call_command("quarterly_report", *args, stdout=out)
    return out.getvalue()


def test_command_builds_one_report_and_says_so_then_finds_it_unchanged(crafted):
    output = _run("--compound", str(crafted.pk), "--quarter", "2026Q3")
    report = QuarterlyReport.objects.get()
    assert f"created: report {report.pk}, compound {crafted.pk}" in output
    assert "2026Q3: 1 created." in output
    assert "2026Q3: 1 unchanged." in _run("--compound", str(crafted.pk), "--quarter", "2026q3")
    assert QuarterlyReport.objects.count() == 1


def test_command_all_builds_every_compound_for_the_quarter_before(crafted, other_compound):
    output = _run("--all")
    assert "2026Q3: 2 created." in output
    assert set(QuarterlyReport.objects.values_list("compound_id", flat=True)) == {crafted.pk, other_compound.pk}


def test_command_builds_an_older_quarter(crafted):
    _run("--compound", str(crafted.pk), "--quarter", "2025Q1")
    assert QuarterlyReport.objects.get().figures["complaints"]["received"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--all", "--quarter", "2026Q4"], "2026Q4 has not ended yet"),
        (["--all", "--quarter", "2027Q1"], "has not ended yet"),
        (["--all", "--quarter", "2026Q5"], "Not a quarter"),
        (["--all", "--quarter", "Q3"], "Not a quarter"),
        (["--all", "--quarter", "99999Q1"], "Not a quarter"),
        (["--compound", "999999"], "No compound with id 999999"),
    ],
)
def test_command_refuses_with_a_clear_message(crafted, args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert not QuarterlyReport.objects.exists()


def test_bench_times_the_largest_compound_and_composes_every_report(db):
    with pytest.raises(CommandError, match="fill the database with seed_scale first"):
        _run_bench()
    small, large = factories.CompoundFactory(), factories.CompoundFactory()
    bulk_complaints(small, 2, start=datetime(2026, 8, 3, 9, tzinfo=SHANGHAI))
    bulk_complaints(large, 5, start=datetime(2026, 8, 3, 9, tzinfo=SHANGHAI))
    output = _run_bench("--repeat", "2")
    assert "figures of the largest compound (5 complaints, 5 in 2026Q3; 7 in the district)" in output
    assert "composed 2 reports ({'created': 2})" in output
    assert "composed 2 reports ({'unchanged': 2})" in _run_bench("--repeat", "1")


def _run_bench(*args):
    out = StringIO()
    with travel():
        call_command("bench_quarterly_report", *args, stdout=out)
    return out.getvalue()
