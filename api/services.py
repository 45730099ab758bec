"""Writes of the API's own rows: its clients."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from api.models import ApiClient, BindingCode, FrontIdentity, RequestNonce
from committee_site import clock
from committee_site.access import user_access
from committee_site.models import Compound, User
from committee_site.services import ServiceError, audit_record


def secret_digest(secret: str) -> str:
    # A 32-byte random secret needs no slow hash: nobody can guess it from
    # its SHA-256, and every request can be checked in microseconds.
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedClient:
    client: ApiClient
    token: str  # shown once; only its digest is stored


@transaction.atomic
def api_client_create(
    *,
    by: User,
    name: str,
    compounds: Iterable[Compound],
    is_active: bool = True,
    require_signature: bool = False,
    token: str | None = None,
) -> IssuedClient:
    """A new client and its token. `token` ("<key>.<secret>") is for the
    demo only, whose token the README prints; every real client gets a
    random one."""
    key, _dot, secret = (token or "").partition(".")
    secret = secret or secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        name=name,
        key=key or secrets.token_hex(8),
        secret_sha256=secret_digest(secret),
        is_active=is_active,
        require_signature=require_signature,
        created_by=by,
    )
    client.compounds.set(list(compounds))
    audit_record(
        actor=by,
        action="api_client.create",
        obj=client,
        data={
            "name": name,
            "compounds": sorted(client.compounds.values_list("pk", flat=True)),
            "require_signature": require_signature,
        },
    )
    return IssuedClient(client=client, token=f"{client.key}.{secret}")


def api_client_touch(*, client: ApiClient, at: datetime) -> None:
    """Mark the client as seen, at most once a minute: a busy front must not
    turn every read into a write. No audit row: it is a sighting, not a change."""
    ApiClient.objects.filter(pk=client.pk).exclude(last_used_at__gt=at - timedelta(minutes=1)).update(last_used_at=at)


@transaction.atomic
def api_client_update(
    *,
    by: User,
    client: ApiClient,
    name: str,
    compounds: Iterable[Compound],
    is_active: bool,
    require_signature: bool | None = None,
) -> ApiClient:
    """Rename, rescope or switch a client off or on; its token stays the same."""
    locked = ApiClient.objects.select_for_update().get(pk=client.pk)
    before = {
        "name": locked.name,
        "is_active": locked.is_active,
        "require_signature": locked.require_signature,
        "compounds": sorted(locked.compounds.values_list("pk", flat=True)),
    }
    locked.name = name
    locked.is_active = is_active
    if require_signature is not None:
        locked.require_signature = require_signature
    locked.save(update_fields=["name", "is_active", "require_signature"])
    locked.compounds.set(list(compounds))
    after = {
        "name": name,
        "is_active": is_active,
        "require_signature": locked.require_signature,
        "compounds": sorted(locked.compounds.values_list("pk", flat=True)),
    }
    changes = {field: [before[field], after[field]] for field in before if before[field] != after[field]}
    if changes:
        audit_record(actor=by, action="api_client.update", obj=locked, data=changes)
    return locked


def request_nonce_record(*, client: ApiClient, nonce: str, signed_at: datetime, window: timedelta) -> bool:
    """Remember a signed request's nonce; False if the client used it already
    (a replay). Nonces whose timestamp has left the window are dropped here:
    a replay of them is refused as stale anyway. No audit row: it is a
    sighting, like api_client_touch."""
    RequestNonce.objects.filter(client=client, signed_at__lt=clock.now() - window).delete()
    try:
        # Its own savepoint: a replay must not break the request's transaction.
        with transaction.atomic():
            RequestNonce.objects.create(client=client, nonce=nonce, signed_at=signed_at)
    except IntegrityError:
        return False
    return True


# --- binding an owner's front identity --------------------------------------------

BINDING_CODE_LENGTH = 8
BINDING_CODE_MINUTES = 15
# No 0/O, 1/I/L: the owner reads the code off one screen and types it on a phone.
BINDING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def binding_code_digest(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once; only its digest is stored
    expires_at: datetime


@transaction.atomic
def binding_code_issue(*, user: User) -> IssuedCode:
    """A fresh one-time code for the owner; their earlier unused codes stop working."""
    now = clock.now()
    BindingCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    code = "".join(secrets.choice(BINDING_ALPHABET) for _ in range(BINDING_CODE_LENGTH))
    row = BindingCode.objects.create(
        user=user,
        code_sha256=binding_code_digest(code),
        created_at=now,
        expires_at=now + timedelta(minutes=BINDING_CODE_MINUTES),
    )
    audit_record(actor=user, action="binding_code.issue", obj=row, data={"expires_at": row.expires_at.isoformat()})
    return IssuedCode(code=code, expires_at=row.expires_at)


@transaction.atomic
def front_identity_bind(*, client: ApiClient, openid: str, code: str) -> FrontIdentity:
    """Bind the openid on this front to the owner whose code it is. The code
    is used up; a wrong, expired or used code binds nothing. The owner must
    own a unit in one of the client's compounds."""
    now = clock.now()
    row = (
        BindingCode.objects.select_for_update()
        .filter(code_sha256=binding_code_digest(code), used_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if row is None:
        raise ServiceError(_("The code is wrong, expired or already used."))
    owner_compounds = user_access(row.user).owner_compound_ids
    if not client.compounds.filter(pk__in=owner_compounds).exists():
        raise ServiceError(_("This front does not serve your compound."))
    row.used_at = now
    row.save(update_fields=["used_at"])
    identity, _created = FrontIdentity.objects.update_or_create(
        client=client, openid=openid, defaults={"user": row.user, "bound_at": now}
    )
    audit_record(actor=row.user, action="front_identity.bind", obj=identity, data={"client": client.pk})
    return identity
