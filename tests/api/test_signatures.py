import hashlib
import hmac
import json
import secrets
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from api.models import RequestNonce
from api.services import api_client_create, api_client_update, binding_code_issue, front_identity_bind
from committee_site.models import AuditEvent
from complaints.models import Complaint
from tests import factories

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def front(compound, owner):
    admin = factories.UserFactory.create(is_superuser=True, is_staff=True)
    issued = api_client_create(by=admin, name="WeChat", compounds=[compound])
    front_identity_bind(client=issued.client, openid="oOWNER", code=binding_code_issue(user=owner).code)
    return issued


def _signature(token, method, full_path, timestamp, nonce, body):
    # What a front computes: the key is the SHA-256 of its secret.
    key = hashlib.sha256(token.split(".", 1)[1].encode()).hexdigest().encode()
    message = f"{method}\n{full_path}\n{timestamp}\n{nonce}\n{hashlib.sha256(body).hexdigest()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _send(client, token, method, path, payload=None, *, timestamp=None, nonce=None, signature=None, send_body=None):
    body = json.dumps(payload).encode() if payload is not None else b""
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    nonce = nonce or secrets.token_hex(8)
    signature = signature or _signature(token, method, path, timestamp, nonce, body)
    return client.generic(
        method,
        path,
        send_body if send_body is not None else body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_X_OPENID="oOWNER",
        HTTP_X_TIMESTAMP=timestamp,
        HTTP_X_NONCE=nonce,
        HTTP_X_SIGNATURE=signature,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def _complaint_payload(owner):
    from complaints.models import Category

    unit = owner.owner_profile.units.get()
    return {
        "where": f"unit:{unit.pk}",
        "category": Category.objects.get(code="facility_repair").pk,
        "title": "电梯门关不上",
        "description": "3号楼电梯门这周一直关不上。",
    }


def test_correctly_signed_request_is_accepted(client, front):
    response = _send(client, front.token, "GET", "/api/v1/me")
    assert response.status_code == 200, response.json()
    assert RequestNonce.objects.count() == 1


def test_correctly_signed_request_with_a_query_and_a_body_is_accepted(client, front, owner):
    assert _send(client, front.token, "GET", "/api/v1/complaints?unused=1").status_code == 200
    response = _send(client, front.token, "POST", "/api/v1/complaints", _complaint_payload(owner))
    assert response.status_code == 201, response.json()


def test_forged_signature_is_refused_with_401_and_a_stable_code(client, front):
    response = _send(client, front.token, "GET", "/api/v1/me", signature="0" * 64)
    assert response.status_code == 401
    assert response.json() == {"code": "signature_invalid", "message": "The request's signature is not valid."}


def test_signature_made_with_another_key_is_refused(client, front):
    other = api_client_create(by=front.client.created_by, name="Other", compounds=[]).token
    timestamp, nonce = str(int(time.time())), "abcdefgh1234"
    forged = _signature(other, "GET", "/api/v1/me", timestamp, nonce, b"")
    response = _send(client, front.token, "GET", "/api/v1/me", timestamp=timestamp, nonce=nonce, signature=forged)
    assert (response.status_code, response.json()["code"]) == (401, "signature_invalid")


def test_replayed_nonce_is_refused(client, front):
    timestamp, nonce = str(int(time.time())), "replay-me-1"
    first = _send(client, front.token, "GET", "/api/v1/me", timestamp=timestamp, nonce=nonce)
    again = _send(client, front.token, "GET", "/api/v1/me", timestamp=timestamp, nonce=nonce)
    assert first.status_code == 200
    assert again.status_code == 401
    assert again.json() == {"code": "nonce_replayed", "message": "This request was already received; sign a new one."}


def test_replayed_filing_files_nothing_twice(client, front, owner):
    timestamp, nonce = str(int(time.time())), "file-once-1"
    payload = _complaint_payload(owner)
    assert (
        _send(client, front.token, "POST", "/api/v1/complaints", payload, timestamp=timestamp, nonce=nonce).status_code
        == 201
    )
    again = _send(client, front.token, "POST", "/api/v1/complaints", payload, timestamp=timestamp, nonce=nonce)
    assert (again.status_code, again.json()["code"]) == (401, "nonce_replayed")
    assert Complaint.objects.count() == 1


def test_the_same_nonce_on_another_client_is_no_replay(client, front, compound):
    other = api_client_create(by=front.client.created_by, name="Other", compounds=[compound]).token
    assert _send(client, front.token, "GET", "/api/v1/client", nonce="shared-nonce").status_code == 200
    assert _send(client, other, "GET", "/api/v1/client", nonce="shared-nonce").status_code == 200


@pytest.mark.parametrize("offset", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_stale_or_future_timestamp_is_refused(client, front, offset):
    with time_machine.travel(START, tick=False):
        timestamp = str(int((START + offset).timestamp()))
        response = _send(client, front.token, "GET", "/api/v1/me", timestamp=timestamp)
    assert response.status_code == 401
    assert response.json()["code"] == "signature_expired"
    assert not RequestNonce.objects.exists()


def test_timestamp_inside_the_window_is_accepted(client, front):
    with time_machine.travel(START, tick=False):
        timestamp = str(int((START - timedelta(minutes=4)).timestamp()))
        assert _send(client, front.token, "GET", "/api/v1/me", timestamp=timestamp).status_code == 200


def test_nonces_are_forgotten_once_their_timestamp_has_left_the_window(client, front):
    with time_machine.travel(START, tick=False):
        assert _send(client, front.token, "GET", "/api/v1/me", nonce="old-nonce-1").status_code == 200
    with time_machine.travel(START + timedelta(minutes=6), tick=False):
        assert _send(client, front.token, "GET", "/api/v1/me", nonce="new-nonce-1").status_code == 200
    assert list(RequestNonce.objects.values_list("nonce", flat=True)) == ["new-nonce-1"]


def test_altered_body_is_refused(client, front, owner):
    payload = _complaint_payload(owner)
    timestamp, nonce = str(int(time.time())), "alter-body-1"
    signature = _signature(front.token, "POST", "/api/v1/complaints", timestamp, nonce, json.dumps(payload).encode())
    altered = json.dumps({**payload, "title": "别的事"}).encode()
    response = _send(
        client, front.token, "POST", "/api/v1/complaints", payload,
        timestamp=timestamp, nonce=nonce, signature=signature, send_body=altered,
    )  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (401, "signature_invalid")
    assert not Complaint.objects.exists()


def test_altered_path_or_method_is_refused(client, front):
    timestamp, nonce = str(int(time.time())), "alter-path-1"
    signature = _signature(front.token, "GET", "/api/v1/me", timestamp, nonce, b"")
    response = _send(
        client, front.token, "GET", "/api/v1/client", timestamp=timestamp, nonce=nonce, signature=signature
    )
    assert (response.status_code, response.json()["code"]) == (401, "signature_invalid")


@pytest.mark.parametrize(("timestamp", "nonce"), [("soon", "abcdefgh"), ("1700000000", "short"), ("1", "bad nonce!")])
def test_malformed_signature_headers_are_refused(client, front, timestamp, nonce):
    response = _send(client, front.token, "GET", "/api/v1/me", timestamp=timestamp, nonce=nonce)
    assert (response.status_code, response.json()["code"]) == (401, "signature_invalid")


def test_signature_does_not_stand_in_for_the_token(client, front):
    timestamp, nonce = str(int(time.time())), "no-token-1"
    response = client.get(
        "/api/v1/me",
        HTTP_X_OPENID="oOWNER",
        HTTP_X_TIMESTAMP=timestamp,
        HTTP_X_NONCE=nonce,
        HTTP_X_SIGNATURE=_signature(front.token, "GET", "/api/v1/me", timestamp, nonce, b""),
    )
    assert (response.status_code, response.json()["code"]) == (401, "auth_missing")


def test_unsigned_request_is_refused_when_the_client_must_sign(client, front, compound):
    api_client_update(
        by=front.client.created_by, client=front.client, name="WeChat", compounds=[compound], is_active=True,
        require_signature=True,
    )  # fmt: skip
    unsigned = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {front.token}", HTTP_X_OPENID="oOWNER")
    assert unsigned.status_code == 401
    assert unsigned.json()["code"] == "signature_required"
    assert _send(client, front.token, "GET", "/api/v1/me").status_code == 200
    assert AuditEvent.objects.get(action="api_client.update").data == {"require_signature": [False, True]}


def test_unsigned_request_is_accepted_from_a_client_that_need_not_sign(client, front):
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {front.token}", HTTP_X_OPENID="oOWNER")
    assert response.status_code == 200


def test_admin_sets_require_signature(client, compound):
    admin = factories.UserFactory.create(is_superuser=True, is_staff=True)
    client.force_login(admin)
    client.post(
        "/admin/api/apiclient/add/",
        {"name": "Mini-program", "compounds": [compound.pk], "is_active": "on", "require_signature": "on"},
    )
    from api.models import ApiClient

    assert ApiClient.objects.get().require_signature is True
