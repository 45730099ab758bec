from typing import Any

from django.http import HttpRequest

from committee_site.access import user_access
from committee_site.models import Notification, OwnerApplication

# Badges show at most this many; "99+" beyond, so the count query stays cheap.
BADGE_LIMIT = 100


def _bounded_count(queryset: Any) -> int:
    return int(queryset[:BADGE_LIMIT].count())


def site_shell(request: HttpRequest) -> dict[str, Any]:
    """What the navigation needs: the user's roles and the unread badges."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = user_access(user)
    shell: dict[str, Any] = {
        "nav_is_committee": bool(access.committee_compound_ids),
        "nav_is_owner": bool(access.owner_compound_ids),
        "nav_is_property": bool(access.property_compound_ids),
        "nav_is_officer": bool(access.officer_compound_ids),
        "nav_unread": _bounded_count(Notification.objects.for_user(user).unread()),
        "badge_limit": BADGE_LIMIT,
    }
    if shell["nav_is_committee"]:
        shell["nav_pending_applications"] = _bounded_count(OwnerApplication.objects.visible_to(user).pending())
    return shell
