import json
import re

import pytest

from api.models import ApiClient
from api.services import api_client_create, api_client_update
from committee_site.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


def _issue(**kwargs):
    admin = factories.UserFactory.create(is_superuser=True, is_staff=True)
    compound = factories.CompoundFactory.create()
    return api_client_create(by=admin, name="WeChat", compounds=[compound], **kwargs), compound


def test_api_client_create_keeps_only_the_digest_of_the_secret():
    issued, compound = _issue()
    key, secret = issued.token.split(".", 1)
    client = ApiClient.objects.get()
    assert client.key == key
    assert len(secret) >= 43  # 32 random bytes, URL-safe base64
    assert secret not in client.secret_sha256
    assert list(client.compounds.all()) == [compound]
    event = AuditEvent.objects.get(action="api_client.create")
    assert secret not in json.dumps(event.data)


def test_client_read_answers_the_client_with_a_valid_token(client):
    issued, compound = _issue()
    response = client.get("/api/v1/client", HTTP_AUTHORIZATION=f"Bearer {issued.token}")
    assert response.status_code == 200
    assert response.json() == {"name": "WeChat", "compounds": [compound.pk]}
    assert ApiClient.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "auth_missing"),
        ("Bearer nonsense", "auth_invalid"),
        ("Basic abc", "auth_invalid"),
        ("wrong-secret", "auth_invalid"),
        ("unknown-key", "auth_invalid"),
    ],
)
def test_client_read_refuses_a_missing_or_wrong_token_with_401_json(client, header, code):
    issued, _compound = _issue()
    key, secret = issued.token.split(".", 1)
    header = {"wrong-secret": f"Bearer {key}.{secret[:-2]}xx", "unknown-key": f"Bearer 0000.{secret}"}.get(
        header, header
    )
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v1/client", **extra)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["code"] == code
    assert response.json()["message"]


def test_client_read_refuses_an_inactive_client(client):
    issued, compound = _issue()
    api_client_update(
        by=issued.client.created_by, client=issued.client, name="WeChat", compounds=[compound], is_active=False
    )
    response = client.get("/api/v1/client", HTTP_AUTHORIZATION=f"Bearer {issued.token}")
    assert response.status_code == 401
    assert response.json()["code"] == "client_inactive"
    assert AuditEvent.objects.get(action="api_client.update").data == {"is_active": [True, False]}


def test_error_message_follows_accept_language(client):
    en = client.get("/api/v1/client", HTTP_ACCEPT_LANGUAGE="en")
    zh = client.get("/api/v1/client", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert en.json() == {"code": "auth_missing", "message": "Send the client's token as Authorization: Bearer <token>."}
    assert zh.json()["code"] == "auth_missing"
    assert zh.json()["message"] != en.json()["message"]


def test_client_is_rate_limited_with_429_json(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api": {"client": "2/h"}}
    issued, _compound = _issue()
    other, _ = _issue()
    answers = [client.get("/api/v1/client", HTTP_AUTHORIZATION=f"Bearer {issued.token}") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["code"] == "rate_limited"
    assert int(answers[2]["Retry-After"]) > 0
    # Each client has its own count.
    assert client.get("/api/v1/client", HTTP_AUTHORIZATION=f"Bearer {other.token}").status_code == 200


def test_openapi_document_is_served_as_json_naming_every_endpoint(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/v1/client",
        "/api/v1/bind",
        "/api/v1/me",
        "/api/v1/complaints",
        "/api/v1/complaints/with-photos",
        "/api/v1/complaints/{complaint_id}",
        "/api/v1/complaints/{complaint_id}/confirm",
        "/api/v1/complaints/{complaint_id}/dispute",
        "/api/v1/callbacks",
        "/api/v1/callbacks/{callback_id}/answer",
        "/api/v1/surveys",
        "/api/v1/surveys/{survey_id}",
        "/api/v1/surveys/{survey_id}/answer",
        "/api/v1/results",
    }
    operations = {op["operationId"] for path in document["paths"].values() for op in path.values()}
    assert operations == {
        "client_read", "front_identity_bind", "owner_read", "complaint_submit", "complaint_submit_with_photos",
        "complaint_list", "complaint_read",
        "complaint_confirm", "complaint_dispute", "callback_list", "callback_answer", "survey_list", "survey_read",
        "survey_answer", "publication_list",
    }  # fmt: skip
    assert document["components"]["securitySchemes"]["ClientToken"]["scheme"] == "bearer"


def test_admin_add_shows_the_token_once_and_audits(client):
    admin = factories.UserFactory.create(is_superuser=True, is_staff=True)
    compound = factories.CompoundFactory.create()
    client.force_login(admin)
    response = client.post(
        "/admin/api/apiclient/add/",
        {"name": "Mini-program", "compounds": [compound.pk], "is_active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    created = ApiClient.objects.get()
    shown = [str(m) for m in response.context["messages"] if f"{created.key}." in str(m)]
    assert len(shown) == 1
    token = re.search(rf"{created.key}\.\S+", shown[0]).group(0)
    assert client.get("/api/v1/client", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert list(created.compounds.all()) == [compound]
    assert created.created_by == admin
    # The change page never shows it again.
    page = client.get(f"/admin/api/apiclient/{created.pk}/change/")
    assert token.split(".", 1)[1] not in page.content.decode()


def test_admin_is_for_the_site_admin_only(client):
    staff = factories.UserFactory.create(is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/api/apiclient/add/").status_code == 403
