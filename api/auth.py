"""Who is calling: the front's bearer token, checked before anything is
read or written, and the front's flood limit."""

from __future__ import annotations

import hmac

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer

from api.errors import ApiError
from api.models import ApiClient, FrontIdentity
from api.services import api_client_touch, secret_digest
from committee_site import clock, throttle
from committee_site.models import User

OPENID_HEADER = "X-Openid"


class ClientToken(HttpBearer):
    """`Authorization: Bearer <client id>.<secret>`."""

    def __call__(self, request: HttpRequest) -> ApiClient | None:
        if not request.headers.get(self.header):
            raise ApiError(401, "auth_missing", _("Send the client's token as Authorization: Bearer <token>."))
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient | None:
        key, _dot, secret = token.partition(".")
        client = ApiClient.objects.filter(key=key).first() if key and secret else None
        # The digest is compared even without a client, so a wrong key and a
        # wrong secret take the same time.
        expected = client.secret_sha256 if client else "0" * 64
        if not hmac.compare_digest(secret_digest(secret), expected) or client is None:
            raise ApiError(401, "auth_invalid", _("The client's token is not valid."))
        if not client.is_active:
            raise ApiError(401, "client_inactive", _("This client has been switched off."))
        request.api_client = client  # type: ignore[attr-defined]
        seconds = throttle.seconds_to_wait(request, "api")
        if seconds is not None:
            raise ApiError(
                429,
                "rate_limited",
                _("Too many requests; try again in %(seconds)d seconds.") % {"seconds": seconds},
                headers={"Retry-After": str(seconds)},
            )
        api_client_touch(client=client, at=clock.now())
        return client


def bound_owner(request: HttpRequest) -> User:
    """The owner the request's openid is bound to on the calling front; an
    openid that is missing or not bound gets 403 and can only bind."""
    client: ApiClient = request.auth  # type: ignore[attr-defined]
    openid = request.headers.get(OPENID_HEADER, "").strip()
    if not openid:
        raise ApiError(403, "openid_missing", _("Send the owner's openid in the X-Openid header."))
    identity = FrontIdentity.objects.filter(client=client, openid=openid).select_related("user").first()
    if identity is None or not identity.user.is_active:
        raise ApiError(403, "openid_unbound", _("Bind this identity to an owner's account first."))
    return identity.user
