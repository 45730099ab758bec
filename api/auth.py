"""Who is calling: the front's bearer token, checked before anything is
read or written, and the front's flood limit."""

from __future__ import annotations

import hashlib
import hmac
import io
import re
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer

from api.errors import ApiError
from api.models import ApiClient, FrontIdentity
from api.services import api_client_touch, request_nonce_record, secret_digest
from committee_site import clock, throttle
from committee_site.models import TimeLimits, User

OPENID_HEADER = "X-Openid"

# Signed requests. The token alone proves who calls, but a request seen on
# the way (a proxy's or a front's own log, which keep bodies and drop the
# Authorization header) could be sent again or changed. A signed request
# also carries
#   X-Timestamp  Unix seconds, within SIGNATURE_WINDOW of the site's clock
#   X-Nonce      8-64 characters [A-Za-z0-9_-], never the same twice per client
#   X-Signature  hex HMAC-SHA256 of "METHOD\npath?query\ntimestamp\nnonce\nsha256hex(body)"
# The site keeps only the secret's SHA-256, so that digest is the HMAC key:
# the front computes it from its secret, the site has it stored. The token is
# still sent and checked against the digest first, so a leaked database alone
# does not let anyone call; the signature then ties the token to this one
# request. A nonce is remembered in the database (RequestNonce) while its
# timestamp is inside the window, so a replay is refused even when it reaches
# another worker; after the window the timestamp refuses it.
SIGNATURE_WINDOW = timedelta(minutes=5)
NONCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
SIGNATURE_HEADERS = ("X-Timestamp", "X-Nonce", "X-Signature")


def signing_string(*, method: str, full_path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join([method.upper(), full_path, timestamp, nonce, hashlib.sha256(body).hexdigest()]).encode()


def sign(*, secret_sha256: str, message: bytes) -> str:
    return hmac.new(secret_sha256.encode(), message, hashlib.sha256).hexdigest()


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
        # Counted before the signature is checked: bad signatures cost the
        # client its own quota, not the site's database.
        refuse_past_limit(throttle.seconds_to_wait(request, "api"))
        check_signature(request, client)
        api_client_touch(client=client, at=clock.now())
        return client


def refuse_past_limit(seconds: int | None) -> None:
    if seconds is not None:
        raise ApiError(
            429,
            "rate_limited",
            _("Too many requests; try again in %(seconds)d seconds.") % {"seconds": seconds},
            headers={"Retry-After": str(seconds)},
        )


def _body(request: HttpRequest) -> bytes:
    """The raw body, to hash. Django refuses to hold more than
    DATA_UPLOAD_MAX_MEMORY_SIZE as `body`, but a form with photos may be
    larger: up to as many photos as the site takes, each at most
    UPLOAD_MAX_IMAGE_MB, is read whole here (as `body` would, so the form
    parser still finds it)."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE or hasattr(request, "_body"):
        return request.body
    photos_at_most = TimeLimits.current().complaint_photos * settings.UPLOAD_MAX_IMAGE_MB * 1024 * 1024
    if not request.content_type == "multipart/form-data" or length > photos_at_most + 1024 * 1024:
        raise ApiError(413, "too_large", _("The request is too large."))
    request._body = request.read()
    request._stream = io.BytesIO(request._body)
    return request._body


def check_signature(request: HttpRequest, client: ApiClient) -> None:
    """Refuse a signed request whose signature, timestamp or nonce is wrong,
    and an unsigned one from a client that must sign."""
    timestamp, nonce, signature = (request.headers.get(name, "").strip() for name in SIGNATURE_HEADERS)
    if not (timestamp or nonce or signature):
        if client.require_signature:
            raise ApiError(
                401, "signature_required", _("This client must sign its requests (X-Timestamp, X-Nonce, X-Signature).")
            )
        return
    if not timestamp.isdigit() or not NONCE_PATTERN.fullmatch(nonce) or not signature:
        raise ApiError(401, "signature_invalid", _("The request's signature is not valid."))
    expected = sign(
        secret_sha256=client.secret_sha256,
        message=signing_string(
            method=request.method or "",
            full_path=request.get_full_path(),
            timestamp=timestamp,
            nonce=nonce,
            body=_body(request),
        ),
    )
    if not hmac.compare_digest(expected, signature.lower()):
        raise ApiError(401, "signature_invalid", _("The request's signature is not valid."))
    now = clock.now()
    try:
        signed_at = datetime.fromtimestamp(int(timestamp), tz=UTC)
    except (OverflowError, ValueError, OSError):
        signed_at = None
    if signed_at is None or abs(now - signed_at) > SIGNATURE_WINDOW:
        raise ApiError(
            401, "signature_expired", _("The request's timestamp is too far from the site's clock; sign it again.")
        )
    if not request_nonce_record(client=client, nonce=nonce, signed_at=signed_at, window=SIGNATURE_WINDOW):
        raise ApiError(401, "nonce_replayed", _("This request was already received; sign a new one."))


def bound_owner(request: HttpRequest, *, limit: str | None = None) -> User:
    """The owner the request's openid is bound to on the calling front; an
    openid that is missing or not bound gets 403 and can only bind.

    `limit` names the group in settings.RATE_LIMITS of the web form that
    does the same: the owner's own limit there applies here too, counted in
    the same place, so a front is no way round it. Only the per-user one: a
    front's few addresses speak for all its owners."""
    client: ApiClient = request.auth  # type: ignore[attr-defined]
    openid = request.headers.get(OPENID_HEADER, "").strip()
    if not openid:
        raise ApiError(403, "openid_missing", _("Send the owner's openid in the X-Openid header."))
    identity = FrontIdentity.objects.filter(client=client, openid=openid).select_related("user").first()
    if identity is None or not identity.user.is_active:
        raise ApiError(403, "openid_unbound", _("Bind this identity to an owner's account first."))
    if limit is not None:
        refuse_past_limit(throttle.seconds_to_wait(request, limit, values={"user": str(identity.user_id)}))
    return identity.user
