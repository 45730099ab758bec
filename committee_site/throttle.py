"""Who is asking, and how often they may: the client address, sign-in
lock-outs (django-axes, with a cool-off that grows) and the flood limits of
the forms (django-ratelimit, counted in the shared cache)."""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django_ratelimit.core import get_usage

from committee_site import clock

log = logging.getLogger(__name__)

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def client_address(request: HttpRequest) -> str | None:
    raw = request.META.get(settings.CLIENT_IP_HEADER) or request.META.get("REMOTE_ADDR") or ""
    # In X-Forwarded-For the client writes the first entries itself; the last
    # one is what the nearest (trusted) proxy saw.
    try:
        address = ipaddress.ip_address(raw.split(",")[-1].strip())
    except ValueError:
        return None
    if address.version == 6:
        # One IPv6 subscriber is given a whole /64: counting single addresses
        # would let them step to a fresh one for every guess.
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def _address_key(group: str, request: HttpRequest) -> str:
    return client_address(request) or "unknown"


# --- sign-in lock-outs ----------------------------------------------------------


def _pair(request: HttpRequest, credentials: dict[str, Any] | None = None) -> dict[str, Any]:
    credentials = credentials or getattr(request, "axes_credentials", None)
    return {
        "username": get_client_username(request, credentials),
        "ip_address": getattr(request, "axes_ip_address", None) or client_address(request),
    }


def login_cool_off(request: HttpRequest | None = None) -> timedelta:
    """How long an (account, address) pair waits after its last failure
    (AXES_COOLOFF_TIME): LOGIN_LOCKOUT_MINUTES at the limit, doubled by every
    failure after it, at most LOGIN_LOCKOUT_MAX_HOURS. Once a wait is over the
    pair has one try; a wrong password locks it again, for twice as long."""
    base = timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    longest = timedelta(hours=settings.LOGIN_LOCKOUT_MAX_HOURS)
    if request is None:
        return base
    failures = AccessAttempt.objects.filter(**_pair(request)).aggregate(total=Sum("failures_since_start"))["total"] or 0
    doublings = min(max(0, failures - settings.LOGIN_FAILURE_LIMIT), 32)
    return min(base * 2**doublings, longest)


def _address_failures(request: HttpRequest, *, increment: bool) -> dict[str, Any] | None:
    """The address's failed sign-ins across all accounts in the current window."""
    try:
        return get_usage(
            request,
            group="sign-in-failures",
            key=_address_key,
            rate=f"{settings.LOGIN_FAILURES_PER_ADDRESS}/{settings.LOGIN_ADDRESS_WINDOW_MINUTES}m",
            increment=increment,
        )
    except Exception:
        log.exception("the shared cache did not answer; the per-address sign-in cap is not applied")
        return None


def _address_blocked(usage: dict[str, Any] | None) -> bool:
    return usage is not None and usage["count"] >= usage["limit"]


class SignInAttempts(AxesDatabaseHandler):
    """Axes' database handler (AXES_HANDLER), plus the per-address cap, and
    with failures kept until the longest lock-out has passed twice, so that
    the next lock-out can grow."""

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        if _address_blocked(_address_failures(request, increment=False)):
            return True
        return bool(super().is_locked(request, credentials))

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        # A try refused during a lock-out checked no password: it is no failure.
        refused = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or refused:
            return
        if _address_blocked(_address_failures(request, increment=True)):
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.axes_credentials = credentials  # type: ignore[attr-defined]

    def clean_expired_user_attempts(
        self, request: HttpRequest | None = None, credentials: dict[str, Any] | None = None
    ) -> int:
        # Axes would forget a pair as soon as its wait is over; the growing
        # wait needs its failures for as long again as the longest wait.
        threshold = clock.now() - 2 * timedelta(hours=settings.LOGIN_LOCKOUT_MAX_HOURS)
        count, _details = AccessAttempt.objects.filter(attempt_time__lte=threshold).delete()
        return count


@dataclass(frozen=True)
class Lockout:
    seconds: int
    by_address: bool

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))


def sign_in_lockout(request: HttpRequest, credentials: dict[str, Any] | None = None) -> Lockout:
    """How long the asking pair (or the asking address) still waits."""
    usage = _address_failures(request, increment=False)
    address_wait = usage["time_left"] if _address_blocked(usage) and usage else 0
    latest = AccessAttempt.objects.filter(**_pair(request, credentials)).aggregate(at=Max("attempt_time"))["at"]
    pair_wait = 0
    if latest is not None:
        pair_wait = math.ceil((latest + login_cool_off(request) - clock.now()).total_seconds())
    if address_wait > pair_wait:
        return Lockout(seconds=address_wait, by_address=True)
    return Lockout(seconds=max(pair_wait, 1), by_address=False)


# --- floods ---------------------------------------------------------------------

# What each kind of limit counts: None means the limit does not apply to the request.
LIMIT_KEYS: dict[str, Callable[[HttpRequest], str | None]] = {
    "user": lambda request: str(request.user.pk) if request.user.is_authenticated else None,
    "address": lambda request: client_address(request) or "unknown",
    "email": lambda request: request.POST.get("email", "").strip().lower() or None,
    # The API's fronts: one WeChat account speaks for many owners from a few
    # addresses, so it is counted as itself.
    "client": lambda request: str(client.pk) if (client := getattr(request, "api_client", None)) else None,
}


def seconds_to_wait(request: HttpRequest, group: str, *, values: dict[str, str] | None = None) -> int | None:
    """Counts the request against the limits of `group`; how long it must
    wait if it is past any of them, else None. `values` counts only the
    limits it names, against the values given (the API's bound owner)."""
    waits = []
    for key, rate in settings.RATE_LIMITS[group].items():
        if values is not None and key not in values:
            continue
        value = values[key] if values is not None else LIMIT_KEYS[key](request)
        if value is None:
            continue
        try:
            usage = get_usage(
                request,
                group=f"{group}.{key}",
                key=lambda _group, _request, value=value: value,
                rate=rate,
                increment=True,
            )
        except Exception:
            log.exception("the shared cache did not answer; the %s limit of %s is not applied", key, group)
            continue
        if usage is not None and usage["should_limit"]:
            waits.append(max(usage["time_left"], 1))
    return max(waits, default=None)


def too_many_requests(request: HttpRequest, seconds: int) -> HttpResponse:
    retry_at = timezone.localtime(clock.now() + timedelta(seconds=seconds))
    response = render(
        request,
        "429.html",
        {"minutes": max(1, math.ceil(seconds / 60)), "retry_at": retry_at},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def rate_limited(group: str) -> Callable[[View], View]:
    """Counts the view's POSTs against the limits of `group` in
    settings.RATE_LIMITS, per user, per address and (where the form has one)
    per e-mail address typed; past any of them the form answers 429 before
    the view runs, so nothing is saved or sent."""
    if group not in settings.RATE_LIMITS:
        raise ValueError(f"No rate limits for {group!r} in settings.RATE_LIMITS")

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method == "POST":
                seconds = seconds_to_wait(request, group)
                if seconds is not None:
                    return too_many_requests(request, seconds)
            return view(request, *args, **kwargs)

        setattr(limited, "rate_limit_group", group)  # noqa: B010
        return limited  # type: ignore[return-value]

    return decorate
