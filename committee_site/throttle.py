"""Reads for login throttling; the writes are in services."""

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest

from committee_site.models import LoginFailure


def client_address(request: HttpRequest) -> str | None:
    raw = request.META.get(settings.CLIENT_IP_HEADER) or request.META.get("REMOTE_ADDR") or ""
    # In X-Forwarded-For the client writes the first entries itself; the last
    # one is what the nearest (trusted) proxy saw.
    address = raw.split(",")[-1].strip()
    return address or None


def login_blocked(*, username: str, address: str | None) -> bool:
    """True when this username or this address failed too often lately.
    The counts stop at the limit, so a flood of failures costs nothing more."""
    window = timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    recent = LoginFailure.objects.recent(window=window)
    per_user = settings.LOGIN_FAILURES_PER_USERNAME
    if recent.filter(username=username.lower())[:per_user].count() >= per_user:
        return True
    per_address = settings.LOGIN_FAILURES_PER_ADDRESS
    return bool(address) and recent.filter(address=address)[:per_address].count() >= per_address
