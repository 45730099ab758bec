import pytest

from api.services import api_client_create
from tests import factories

pytestmark = pytest.mark.django_db

JSON = "application/json; charset=utf-8"


@pytest.fixture
def token():
    admin = factories.UserFactory.create(is_superuser=True, is_staff=True)
    return api_client_create(by=admin, name="WeChat", compounds=[factories.CompoundFactory.create()]).token


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v1/complaints/1/nothing", "/api/v1/", "/api/v1/client/"]
)
def test_unknown_api_path_is_a_json_404_with_a_code(client, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"] == JSON
    assert response.json() == {"code": "unknown_path", "message": "There is no such address in the API."}


def test_unknown_api_path_message_is_in_chinese_when_asked(client):
    response = client.post("/api/v1/nothing-here", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_path"
    assert response.json()["message"] != "There is no such address in the API."


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", "/api/v1/client", {"GET"}),
        ("put", "/api/v1/complaints", {"GET", "POST"}),
        ("get", "/api/v1/bind", {"POST"}),
        ("post", "/api/v1/openapi.json", {"GET", "HEAD"}),
    ],
)
def test_wrong_method_is_a_json_405_naming_the_allowed_ones(client, token, method, path, allowed):
    response = getattr(client, method)(path, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 405
    assert response["Content-Type"] == JSON
    assert response.json() == {"code": "method_not_allowed", "message": "This address does not take this method."}
    assert {method.strip() for method in response["Allow"].split(",")} == allowed


@pytest.mark.parametrize("body", ["{not json", "[1, 2", "\xff"])
def test_malformed_json_body_is_a_json_400_with_a_code(client, token, body):
    response = client.post(
        "/api/v1/bind",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == JSON
    assert response.json() == {"code": "malformed_body", "message": "The request body is not valid JSON."}


@pytest.mark.parametrize(
    "body", ['"a string"', "[]", "null", '{"openid": 5, "code": []}', '{"openid": "o", "code": "x"}']
)
def test_body_of_the_wrong_shape_is_a_json_422(client, token, body):
    response = client.post("/api/v1/bind", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_non_numeric_complaint_id_is_json_not_html(client, token):
    response = client.get("/api/v1/complaints/abc", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_OPENID="o")
    assert response.status_code in (404, 422)
    assert response["Content-Type"] == JSON
    assert "code" in response.json()


def test_a_bug_in_an_endpoint_is_a_json_500_not_the_html_page(client, token, monkeypatch):
    from api import views

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "front_identity_bind", broken)
    client.raise_request_exception = False
    response = client.post(
        "/api/v1/bind",
        {"openid": "oABC", "code": "ABCDEFGH"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 500
    assert response["Content-Type"] == JSON
    assert response.json()["code"] == "server_error"
