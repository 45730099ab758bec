"""Who may read and act on a quarterly report: the committee of its compound
sees it from the draft on and decides on it; the owners, the community
office and the property company read it once published."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from committee_site.access import user_access
from committee_site.models import User
from reports.models import QuarterlyReport


def get_report_for(user: User, pk: int, *, write: bool = False) -> QuarterlyReport:
    """The report if the user may read it, 404 otherwise (a draft is nobody's
    business but the committee's); with `write`, 403 unless the user sits on
    its compound's committee."""
    report = QuarterlyReport.objects.filter(pk=pk).select_related("compound", "approved_by", "published_by").first()
    if report is None:
        raise Http404
    access = user_access(user)
    if access.is_committee(report.compound_id):
        return report
    readers = access.owner_compound_ids | access.officer_compound_ids | access.property_compound_ids
    if not report.is_published or report.compound_id not in readers:
        raise Http404
    if write:
        raise PermissionDenied
    return report


def may_decide(user: User, report: QuarterlyReport) -> bool:
    return user_access(user).is_committee(report.compound_id)
