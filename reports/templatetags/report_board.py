"""The owners' board lists the published quarterly reports (issue 11 point
5). The board belongs to the complaints app, which may not import this one;
its template loads this tag instead. One query whatever the number of reports."""

from __future__ import annotations

from typing import Any

from django import template

from committee_site.models import User
from reports.models import QuarterlyReport

register = template.Library()

# Quarters listed on the board; the reports page lists them all.
BOARD_REPORTS = 8


@register.inclusion_tag("includes/report_board.html")
def published_reports(user: User) -> dict[str, Any]:
    reports = list(
        QuarterlyReport.objects.visible_to(user)
        .published()
        .select_related("compound")
        .order_by("-year", "-number", "compound_id")[:BOARD_REPORTS]
    )
    return {"reports": reports, "several": len({report.compound_id for report in reports}) > 1}
