import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from api.models import BindingCode, FrontIdentity
from api.services import api_client_create, binding_code_issue
from committee_site.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def setup():
    compound = factories.CompoundFactory.create()
    admin = factories.UserFactory.create(is_superuser=True, is_staff=True)
    issued = api_client_create(by=admin, name="WeChat", compounds=[compound])
    owner = factories.owner_in(compound, first_name="Li")
    return issued, compound, owner


def _bind(client, token, code, openid="oABC"):
    return client.post(
        "/api/v1/bind",
        {"openid": openid, "code": code},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def _me(client, token, openid="oABC", **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", **extra}
    if openid is not None:
        headers["HTTP_X_OPENID"] = openid
    return client.get("/api/v1/me", **headers)


def test_bind_with_the_owners_code_binds_the_openid(client, setup):
    issued, compound, owner = setup
    code = binding_code_issue(user=owner).code
    assert len(code) == 8
    assert code not in BindingCode.objects.get().code_sha256
    response = _bind(client, issued.token, code.lower())
    assert response.status_code == 200
    assert response.json() == {"username": owner.username, "name": owner.get_full_name(), "compounds": [compound.pk]}
    assert FrontIdentity.objects.get().user == owner
    assert AuditEvent.objects.filter(action="front_identity.bind").count() == 1
    assert _me(client, issued.token).json()["username"] == owner.username


def test_bind_refuses_a_wrong_code(client, setup):
    issued, _compound, owner = setup
    binding_code_issue(user=owner)
    response = _bind(client, issued.token, "ZZZZZZZZ")
    assert response.status_code == 400
    assert response.json()["code"] == "code_invalid"
    assert not FrontIdentity.objects.exists()


def test_bind_refuses_a_used_code(client, setup):
    issued, _compound, owner = setup
    code = binding_code_issue(user=owner).code
    assert _bind(client, issued.token, code).status_code == 200
    response = _bind(client, issued.token, code, openid="oOTHER")
    assert response.status_code == 400
    assert response.json()["code"] == "code_invalid"
    assert FrontIdentity.objects.count() == 1


def test_bind_refuses_an_expired_code(client, setup):
    issued, _compound, owner = setup
    with time_machine.travel(START, tick=False):
        code = binding_code_issue(user=owner).code
    with time_machine.travel(START + timedelta(minutes=16), tick=False):
        response = _bind(client, issued.token, code)
    assert response.status_code == 400
    assert response.json()["code"] == "code_invalid"


def test_bind_refuses_an_earlier_code_once_a_new_one_is_issued(client, setup):
    issued, _compound, owner = setup
    first = binding_code_issue(user=owner).code
    binding_code_issue(user=owner)
    assert _bind(client, issued.token, first).status_code == 400


def test_bind_refuses_an_owner_of_a_compound_the_client_does_not_serve(client, setup):
    issued, _compound, _owner = setup
    elsewhere = factories.owner_in(factories.CompoundFactory.create())
    response = _bind(client, issued.token, binding_code_issue(user=elsewhere).code)
    assert response.status_code == 400
    assert response.json()["code"] == "code_invalid"
    assert not FrontIdentity.objects.exists()


def test_unbound_or_missing_openid_gets_403_json(client, setup):
    issued, _compound, _owner = setup
    missing = _me(client, issued.token, openid=None)
    unbound = _me(client, issued.token, openid="oNOBODY")
    assert (missing.status_code, missing.json()["code"]) == (403, "openid_missing")
    assert (unbound.status_code, unbound.json()["code"]) == (403, "openid_unbound")


def test_an_openid_bound_on_one_front_is_unbound_on_another(client, setup):
    issued, compound, owner = setup
    other = api_client_create(by=issued.client.created_by, name="Mini-program", compounds=[compound])
    assert _bind(client, issued.token, binding_code_issue(user=owner).code).status_code == 200
    assert _me(client, other.token).json()["code"] == "openid_unbound"


def test_unbound_error_is_in_the_requested_language(client, setup):
    issued, _compound, _owner = setup
    en = _me(client, issued.token, openid="oX", HTTP_ACCEPT_LANGUAGE="en").json()
    zh = _me(client, issued.token, openid="oX", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert en == {"code": "openid_unbound", "message": "Bind this identity to an owner's account first."}
    assert zh == {"code": "openid_unbound", "message": "请先将此身份绑定到业主账号。"}


def test_account_page_gives_an_owner_a_code_once(client, setup):
    issued, _compound, owner = setup
    client.force_login(owner)
    page = client.get("/accounts/")
    assert 'data-testid="binding-code-form"' in page.content.decode()
    response = client.post("/accounts/front-code/", follow=True)
    shown = [str(m) for m in response.context["messages"]]
    code = re.search(r"[2-9A-Z]{8}", shown[0]).group(0)
    assert _bind(client, issued.token, code).status_code == 200
    # The next page no longer shows it.
    assert code not in client.get("/accounts/").content.decode()


def test_account_code_is_refused_to_someone_who_is_not_an_owner(client):
    user = factories.UserFactory.create()
    client.force_login(user)
    assert 'data-testid="binding-code-form"' not in client.get("/accounts/").content.decode()
    client.post("/accounts/front-code/")
    assert not BindingCode.objects.exists()


def test_account_code_is_rate_limited(client, settings, setup):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "binding_code": {"user": "2/h", "address": "100/h"}}
    _issued, _compound, owner = setup
    client.force_login(owner)
    codes = [client.post("/accounts/front-code/").status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    assert BindingCode.objects.count() == 2


def test_bind_with_a_malformed_body_is_422_json(client, setup):
    issued, _compound, _owner = setup
    response = client.post(
        "/api/v1/bind",
        {"openid": "oABC"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {issued.token}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": "The request is not valid."}
