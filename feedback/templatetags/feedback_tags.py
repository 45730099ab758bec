"""What the feedback app shows on other apps' pages. The complaints app may
not import feedback (DESIGN.md §2); its templates load this library instead:
`{% load feedback_tags %}`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils import timezone

from committee_site.access import user_access
from complaints.models import Complaint
from feedback import queries
from feedback.models import Callback

register = template.Library()


@register.inclusion_tag("feedback/includes/callback_coverage.html")
def callback_coverage(compound_ids: Iterable[int], link: bool = True) -> dict[str, Any]:
    """The callback coverage of these compounds over the last 90 days, with
    what the figure means and (unless on the list itself) a link to the
    callback list. One query."""
    return {"coverage": queries.callback_coverage(list(compound_ids), timezone.now()), "link": link}


@register.inclusion_tag("feedback/includes/callback_on_complaint.html", takes_context=True)
def complaint_callback(context: template.Context, complaint: Complaint) -> dict[str, Any]:
    """On the complaint's page, for its committee and community office: the
    callback's status and a link to it (nothing, and no query, for others)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    access = user_access(user) if user is not None else None
    if access is None or not (access.is_committee(complaint.compound_id) or access.is_officer(complaint.compound_id)):
        return {"callback": None}
    return {"callback": queries.complaint_callback(complaint), "max_attempts": Callback.MAX_ATTEMPTS}
